package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.codec.Codec;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.ChunkReader;
import io.jcolz.format.store.ColumnFile;
import io.jcolz.format.store.ReadMode;
import io.jcolz.format.testing.Seeds;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@link ReadMode} reads the same bytes for every chunk of every column (zstd and stored,
 * fixed and variable size, chunks not aligned to pages or blocks), and a flipped byte in a chunk is
 * a {@link CorruptDatasetException} naming the chunk in every mode.
 */
class ReadModeTest {
  @TempDir Path tmp;

  private Path write(long seed) throws Exception {
    Path dir = tmp.resolve("ds");
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.uint8Tensor("image", 24, 24, 3).withChunkRows(7))
            .column(ColumnSpec.bytes("blob").withCodec(Codec.NONE, 0).withChunkRows(5))
            .column(ColumnSpec.int32Set("labels", 300).withChunkRows(11))
            .build();
    SplittableRandom r = new SplittableRandom(seed);
    byte[] px = new byte[24 * 24 * 3];
    try (DatasetWriter w = DatasetWriter.create(dir, schema)) {
      Row row = w.newRow();
      for (int i = 0; i < 97; i++) {
        for (int p = 0; p < px.length; p++) {
          px[p] = (byte) (r.nextInt(4) * (p % 7)); // compressible, not trivially
        }
        byte[] blob = new byte[r.nextInt(3000)];
        r.nextBytes(blob);
        w.append(
            row.setTensor("image", px)
                .setBytes("blob", blob)
                .setSet("labels", r.nextInt(300), r.nextInt(300)));
      }
    }
    return dir;
  }

  private static List<byte[]> readAll(Dataset ds, String column, ReadMode mode) throws Exception {
    List<byte[]> out = new ArrayList<>();
    try (ChunkDecoder d = ds.newDecoder().readMode(mode);
        Arena arena = Arena.ofConfined()) {
      assertEquals(mode, d.readMode());
      Column col = ds.column(column);
      MemorySegment buf = arena.allocate(col.maxDecompressedLength());
      for (int k = 0; k < col.chunkCount(); k++) {
        d.decodeInto(col, k, buf);
        out.add(buf.asSlice(0, col.decompressedLength(k)).toArray(ValueLayout.JAVA_BYTE));
        // decode() too: in place for codec NONE in the mapped modes, from the read buffer otherwise
        assertArrayEquals(
            out.get(k), d.decode(col, k).payload().toArray(ValueLayout.JAVA_BYTE), mode + " " + k);
        // and read ahead into a caller's buffer (pread, direct) or advised (map, populate)
        MemorySegment ahead = d.prefetch(col, k, readBuffer(arena, col, mode));
        assertEquals(
            mode == ReadMode.MAP || mode == ReadMode.POPULATE, ahead == null, mode + " " + k);
        MemorySegment other = arena.allocate(col.maxDecompressedLength());
        d.decodeInto(col, k, ahead, other);
        assertArrayEquals(
            out.get(k),
            other.asSlice(0, col.decompressedLength(k)).toArray(ValueLayout.JAVA_BYTE),
            mode + " read ahead " + k);
      }
    }
    return out;
  }

  /** A read buffer for any chunk of {@code col}, as a read-ahead pool makes it. */
  private static MemorySegment readBuffer(Arena arena, Column col, ReadMode mode)
      throws IOException {
    long bytes = 0;
    long align = 1;
    for (ColumnFile f : col.files()) {
      bytes = Math.max(bytes, ChunkReader.bufferBytes(f, mode));
      align = Math.max(align, ChunkReader.alignment(f, mode));
    }
    return bytes == 0 ? null : arena.allocate(bytes, align);
  }

  @Test
  void everyModeReadsTheSameChunks() throws Exception {
    long seed = Seeds.base();
    Path dir = write(seed);
    try (Dataset ds = Dataset.open(dir)) {
      boolean direct =
          io.jcolz.format.testing.DirectIo.opens(ds.column("image").files().get(0).path());
      for (String column : List.of("image", "blob", "labels")) {
        List<byte[]> expected = readAll(ds, column, ReadMode.MAP);
        for (ReadMode mode : ReadMode.values()) {
          if (mode == ReadMode.DIRECT && !direct) {
            continue;
          }
          List<byte[]> actual = readAll(ds, column, mode);
          assertEquals(expected.size(), actual.size());
          for (int k = 0; k < expected.size(); k++) {
            assertArrayEquals(
                expected.get(k),
                actual.get(k),
                Seeds.tag(seed) + " column " + column + " chunk " + k + " mode " + mode);
          }
        }
      }
      Assumptions.assumeTrue(direct, "O_DIRECT not supported under " + tmp);
    }
  }

  @Test
  void aFlippedByteIsCaughtInEveryMode() throws Exception {
    long seed = Seeds.base();
    Path dir = write(seed);
    Path file;
    int k = 3;
    long at;
    try (Dataset ds = Dataset.open(dir)) {
      ColumnFile cf = ds.column("image").files().get(0);
      file = cf.path();
      at = cf.offset(k) + cf.compressedLength(k) / 2;
    }
    io.jcolz.format.testing.Damage.xorByte(file, at, 0x10);
    boolean direct = io.jcolz.format.testing.DirectIo.opens(file);
    try (Dataset ds = Dataset.open(dir)) {
      Column col = ds.column("image");
      for (ReadMode mode : ReadMode.values()) {
        if (mode == ReadMode.DIRECT && !direct) {
          continue;
        }
        try (ChunkDecoder d = ds.newDecoder().readMode(mode)) {
          d.decode(col, k - 1); // a neighbour still reads
          CorruptDatasetException e =
              assertThrows(CorruptDatasetException.class, () -> d.decode(col, k), mode.label());
          assertTrue(
              e.getMessage().contains("chunk " + k) && e.getMessage().contains("checksum"),
              mode + ": " + e.getMessage());
          try (Arena arena = Arena.ofConfined()) { // read ahead, then decoded: checked the same
            MemorySegment ahead = d.prefetch(col, k, readBuffer(arena, col, mode));
            MemorySegment dst = arena.allocate(col.maxDecompressedLength());
            e = assertThrows(CorruptDatasetException.class, () -> d.decodeInto(col, k, ahead, dst));
            assertTrue(e.getMessage().contains("checksum"), mode + ": " + e.getMessage());
          }
        }
      }
    }
  }

  @Test
  void parseNamesTheModes() {
    assertEquals(ReadMode.PREAD, ReadMode.parse("Pread"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReadMode.parse("mmap"));
    assertTrue(e.getMessage().contains("map, populate, pread, direct"), e.getMessage());
  }
}
