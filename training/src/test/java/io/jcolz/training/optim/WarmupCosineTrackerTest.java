package io.jcolz.training.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The schedule pinned at hand-computed points, and its continuation after a resume. */
class WarmupCosineTrackerTest {
  @Test
  void warmupThenCosine() {
    WarmupCosineTracker t = new WarmupCosineTracker(1f, 0.01f, 4, 104, 0);
    assertEquals(0.25f, t.getNewValue(1), 1e-7); // DJL counts updates from 1
    assertEquals(0.5f, t.getNewValue(2), 1e-7);
    assertEquals(1f, t.getNewValue(4), 1e-7);
    assertEquals(1f, t.getNewValue(5), 1e-7); // step 4: cosine at p = 0
    assertEquals(0.505f, t.valueAt(54), 1e-6); // p = 0.5: final + (base − final)/2
    assertEquals(0.01f, t.valueAt(104), 1e-7);
    assertEquals(0.01f, t.valueAt(1000), 1e-7);
  }

  @Test
  void offsetContinuesTheSchedule() {
    WarmupCosineTracker whole = new WarmupCosineTracker(0.1f, 0.001f, 10, 100, 0);
    WarmupCosineTracker resumed = new WarmupCosineTracker(0.1f, 0.001f, 10, 100, 37);
    for (int u = 1; u < 50; u++) {
      assertEquals(whole.getNewValue(37 + u), resumed.getNewValue(u));
    }
  }

  @Test
  void badSchedulesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new WarmupCosineTracker(0f, 0f, 1, 2, 0));
    assertThrows(IllegalArgumentException.class, () -> new WarmupCosineTracker(1f, 2f, 1, 2, 0));
    assertThrows(IllegalArgumentException.class, () -> new WarmupCosineTracker(1f, 0f, 5, 2, 0));
    assertThrows(
        IllegalArgumentException.class, () -> new OptimizerSettings("rmsprop", 1f, 0.9f, 0f, 1, 2));
  }
}
