package io.jcolz.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.Pixels;
import io.jcolz.loader.batch.SampleWriter;
import io.jcolz.loader.cache.ChunkCache;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.queue.WorkerException;
import io.jcolz.loader.read.ReadAhead;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The work split (issue 10): decodes shared rather than repeated, batches independent of the worker
 * count, and the lifecycle promises (errors in take, no thread left) with many workers. Decodes are
 * counted, never timed.
 */
class WorkSplitTest {
  static final int[] WORKERS = {1, 2, 8};

  @TempDir Path dir;
  long seed;
  Dataset ds;

  @BeforeEach
  void open() throws IOException {
    seed = Seeds.derive(Seeds.base(), 61);
    ds = Dataset.open(RandomDatasets.write(dir.resolve("ds"), LoaderTest.schema(), seed, 700));
  }

  @AfterEach
  void noThreadLeft() {
    ds.close();
    assertEquals(List.of(), loaderThreads(), "threads left behind");
  }

  static List<String> loaderThreads() {
    List<String> left = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("jcolz-loader-") && t.isAlive()) {
        left.add(t.getName());
      }
    }
    return left;
  }

  /** Distinct chunks of each cached column that the delivered batches read, per epoch. */
  static long chunksRead(Loader loader, Map<Long, List<Long>> rowsByEpoch) {
    long n = 0;
    for (List<Long> rows : rowsByEpoch.values()) {
      for (ChunkCache c : loader.caches()) {
        Set<Integer> chunks = new HashSet<>();
        for (long r : rows) {
          chunks.add(c.column().chunkOf(r));
        }
        n += chunks.size();
      }
    }
    return n;
  }

  @Test
  void withTheDefaultCacheEachChunkIsDecodedAtMostOncePerEpochInQuasiRandomOrder()
      throws Exception {
    for (int workers : WORKERS) {
      for (int rank = 0; rank < 2; rank++) {
        String msg = Seeds.tag(seed) + workers + " workers, rank " + rank + " of 2: ";
        for (long epochs : new long[] {1, 3}) {
          Map<Long, List<Long>> rows = new LinkedHashMap<>();
          try (Loader loader =
              Loader.builder(ds)
                  .batchSize(16)
                  .devices(2)
                  .workers(workers)
                  .order(Order.QUASI_RANDOM)
                  .seed(seed)
                  .epoch(1)
                  .epochs(epochs)
                  .shard(rank, 2)
                  .labels(LabelMode.SPARSE)
                  .keys(true)
                  .start()) {
            Column image = ds.column("image");
            ChunkCache imageCache = loader.caches().getFirst();
            assertTrue(
                imageCache.slots() < image.chunkCount(),
                msg + "the image cache must not hold the whole column, or this proves nothing");
            LoaderTest.drain(
                loader,
                b -> {
                  for (int i = 0; i < b.size(); i++) {
                    rows.computeIfAbsent(b.epoch(), e -> new ArrayList<>()).add(b.row(i));
                  }
                });
            long read = chunksRead(loader, rows);
            long decodes = 0;
            for (ChunkCache c : loader.caches()) {
              decodes += c.decodes();
            }
            LoaderStats s = loader.stats();
            assertEquals(read, s.chunkReads(), msg + "chunks read, counted by the loader");
            assertEquals(decodes, s.chunkDecodes(), msg + "decodes, loader vs caches");
            assertEquals(0, s.chunkRedecodes(), msg + "a chunk decoded twice in one epoch: " + s);
            if (epochs == 1) {
              // a cold cache decodes every chunk read at least once: equality means exactly once
              assertEquals(read, decodes, msg + "decodes of one epoch: " + s);
            } else {
              assertTrue(decodes <= read, msg + s);
            }
          }
        }
      }
    }
  }

  /** (epoch/index) → CRC of rows, keys, labels and pixels, for every batch. */
  Map<String, String> checksums(int workers, Order order, LabelMode labels) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    try (Loader loader =
        Loader.builder(ds)
            .batchSize(24)
            .devices(2)
            .workers(workers)
            .order(order)
            .seed(seed)
            .epoch(3)
            .epochs(2)
            .labels(labels)
            .augment(Augment.standard())
            .keys(true)
            .start()) {
      LoaderTest.drain(
          loader,
          b -> {
            CRC32 rows = new CRC32();
            rows.update(b.rows().toArray(ValueLayout.JAVA_BYTE));
            CRC32 keys = new CRC32();
            CRC32 lab = new CRC32();
            for (int i = 0; i < b.size(); i++) {
              keys.update(b.key(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
              for (int l : b.labels(i)) {
                lab.update(l);
              }
            }
            byte[] raw =
                (labels == LabelMode.SPARSE ? b.labelPairs() : b.multiHot())
                    .toArray(ValueLayout.JAVA_BYTE);
            lab.update(raw);
            CRC32 px = new CRC32();
            px.update(b.images().toArray(ValueLayout.JAVA_BYTE));
            out.put(
                b.epoch() + "/" + b.index(),
                rows.getValue()
                    + " "
                    + keys.getValue()
                    + " "
                    + lab.getValue()
                    + " "
                    + px.getValue());
          });
    }
    return out;
  }

  @Test
  void batchesAreIdenticalForOneTwoAndEightWorkers() throws Exception {
    for (Order order : Order.values()) {
      for (LabelMode labels : new LabelMode[] {LabelMode.MULTI_HOT, LabelMode.SPARSE}) {
        Map<String, String> one = checksums(1, order, labels);
        assertEquals(2 * (700 / 24), one.size());
        for (int workers : new int[] {2, 8}) {
          assertEquals(
              one,
              checksums(workers, order, labels),
              Seeds.tag(seed) + order + ", " + labels + ": " + workers + " workers vs 1");
        }
      }
    }
  }

  @Test
  void closingMidEpochLeavesNoLoaderThread() throws Exception {
    for (int workers : WORKERS) {
      Loader loader =
          Loader.builder(ds)
              .batchSize(8)
              .devices(2)
              .workers(workers)
              .prefetch(1)
              .seed(seed)
              .start();
      assertEquals(
          workers + ReadAhead.ioThreads(ReadAhead.defaultDepth(workers), workers),
          loaderThreads().size(),
          "workers and read-ahead I/O threads: " + loaderThreads());
      Batch a = loader.device(0).take();
      Batch b = loader.device(1).take();
      assertNotNull(a);
      assertNotNull(b);
      b.close();
      loader.close(); // workers are mid-epoch: decoding, writing, or parked on a full queue
      assertEquals(List.of(), loaderThreads(), workers + " workers: threads after close");
      a.close();
      assertEquals(0, loader.pool().inUse(), "every buffer back in the pool");
    }
  }

  /** A writer that copies pixels and throws {@code failure} at row {@code bad}. */
  static SampleWriter failingAt(long bad, RuntimeException unchecked) {
    return new SampleWriter() {
      @Override
      public void writeRaw(
          MemorySegment src, long srcOff, long e, long r, MemorySegment dst, long dstOff)
          throws IOException {
        if (r == bad) {
          if (unchecked != null) {
            throw unchecked;
          }
          throw new IOException("cannot write row " + r);
        }
        Pixels.write(
            src, srcOff, LoaderTest.H, LoaderTest.W, 3, false, ImageLayout.NHWC, dst, dstOff);
      }

      @Override
      public void writeEncoded(
          MemorySegment e, long ep, long r, MemorySegment dst, long o, String src) {
        throw new UnsupportedOperationException();
      }
    };
  }

  @Test
  void aWorkersErrorSurfacesInTakeWithTheWorkersCause() throws Exception {
    long bad = 123;
    for (int workers : WORKERS) {
      try (Loader loader =
          Loader.builder(ds)
              .batchSize(16)
              .devices(2)
              .workers(workers)
              .order(Order.SEQUENTIAL)
              .imageLayout(ImageLayout.NHWC)
              .sampleWriter(() -> failingAt(bad, null))
              .start()) {
        IOException e = assertThrows(IOException.class, () -> LoaderTest.drain(loader, x -> {}));
        assertTrue(e.getMessage().contains("cannot write row " + bad), e.getMessage());
        assertTrue(e.getMessage().contains("epoch 0 batch " + bad / 16), e.getMessage());
        assertEquals("cannot write row " + bad, e.getCause().getMessage());
        assertThrows(IOException.class, () -> loader.device(0).take(), "again and again");
        assertThrows(IOException.class, () -> loader.device(1).take());
      }
      IllegalArgumentException boom = new IllegalArgumentException("boom");
      try (Loader loader =
          Loader.builder(ds)
              .batchSize(16)
              .workers(workers)
              .order(Order.QUASI_RANDOM)
              .seed(seed)
              .imageLayout(ImageLayout.NHWC)
              .sampleWriter(() -> failingAt(bad, boom))
              .start()) {
        WorkerException e =
            assertThrows(WorkerException.class, () -> LoaderTest.drain(loader, x -> {}));
        assertEquals(boom, e.getCause(), workers + " workers");
      }
    }
  }

  @Test
  void theConfigurationStatesTheBoundAndAllocatesNothingUntilStarted() throws Exception {
    LoaderConfig config =
        Loader.builder(ds).batchSize(16).devices(2).workers(3).prefetch(1).seed(seed).config();
    assertEquals(List.of(), loaderThreads(), "config() starts nothing");
    MemoryBudget bound = config.memoryBound();
    assertEquals(2 * 2 + 3, bound.batchBuffers());
    long cacheBytes = 0;
    for (LoaderConfig.CacheSize c : config.cacheSizes()) {
      cacheBytes += c.boundBytes();
    }
    assertEquals(cacheBytes, bound.cacheBytes());
    Map<String, long[]> first = new HashMap<>();
    try (Loader loader = config.start()) {
      assertEquals(bound, loader.memoryBound());
      assertEquals(config.cacheSizes().size(), loader.caches().size());
      for (int i = 0; i < loader.caches().size(); i++) {
        assertEquals(config.cacheSizes().get(i).slots(), loader.caches().get(i).slots());
      }
      LoaderTest.drain(loader, b -> first.put(b.index() + "", b.rowIds()));
      LoaderStats s = loader.stats();
      assertEquals(loader.plan().totalBatches(), s.batches());
      assertEquals(3, s.busyFractions().length);
      for (double f : s.busyFractions()) {
        assertTrue(f >= 0 && f <= 1, s.toString());
      }
    }
    try (Loader again = config.start()) { // one configuration, a second loader, same batches
      LoaderTest.drain(again, b -> assertArrayEquals(first.get(b.index() + ""), b.rowIds()));
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Loader.builder(ds).batchSize(400).shard(1, 2).config());
    assertTrue(e.getMessage().contains("gives no batch of 400"), e.getMessage());
    assertEquals(List.of(), loaderThreads(), "a refused configuration starts nothing");
  }

  @Test
  void theSmallestCachesSlowTheRunDownButNeverDeadlockIt() throws Exception {
    LoaderTest reference = new LoaderTest();
    reference.ds = ds;
    reference.seed = seed;
    for (int workers : WORKERS) {
      for (Order order : Order.values()) {
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () -> {
              try (Loader loader =
                  Loader.builder(ds)
                      .batchSize(16)
                      .devices(2)
                      .workers(workers)
                      .prefetch(0)
                      .order(order)
                      .seed(seed)
                      .epochs(2)
                      .labels(LabelMode.SPARSE)
                      .keys(true)
                      .cacheChunks(1) // workers + 1 slots per column: later batches pin them all
                      .start()) {
                assertEquals(workers + 1, loader.caches().getFirst().slots());
                LoaderTest.drain(loader, b -> reference.checkContent(b, false, seed));
                if (order == Order.QUASI_RANDOM) { // a window of 8 chunks in workers + 1 slots
                  assertTrue(loader.stats().chunkRedecodes() > 0, "the redecode count counts");
                }
              }
            },
            Seeds.tag(seed) + order + ", " + workers + " workers");
      }
    }
  }
}
