package io.jcolz.loader.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.ReadMode;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReadAhead} on its own: with no worker taking anything, it reads exactly {@code depth}
 * chunks and stops; each chunk taken is the chunk's stored bytes; releasing one lets the next read
 * start; a request not yet started is dropped for the worker to read itself.
 */
class ReadAheadUnitTest {
  @TempDir Path dir;

  @Test
  void readsAtMostDepthChunksAndHandsOutTheirStoredBytes() throws Exception {
    long seed = Seeds.derive(Seeds.base(), 5);
    Schema schema =
        Schema.builder().column(ColumnSpec.uint8Tensor("image", 6, 7, 3).withChunkRows(4)).build();
    Path path = RandomDatasets.write(dir.resolve("ds"), schema, seed, 120);
    try (Dataset ds = Dataset.open(path)) {
      Column col = ds.column("image");
      int depth = 3;
      long bytes = ReadAhead.bufferBytes(List.of(col), ReadMode.PREAD);
      ReadAhead ra =
          new ReadAhead(
              ds,
              ReadMode.PREAD,
              depth,
              bytes,
              ReadAhead.alignment(List.of(col), ReadMode.PREAD),
              2,
              "jcolz-loader-test");
      try {
        ra.start();
        List<ReadAhead.Request> reqs = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
          reqs.add(ra.submit(col, k, k, k));
        }
        long deadline = System.nanoTime() + 30_000_000_000L; // a state to reach, not a timing
        while (ra.peakHeld() < depth && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        Thread.sleep(50); // room for a read beyond the depth, were there no bound
        String what = Seeds.tag(seed) + ra;
        assertEquals(depth, ra.peakHeld(), what);
        assertEquals(depth * bytes, ra.allocatedBytes(), what);
        for (int k = 0; k < 20; k++) {
          MemorySegment got = ra.take(reqs.get(k));
          byte[] stored = col.files().get(0).compressed(k).toArray(ValueLayout.JAVA_BYTE);
          if (got != null) {
            assertArrayEquals(stored, got.toArray(ValueLayout.JAVA_BYTE), what + " chunk " + k);
          }
          ra.release(reqs.get(k));
          ra.release(reqs.get(k)); // idempotent
        }
        assertEquals(20, ra.readsAhead() + ra.readsInline(), ra.toString());
        assertTrue(ra.readsAhead() >= depth, ra.toString());
        assertTrue(ra.peakHeld() <= depth, ra.toString());
        assertTrue(ra.allocatedBytes() <= depth * bytes, ra.toString());
        // a request taken before any I/O thread could start it is dropped: read it yourself
        ra.stop();
        ReadAhead.Request late = ra.submit(col, 0, 99, 99);
        assertNull(ra.take(late));
      } finally {
        ra.stop();
        for (Thread t : ra.threads()) {
          t.join();
        }
        ra.close();
      }
    }
  }

  @Test
  void aRequestReleasedWhileItsReadIsUnderWayFreesItsSlotWhenTheReadEnds() throws Exception {
    long seed = Seeds.derive(Seeds.base(), 6);
    Schema schema =
        Schema.builder().column(ColumnSpec.uint8Tensor("image", 6, 7, 3).withChunkRows(4)).build();
    Path path = RandomDatasets.write(dir.resolve("ds"), schema, seed, 40);
    try (Dataset ds = Dataset.open(path)) {
      Column col = ds.column("image");
      ReadAhead ra =
          new ReadAhead(
              ds,
              ReadMode.PREAD,
              1,
              ReadAhead.bufferBytes(List.of(col), ReadMode.PREAD),
              ReadAhead.alignment(List.of(col), ReadMode.PREAD),
              1,
              "jcolz-loader-test");
      CountDownLatch reading = new CountDownLatch(1);
      CountDownLatch proceed = new CountDownLatch(1);
      ra.beforeRead(
          () -> {
            reading.countDown();
            try {
              proceed.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      try {
        ra.start();
        ReadAhead.Request first = ra.submit(col, 0, 0, 0);
        reading.await(); // the I/O thread holds the only slot and is reading chunk 0
        ra.beforeRead(null);
        assertEquals(1, ra.held(), ra.toString());
        ra.release(first); // as a worker whose take was interrupted does
        proceed.countDown();
        // the read ends, the I/O thread frees the slot and reads the next request
        ReadAhead.Request second = ra.submit(col, 1, 0, 1);
        long deadline = System.nanoTime() + 10_000_000_000L; // a state to reach, not a timing
        while (!ra.started(second) && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        MemorySegment got = ra.take(second);
        String what = Seeds.tag(seed) + ra;
        assertTrue(got != null, "the slot of the abandoned read was never freed: " + what);
        byte[] stored = col.files().get(0).compressed(1).toArray(ValueLayout.JAVA_BYTE);
        assertArrayEquals(stored, got.toArray(ValueLayout.JAVA_BYTE), what);
        ra.release(second);
        assertEquals(0, ra.held(), what);
      } finally {
        ra.stop();
        for (Thread t : ra.threads()) {
          t.join();
        }
        ra.close();
      }
    }
  }

  /** Every batch of a one-device loader: rows and image bytes; closes each. */
  private static List<String> batches(io.jcolz.loader.Loader loader) throws Exception {
    List<String> out = new ArrayList<>();
    while (true) {
      try (io.jcolz.loader.Batch b = loader.device(0).take()) {
        if (b == null) {
          break;
        }
        out.add(
            java.util.Arrays.toString(b.rowIds())
                + java.util.Arrays.toString(b.images().toArray(ValueLayout.JAVA_BYTE)));
      }
    }
    return out;
  }

  @Test
  void aLoaderWhoseReadsAreAheadDecodesFromTheirBytesAndGivesTheSameBatches() throws Exception {
    long seed = Seeds.derive(Seeds.base(), 7);
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.uint8Tensor("image", 6, 7, 3).withChunkRows(9))
            .column(ColumnSpec.int32Set("labels", 10).withChunkRows(64))
            .labelColumn("labels")
            .build();
    Path path = RandomDatasets.write(dir.resolve("ds"), schema, seed, 300);
    try (Dataset ds = Dataset.open(path)) {
      List<String> expected;
      try (io.jcolz.loader.Loader loader = builder(ds, seed).readAhead(0).start()) {
        expected = batches(loader);
      }
      for (ReadMode mode : new ReadMode[] {ReadMode.PREAD, ReadMode.MAP}) {
        for (int depth : new int[] {1, 4}) {
          String what = Seeds.tag(seed) + mode + " depth " + depth;
          try (io.jcolz.loader.Loader loader =
              builder(ds, seed).readMode(mode).readAhead(depth).start()) {
            // the I/O threads are ahead of the worker, made certain: a queued read is waited for
            loader.readAhead().awaitQueuedReads(true);
            assertEquals(expected, batches(loader), what);
            io.jcolz.loader.LoaderStats s = loader.stats();
            assertTrue(s.readsAhead() > 0, what + ": " + s);
            assertEquals(s.chunkDecodes(), s.readsAhead() + s.readsInline(), what + ": " + s);
          }
        }
      }
    }
  }

  private static io.jcolz.loader.Loader.Builder builder(Dataset ds, long seed) {
    return io.jcolz.loader.Loader.builder(ds)
        .batchSize(16)
        .workers(1)
        .prefetch(1)
        .seed(seed)
        .epochs(2)
        .order(io.jcolz.loader.order.Order.QUASI_RANDOM);
  }
}
