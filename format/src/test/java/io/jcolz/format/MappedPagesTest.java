package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcolz.format.column.ChunkView;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.MappedPages;
import io.jcolz.format.testing.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming decode with {@link ChunkDecoder#releaseMappedPages}: what is read is unchanged, and the
 * mapped file pages it read leave the process's resident set (Linux), so streaming a dataset larger
 * than memory does not grow RSS.
 */
class MappedPagesTest {
  private static final int SIDE = 128;
  private static final int ROWS = 1280; // 1280 × 48 KiB = 60 MiB of incompressible pixels

  @TempDir Path tmp;

  private Path write(long seed) throws Exception {
    Path dir = tmp.resolve("ds");
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.uint8Tensor("image", SIDE, SIDE, 3).withChunkRows(64))
            .build();
    SplittableRandom r = new SplittableRandom(seed);
    byte[] px = new byte[SIDE * SIDE * 3];
    try (DatasetWriter w = DatasetWriter.create(dir, schema)) {
      Row row = w.newRow();
      for (int i = 0; i < ROWS; i++) {
        r.nextBytes(px);
        w.append(row.setTensor("image", px));
      }
    }
    return dir;
  }

  private static long rssFileKiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("RssFile:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  @Test
  void releasedPagesReadTheSameAndLeaveTheResidentSet() throws Exception {
    long seed = Seeds.base();
    Path dir = write(seed);
    byte[][] plain = new byte[8][];
    try (Dataset ds = Dataset.open(dir);
        ChunkDecoder d = ds.newDecoder();
        Arena arena = Arena.ofConfined()) {
      Column col = ds.column("image");
      MemorySegment buf = arena.allocate(col.maxDecompressedLength());
      for (int k = 0; k < plain.length; k++) {
        plain[k] = d.decodeInto(col, k, buf).tensor(1).toArray(ValueLayout.JAVA_BYTE);
      }
    }
    try (Dataset ds = Dataset.open(dir);
        ChunkDecoder d = ds.newDecoder().releaseMappedPages(true);
        Arena arena = Arena.ofConfined()) {
      Column col = ds.column("image");
      MemorySegment buf = arena.allocate(col.maxDecompressedLength());
      long before = rssFileKiB();
      for (int pass = 0; pass < 2; pass++) { // the second pass re-reads released pages
        for (int k = 0; k < col.chunkCount(); k++) {
          ChunkView v = d.decodeInto(col, k, buf);
          if (k < plain.length) {
            assertArrayEquals(
                plain[k],
                v.tensor(1).toArray(ValueLayout.JAVA_BYTE),
                "seed " + seed + " chunk " + k);
          }
        }
      }
      long grown = rssFileKiB() - before;
      assumeTrue(MappedPages.supported() && before >= 0, "madvise / RssFile not available here");
      // without the release the ~60 MiB mapping would be resident after reading it
      assertTrue(
          grown < 16 * 1024,
          "RssFile grew "
              + grown
              + " KiB over "
              + col.compressedBytes() / 1024
              + " KiB read (seed "
              + seed
              + ")");
    }
  }
}
