package io.jcolz.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import io.jcolz.loader.queue.MergedQueue;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who reads a loader: one thread through {@link Loader#batches()}, or a thread per device; the
 * single-consumer mistake fails loudly; bad device numbers and a closed dataset are refused.
 */
class LoaderConsumersTest {
  @TempDir Path dir;
  long seed;
  Dataset ds;

  @BeforeEach
  void open() throws IOException {
    seed = Seeds.derive(Seeds.base(), 77);
    ds = Dataset.open(RandomDatasets.write(dir.resolve("ds"), LoaderTest.schema(), seed, 300));
  }

  @AfterEach
  void close() {
    ds.close();
  }

  Loader.Builder builder() {
    return Loader.builder(ds).batchSize(16).workers(2).seed(seed).epochs(2);
  }

  static List<Long> rows(Iterable<Batch> batches) {
    List<Long> rows = new ArrayList<>();
    for (Batch b : batches) {
      try (b) {
        for (long r : b.rowIds()) {
          rows.add(r);
        }
      }
    }
    return rows;
  }

  @Test
  void batchesMergesEveryDeviceInRunOrder() throws Exception {
    List<Long> single;
    try (Loader one = builder().start()) {
      single = rows(one.device(0));
    }
    try (Loader four = builder().devices(4).prefetch(1).start()) {
      MergedQueue<Batch> all = four.batches();
      assertSame(all, four.batches());
      assertEquals(four.plan().totalBatches(), all.total());
      assertEquals(single, rows(all), "seed " + seed);
      assertNull(all.take());
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> four.device(0));
      assertTrue(e.getMessage().contains("batches()"), e.getMessage());
    }
    try (Loader two = builder().devices(2).start()) {
      two.device(1);
      IllegalStateException e = assertThrows(IllegalStateException.class, two::batches);
      assertTrue(e.getMessage().contains("per device"), e.getMessage());
    }
  }

  @Test
  void oneThreadOnDeviceZeroFailsNamingTheUnreadQueues() {
    try (Loader loader =
        builder().devices(4).prefetch(1).stallTimeout(Duration.ofMillis(300)).start()) {
      IllegalStateException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(15),
              () ->
                  assertThrows(
                      IllegalStateException.class,
                      () -> {
                        for (Batch b : loader.device(0)) {
                          b.close();
                        }
                      }));
      assertTrue(
          e.getMessage().startsWith("device 0 waited 0.3 s for its next batch"), e.getMessage());
      assertTrue(e.getMessage().contains("queues 1, 2, 3 are full and unread"), e.getMessage());
      assertTrue(e.getMessage().contains("loader.batches()"), e.getMessage());
    }
  }

  @Test
  void aThreadPerDeviceNeverTripsTheStallCheck() throws Exception {
    try (Loader loader =
        builder().devices(2).prefetch(0).stallTimeout(Duration.ofMillis(50)).start()) {
      List<Thread> threads = new ArrayList<>();
      List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
      long[] counts = new long[2];
      for (int d = 0; d < 2; d++) {
        int dev = d;
        var q = loader.device(d);
        Thread t =
            new Thread(
                () -> {
                  try {
                    for (Batch b : q) {
                      try (b) {
                        counts[dev]++;
                        Thread.sleep(dev == 0 ? 0 : 5); // one slow device
                      }
                    }
                  } catch (Throwable x) {
                    errors.add(x);
                  }
                });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join(20_000);
      }
      assertTrue(errors.isEmpty(), errors.toString());
      assertEquals(loader.plan().totalBatches(), counts[0] + counts[1]);
    }
  }

  @Test
  void aDeviceOutOfRangeIsNamed() {
    try (Loader loader = builder().start()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> loader.device(1));
      assertEquals(
          "device 1 does not exist: this loader has 1 device (0); set"
              + " Loader.builder(…).devices(n)",
          e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> loader.device(-1));
    }
  }

  @Test
  void aClosedDatasetIsRefusedAtBuildAndAtStart() {
    LoaderConfig config = builder().config();
    ds.close();
    IllegalStateException atStart = assertThrows(IllegalStateException.class, config::start);
    assertTrue(
        atStart.getMessage().startsWith("cannot start a loader: dataset ")
            && atStart.getMessage().contains("is closed"),
        atStart.getMessage());
    IllegalStateException atBuild =
        assertThrows(IllegalStateException.class, () -> builder().config());
    assertEquals(atStart.getMessage(), atBuild.getMessage());
  }
}
