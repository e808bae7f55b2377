package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jcolz.format.codec.Codec;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileFormat;
import io.jcolz.format.store.ManifestFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dataset without partial labels is written byte for byte as before format version 3. The golden
 * files under {@code src/test/resources/golden-v2} were written by the version-2 writer (commit
 * 8d202a2, by running this test with {@code JCOLZ_WRITE_GOLDEN=DIR} in the environment before
 * version 3 existed); this test writes the same rows with today's writer and compares every byte,
 * except the 16 bytes of the random dataset id in each header and the checksums that cover them
 * (each column file's last 4 bytes; the manifest's stored JSON is compared as bytes with its id,
 * commit time and writer blanked).
 */
class PlainBytesGoldenTest {
  @TempDir Path tmp;

  static final String[] COLUMNS = {"name", "pixels", "blob", "labels", "i32", "i64", "f32"};

  static Schema schema() {
    return Schema.builder()
        .column(ColumnSpec.string("name").withChunkRows(5))
        .column(ColumnSpec.uint8Tensor("pixels", 2, 3, 3).withChunkRows(7))
        .column(ColumnSpec.bytes("blob").withCodec(Codec.NONE, 0).withChunkRows(6))
        .column(ColumnSpec.int32Set("labels", 11).withChunkRows(8))
        .labelColumn("labels")
        .column(ColumnSpec.scalar("i32", ColumnType.INT32).withChunkRows(9))
        .column(ColumnSpec.scalar("i64", ColumnType.INT64))
        .column(ColumnSpec.scalar("f32", ColumnType.FLOAT32).withCodec(Codec.NONE, 0))
        .build();
  }

  static void write(Path dir) throws IOException {
    try (DatasetWriter w = DatasetWriter.create(dir, schema())) {
      Row r = w.newRow();
      for (int i = 0; i < 23; i++) {
        byte[] px = new byte[18];
        Arrays.fill(px, (byte) (i * 7));
        byte[] blob = new byte[i % 4];
        Arrays.fill(blob, (byte) i);
        w.append(
            r.clear()
                .setString("name", "row-" + i)
                .setTensor("pixels", px)
                .setBytes("blob", blob)
                .setSet("labels", i % 11, (i * 3) % 11)
                .setInt32("i32", -i)
                .setInt64("i64", 1L << (i % 63))
                .setFloat32("f32", i / 3f));
      }
      w.labels(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"));
      w.putMetadata("note", "golden");
    }
  }

  @Test
  void plainDatasetKeepsTheVersion2Bytes() throws IOException {
    String out = System.getenv("JCOLZ_WRITE_GOLDEN");
    Path dir = out != null ? Path.of(out) : tmp.resolve("ds");
    write(dir);
    if (out != null) {
      return;
    }
    for (String c : COLUMNS) {
      byte[] want = golden("columns/" + c + ".col");
      byte[] got = Files.readAllBytes(dir.resolve(DatasetLayout.columnFile(c)));
      assertEquals(want.length, got.length, c + ".col size");
      // the random dataset id (header bytes 16..32) and the footer CRC32C that covers it
      Arrays.fill(want, 16, 32, (byte) 0);
      Arrays.fill(got, 16, 32, (byte) 0);
      Arrays.fill(want, want.length - 4, want.length, (byte) 0);
      Arrays.fill(got, got.length - 4, got.length, (byte) 0);
      assertArrayEquals(want, got, c + ".col bytes differ from the version-2 writer's");
    }
    byte[] wantM = golden("manifest.jcm");
    byte[] gotM = Files.readAllBytes(DatasetLayout.manifest(dir));
    assertArrayEquals(
        Arrays.copyOfRange(wantM, 0, 16),
        Arrays.copyOfRange(gotM, 0, 16),
        "manifest header (magic, kind, version)");
    assertEquals(manifestJson(wantM), manifestJson(gotM), "manifest JSON");
  }

  /**
   * The manifest's JSON exactly as stored (between the 32-byte header and the 16-byte footer), with
   * the values of {@code dataset_id}, {@code created} and {@code created_by} blanked: a change of
   * key order, spacing or number format shows.
   */
  private static String manifestJson(byte[] file) {
    String json =
        new String(
            file,
            FileFormat.HEADER_BYTES,
            file.length - FileFormat.HEADER_BYTES - ManifestFile.FOOTER_BYTES,
            StandardCharsets.UTF_8);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"(dataset_id|created|created_by)\" : \"[^\"]*\"")
            .matcher(json);
    assertEquals(3, m.results().count(), "the fields to blank: " + json);
    return m.reset().replaceAll("\"$1\" : \"\"");
  }

  private static byte[] golden(String name) throws IOException {
    try (InputStream in =
        PlainBytesGoldenTest.class.getResourceAsStream("/golden-v2/" + name.replace('/', '_'))) {
      if (in == null) {
        throw new IOException("missing golden resource " + name);
      }
      return in.readAllBytes();
    }
  }
}
