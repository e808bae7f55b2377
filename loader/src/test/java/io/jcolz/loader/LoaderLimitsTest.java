package io.jcolz.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.format.MachineLimits;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.testing.RandomDatasets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 28, item 4: the loader's knobs have upper bounds, checked before anything is allocated or
 * started, at their boundaries.
 */
class LoaderLimitsTest {
  @TempDir Path dir;

  @Test
  void workersPrefetchDevicesAndMemoryAreBounded() throws Exception {
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.uint8Tensor("image", 256, 256, 3).withChunkRows(4))
            .build();
    try (Dataset ds = Dataset.open(RandomDatasets.write(dir.resolve("ds"), schema, 5, 8))) {
      int max = MachineLimits.maxThreads();
      Loader.builder(ds).workers(max); // the bound itself is allowed
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Loader.builder(ds).workers(max + 1));
      assertTrue(
          e.getMessage().startsWith("workers " + (max + 1) + " is more than"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> Loader.builder(ds).workers(0));
      Loader.builder(ds).prefetch(Loader.MAX_PREFETCH);
      assertThrows(
          IllegalArgumentException.class,
          () -> Loader.builder(ds).prefetch(Loader.MAX_PREFETCH + 1));
      assertThrows(
          IllegalArgumentException.class, () -> Loader.builder(ds).devices(Loader.MAX_DEVICES + 1));

      // 8 rows of 256×256×3 = 192 KiB each: a batch of 8 fits; the memory bound is what refuses
      long perBuffer = 8L * 256 * 256 * 3;
      LoaderConfig ok = Loader.builder(ds).batchSize(8).workers(1).config();
      assertTrue(ok.memoryBound().totalBytes() >= 3 * perBuffer);
      long limit = MachineLimits.offHeapLimit();
      // enough buffers of 1.5 MiB to pass three quarters of this machine's memory
      org.junit.jupiter.api.Assumptions.assumeTrue(
          (Loader.MAX_DEVICES * (Loader.MAX_PREFETCH + 1L) + 1) * perBuffer > limit,
          "a machine with more than ~300 GB of memory: the largest settings fit it");
      int prefetch =
          (int) Math.min(Loader.MAX_PREFETCH, limit / perBuffer / Loader.MAX_DEVICES + 1);
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Loader.builder(ds)
                      .batchSize(8)
                      .workers(1)
                      .devices(Loader.MAX_DEVICES)
                      .prefetch(prefetch)
                      .config());
      assertTrue(e.getMessage().contains("more than this machine allows"), e.getMessage());
      assertEquals(8, ok.batchSize());
    }
  }
}
