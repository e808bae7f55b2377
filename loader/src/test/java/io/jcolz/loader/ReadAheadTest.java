package io.jcolz.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Column;
import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.Dataset;
import io.jcolz.format.store.ReadMode;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.read.ReadAhead;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading ahead ({@link ReadAhead}) changes where chunks are read, never what the loader delivers;
 * it holds no more chunks than its depth (the bytes {@link LoaderConfig#memoryBound()} states);
 * corrupt chunks read ahead are still caught; and closing with reads in flight leaks nothing.
 */
class ReadAheadTest {
  @TempDir Path dir;
  long seed;
  Path path;
  Dataset ds;

  @BeforeEach
  void open() throws IOException {
    seed = Seeds.derive(Seeds.base(), 77);
    path = RandomDatasets.write(dir.resolve("ds"), LoaderTest.schema(), seed, LoaderTest.ROWS);
    ds = Dataset.open(path);
  }

  @AfterEach
  void noThreadLeft() {
    ds.close();
    assertEquals(List.of(), WorkSplitTest.loaderThreads(), "threads left behind");
  }

  private List<ReadMode> modes() {
    List<ReadMode> out = new ArrayList<>(List.of(ReadMode.MAP, ReadMode.POPULATE, ReadMode.PREAD));
    if (io.jcolz.format.testing.DirectIo.opens(ds.column("image").path(0))) {
      out.add(ReadMode.DIRECT);
    }
    return out;
  }

  private Loader.Builder defaults(ReadMode mode, int workers) {
    return Loader.builder(ds)
        .batchSize(16)
        .devices(2)
        .workers(workers)
        .order(Order.QUASI_RANDOM)
        .seed(seed)
        .epochs(2)
        .keys(true)
        .augment(Augment.flip())
        .readMode(mode);
  }

  /** {@link #builder} with read-ahead {@code depth} chunks; -1 leaves the default. */
  private Loader.Builder builder(ReadMode mode, int depth, int workers) {
    Loader.Builder b = defaults(mode, workers);
    return depth < 0 ? b : b.readAhead(depth);
  }

  /** Every batch of the run, as bytes: rows, images, multi-hot labels, keys. */
  private static List<String> content(Loader loader) throws Exception {
    List<String> out = new ArrayList<>();
    LoaderTest.drain(
        loader,
        b ->
            out.add(
                b.epoch()
                    + "/"
                    + b.index()
                    + " "
                    + java.util.Arrays.toString(b.rowIds())
                    + java.util.Arrays.toString(b.images().toArray(ValueLayout.JAVA_BYTE))
                    + java.util.Arrays.toString(b.multiHot().toArray(ValueLayout.JAVA_BYTE))
                    + b.keys()));
    return out;
  }

  @Test
  void theBatchesAreTheSameWithAndWithoutReadAhead() throws Exception {
    List<String> expected;
    try (Loader loader = builder(ReadMode.MAP, 0, 2).start()) {
      assertNull(loader.readAhead(), "depth 0: no read-ahead");
      expected = content(loader);
    }
    for (ReadMode mode : modes()) {
      for (int depth : new int[] {1, 3, 0, -1}) {
        for (int workers : new int[] {1, 3}) {
          Loader.Builder b = builder(mode, depth, workers); // -1: the default depth
          String what = Seeds.tag(seed) + mode + " depth " + depth + ", " + workers + " workers";
          try (Loader loader = b.start()) {
            int want = depth < 0 ? ReadAhead.defaultDepth(workers) : depth;
            assertEquals(want, loader.config().readAhead(), what);
            assertEquals(expected, content(loader), what);
            LoaderStats s = loader.stats();
            if (depth != 0) { // how many were read in time is the machine's business; none is lost
              assertEquals(s.chunkDecodes(), s.readsAhead() + s.readsInline(), what + ": " + s);
            } else {
              assertEquals(0, s.readsAhead() + s.readsInline(), what);
            }
            assertTrue(s.readWaitSeconds() >= 0, what);
          }
        }
      }
    }
  }

  @Test
  void theDefaultDepthIsStatedBeforeAnythingStarts() {
    LoaderConfig c = Loader.builder(ds).batchSize(16).workers(3).readMode(ReadMode.PREAD).config();
    assertEquals(3 * ReadAhead.PER_WORKER, c.readAhead());
    MemoryBudget m = c.memoryBound();
    assertEquals(c.readAhead() + 3, m.readBuffers());
    Column image = ds.column("image");
    assertTrue(m.readBufferBytes() >= image.maxCompressedLength(), m.toString());
    assertEquals(0, m.readBufferBytes() % 4096, m.toString());
    assertEquals(m.poolBytes() + m.cacheBytes() + m.readBytes(), m.totalBytes());
    MemoryBudget mapped = Loader.builder(ds).batchSize(16).workers(3).config().memoryBound();
    assertEquals(0, mapped.readBytes(), "map mode reads in place: " + mapped);
    assertEquals(0, Loader.builder(ds).batchSize(16).workers(3).readAhead(0).config().readAhead());
    assertThrows(IllegalArgumentException.class, () -> Loader.builder(ds).readAhead(-1));
  }

  @Test
  void readAheadNeverHoldsMoreThanItsDepthUnderASlowConsumer() throws Exception {
    for (ReadMode mode : modes()) {
      for (int depth : new int[] {1, 2, 5}) {
        String what = Seeds.tag(seed) + mode + " depth " + depth;
        try (Loader loader =
            Loader.builder(ds)
                .batchSize(16)
                .workers(2)
                .prefetch(1)
                .seed(seed)
                .readMode(mode)
                .readAhead(depth)
                .start()) {
          ReadAhead ra = loader.readAhead();
          MemoryBudget bound = loader.memoryBound();
          long batches = loader.plan().totalBatches();
          for (long g = 0; g < batches; g++) {
            try (Batch b = loader.device(0).take()) {
              assertNotNull(b);
              Thread.sleep(2); // the consumer is slow: the read-ahead fills up and must stop
              assertTrue(ra.peakHeld() <= depth, what + ": " + ra);
              assertTrue(ra.allocatedBytes() <= (long) depth * ra.bufferBytes(), what + ": " + ra);
              assertTrue(loader.allocatedBytes() <= bound.totalBytes(), what + ": " + bound);
            }
          }
          assertNull(loader.device(0).take());
          LoaderStats s = loader.stats();
          assertEquals(s.chunkDecodes(), s.readsAhead() + s.readsInline(), what + ": " + s);
          if (mode == ReadMode.PREAD || mode == ReadMode.DIRECT) {
            // one buffer per chunk held at the peak, reused after: never more than the depth
            assertEquals(ra.peakHeld() * ra.bufferBytes(), ra.allocatedBytes(), what + ": " + ra);
            assertEquals(depth + 2, bound.readBuffers(), what);
            assertEquals(ra.bufferBytes(), bound.readBufferBytes(), what);
          } else {
            assertEquals(0, ra.allocatedBytes(), what + ": mapped modes hold no buffer");
          }
        }
      }
    }
  }

  @Test
  void closingWithReadsInFlightLeaksNothing() throws Exception {
    for (ReadMode mode : modes()) {
      for (int taken : new int[] {0, 1, 5}) {
        Loader loader = builder(mode, 6, 2).start();
        List<Batch> open = new ArrayList<>();
        for (int i = 0; i < taken; i++) {
          open.add(loader.device(i % 2).take());
        }
        loader.close(); // reads queued, in flight, read and waiting, and being decoded
        assertEquals(List.of(), WorkSplitTest.loaderThreads(), mode + " after " + taken);
        for (Batch b : open) {
          assertNotNull(b);
          b.images().get(ValueLayout.JAVA_BYTE, 0); // still readable until closed
          b.close();
        }
        assertEquals(0, loader.pool().inUse(), mode + ": every buffer back");
        loader.close(); // idempotent
      }
    }
  }

  @Test
  void aCorruptChunkReadAheadIsStillCaught() throws Exception {
    Column col = ds.column("image");
    int chunk = 4;
    long offset = col.offset(chunk) + col.compressedLength(chunk) / 2;
    Path file = col.path(chunk);
    ds.close();
    io.jcolz.format.testing.Damage.xorByte(file, offset, 0x21);
    ds = Dataset.open(path);
    for (ReadMode mode : modes()) {
      try (Loader loader =
          Loader.builder(ds)
              .batchSize(16)
              .workers(2)
              .order(Order.SEQUENTIAL)
              .readMode(mode)
              .readAhead(4)
              .start()) {
        CorruptDatasetException e =
            assertThrows(
                CorruptDatasetException.class, () -> LoaderTest.drain(loader, b -> {}), "" + mode);
        assertTrue(
            e.getMessage().contains("chunk " + chunk) && e.getMessage().contains("checksum"),
            mode + ": " + e.getMessage());
      }
    }
  }
}
