package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.store.CollectionManifestFile;
import io.jcolz.format.store.ManifestFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pack from a plain label file (names only) keeps the bytes it had before partial labels: the
 * golden fingerprint under {@code src/test/resources/golden-pack-plain} was made by the packer of
 * commit 5b9ada5 (before issue 25's label files), by running this test with {@code
 * JCOLZ_WRITE_GOLDEN=FILE} in the environment. The fingerprint holds, per file of the committed
 * collection: a column file's SHA-256 without its random dataset id (header bytes 16..32) and the
 * footer CRC32C that covers it; a manifest's first 16 bytes (magic, kind, format version) and its
 * JSON without the dataset id, the times and the input's absolute path; the pack plan's SHA-256
 * (the plan id, hence resuming a pack begun before). Key indexes are left out (Chronicle Map's
 * bytes are its own).
 */
class PlainLabelsPackGoldenTest {
  @TempDir Path tmp;

  @Test
  void aPlainLabelFilePacksTheBytesItPackedBefore() throws Exception {
    Path in = tmp.resolve("in");
    String[] keys = {"a/1.png", "a/2.png", "b/3.png", "b/4.png", "c.png", "d.png", "e.png"};
    for (int i = 0; i < keys.length; i++) {
      Path f =
          PackTestImages.write(PackTestImages.smooth(9, 7, 100 + i), "png", in.resolve(keys[i]));
      Files.setLastModifiedTime(f, FileTime.fromMillis(1_700_000_000_000L + i));
    }
    Path labels = tmp.resolve("labels.csv");
    Files.writeString(
        labels,
        "key,labels\n"
            + "a/1.png,cat dog\n"
            + "a/2.png,dog\n"
            + "b/3.png,\"car tree\"\n"
            + "b/4.png,sky cat\n"
            + "c.png,\n"
            + "a/1.png,sky\n"
            + "nowhere.png,cat\n"
            + "e.png,tree\n");
    Path ds = tmp.resolve("ds.jcolz");
    PackOptions o =
        PackOptions.builder(in, ds)
            .labels(labels)
            .size(6)
            .threads(1)
            .partRows(4)
            .codec(CodecChoice.ZSTD)
            .build();
    new Packer(o, null).run();
    String got = fingerprint(ds);
    String write = System.getenv("JCOLZ_WRITE_GOLDEN");
    if (write != null) {
      Files.writeString(Path.of(write), got);
      return;
    }
    assertEquals(golden(), got, "a plain label file no longer packs the same dataset");
  }

  static String fingerprint(Path ds) throws IOException {
    StringBuilder sb = new StringBuilder();
    List<Path> files;
    try (Stream<Path> s = Files.walk(ds)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      String name = ds.relativize(f).toString().replace('\\', '/');
      byte[] b = Files.readAllBytes(f);
      if (name.endsWith(".col")) {
        Arrays.fill(b, 16, 32, (byte) 0);
        Arrays.fill(b, b.length - 4, b.length, (byte) 0);
        sb.append(name).append(' ').append(sha256(b)).append('\n');
      } else if (name.endsWith("collection.jcm")) {
        ObjectNode t = CollectionManifestFile.toTree(CollectionManifestFile.read(f));
        t.remove("created");
        t.remove("created_by");
        t.get("parts")
            .forEach(
                p ->
                    ((ObjectNode) p)
                        .remove(List.of("dataset_id", "manifest_bytes", "manifest_crc32c")));
        stripPaths(t);
        sb.append(name).append(' ').append(header(b)).append(' ').append(t).append('\n');
      } else if (name.endsWith(".jcm")) {
        ObjectNode t = ManifestFile.toTree(ManifestFile.read(f));
        t.remove(List.of("dataset_id", "created", "created_by"));
        if (t.has("key_index")) {
          ((ObjectNode) t.get("key_index")).remove(List.of("file_bytes", "crc32c"));
        }
        stripPaths(t);
        sb.append(name).append(' ').append(header(b)).append(' ').append(t).append('\n');
      } else if (name.endsWith(".json")) {
        sb.append(name).append(' ').append(sha256(b)).append('\n');
      } else if (!name.endsWith(".cmap")) {
        sb.append(name).append('\n');
      }
    }
    return sb.toString();
  }

  /** The metadata that names the test's temporary folders. */
  private static void stripPaths(ObjectNode t) {
    if (t.get("metadata") instanceof ObjectNode m) {
      m.remove(List.of("source", "labels_from"));
    }
  }

  private static String header(byte[] b) {
    return HexFormat.of().formatHex(b, 0, 16);
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String golden() throws IOException {
    try (InputStream s =
        PlainLabelsPackGoldenTest.class.getResourceAsStream("/golden-pack-plain/fingerprint.txt")) {
      if (s == null) {
        throw new IOException("missing golden resource golden-pack-plain/fingerprint.txt");
      }
      return new String(s.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
