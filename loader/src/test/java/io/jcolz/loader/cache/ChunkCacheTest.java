package io.jcolz.loader.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
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
      ReentrantLock order = new ReentrantLock(); // the loader's scheduler lock, in miniature
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
                        int slot = pin(cache, k, d, order);
                        ChunkView v = cache.view(slot);
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
                          cache.unpin(slot);
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

  /**
   * How the loader uses the cache: pin-or-reserve under one lock (so no two callers reserve the
   * same chunk), decode outside it, wait for another caller's decode without holding anything.
   */
  static int pin(ChunkCache cache, int k, ChunkDecoder d, ReentrantLock order) throws Exception {
    while (true) {
      int s;
      boolean mine = false;
      order.lock();
      try {
        s = cache.pinIfPresent(k, TICK.incrementAndGet());
        if (s < 0) {
          s = cache.reserve(k, TICK.incrementAndGet());
          mine = s >= 0;
        }
      } finally {
        order.unlock();
      }
      if (s < 0) {
        Thread.sleep(0, 100_000); // every slot pinned: another caller will unpin one
        continue;
      }
      if (mine) {
        cache.publish(s, cache.decode(s, d));
      }
      while (!cache.isReady(s)) {
        Thread.onSpinWait(); // another caller decodes it
      }
      return s;
    }
  }

  static final AtomicLong TICK = new AtomicLong();

  @Test
  void evictsTheUnpinnedChunkWithTheSmallestKeyAndNeverAPinnedOne() throws Exception {
    long seed = Seeds.derive(Seeds.base(), 22);
    Schema schema =
        Schema.builder().column(ColumnSpec.uint8Tensor("image", 2, 2, 3).withChunkRows(3)).build();
    RandomDatasets.write(dir.resolve("small"), schema, seed, 30);
    try (Dataset ds = Dataset.open(dir.resolve("small"));
        ChunkDecoder d = ds.newDecoder();
        ChunkCache cache = new ChunkCache(ds.column("image"), 3)) {
      long[] keys = {5, 2, 9};
      int[] slots = new int[3];
      for (int k = 0; k < 3; k++) {
        slots[k] = cache.reserve(k, keys[k]);
        cache.publish(slots[k], cache.decode(slots[k], d));
      }
      assertEquals(-1, cache.reserve(3, 10), "every slot pinned: no room");
      cache.unpin(slots[0]);
      cache.unpin(slots[1]);
      cache.unpin(slots[2]);
      assertEquals(slots[1], cache.pinIfPresent(1, 1), "a hit keeps the largest key, 2");
      cache.unpin(slots[1]);
      assertEquals(slots[1], cache.reserve(3, 11), "key 2 is the smallest: chunk 1 goes");
      assertEquals(-1, cache.pinIfPresent(1, 12));
      assertEquals(slots[0], cache.pinIfPresent(0, 12), "chunk 0 stayed");
      assertEquals(3, cache.decodes());
      assertThrows(IllegalStateException.class, () -> cache.reserve(0, 13), "already cached");
    }
  }
}
