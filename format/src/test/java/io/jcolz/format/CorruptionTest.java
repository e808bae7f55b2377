package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.Checksums;
import io.jcolz.format.store.ColumnFile;
import io.jcolz.format.store.FileFormat;
import io.jcolz.format.testing.Checks;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In the style of Lucene's TestAllFilesDetectTruncation and TestAllFilesDetectBitFlips: for every
 * file of a dataset, cutting 1–100 bytes or flipping any byte must make open, a read, or verify
 * fail with a {@link CorruptDatasetException} naming the file — never another exception, never
 * silently different data.
 */
class CorruptionTest {
  @TempDir Path tmp;
  Path dir;
  long seed = Seeds.base();

  @BeforeEach
  void write() throws IOException {
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.string("key").withChunkRows(64))
            .keyColumn("key")
            .column(ColumnSpec.uint8Tensor("image", 4, 4, 3).withChunkRows(50))
            .column(ColumnSpec.int32Set("labels", 40).withChunkRows(100))
            .labelColumn("labels")
            .column(
                ColumnSpec.bytes("jpeg")
                    .withCodec(io.jcolz.format.codec.Codec.NONE, 0)
                    .withChunkRows(70))
            .column(ColumnSpec.scalar("f32", ColumnType.FLOAT32).withChunkRows(128))
            .build();
    dir = RandomDatasets.write(tmp.resolve("ds"), schema, seed, 300);
  }

  private List<Path> files() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> out = new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
      assertEquals(7, out.size(), "manifest, 5 columns, key index: " + out);
      return out;
    }
  }

  @Test
  void everyTruncationIsDetected() throws IOException {
    for (Path f : files()) {
      byte[] original = Files.readAllBytes(f);
      for (int cut = 1; cut <= 100 && cut <= original.length; cut++) {
        Files.write(f, java.util.Arrays.copyOf(original, original.length - cut));
        assertDetected(f, "truncated by " + cut);
      }
      Files.write(f, original);
    }
    assertClean();
  }

  @Test
  void everyFileDetectsExtension() throws IOException {
    for (Path f : files()) {
      byte[] original = Files.readAllBytes(f);
      byte[] longer = java.util.Arrays.copyOf(original, original.length + 7);
      Files.write(f, longer);
      assertDetected(f, "extended by 7");
      Files.write(f, original);
    }
  }

  @Test
  void randomBitFlipsAreDetected() throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    for (Path f : files()) {
      byte[] original = Files.readAllBytes(f);
      List<Integer> positions = new ArrayList<>();
      for (int i = 0; i < Math.min(40, original.length); i++) {
        positions.add(r.nextInt(original.length));
      }
      // every byte of the header and the last 48 bytes (footers) too
      for (int i = 0; i < Math.min(32, original.length); i++) {
        positions.add(i);
      }
      for (int i = Math.max(0, original.length - 48); i < original.length; i++) {
        positions.add(i);
      }
      for (int pos : positions) {
        byte[] bad = original.clone();
        bad[pos] ^= (byte) (1 << r.nextInt(8));
        Files.write(f, bad);
        assertDetected(f, Seeds.tag(seed) + "bit flip at offset " + pos);
      }
      Files.write(f, original);
    }
    assertClean();
  }

  @Test
  void newerFormatVersionIsNamed() throws IOException {
    Path manifest = dir.resolve("manifest.jcm");
    rewriteVersion(manifest, 7, true);
    FormatVersionException e = assertThrows(FormatVersionException.class, () -> Dataset.open(dir));
    assertTrue(
        e.getMessage().contains("format version 7 is newer than this jcolz supports (max 3)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("manifest.jcm"), e.getMessage());
    assertTrue(e.tooNew());
  }

  @Test
  void newerColumnVersionIsNamed() throws IOException {
    Path col = dir.resolve("columns/image.col");
    rewriteVersion(col, 4, false);
    FormatVersionException e = assertThrows(FormatVersionException.class, () -> Dataset.open(dir));
    assertTrue(e.getMessage().contains("format version 4 is newer"), e.getMessage());
    assertTrue(e.getMessage().contains("image.col"), e.getMessage());
  }

  @Test
  void foreignColumnFileIsNamed() throws IOException {
    Path other = RandomDatasets.write(tmp.resolve("other"), Dataset.open(dir).schema(), seed, 300);
    Files.copy(
        other.resolve("columns/labels.col"),
        dir.resolve("columns/labels.col"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    CorruptDatasetException e =
        assertThrows(CorruptDatasetException.class, () -> Dataset.open(dir));
    assertTrue(e.getMessage().contains("labels.col"), e.getMessage());
  }

  @Test
  void chunkErrorNamesFileColumnChunkAndOffset() throws IOException {
    Path col = dir.resolve("columns/image.col");
    long offset;
    try (Dataset ds = Dataset.open(dir)) {
      offset = ds.column("image").offset(3);
    }
    byte[] b = Files.readAllBytes(col);
    b[(int) offset + 2] ^= 0x10;
    Files.write(col, b);
    try (Dataset ds = Dataset.open(dir);
        ChunkDecoder d = ds.newDecoder()) {
      CorruptDatasetException e =
          assertThrows(CorruptDatasetException.class, () -> d.decode(ds.column("image"), 3));
      assertTrue(e.getMessage().contains(col.toString()), e.getMessage());
      assertTrue(
          e.getMessage().contains("column 'image', chunk 3 at offset " + offset), e.getMessage());
      VerifyReport rep = ds.verify(1, null);
      assertEquals(1, rep.problems().size(), rep.problems().toString());
      assertEquals(3, rep.problems().get(0).chunk());
      assertEquals("image", rep.problems().get(0).column());
    }
  }

  /** Re-stamps the version field and fixes the checksums so that only the version is wrong. */
  private void rewriteVersion(Path f, int version, boolean manifest) throws IOException {
    byte[] b = Files.readAllBytes(f);
    MemorySegment s = MemorySegment.ofArray(b);
    s.set(FileFormat.LE_INT, 12, version);
    if (manifest) {
      s.set(FileFormat.LE_INT, b.length - 4, Checksums.crc32c(s.asSlice(0, b.length - 4)));
    } else {
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(b, 0, FileFormat.HEADER_BYTES);
      crc.update(b, b.length - ColumnFile.FOOTER_BYTES, ColumnFile.FOOTER_BYTES - 4);
      s.set(FileFormat.LE_INT, b.length - 4, (int) crc.getValue());
    }
    Files.write(f, b);
  }

  private void assertClean() throws IOException {
    try (Dataset ds = Dataset.open(dir)) {
      assertTrue(ds.verify(1, null).ok());
    }
  }

  private void assertDetected(Path damaged, String what) {
    Checks.assertDamageDetected(dir, damaged, what, RandomDatasets.key(seed, 7));
  }
}
