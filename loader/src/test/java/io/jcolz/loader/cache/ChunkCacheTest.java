package io.jcolz.loader.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkCacheTest {
  @TempDir Path dir;

  @Test
  void concurrentPinsSeeTheRightBytesWithinTheBound() throws Exception {
    long seed = Seeds.derive(Seeds.base(), 21);
    Schema schema =
        Schema.builder().column(ColumnSpec.uint8Tensor("image", 4, 5, 3).withChunkRows(7)).build();
    RandomDatasets.write(dir.resolve("ds"), schema, seed, 500);
    try (Dataset ds = Dataset.open(dir.resolve("ds"))) {
      Column col = ds.column("image");
      int threads = 4;
      ChunkCache cache = new ChunkCache(col, threads + 1);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          long ts = seed + t;
          fs.add(
              pool.submit(
                  () -> {
                    SplittableRandom r = new SplittableRandom(ts);
                    try (ChunkDecoder d = ds.newDecoder()) {
                      for (int i = 0; i < 400; i++) {
                        int k =
                            r.nextInt(
                                Math.min(col.chunkCount(), 12)); // a hot set larger than the cache
                        ChunkView v = cache.pin(k, d);
                        try {
                          int row = r.nextInt(v.rowCount());
                          byte[] want =
                              (byte[])
                                  RandomDatasets.values(schema, seed, v.firstRow() + row)
                                      .get("image");
                          assertEquals(
                              java.util.Arrays.toString(want),
                              java.util.Arrays.toString(
                                  v.tensor(row).toArray(ValueLayout.JAVA_BYTE)),
                              Seeds.tag(seed) + "chunk " + k + " row " + row);
                        } finally {
                          cache.unpin(k);
                        }
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      } finally {
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
      }
      assertTrue(cache.allocatedBytes() <= cache.boundBytes());
      assertEquals(4 * 400, cache.hits() + cache.decodes());
      assertTrue(cache.hits() > 0, "no hits at all");
      cache.close();
    }
  }
}
