package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.pack.PackTestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jcolz as a careless or unlucky user tries it (issue 28): what a user owns is never destroyed (a
 * folder or file at {@code pack --out}, a file at {@code get --out}, the dataset's own files),
 * every knob has an upper bound, and each refusal is one line with the documented exit code. Runs
 * the CLI in-process.
 */
class AdversarialCliTest {
  @TempDir Path tmp;
  Path in;

  @BeforeEach
  void images() throws Exception {
    in = tmp.resolve("in");
    for (int i = 0; i < 6; i++) {
      PackTestImages.write(
          PackTestImages.smooth(20, 20, i), "png", in.resolve("d" + i % 2 + "/i" + i + ".png"));
    }
  }

  private CliTestSupport.Result pack(Path out, String... extra) {
    List<String> a =
        new java.util.ArrayList<>(
            List.of(
                "pack", "--input", in.toString(), "--out", out.toString(), "--labels-from-dirs"));
    a.addAll(List.of(extra));
    if (!a.contains("--size")) {
      a.addAll(List.of("--size", "8"));
    }
    return CliTestSupport.run(a.toArray(String[]::new));
  }

  private Path dataset() {
    Path ds = tmp.resolve("ds.jcolz");
    CliTestSupport.Result r = pack(ds);
    assertEquals(0, r.code(), r.toString());
    return ds;
  }

  /** Exit {@code code} with exactly one line on stderr containing every {@code parts}. */
  private static void oneLine(CliTestSupport.Result r, int code, String... parts) {
    assertEquals(code, r.code(), r.toString());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r);
    for (String p : parts) {
      assertTrue(r.err().contains(p), "'" + p + "' in: " + r);
    }
    assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.toString());
  }

  private List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  // ------------------------------------------------------------- 1: pack --out, --overwrite

  @Test
  void overwriteNeverDeletesAFolderThatIsNotADataset() throws Exception {
    Path user = tmp.resolve("userdir");
    Files.createDirectories(user);
    Files.writeString(user.resolve("thesis.txt"), "years of work");
    CliTestSupport.Result r = pack(user, "--overwrite");
    oneLine(r, 2, "not a jcolz dataset", "thesis.txt", "choose another --out");
    assertEquals("years of work", Files.readString(user.resolve("thesis.txt")));
    r = pack(user);
    oneLine(r, 2, "not a jcolz dataset", "thesis.txt");
    assertFalse(r.err().contains("use --overwrite"), "never points at --overwrite: " + r);
    assertEquals(List.of("thesis.txt"), names(user));
    assertEquals(List.of("in", "userdir"), names(tmp), "nothing left beside it");
  }

  @Test
  void aFolderWithADamagedManifestIsNotADatasetToReplace() throws Exception {
    Path fake = tmp.resolve("fake");
    Files.createDirectories(fake);
    Files.writeString(fake.resolve("manifest.jcm"), "not a manifest");
    oneLine(pack(fake, "--overwrite"), 2, "holds a manifest that does not open");
    assertEquals("not a manifest", Files.readString(fake.resolve("manifest.jcm")));
  }

  @Test
  void outNamingARegularFileIsAUsageError() throws Exception {
    Path file = tmp.resolve("notes.txt");
    Files.writeString(file, "keep me");
    oneLine(pack(file), 2, "--out " + file + " is a regular file");
    oneLine(pack(file, "--overwrite"), 2, "regular file");
    assertEquals("keep me", Files.readString(file));
  }

  @Test
  void overwriteStillReplacesADatasetAndAnEmptyFolder() throws Exception {
    Path ds = dataset();
    assertEquals(0, pack(ds, "--overwrite", "--size", "12").code());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals("12", d.metadata().get("size"));
    }
    Path empty = tmp.resolve("empty");
    Files.createDirectories(empty);
    assertEquals(0, pack(empty, "--overwrite").code());
    try (Dataset d = Dataset.open(empty)) {
      assertEquals(6, d.rowCount());
    }
  }

  // ------------------------------------------------------------- 2: get --out

  @Test
  void getNeverOverwritesAFileSilentlyNorWritesInsideADataset() throws Exception {
    Path ds = dataset();
    Path mine = tmp.resolve("mine.png");
    Files.writeString(mine, "my picture");
    oneLine(
        CliTestSupport.run("get", ds.toString(), "--row", "0", "--out", mine.toString()),
        2,
        "already exists; use --overwrite");
    assertEquals("my picture", Files.readString(mine));

    Path manifest = ds.resolve("collection.jcm");
    byte[] before = Files.readAllBytes(manifest);
    for (String flag : new String[] {"--json", "--overwrite"}) {
      CliTestSupport.Result r =
          CliTestSupport.run(
              "get", ds.toString(), "--row", "0", "--out", manifest.toString(), flag);
      assertEquals(2, r.code(), r.toString());
    }
    oneLine(
        CliTestSupport.run(
            "get", ds.toString(), "--row", "0", "--out", ds.resolve("x.png").toString()),
        2,
        "inside the dataset");
    assertArrayEquals(before, Files.readAllBytes(manifest));
    assertEquals(0, CliTestSupport.run("verify", ds.toString()).code(), "the dataset still opens");

    CliTestSupport.Result r =
        CliTestSupport.run(
            "get", ds.toString(), "--row", "0", "--out", mine.toString(), "--overwrite");
    assertEquals(0, r.code(), r.toString());
    byte[] png = Files.readAllBytes(mine);
    assertEquals((byte) 0x89, png[0]);
    assertEquals('P', png[1]);
    assertEquals(List.of("ds.jcolz", "in", "mine.png"), names(tmp), "no temporary file left");
  }

  @Test
  void getWritesTheFormatItsExtensionNames() throws Exception {
    Path ds = dataset();
    Path jpg = tmp.resolve("x.jpg");
    assertEquals(
        0, CliTestSupport.run("get", ds.toString(), "--row", "1", "--out", jpg.toString()).code());
    byte[] b = Files.readAllBytes(jpg);
    assertEquals((byte) 0xFF, b[0], "JPEG SOI");
    assertEquals((byte) 0xD8, b[1]);
    assertEquals(8, javax.imageio.ImageIO.read(jpg.toFile()).getWidth());
    oneLine(
        CliTestSupport.run(
            "get", ds.toString(), "--row", "1", "--out", tmp.resolve("x.gif").toString()),
        2,
        ".png or .jpg/.jpeg");
    assertFalse(Files.exists(tmp.resolve("x.gif")));
  }

  // ------------------------------------------------------------- 4: bounds

  @Test
  void tenThousandThreadsAreRefusedUpFront() {
    Path ds = dataset();
    long t0 = System.nanoTime();
    oneLine(
        CliTestSupport.run("bench", ds.toString(), "--threads", "10000", "--seconds", "1"),
        2,
        "--workers 10000 is more than this machine allows");
    oneLine(pack(tmp.resolve("o"), "--threads", "10000"), 2, "--threads 10000 is more than");
    oneLine(
        CliTestSupport.run(
            "eval", ds.toString(), "--checkpoint", tmp.toString(), "--workers", "10000"),
        2,
        "--workers 10000");
    assertTrue(System.nanoTime() - t0 < 20e9, "refused before any work");
    int max = io.jcolz.format.MachineLimits.maxThreads();
    oneLine(pack(tmp.resolve("o"), "--threads", Integer.toString(max + 1)), 2, "--threads");
    assertEquals(0, pack(tmp.resolve("o"), "--threads", Integer.toString(max)).code(), "the bound");
  }

  @Test
  void chunkAndPartRowsHaveBounds() {
    oneLine(pack(tmp.resolve("o"), "--chunk-rows", "2000000000"), 2, "--chunk-rows");
    oneLine(pack(tmp.resolve("o"), "--size", "8192", "--chunk-rows", "2000"), 2, "MiB");
    oneLine(pack(tmp.resolve("o"), "--part-rows", "2000000000"), 2, "--part-rows");
  }

  @Test
  void aBatchLargerThanMemoryIsRefusedNamingTheBound() {
    Path ds = dataset();
    // 65536 × 8×8×3 is small; the loader's memory check: workers × batch at the thread bound
    CliTestSupport.Result r =
        CliTestSupport.run("bench", ds.toString(), "--batch", "65537", "--seconds", "1");
    oneLine(r, 2, "--batch must be in 1..65536");
  }

  // ------------------------------------------------------------- 8: totals after a resume

  @Test
  void aResumedPackReportsTheDatasetsTotalsAndThisRunsWorkApart() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper m =
        new com.fasterxml.jackson.databind.ObjectMapper();
    var fresh = m.readTree(pack(tmp.resolve("fresh"), "--part-rows", "2", "--json").lastLine());
    Path ds = tmp.resolve("resumed");
    assertEquals(0, pack(ds, "--part-rows", "2", "--shard", "0/2").code(), "packs parts 0 and 2");
    CliTestSupport.Result r = pack(ds, "--part-rows", "2", "--json");
    var resumed = m.readTree(r.lastLine());
    assertEquals(2, resumed.get("parts_kept").asInt(), r.toString());
    assertEquals(fresh.get("bytes_in").asLong(), resumed.get("bytes_in").asLong());
    assertEquals(fresh.get("bytes").asLong(), resumed.get("bytes").asLong());
    assertEquals(fresh.get("ratio").asDouble(), resumed.get("ratio").asDouble(), 1e-9);
    long run = resumed.get("run_bytes_in").asLong();
    assertTrue(run > 0 && run < resumed.get("bytes_in").asLong() / 2, resumed.toString());
    assertEquals(fresh.get("bytes_in").asLong(), fresh.get("run_bytes_in").asLong());
  }

  // ------------------------------------------------------------- 10: bench on a small dataset

  @Test
  void benchOnADatasetSmallerThanTheDefaultBatchShrinksItWithANote() {
    Path ds = dataset();
    CliTestSupport.Result r =
        CliTestSupport.run("bench", ds.toString(), "--seconds", "0.2", "--threads", "1", "--json");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.err().contains("6 rows, fewer than the default batch 256"), r.err());
    oneLine(
        CliTestSupport.run("bench", ds.toString(), "--batch", "100", "--seconds", "0.2"),
        2,
        "--batch 100 is more than the 6 rows",
        "--batch 6 or less");
  }

  // ------------------------------------------------------------- 9, 10: messages, empty input

  @Test
  void anEmptyInputIsRefusedAndAnAllBrokenOneWarns() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack", "--input", empty.toString(), "--out", tmp.resolve("e").toString());
    oneLine(r, 2, "--input " + empty + " holds no image files (it is empty); nothing packed");
    Files.writeString(empty.resolve("notes.txt"), "x");
    r =
        CliTestSupport.run(
            "pack", "--input", empty.toString(), "--out", tmp.resolve("e").toString());
    oneLine(r, 2, "1 file(s) without an image extension were ignored");
    assertFalse(Files.exists(tmp.resolve("e")));
    assertEquals(List.of("empty", "in"), names(tmp), "nothing written");

    Path broken = Files.createDirectories(tmp.resolve("broken"));
    Files.writeString(broken.resolve("a.png"), "not a png");
    r =
        CliTestSupport.run(
            "pack", "--input", broken.toString(), "--out", tmp.resolve("b").toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(
        r.err().contains("warning: none of the 1 images could be packed")
            && r.err().contains("has 0 rows"),
        r.toString());
  }

  @Test
  void theRefusalOfAChangedPackKeepsItsClosingParenthesis() {
    Path ds = dataset();
    CliTestSupport.Result r = pack(ds, "--size", "12");
    oneLine(r, 2, "already exists; use --overwrite to replace it (it was packed from other inputs");
    assertTrue(r.err().strip().endsWith(")"), r.toString());
  }

  @Test
  void getEscapesAKeyWithANewline() throws Exception {
    PackTestImages.write(PackTestImages.smooth(20, 20, 9), "png", in.resolve("d0/two\nlines.png"));
    Path ds = dataset();
    CliTestSupport.Result r = CliTestSupport.run("get", ds.toString(), "d0/two\nlines.png");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("key     d0/two\\nlines.png\n"), r.out());
    assertEquals(3, r.out().lines().count(), "row, key, labels: " + r.out());
  }

  @Test
  void anUnreadableColumnFileSaysPermissionDenied() throws Exception {
    Path ds = dataset();
    Path col;
    try (Stream<Path> s = Files.walk(ds)) {
      col = s.filter(p -> p.toString().endsWith(".col")).findFirst().orElseThrow();
    }
    Files.setPosixFilePermissions(col, java.util.Set.of());
    try {
      org.junit.jupiter.api.Assumptions.assumeFalse(
          Files.isReadable(col), "running as root: permissions are not enforced");
      CliTestSupport.Result r = CliTestSupport.run("info", ds.toString());
      oneLine(r, 1, col + ": cannot open: permission denied");
    } finally {
      Files.setPosixFilePermissions(
          col, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }
  }
}
