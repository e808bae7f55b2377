package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.column.ChunkView;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.testing.Checks;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentReadTest {
  @TempDir Path tmp;

  private static Set<String> jcolzThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("jcolz"))
        .collect(Collectors.toSet());
  }

  @Test
  void manyThreadsReadTheSameDataset() throws Exception {
    long seed = Seeds.base();
    Schema schema = RandomDatasets.randomSchema(new SplittableRandom(seed));
    Path dir = RandomDatasets.write(tmp.resolve("ds"), schema, seed, 2000);
    try (Dataset ds = Dataset.open(dir)) {
      ExecutorService pool = Executors.newFixedThreadPool(6);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        long s = seed;
        int mode = t;
        fs.add(
            pool.submit(
                () -> {
                  if (mode % 2 == 0) {
                    Checks.assertContent(ds, s, Seeds.tag(s) + "thread " + mode + ": ");
                  } else {
                    Checks.assertRandomAccess(ds, s, 300, Seeds.tag(s) + "thread " + mode + ": ");
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      pool.shutdown();
      assertTrue(ds.verify(4, null).ok());
    }
    assertEquals(Set.of(), jcolzThreads(), "verify's threads must be gone");
  }

  @Test
  void closeWhileReadingFailsCleanly() throws Exception {
    long seed = Seeds.base();
    Schema schema = RandomDatasets.randomSchema(new SplittableRandom(seed + 1));
    Path dir = RandomDatasets.write(tmp.resolve("ds"), schema, seed, 3000);
    Dataset ds = Dataset.open(dir);
    CountDownLatch started = new CountDownLatch(4);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<Throwable>> fs = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      fs.add(
          pool.submit(
              () -> {
                started.countDown();
                try (ChunkDecoder d = ds.newDecoder()) {
                  while (!stop.get()) {
                    for (Column c : ds.columns()) {
                      for (int k = 0; k < c.chunkCount(); k++) {
                        ChunkView v = d.decode(c, k);
                        v.payload()
                            .get(
                                java.lang.foreign.ValueLayout.JAVA_BYTE,
                                v.payload().byteSize() - 1);
                      }
                    }
                  }
                } catch (Throwable e) {
                  return e;
                }
                return null;
              }));
    }
    started.await();
    Thread.sleep(50);
    ds.close();
    for (Future<Throwable> f : fs) {
      Throwable e = f.get(10, TimeUnit.SECONDS);
      // a reader sees the close as IllegalStateException (the arena is closed), never a crash
      assertInstanceOf(IllegalStateException.class, e, String.valueOf(e));
    }
    stop.set(true);
    pool.shutdown();
    assertThrows(IllegalStateException.class, ds::newDecoder);
    assertThrows(IllegalStateException.class, () -> ds.readString("key", 0));
  }
}
