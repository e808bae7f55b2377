package io.jcolz.training.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.LocalParameterServer;
import org.junit.jupiter.api.Test;

/**
 * The step count the schedule sees with D device copies. DJL's {@link LocalParameterServer} calls
 * {@code optimizer.update} once per copy of each parameter (its default server for every engine);
 * two CPU arrays stand for the two copies, as DJL refuses two CPU devices in a trainer.
 */
class OptimizerSettingsTest {
  @Test
  void stepOfMapsPerCopyUpdatesToSteps() {
    // DJL's counts within step s (1-based) with D copies: D(s−1)+1 … D·s
    for (int d = 1; d <= 4; d++) {
      for (int s = 1; s <= 5; s++) {
        for (int u = d * (s - 1) + 1; u <= d * s; u++) {
          assertEquals(s, OptimizerSettings.stepOf(u, d), "u " + u + ", D " + d);
        }
      }
    }
    assertEquals(1, OptimizerSettings.stepOf(0, 2)); // never below step 1
    assertThrows(
        IllegalArgumentException.class,
        () -> new OptimizerSettings("sgd", 1f, 0f, 0f, 1, 2).build(0, 0));
  }

  @Test
  void twoDeviceCopiesAdvanceTheScheduleOncePerStep() {
    // plain SGD (no momentum, no decay): each step moves a weight by −lr(step) · (sum of the
    // copies' gradients)
    OptimizerSettings settings = new OptimizerSettings("sgd", 1f, 0f, 0f, 4, 12);
    WarmupCosineTracker schedule = settings.schedule(0);
    LocalParameterServer server = new LocalParameterServer(settings.build(0, 2));
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray[] a = {m.zeros(new Shape(3)), m.zeros(new Shape(3))};
      NDArray[] b = {m.zeros(new Shape(2, 2)), m.zeros(new Shape(2, 2))};
      double expected = 0;
      for (int step = 0; step < 16; step++) {
        server.update(
            "a", new NDArray[] {m.full(new Shape(3), 0.25f), m.full(new Shape(3), 0.75f)}, a);
        server.update(
            "b", new NDArray[] {m.full(new Shape(2, 2), 0.5f), m.full(new Shape(2, 2), 0.5f)}, b);
        expected -= schedule.valueAt(step); // summed gradient 1
        for (NDArray w : new NDArray[] {a[0], a[1], b[0], b[1]}) {
          assertEquals(expected, w.toFloatArray()[0], 1e-5, "step " + step);
        }
      }
    }
  }

  @Test
  void resumedMultiDeviceOptimizerContinuesTheSchedule() {
    OptimizerSettings settings = new OptimizerSettings("sgd", 0.5f, 0f, 0f, 2, 10);
    WarmupCosineTracker schedule = settings.schedule(0);
    LocalParameterServer server = new LocalParameterServer(settings.build(6, 2));
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray[] w = {m.zeros(new Shape(1)), m.zeros(new Shape(1))};
      double expected = 0;
      for (int step = 6; step < 10; step++) {
        server.update("w", new NDArray[] {m.ones(new Shape(1)), m.zeros(new Shape(1))}, w);
        expected -= schedule.valueAt(step);
        assertEquals(expected, w[0].getFloat(0), 1e-6, "step " + step);
        assertEquals(expected, w[1].getFloat(0), 1e-6, "step " + step);
      }
    }
  }
}
