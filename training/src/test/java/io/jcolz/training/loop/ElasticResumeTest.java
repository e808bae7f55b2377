package io.jcolz.training.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.jcolz.format.Dataset;
import io.jcolz.loader.Batch;
import io.jcolz.shapes.ShapesDatasetWriter;
import io.jcolz.training.checkpoint.Checkpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Elastic resume: a checkpoint written with 4 replicas × batch 4 resumes on 2 replicas × batch 8
 * (same global batch 16; replicas share the CPU) and the rows trained before and after, in step
 * order, are exactly those of one uninterrupted epoch on 1 device × batch 16: every row once, none
 * repeated, in the same order. A resume with another global batch is refused in one line. ResNet-18
 * at 16 px, 64 rows in 2-row chunks.
 */
class ElasticResumeTest {
  @TempDir Path tmp;

  /** Row ids of every batch taken, in the order taken (device order within a step). */
  private static final class Rows implements TrainingCallbacks {
    final List<Long> rows = new ArrayList<>();

    @Override
    public void batchTaken(Batch b) {
      for (long r : b.rowIds()) {
        rows.add(r);
      }
    }
  }

  private static TrainingSettings.Builder config(Path ck, int devices, int batch) {
    Device[] d = new Device[devices];
    Arrays.fill(d, Device.cpu());
    return TrainingSettings.builder()
        .model("resnet18")
        .epochs(1)
        .batchSize(batch)
        .devices(d)
        .workers(1)
        .seed(5)
        .checkpointDir(ck);
  }

  @Test
  void fourByFourResumesAsTwoByEightWithTheSamplesNotYetSeen() throws Exception {
    Path data = tmp.resolve("train");
    // 2-row chunks: a loader of batch 4 would pick another quasi-random window (8 chunks) than
    // one of the global batch 16 (16 chunks), and so another order
    ShapesDatasetWriter.write(data, 64, 16, 5, 2);
    try (Dataset ds = Dataset.open(data)) {
      Rows whole = new Rows();
      Training.run(ds, null, config(null, 1, 16).build(), whole);
      assertEquals(64, whole.rows.size());
      assertEquals(64, new HashSet<>(whole.rows).size());

      Path ck = tmp.resolve("ck");
      Rows before = new Rows();
      TrainingOutcome first = Training.run(ds, null, config(ck, 4, 4).maxSteps(1).build(), before);
      assertEquals(1, first.stepsDone());
      assertEquals(4, Checkpoints.load(ck).checkpoint().nextBatch()); // in batches of 4

      IllegalArgumentException refused =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Training.run(
                      ds, null, config(ck, 2, 4).resume(true).build(), new TrainingCallbacks() {}));
      assertEquals(
          "the checkpoint's global batch is 4 device(s) × 4 = 16, this run's 2 × 4 = 8 (resume"
              + " with the same global batch: devices × batch = 16)",
          refused.getMessage());

      Rows after = new Rows();
      TrainingOutcome second = Training.run(ds, null, config(ck, 2, 8).resume(true).build(), after);
      assertEquals(4, second.stepsDone());
      assertEquals(1, second.epochsCompleted());

      List<Long> union = new ArrayList<>(before.rows);
      union.addAll(after.rows);
      assertEquals(64, new HashSet<>(union).size(), "no row twice: " + union);
      assertEquals(whole.rows, union, "the uninterrupted epoch's rows in its order");
      assertTrue(after.rows.size() == 48);
    }
  }
}
