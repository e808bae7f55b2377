package io.jcolz.tools;

import static io.jcolz.pack.PackTestImages.encode;
import static io.jcolz.pack.PackTestImages.flat;
import static io.jcolz.pack.PackTestImages.noise;
import static io.jcolz.pack.PackTestImages.smooth;
import static io.jcolz.pack.PackTestImages.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.image.ImageDecoder;
import io.jcolz.image.JpegDecoder;
import io.jcolz.image.ResizeMode;
import io.jcolz.pack.PackListener;
import io.jcolz.pack.PackLock;
import io.jcolz.pack.PackOptions;
import io.jcolz.pack.PackTestImages;
import io.jcolz.pack.Packer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz pack}: bad inputs, round trips per mode and label source, overwrite and
 * interruption.
 */
class PackCommandTest {
  static final long SEED = 20261129L;
  static final int S = 16;

  @TempDir Path tmp;
  Path in;
  Random random;

  @BeforeEach
  void setUp() {
    in = tmp.resolve("in");
    random = new Random(SEED);
    System.out.println("seed " + SEED);
  }

  static JsonNode json(CliTestSupport.Result r) throws IOException {
    assertEquals(0, r.code(), r.toString());
    return CliSupport.JSON.readTree(r.lastLine());
  }

  static void verifies(Path ds) {
    CliTestSupport.Result v = CliTestSupport.run("verify", ds.toString());
    assertEquals(0, v.code(), v.toString());
  }

  /** Keys of a dataset in row order. */
  static List<String> keys(Dataset ds) throws IOException {
    List<String> out = new ArrayList<>();
    for (long r = 0; r < ds.rowCount(); r++) {
      out.add(ds.readString("key", r));
    }
    return out;
  }

  static List<String> labelNames(Dataset ds, long row) throws IOException {
    List<String> out = new ArrayList<>();
    for (int l : ds.readSet("labels", row)) {
      out.add(ds.labels().get(l));
    }
    return out;
  }

  @Test
  void codecAutoStoresNoiseUncompressedAndSmoothPixelsWithZstdAndTheCodecIsPartOfThePlan()
      throws Exception {
    for (int i = 0; i < 12; i++) {
      write(noise(S, S, SEED + i), "png", in.resolve("a-noise/" + i + ".png"));
      write(smooth(S, S, SEED + i), "png", in.resolve("b-smooth/" + i + ".png"));
    }
    Path ds = tmp.resolve("auto.jcolz");
    // two parts: the first all noise (image column: none), the second all smooth (zstd)
    JsonNode j =
        json(
            CliTestSupport.run(
                "pack",
                "--input",
                in.toString(),
                "--out",
                ds.toString(),
                "--size",
                Integer.toString(S),
                "--part-rows",
                "12",
                "--json"));
    assertEquals(24, j.get("rows").asLong());
    assertEquals(1, j.at("/codecs/image/none").asInt(), j.toString());
    assertEquals(1, j.at("/codecs/image/zstd").asInt(), j.toString());
    assertEquals(2, j.at("/codecs/key/zstd").asInt(), j.toString());
    verifies(ds);
    ImageDecoder dec = ImageDecoder.builder().build();
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(
          io.jcolz.format.codec.Codec.NONE,
          d.column("image").files().get(0).spec().codec(),
          "part 0 (noise)");
      assertEquals(
          io.jcolz.format.codec.Codec.ZSTD,
          d.column("image").files().get(1).spec().codec(),
          "part 1 (smooth)");
      for (long r = 0; r < d.rowCount(); r++) {
        Path src = in.resolve(d.readString("key", r));
        assertArrayEquals(
            dec.decodeResized(src, S, S, ResizeMode.SHORTER_SIDE_CENTER_CROP).pixels(),
            d.readTensor("image", r),
            "row " + r);
      }
    }
    JsonNode info = json(CliTestSupport.run("info", ds.toString(), "--json"));
    JsonNode image = info.get("columns").get(1);
    assertEquals("image", image.get("name").asText());
    assertEquals("mixed", image.get("codec").asText(), info.toString());
    assertEquals(1, image.at("/codec_parts/none").asInt(), info.toString());
    CliTestSupport.Result human = CliTestSupport.run("info", ds.toString());
    assertTrue(human.out().contains("none×1+zstd 3×1"), human.out());

    // a re-run with another codec is another plan: refused, naming the setting
    CliTestSupport.Result again =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--size",
            Integer.toString(S),
            "--part-rows",
            "12",
            "--codec",
            "zstd");
    assertEquals(2, again.code(), again.toString());
    assertTrue(again.err().contains("setting 'codec' was auto"), again.err());

    // forced: zstd everywhere, or none everywhere
    Path z = tmp.resolve("zstd.jcolz");
    JsonNode jz =
        json(
            CliTestSupport.run(
                "pack",
                "--input",
                in.toString(),
                "--out",
                z.toString(),
                "--size",
                Integer.toString(S),
                "--codec",
                "zstd",
                "--json"));
    assertEquals(1, jz.at("/codecs/image/zstd").asInt(), jz.toString());
    Path n = tmp.resolve("none.jcolz");
    JsonNode jn =
        json(
            CliTestSupport.run(
                "pack",
                "--input",
                in.toString(),
                "--out",
                n.toString(),
                "--size",
                Integer.toString(S),
                "--codec",
                "none",
                "--labels-from-dirs",
                "--json"));
    assertEquals(1, jn.at("/codecs/labels/none").asInt(), jn.toString());
    assertEquals(1, jn.at("/codecs/image/none").asInt(), jn.toString());
    verifies(n);
    CliTestSupport.Result bad =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            tmp.resolve("x").toString(),
            "--codec",
            "lz4");
    assertEquals(2, bad.code(), bad.toString());
    assertTrue(bad.err().contains("auto, zstd or none"), bad.err());
  }

  @Test
  void badInputsAreSkippedWithOneLineEachCountedByReasonAndThePackVerifies() throws Exception {
    write(smooth(30, 20, 1), "png", in.resolve("a.png"));
    write(smooth(20, 30, 2), "jpeg", in.resolve("sub/b.jpg"));
    write(smooth(25, 25, 3), "png", in.resolve("sub/deeper/c.png"));
    byte[] jpg = encode(smooth(200, 150, 4), "jpeg");
    Files.write(in.resolve("truncated.jpg"), Arrays.copyOf(jpg, jpg.length * 6 / 10));
    Files.write(in.resolve("empty.jpg"), new byte[0]);
    Files.writeString(in.resolve("text.jpg"), "this is not a JPEG\n");
    write(smooth(1, 1, 5), "png", in.resolve("tiny.png"));
    Files.write(in.resolve("bomb.png"), PackTestImages.pngHeaderOnly(100000, 100000));
    Files.writeString(in.resolve("notes.txt"), "ignored: no image extension");
    Path locked = write(smooth(10, 10, 6), "png", in.resolve("locked.png"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    boolean permissionsBite = !Files.isReadable(locked); // root reads anything
    Files.createSymbolicLink(in.resolve("self.jpg"), Path.of("self.jpg"));
    Files.createSymbolicLink(in.resolve("dangling.png"), Path.of("nothing-here.png"));
    Files.createSymbolicLink(in.resolve("sub/up"), Path.of(".."));
    boolean badName =
        new ProcessBuilder("sh", "-c", "cp a.png \"$(printf 'bad\\377name.png')\"")
                .directory(in.toFile())
                .start()
                .waitFor()
            == 0;
    badName &=
        Files.list(in).count() > 0
            && Files.list(in).anyMatch(p -> p.getFileName().toString().contains("\uFFFD"));
    Path ds = tmp.resolve("out.jcolz");

    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--size",
            Integer.toString(S),
            "--threads",
            "2",
            "--json");
    JsonNode j = json(r);
    assertEquals(permissionsBite ? 3 : 4, j.get("rows").asLong(), r.toString());
    JsonNode by = j.get("skipped_by_reason");
    assertEquals(1, by.path("truncated").asLong(), r.toString());
    assertEquals(1, by.path("empty_file").asLong(), r.toString());
    assertEquals(1, by.path("not_an_image").asLong(), r.toString());
    assertEquals(1, by.path("too_small").asLong(), r.toString());
    assertEquals(1, by.path("too_large").asLong(), r.toString());
    assertEquals(2, by.path("symlink_loop").asLong(), r.toString());
    assertEquals(permissionsBite ? 2 : 1, by.path("unreadable").asLong(), r.toString());
    assertEquals(badName ? 1 : 0, by.path("bad_name").asLong(), r.toString());
    long skipped = 8 + (permissionsBite ? 1 : 0) + (badName ? 1 : 0);
    assertEquals(skipped, j.get("skipped").asLong(), r.toString());
    assertEquals(1, j.get("ignored_files").asLong());
    List<String> lines = r.err().lines().filter(l -> l.startsWith("jcolz pack: skipped ")).toList();
    assertEquals(skipped, lines.size(), r.err());
    for (String name :
        new String[] {
          "truncated.jpg",
          "empty.jpg",
          "text.jpg",
          "tiny.png",
          "bomb.png",
          "self.jpg",
          "up",
          "dangling.png"
        }) {
      assertTrue(
          lines.stream().anyMatch(l -> l.contains(name)), name + " not named in: " + r.err());
    }
    assertTrue(
        lines.stream().anyMatch(l -> l.contains("bomb.png") && l.contains("100000x100000")),
        r.err());
    assertFalse(
        r.err().contains("Exception\n") || r.err().contains("\tat "),
        "no stack traces: " + r.err());
    verifies(ds);
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(
          permissionsBite
              ? List.of("a.png", "sub/b.jpg", "sub/deeper/c.png")
              : List.of("a.png", "locked.png", "sub/b.jpg", "sub/deeper/c.png"),
          keys(d));
      assertFalse(d.schema().labelColumn().isPresent(), "no label source, no label column");
    }
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void hugeImagesArePackedAndOnlyBrokenFilesAreSkipped() throws Exception {
    // 108 MP, over the 100 MP decoded-pixel limit: skipped as "too large" before subsampling
    // counted; now decoded at 1/281 (43 x 32) and packed
    Files.createDirectories(in.resolve("flags"));
    Files.write(
        in.resolve("flags/huge.png"),
        PackTestImages.largeTwoColourPng(12000, 9000, 0xC03020, 0x2050B0));
    write(smooth(30, 20, 1), "png", in.resolve("flags/small.png"));
    Files.writeString(in.resolve("flags/text_bad.png"), "not a PNG\n");
    Files.write(in.resolve("flags/empty_bad.png"), new byte[0]);
    byte[] png = encode(smooth(64, 64, 2), "png");
    Files.write(in.resolve("flags/cut_bad.png"), Arrays.copyOf(png, png.length / 2));
    Path ds = tmp.resolve("huge.jcolz");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--labels-from-dirs",
            "--size",
            Integer.toString(S),
            "--threads",
            "2",
            "--json");
    JsonNode j = json(r);
    assertEquals(2, j.get("rows").asLong(), r.toString());
    assertEquals(3, j.get("skipped").asLong(), r.toString());
    assertEquals(0, j.get("skipped_by_reason").path("too_large").asLong(), r.toString());
    verifies(ds);
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(List.of("flags/huge.png", "flags/small.png"), keys(d));
      byte[] px = d.readTensor("image", 0);
      // shorter side to S, centre crop: the left and right columns keep their half's colour
      for (int y = 0; y < S; y++) {
        int left = y * S * 3;
        int right = (y * S + S - 1) * 3;
        assertEquals(0xC0, px[left] & 0xFF, "row " + y);
        assertEquals(0x30, px[left + 1] & 0xFF, "row " + y);
        assertEquals(0x20, px[right] & 0xFF, "row " + y);
        assertEquals(0xB0, px[right + 2] & 0xFF, "row " + y);
      }
    }
  }

  @Test
  void rawModeStoresExactPixelsLabelsAndKeysInWalkOrderWhateverTheThreadCount() throws Exception {
    List<String> files = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String dir = i % 3 == 0 ? "cats" : i % 3 == 1 ? "dogs/small" : "";
      String name =
          (dir.isEmpty() ? "" : dir + "/")
              + "img"
              + (char) ('a' + i)
              + (i % 2 == 0 ? ".png" : ".jpg");
      write(
          smooth(20 + random.nextInt(30), 20 + random.nextInt(30), random.nextLong()),
          i % 2 == 0 ? "png" : "jpeg",
          in.resolve(name));
      files.add(name);
    }
    StringBuilder csv = new StringBuilder("path,labels\n");
    for (String f : files) {
      if (f.startsWith("cats/")) {
        csv.append('"').append(f).append("\",\"cat animal\"\n");
      } else if (f.startsWith("dogs/")) {
        csv.append("./").append(f).append(",dog animal\n");
      }
    }
    csv.append("ghost.png,cat\n");
    Path labels = Files.writeString(tmp.resolve("labels.csv"), csv);
    Path one = tmp.resolve("one.jcolz");
    Path three = tmp.resolve("three.jcolz");
    JsonNode j1 =
        json(
            CliTestSupport.run(
                "pack",
                "--input",
                in.toString(),
                "--out",
                one.toString(),
                "--labels",
                labels.toString(),
                "--size",
                Integer.toString(S),
                "--threads",
                "1",
                "--chunk-rows",
                "5",
                "--json"));
    JsonNode j3 =
        json(
            CliTestSupport.run(
                "pack",
                "--input",
                in.toString(),
                "--out",
                three.toString(),
                "--labels",
                labels.toString(),
                "--size",
                Integer.toString(S),
                "--threads",
                "3",
                "--chunk-rows",
                "5",
                "--json"));
    assertEquals(24, j1.get("rows").asLong());
    assertEquals(8, j1.get("unlabelled").asLong(), "images in the top folder have no line: " + j1);
    assertEquals(1, j1.get("label_keys_without_image").asLong(), j1.toString());
    assertEquals("raw", j1.get("mode").asText());
    verifies(one);
    ImageDecoder decoder = Packer.decoder(PackOptions.of(in, one));
    List<String> sorted = new ArrayList<>(files);
    try (Dataset a = Dataset.open(one);
        Dataset b = Dataset.open(three)) {
      assertEquals(List.of("animal", "cat", "dog"), a.labels());
      List<String> k = keys(a);
      assertEquals(k, keys(b));
      // depth-first, names sorted: cats/…, dogs/small/…, then the files of the top folder
      sorted.sort(
          (x, y) ->
              Integer.compare(rank(x), rank(y)) != 0
                  ? Integer.compare(rank(x), rank(y))
                  : x.compareTo(y));
      assertEquals(sorted, k);
      for (long r = 0; r < a.rowCount(); r++) {
        String key = k.get((int) r);
        byte[] want =
            decoder
                .decodeResized(in.resolve(key), S, S, ResizeMode.SHORTER_SIDE_CENTER_CROP)
                .pixels();
        assertArrayEquals(want, a.readTensor("image", r), key);
        assertArrayEquals(want, b.readTensor("image", r), key);
        List<String> names = labelNames(a, r);
        List<String> expected =
            key.startsWith("cats/")
                ? List.of("animal", "cat")
                : key.startsWith("dogs/") ? List.of("animal", "dog") : List.of();
        assertEquals(expected, names, key);
        assertArrayEquals(a.readSet("labels", r), b.readSet("labels", r));
        assertEquals(r, a.rowOf(key).orElseThrow());
      }
    }
  }

  private static int rank(String key) {
    return key.startsWith("cats/") ? 0 : key.startsWith("dogs/") ? 1 : 2;
  }

  @Test
  void jpegModeIsWithinAPsnrBoundOfTheExactPixels() throws Exception {
    for (int i = 0; i < 6; i++) {
      write(smooth(60, 45, i), "png", in.resolve("p" + i + ".png"));
    }
    Path ds = tmp.resolve("jpeg.jcolz");
    JsonNode j =
        json(
            CliTestSupport.run(
                "pack",
                "--input",
                in.toString(),
                "--out",
                ds.toString(),
                "--size",
                "32",
                "--mode",
                "jpeg",
                "--quality",
                "90",
                "--json"));
    assertEquals(6, j.get("rows").asLong());
    verifies(ds);
    ImageDecoder decoder = Packer.decoder(PackOptions.of(in, ds));
    try (Dataset d = Dataset.open(ds);
        JpegDecoder jd = new JpegDecoder()) {
      assertEquals(-1, d.schema().indexOf("image"));
      assertEquals("jpeg", d.metadata().get("mode"));
      for (long r = 0; r < d.rowCount(); r++) {
        String key = d.readString("key", r);
        byte[] exact =
            decoder
                .decodeResized(in.resolve(key), 32, 32, ResizeMode.SHORTER_SIDE_CENTER_CROP)
                .pixels();
        byte[] got = jd.decode(d.readBytes("jpeg", r)).pixels();
        double psnr = PackTestImages.psnr(exact, got);
        assertTrue(psnr > 32, key + ": PSNR " + psnr);
      }
    }
    CliTestSupport.Result b =
        CliTestSupport.run(
            "bench", ds.toString(), "--seconds", "0.5", "--threads", "1", "--batch", "2", "--json");
    assertTrue(
        json(b).get("images_per_s").asDouble() > 0,
        "no label column: bench streams images only: " + b);
  }

  @Test
  void aJpegPackWhoseEveryImageIsSkippedHasNoRowsAndItsCeilingsAreZero() throws Exception {
    Files.createDirectories(in);
    Files.writeString(in.resolve("a.jpg"), "not a JPEG\n");
    Path ds = tmp.resolve("empty.jcolz");
    JsonNode j =
        json(
            CliTestSupport.run(
                "pack",
                "--input",
                in.toString(),
                "--out",
                ds.toString(),
                "--size",
                "8",
                "--mode",
                "jpeg",
                "--json"));
    assertEquals(0, j.get("rows").asLong(), j.toString());
    assertEquals(1, j.get("skipped").asLong(), j.toString());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(0, d.column("jpeg").chunkCount());
      assertEquals(0.0, io.jcolz.loader.LoaderBench.ceiling(d, 0.05));
      assertEquals(0.0, io.jcolz.loader.LoaderBench.decodeCeiling(d, 0.05));
    }
  }

  @Test
  void smartModeKeepsFlatImagesRawAndNoisyOnesJpegAndTheLoaderReadsIt() throws Exception {
    write(flat(40, 40, 0x336699), "png", in.resolve("flat/a.png"));
    write(flat(40, 40, 0xCC2211), "png", in.resolve("flat/b.png"));
    write(noise(40, 40, 7), "png", in.resolve("noisy/c.png"));
    write(noise(40, 40, 8), "png", in.resolve("noisy/d.png"));
    Path ds = tmp.resolve("smart.jcolz");
    JsonNode j =
        json(
            CliTestSupport.run(
                "pack",
                "--input",
                in.toString(),
                "--out",
                ds.toString(),
                "--size",
                "32",
                "--mode",
                "smart",
                "--labels-from-dirs",
                "--json"));
    assertEquals(2, j.get("stored_raw").asLong(), j.toString());
    assertEquals(2, j.get("stored_jpeg").asLong(), j.toString());
    try (Dataset d = Dataset.open(ds)) {
      for (long r = 0; r < 4; r++) {
        boolean flat = d.readString("key", r).startsWith("flat/");
        assertEquals(flat, d.readBytes("jpeg", r).length == 0, "row " + r);
      }
    }
    CliTestSupport.Result b =
        CliTestSupport.run(
            "bench", ds.toString(), "--seconds", "0.5", "--threads", "1", "--batch", "2", "--json");
    assertTrue(json(b).get("images_per_s").asDouble() > 0, b.toString());
  }

  @Test
  void labelsFromDirsGivesEveryFolderOnThePath() throws Exception {
    write(smooth(20, 20, 1), "png", in.resolve("animals/birds/owl.png"));
    write(smooth(20, 20, 2), "png", in.resolve("animals/mammals/cats/tabby.png"));
    write(smooth(20, 20, 3), "png", in.resolve("plants/tree.png"));
    write(smooth(20, 20, 4), "png", in.resolve("top.png"));
    Path ds = tmp.resolve("dirs.jcolz");
    JsonNode j =
        json(
            CliTestSupport.run(
                "pack",
                "--input",
                in.toString(),
                "--out",
                ds.toString(),
                "--size",
                Integer.toString(S),
                "--labels-from-dirs",
                "--json"));
    assertEquals(4, j.get("rows").asLong());
    assertEquals(5, j.get("labels").asLong());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(
          List.of("animals", "birds", "cats", "mammals", "plants"), d.labels().subList(0, 5));
      assertEquals(
          List.of("animals", "birds"),
          labelNames(d, d.rowOf("animals/birds/owl.png").orElseThrow()));
      assertEquals(
          List.of("animals", "cats", "mammals"),
          labelNames(d, d.rowOf("animals/mammals/cats/tabby.png").orElseThrow()));
      assertEquals(List.of("plants"), labelNames(d, d.rowOf("plants/tree.png").orElseThrow()));
      assertEquals(List.of(), labelNames(d, d.rowOf("top.png").orElseThrow()));
    }
  }

  @Test
  void jsonLinesLabelsWithBadLinesAndUnknownKeys() throws Exception {
    write(smooth(20, 20, 1), "png", in.resolve("a.png"));
    write(smooth(20, 20, 2), "png", in.resolve("d/b.png"));
    write(smooth(20, 20, 3), "png", in.resolve("d/c.png"));
    Path labels =
        Files.writeString(
            tmp.resolve("labels.jsonl"),
            String.join(
                    "\n",
                    "{\"key\": \"a.png\", \"labels\": [\"x\", \"y\"]}",
                    "{\"key\": \"d/b.png\", \"labels\": [\"z\"]}",
                    "{\"key\": \"d/b.png\", \"labels\": [\"x\"]}",
                    "{\"key\": \"nowhere.png\", \"labels\": [\"y\"]}",
                    "{\"labels\": [\"y\"]}",
                    "{\"key\": \"d/c.png\"}",
                    "not json at all",
                    "")
                + "\n");
    Path ds = tmp.resolve("jsonl.jcolz");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--size",
            Integer.toString(S),
            "--labels",
            labels.toString(),
            "--json");
    JsonNode j = json(r);
    assertEquals(3, j.get("rows").asLong());
    assertEquals(3, j.get("label_lines_rejected").asLong(), r.toString());
    assertEquals(1, j.get("label_keys_without_image").asLong(), r.toString());
    assertEquals(1, j.get("unlabelled").asLong(), r.toString());
    assertTrue(r.err().contains("labels.jsonl:5: missing \"key\""), r.err());
    assertTrue(r.err().contains("labels.jsonl:6: missing \"labels\""), r.err());
    assertTrue(r.err().contains("labels.jsonl:7: not a JSON object"), r.err());
    assertTrue(r.err().contains("nowhere.png"), r.err());
    assertTrue(
        r.err()
            .contains(
                "labels.jsonl: 1 line(s) repeat a key given earlier (e.g. d/b.png); each such key"
                    + " gets the union of its lines' labels"),
        r.err());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(List.of("x", "y", "z"), d.labels());
      assertEquals(List.of("x", "y"), labelNames(d, 0));
      assertEquals(List.of("x", "z"), labelNames(d, 1), "a key given twice gets the union");
      assertEquals(List.of(), labelNames(d, 2));
    }
  }

  @Test
  void aValidationSetPackedWithVocabularyFromSharesTheTrainingLabelIndices() throws Exception {
    write(smooth(20, 20, 1), "png", in.resolve("a.png"));
    write(smooth(20, 20, 2), "png", in.resolve("b.png"));
    Path train = tmp.resolve("train.jcolz");
    json(
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            train.toString(),
            "--size",
            "8",
            "--labels",
            Files.writeString(tmp.resolve("train.csv"), "a.png,ant bee cat\nb.png,dog\n")
                .toString(),
            "--json"));
    Path valIn = tmp.resolve("val");
    write(smooth(20, 20, 3), "png", valIn.resolve("c.png"));
    Path val = tmp.resolve("val.jcolz");
    Path valCsv = Files.writeString(tmp.resolve("val.csv"), "c.png,dog eel cat\n");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            valIn.toString(),
            "--out",
            val.toString(),
            "--size",
            "8",
            "--labels",
            valCsv.toString(),
            "--vocabulary-from",
            train.toString(),
            "--json");
    JsonNode j = json(r);
    assertEquals(1, j.get("labels_dropped").asLong(), r.toString());
    assertTrue(r.err().contains("eel"), r.err());
    try (Dataset t = Dataset.open(train);
        Dataset v = Dataset.open(val)) {
      assertEquals(t.labels(), v.labels());
      assertEquals(List.of("cat", "dog"), labelNames(v, 0));
      assertArrayEquals(new int[] {2, 3}, v.readSet("labels", 0));
    }
    CliTestSupport.Result noSource =
        CliTestSupport.run(
            "pack",
            "--input",
            valIn.toString(),
            "--out",
            tmp.resolve("x.jcolz").toString(),
            "--vocabulary-from",
            train.toString());
    assertEquals(2, noSource.code(), noSource.toString());
  }

  @Test
  void aSkippedImageIsCountedOnlyAsSkippedNotAsUnlabelledOrForItsDroppedLabels() throws Exception {
    write(smooth(20, 20, 1), "png", in.resolve("a.png"));
    Path train = tmp.resolve("train.jcolz");
    json(
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            train.toString(),
            "--size",
            "8",
            "--labels",
            Files.writeString(tmp.resolve("train.csv"), "a.png,ant bee\n").toString(),
            "--json"));
    Path valIn = tmp.resolve("val");
    write(
        smooth(20, 20, 2),
        "png",
        valIn.resolve("c.png")); // labelled, one name not in the vocabulary
    write(smooth(20, 20, 3), "png", valIn.resolve("d.png")); // no line: packed with no labels
    Files.writeString(valIn.resolve("nolabel.jpg"), "not a JPEG and no line\n");
    Files.writeString(valIn.resolve("bad.jpg"), "not a JPEG, with a line\n");
    Path valCsv = Files.writeString(tmp.resolve("val.csv"), "c.png,ant eel\nbad.jpg,fox gnu\n");
    Path val = tmp.resolve("val.jcolz");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            valIn.toString(),
            "--out",
            val.toString(),
            "--size",
            "8",
            "--labels",
            valCsv.toString(),
            "--vocabulary-from",
            train.toString(),
            "--threads",
            "2",
            "--json");
    JsonNode j = json(r);
    assertEquals(2, j.get("rows").asLong(), r.toString());
    assertEquals(2, j.get("skipped").asLong(), r.toString());
    assertEquals(2, j.get("skipped_by_reason").path("not_an_image").asLong(), r.toString());
    assertEquals(1, j.get("unlabelled").asLong(), "only d.png; nolabel.jpg was skipped: " + r);
    assertEquals(
        1,
        j.get("labels_dropped").asLong(),
        "only eel; fox and gnu belong to a skipped image: " + r);
    assertEquals(
        0, j.get("label_keys_without_image").asLong(), "bad.jpg exists, though skipped: " + r);
    assertTrue(r.err().contains("jcolz pack: 1 image(s) have no line in"), r.err());
    assertTrue(
        r.err()
            .contains(
                "1 label occurrence(s) are not in the vocabulary of "
                    + train
                    + " and were dropped, "
                    + "e.g. eel\n"),
        r.err());
  }

  @Test
  void tsvAndCsvLabelFilesWithAMissingColumn() throws Exception {
    write(smooth(20, 20, 1), "png", in.resolve("a.png"));
    write(smooth(20, 20, 2), "png", in.resolve("b.png"));
    Path tsv = Files.writeString(tmp.resolve("labels.tsv"), "a.png\tred green\nb.png\n");
    Path ds = tmp.resolve("tsv.jcolz");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--size",
            Integer.toString(S),
            "--labels",
            tsv.toString(),
            "--json");
    JsonNode j = json(r);
    assertEquals(1, j.get("label_lines_rejected").asLong(), r.toString());
    assertTrue(r.err().contains("labels.tsv:2: missing label column"), r.err());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(List.of("green", "red"), labelNames(d, 0));
      assertEquals(List.of(), labelNames(d, 1));
    }
  }

  @Test
  void anExistingDatasetIsRefusedUnlessOverwrite() throws Exception {
    write(smooth(20, 20, 1), "png", in.resolve("a.png"));
    Path ds = tmp.resolve("ds.jcolz");
    json(
        CliTestSupport.run(
            "pack", "--input", in.toString(), "--out", ds.toString(), "--size", "8", "--json"));
    String id;
    try (Dataset d = Dataset.open(ds)) {
      id = d.id().toString();
    }
    CliTestSupport.Result again =
        CliTestSupport.run("pack", "--input", in.toString(), "--out", ds.toString());
    assertEquals(2, again.code(), again.toString());
    assertTrue(
        again.err().contains("already exists") && again.err().contains("--overwrite"), again.err());
    assertEquals(1, again.err().strip().lines().count(), again.err());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(id, d.id().toString(), "untouched");
    }
    write(smooth(20, 20, 2), "png", in.resolve("b.png"));
    JsonNode j =
        json(
            CliTestSupport.run(
                "pack",
                "--input",
                in.toString(),
                "--out",
                ds.toString(),
                "--size",
                "8",
                "--overwrite",
                "--json"));
    assertEquals(2, j.get("rows").asLong());
    try (Dataset d = Dataset.open(ds)) {
      assertFalse(id.equals(d.id().toString()), "replaced");
    }
    assertEquals(List.of("ds.jcolz", "in"), siblings());
  }

  private List<String> siblings() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.endsWith(".csv") && !n.endsWith(".jsonl") && !n.endsWith(".tsv"))
          .sorted()
          .toList();
    }
  }

  @Test
  void anInterruptedPackLeavesNoDatasetAndTheNextRunCleansUp() throws Exception {
    for (int i = 0; i < 20; i++) {
      write(smooth(20, 20, i), "png", in.resolve("i" + i + ".png"));
    }
    Path ds = tmp.resolve("ds.jcolz");
    PackOptions o = PackOptions.builder(in, ds).size(8).chunkRows(2).threads(2).build();
    // fault injection from test code: the listener fails the pack (as a crash would) after 5 rows
    PackListener failing =
        new PackListener() {
          @Override
          public void progress(long done, long skipped) {
            if (done >= 5) {
              throw new IllegalStateException("simulated failure after 5 rows");
            }
          }
        };
    RuntimeException e = assertThrows(RuntimeException.class, () -> new Packer(o, failing).run());
    assertTrue(e.getMessage().contains("simulated failure"), e.getMessage());
    assertFalse(Files.exists(ds));
    assertEquals(
        List.of(".ds.jcolz.building", "in"),
        siblings(),
        "only the resumable build directory: no temporary directory, label map or lock");
    try (Stream<Path> s = Files.list(tmp.resolve(".ds.jcolz.building/parts"))) {
      assertEquals(List.of(), s.toList(), "the failed part left nothing in parts/");
    }

    // what a killed process leaves: the writer's temporary directory, a label map, a stale lock
    // file
    Files.createDirectories(tmp.resolve(".ds.jcolz.tmp-deadbeef/columns"));
    Files.writeString(tmp.resolve(".ds.jcolz.tmp-deadbeef/columns/image.col"), "partial");
    Files.writeString(tmp.resolve(".ds.jcolz.labels-deadbeef.cmap"), "partial");
    Files.writeString(tmp.resolve(".ds.jcolz.pack.lock"), "");
    CliTestSupport.Result changed =
        CliTestSupport.run(
            "pack", "--input", in.toString(), "--out", ds.toString(), "--size", "8", "--json");
    assertEquals(1, changed.code(), changed.toString());
    assertTrue(
        changed.err().contains("another plan: setting 'chunk_rows' was 2")
            && changed.err().contains("--restart"),
        changed.err());
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--size",
            "8",
            "--chunk-rows",
            "2",
            "--json");
    assertEquals(20, json(r).get("rows").asLong());
    assertEquals(1, json(r).get("parts").asInt());
    assertTrue(
        changed.err().contains("removed") && changed.err().contains(".ds.jcolz.tmp-deadbeef"),
        changed.err());
    assertEquals(List.of("ds.jcolz", "in"), siblings());
    verifies(ds);
  }

  @Test
  void aSecondPackToTheSameOutputIsRefusedWhileTheFirstHoldsTheLock() throws Exception {
    write(smooth(20, 20, 1), "png", in.resolve("a.png"));
    Path ds = tmp.resolve("ds.jcolz");
    try (PackLock held = PackLock.acquire(ds)) {
      CliTestSupport.Result r =
          CliTestSupport.run("pack", "--input", in.toString(), "--out", ds.toString());
      assertEquals(1, r.code(), r.toString());
      assertTrue(r.err().contains("another jcolz pack is writing"), r.err());
    }
    assertFalse(Files.exists(ds));
  }

  /**
   * Each usage error exits 2 with one line saying what is wrong (a parse error adds picocli's
   * --help hint).
   */
  @Test
  void usageErrorsExitTwoWithOneLine() {
    Path missing = tmp.resolve("missing");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack", "--input", missing.toString(), "--out", tmp.resolve("x").toString());
    assertEquals(2, r.code(), r.toString());
    assertEquals("jcolz pack: --input " + missing + " is not a directory\n", r.err(), r.toString());
    assertEquals("", r.out(), r.toString());
    r =
        CliTestSupport.run(
            "pack",
            "--input",
            tmp.toString(),
            "--out",
            tmp.resolve("x").toString(),
            "--mode",
            "png");
    assertEquals(2, r.code(), r.toString());
    assertEquals(
        List.of(
            "jcolz: Invalid value for option '--mode': 'png' is not raw, jpeg or smart",
            "Try 'jcolz pack --help' for usage."),
        r.err().lines().toList(),
        r.toString());
    r =
        CliTestSupport.run(
            "pack",
            "--input",
            tmp.toString(),
            "--out",
            tmp.resolve("x").toString(),
            "--resize",
            "squash");
    assertEquals(2, r.code(), r.toString());
    assertEquals(
        "jcolz: Invalid value for option '--resize': 'squash' is not "
            + "shorter-side+center-crop, stretch or pad",
        r.err().lines().findFirst().orElse(""),
        r.toString());
    r =
        CliTestSupport.run(
            "pack",
            "--input",
            tmp.toString(),
            "--out",
            tmp.resolve("x").toString(),
            "--labels",
            "a.csv",
            "--labels-from-dirs");
    assertEquals(2, r.code(), r.toString());
    assertEquals(
        List.of(
            "jcolz: Error: --labels=FILE, --labels-from-dirs are mutually exclusive (specify only one)",
            "Try 'jcolz pack --help' for usage."),
        r.err().lines().toList(),
        r.toString());
    assertFalse(Files.exists(tmp.resolve("x")), "a usage error creates nothing");
    CliTestSupport.Result help = CliTestSupport.run("pack", "--help");
    assertEquals(0, help.code());
    String text = help.out().replaceAll("\\s+", " "); // the help is wrapped to the terminal width
    for (String s :
        new String[] {
          "--labels-from-dirs",
          "--mode",
          "smart",
          "path relative to --input",
          "walk order",
          "--overwrite",
          "Run the same command again",
          "--restart starts over",
          "100-megapixel"
        }) {
      assertTrue(text.contains(s), s + " missing from help:\n" + help.out());
    }
    assertEquals("", help.err(), "help goes to stdout only");
  }
}
