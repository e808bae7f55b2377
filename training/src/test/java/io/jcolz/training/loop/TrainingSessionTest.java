package io.jcolz.training.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.order.Order;
import io.jcolz.shapes.ShapesDatasetWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TrainingSession#takeStep} over one loader for several epochs takes, step for step, the
 * batches that one loader per epoch gives — also with two devices and an epoch of an odd number of
 * batches, where the loader's last batch of each epoch is left over and must be skipped. (DJL
 * trains on two devices only with two GPUs; this checks the batch bookkeeping without them.)
 */
class TrainingSessionTest {
  private static final long SEED = 3;
  private static final int BATCH = 8;

  @TempDir static Path tmp;
  static Path data;

  @BeforeAll
  static void write() throws Exception {
    data = tmp.resolve("train");
    ShapesDatasetWriter.write(data, 40, 16, 5); // 5 batches of 8 per epoch
  }

  private static Loader loader(Dataset ds, int devices, long epoch, long batch, long epochs) {
    return Loader.builder(ds)
        .batchSize(BATCH)
        .devices(devices)
        .workers(2)
        .order(Order.QUASI_RANDOM)
        .seed(SEED)
        .startAt(epoch, batch)
        .epochs(epochs)
        .start();
  }

  /** "epoch/index/rows" of each batch of {@code steps} steps of one epoch. */
  private static List<String> steps(Loader loader, long epoch, long steps, int devices)
      throws Exception {
    List<String> out = new ArrayList<>();
    Batch[] batches = new Batch[devices];
    for (long s = 0; s < steps; s++) {
      try {
        assertTrue(TrainingSession.takeStep(loader, epoch, batches), "step " + s);
        for (Batch b : batches) {
          out.add(b.epoch() + "/" + b.index() + "/" + Arrays.toString(b.rowIds()));
        }
      } finally {
        for (int k = 0; k < devices; k++) {
          if (batches[k] != null) {
            batches[k].close();
            batches[k] = null;
          }
        }
      }
    }
    return out;
  }

  @Test
  void oneLoaderForAllEpochsTakesWhatOneLoaderPerEpochTakes() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      for (int devices : new int[] {1, 2}) {
        for (long startBatch : new long[] {0, devices}) {
          String where = devices + " device(s), from batch " + startBatch + ", seed " + SEED;
          long epochs = 3;
          List<String> perEpoch = new ArrayList<>();
          for (long e = 0; e < epochs; e++) {
            long from = e == 0 ? startBatch : 0;
            try (Loader l = loader(ds, devices, e, from, 1)) {
              perEpoch.addAll(steps(l, e, (5 - from) / devices, devices));
            }
          }
          List<String> oneLoader = new ArrayList<>();
          try (Loader l = loader(ds, devices, 0, startBatch, epochs)) {
            for (long e = 0; e < epochs; e++) {
              long from = e == 0 ? startBatch : 0;
              oneLoader.addAll(steps(l, e, (5 - from) / devices, devices));
            }
            // with 2 devices the last epoch's batch 4 is still queued for device 0; then the end
            Batch[] rest = new Batch[devices];
            boolean more = TrainingSession.takeStep(l, epochs, rest);
            for (Batch b : rest) {
              if (b != null) {
                b.close();
              }
            }
            assertFalse(more, where);
          }
          assertEquals(perEpoch, oneLoader, where);
          long steps = (5 - startBatch) / devices + (epochs - 1) * (5 / devices);
          assertEquals(steps * devices, oneLoader.size(), where);
        }
      }
    }
  }
}
