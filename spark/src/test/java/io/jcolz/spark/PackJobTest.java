package io.jcolz.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.pack.PackOptions;
import io.jcolz.pack.PackPlan;
import io.jcolz.pack.PackResult;
import io.jcolz.pack.PackTestImages;
import io.jcolz.pack.Packer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job in local mode gives the CLI's result, survives a failed attempt and a double
 * commit. One session ({@code local[2,4]}: two cores, a failed task is retried up to three times)
 * for the class.
 */
class PackJobTest {
  private static final long SEED = 20260513L;
  private static SparkSession spark;
  @TempDir static Path tmp;
  private static Path input;
  private static final List<String> keys = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    spark =
        SparkSession.builder()
            .master("local[2,4]")
            .appName("PackJobTest")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    TestFileSystems.register(spark.sparkContext().hadoopConfiguration());
    input = tmp.resolve("in");
    Random r = new Random(SEED);
    String[] dirs = {"animals/birds", "animals/cats", "plants", "plants/trees/oak", ""};
    int n = 0;
    for (String d : dirs) {
      Path dir = d.isEmpty() ? input : input.resolve(d);
      Files.createDirectories(dir);
      for (int i = 0; i < 5; i++, n++) {
        int w = 20 + r.nextInt(60);
        int h = 20 + r.nextInt(60);
        String fmt = (n % 3 == 0) ? "jpg" : "png";
        PackTestImages.write(
            PackTestImages.smooth(w, h, SEED + n), fmt, dir.resolve("img" + n + "." + fmt));
        keys.add((d.isEmpty() ? "" : d + "/") + "img" + n + "." + fmt);
      }
    }
    // bad files: truncated PNG, garbage JPEG, a non-image, a hidden image
    Files.write(input.resolve("plants/broken.png"), PackTestImages.pngHeaderOnly(30, 30));
    Files.write(input.resolve("animals/garbage.jpg"), new byte[] {1, 2, 3, 4, 5});
    Files.writeString(input.resolve("animals/readme.txt"), "not an image");
    PackTestImages.write(PackTestImages.flat(8, 8, 0), "png", input.resolve("plants/.hidden.png"));
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static PackOptions options(Path out) {
    return PackOptions.builder(input, out)
        .labelsFromDirs(true)
        .size(32)
        .mode(PackedImages.Storage.SMART)
        .partRows(4)
        .threads(2)
        .build();
  }

  @Test
  void sparkPackIsIdenticalToTheCliPack() throws Exception {
    Path cli = tmp.resolve("cli.jcolz");
    PackResult c = new Packer(options(cli), null).run();
    Path sp = tmp.resolve("spark.jcolz");
    PackResult s = PackJob.run(spark, input.toUri().toString(), options(sp), null);
    assertEquals(c.rows(), s.rows(), "seed " + SEED);
    assertEquals(25, s.rows());
    assertEquals(c.skipped(), s.skipped());
    assertEquals(2L, s.skippedTotal(), s.skipped().toString());
    assertEquals(c.parts(), s.parts());
    assertTrue(s.parts() > 2, "several parts: " + s.parts());
    assertEquals(c.ignoredFiles(), s.ignoredFiles());
    assertEquals(c.bytesIn(), s.bytesIn());
    assertEquals(c.storedRaw(), s.storedRaw());
    assertSameDatasets(cli, sp);
    assertEquals(
        PackPlan.read(cli.resolve(PackPlan.FILE)).planId(),
        PackPlan.read(sp.resolve(PackPlan.FILE)).planId());
    // the same line as jcolz pack's, codecs (read from each committed dataset) included
    assertEquals(
        PackJob.json(c, options(cli)).without(List.of("dataset", "seconds", "images_per_s")),
        PackJob.json(s, options(sp)).without(List.of("dataset", "seconds", "images_per_s")));
    assertTrue(PackJob.json(s, options(sp)).has("codecs"));
    assertNothingLeft(sp);
  }

  /**
   * spark-submit's entry point parses the settings flags with {@code jcolz pack}'s own ({@code
   * PackFlags}): the same flags give the CLI's plan (its id digests every setting) and rows; a bad
   * value, an unknown flag or a missing --out is a usage error (2) that creates nothing.
   */
  @Test
  void theSubmitEntryPointTakesTheCliFlags() throws Exception {
    Path cli = tmp.resolve("flags-cli.jcolz");
    new Packer(options(cli), null).run();
    Path sp = tmp.resolve("flags-spark.jcolz");
    String[] common = {
      "--labels-from-dirs", "--size", "32", "--mode", "SMART", "--part-rows", "4", "--threads", "2"
    };
    List<String> args =
        new ArrayList<>(List.of("--input", input.toString(), "--out", sp.toString()));
    args.addAll(List.of(common));
    assertEquals(0, PackJob.main(args.toArray(String[]::new), spark));
    assertEquals(
        PackPlan.read(cli.resolve(PackPlan.FILE)).planId(),
        PackPlan.read(sp.resolve(PackPlan.FILE)).planId());
    assertSameDatasets(cli, sp);
    Path bad = tmp.resolve("flags-bad.jcolz");
    for (String[] wrong :
        new String[][] {
          {"--input", input.toString(), "--out", bad.toString(), "--size", "x"},
          {"--input", input.toString(), "--out", bad.toString(), "--mode", "png"},
          {"--input", input.toString(), "--out", bad.toString(), "--frobnicate"},
          {"--input", input.toString()},
          {"--input", input.toString(), "--out", bad.toString(), "--quality", "0"},
        }) {
      assertEquals(2, PackJob.main(wrong, spark), String.join(" ", wrong));
      assertFalse(Files.exists(bad), String.join(" ", wrong));
      assertFalse(Files.exists(Packer.buildDirectory(bad)), String.join(" ", wrong));
    }
  }

  /**
   * Issue 28: the driver holds {@code jcolz pack}'s lock for its whole job on a local output. A job
   * started while a pack holds it is refused; while the job's tasks run, a pack, a shard and a
   * finish on the same output are refused (tried from a task, in this JVM), and the job finishes.
   */
  @Test
  void theDriverHoldsThePackLockForItsWholeJob() throws Exception {
    Path out = tmp.resolve("locked.jcolz");
    try (io.jcolz.pack.PackLock held = io.jcolz.pack.PackLock.acquire(out)) {
      IOException e =
          assertThrows(
              IOException.class, () -> PackJob.run(spark, input.toString(), options(out), null));
      assertTrue(e.getMessage().contains("another jcolz pack is writing"), e.getMessage());
    }
    String o = out.toString();
    String refusedAll = tmp.resolve("refused-all").toString();
    PartTask.BeforeRename tryOthers =
        (work, staged) -> {
          if (work.position() == 0 && TaskContext.get().attemptNumber() == 0) {
            List<String> refused = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
              try (io.jcolz.pack.PackLock l =
                  k == 1
                      ? io.jcolz.pack.PackLock.acquireShard(Path.of(o), 0, 2)
                      : io.jcolz.pack.PackLock.acquire(Path.of(o))) {
                // not refused: the test fails below
              } catch (IOException x) {
                refused.add(x.getMessage());
              }
            }
            if (refused.size() == 3) {
              Files.createFile(Path.of(refusedAll));
            }
          }
        };
    PackResult r = PackJob.run(spark, input.toString(), options(out), null, tryOthers);
    assertEquals(25, r.rows());
    assertTrue(Files.exists(Path.of(refusedAll)), "pack, shard and finish were refused mid-job");
    assertFalse(Files.exists(io.jcolz.pack.PackLock.lockFile(out)), "released and removed");
  }

  @Test
  void aTaskFailingOnItsFirstAttemptIsRetriedAndLeavesNothing() throws Exception {
    Path sp = tmp.resolve("retried.jcolz");
    String failed = tmp.resolve("attempt-0-failed").toString();
    PartTask.BeforeRename failFirst =
        (work, staged) -> {
          if (work.position() == 1 && TaskContext.get().attemptNumber() == 0) {
            assertTrue(Files.exists(staged), "the attempt had packed its part");
            Files.createFile(Path.of(failed));
            throw new IOException("injected failure of attempt 0, part position 1");
          }
        };
    PackResult r = PackJob.run(spark, input.toString(), options(sp), null, failFirst);
    assertEquals(25, r.rows());
    assertTrue(Files.exists(Path.of(failed)), "attempt 0 failed and Spark retried it");
    try (Dataset ds = Dataset.open(sp)) {
      assertTrue(ds.verify(2, n -> {}).ok(), "verifies");
    }
    assertSameDatasets(reference(), sp);
    assertNothingLeft(sp);
  }

  @Test
  void twoAttemptsCommitTheSamePartAndOneWins() throws Exception {
    Path out = tmp.resolve("twice.jcolz");
    PackOptions o = options(out);
    Path build = Packer.buildDirectory(out);
    // let the job write the plan and pack everything but hold part position 0 back, then run the
    // task of that part twice, the second attempt racing the first one's rename
    // closures travel serialized: strings and the serializable settings only
    String racing = tmp.resolve("race").toString();
    String buildDir = build.toString();
    JobSettings settings = JobSettings.of(o);
    PartTask.BeforeRename race =
        (work, staged) -> {
          if (work.position() == 0 && !Files.exists(Path.of(racing))) {
            Files.createDirectories(Path.of(racing));
            // the other attempt: the same part, packed and committed first
            PartOutcome first = new PartTask(settings, Path.of(buildDir), null).call(work);
            assertFalse(first.kept(), "the other attempt committed the part");
          }
        };
    PackResult r = PackJob.run(spark, input.toString(), o, null, race);
    assertEquals(25, r.rows());
    assertTrue(r.partsKept() >= 1, "the losing attempt reports the part as kept: " + r);
    try (Dataset ds = Dataset.open(out)) {
      assertTrue(ds.verify(2, n -> {}).ok(), "verifies");
    }
    assertSameDatasets(reference(), out);
    assertNothingLeft(out);
  }

  /** Per image key i (a few left out): its label names, seeded. */
  private static List<List<String>> labelNames() {
    Random r = new Random(SEED + 1);
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      List<String> names = new ArrayList<>();
      for (int k = 0; k < 1 + r.nextInt(3); k++) {
        names.add("c" + r.nextInt(6));
      }
      out.add(i % 7 == 3 ? null : names); // some images have no line
    }
    return out;
  }

  /**
   * A CSV label file with a header, a quoted field, a duplicate key, a rejected line and a key
   * without an image.
   */
  private static Path csvLabels() throws IOException {
    StringBuilder sb = new StringBuilder("key,labels\n");
    List<List<String>> names = labelNames();
    for (int i = 0; i < keys.size(); i++) {
      if (names.get(i) != null) {
        sb.append('"').append(keys.get(i)).append("\",").append(String.join(" ", names.get(i)));
        sb.append('\n');
      }
    }
    sb.append(keys.get(0)).append(",extra\n"); // a duplicate key: labels merged
    sb.append(",orphan\n"); // rejected: empty key
    sb.append("./nowhere/none.png,c1\n"); // no such image
    sb.append("plants/broken.png,c2\n"); // an image that is skipped
    Path f = tmp.resolve("labels.csv");
    Files.writeString(f, sb);
    return f;
  }

  /** The same labels as JSON lines, with a line that is not JSON. */
  private static Path jsonLabels() throws IOException {
    StringBuilder sb = new StringBuilder();
    List<List<String>> names = labelNames();
    for (int i = 0; i < keys.size(); i++) {
      if (names.get(i) != null) {
        sb.append("{\"key\": \"")
            .append(keys.get(i))
            .append("\", \"labels\": [\"")
            .append(String.join("\", \"", names.get(i)))
            .append("\"]}\n");
      }
    }
    sb.append("{not json\n");
    sb.append("{\"key\": \"nowhere/none.png\", \"labels\": \"c1 c3\"}\n");
    Path f = tmp.resolve("labels.jsonl");
    Files.writeString(f, sb);
    return f;
  }

  private static PackOptions labelOptions(Path out, Path labels) {
    return options(out).toBuilder().labelsFromDirs(false).labels(labels).build();
  }

  @Test
  void labelFilesGiveTheCliResultOnLocalAndHadoopOutputs() throws Exception {
    for (Path labels : List.of(csvLabels(), jsonLabels())) {
      boolean hadoop = labels.toString().endsWith(".jsonl");
      String name = labels.getFileName().toString();
      Path cli = tmp.resolve("cli-" + name + ".jcolz");
      PackResult c = new Packer(labelOptions(cli, labels), null).run();
      Path sp = tmp.resolve("spark-" + name + ".jcolz");
      // JSON lines: label file, input and output through a non-local Hadoop file system
      String scheme = TestFileSystems.CONTEXT + "://";
      PackResult s =
          PackJob.run(
              spark,
              hadoop ? scheme + input : input.toString(),
              hadoop ? scheme + labels : labels.toString(),
              hadoop ? scheme + sp : sp.toString(),
              labelOptions(sp, labels),
              null);
      assertEquals(25, s.rows(), name + ", seed " + SEED);
      assertEquals(1, s.labelKeysWithoutImage(), name);
      assertEquals(1, s.labelLinesRejected(), name);
      assertTrue(s.unlabelled() > 0, name + ": some images have no line");
      assertSameRows(cli, sp);
      try (Dataset ds = Dataset.open(sp)) {
        assertTrue(ds.labels().containsAll(List.of("c0", "c5")), name + ": " + ds.labels());
        assertEquals(!hadoop, ds.labels().contains("extra"), name + ": " + ds.labels());
        assertEquals(labels.toString(), ds.metadata().get("labels_from"), name);
      }
      assertEquals(
          PackPlan.read(cli.resolve(PackPlan.FILE)).planId(),
          PackPlan.read(sp.resolve(PackPlan.FILE)).planId(),
          name);
      assertEquals(
          PackJob.json(c, options(cli)).without(List.of("dataset", "seconds", "images_per_s")),
          PackJob.json(s, options(cli)).without(List.of("dataset", "seconds", "images_per_s")),
          name);
      assertNothingLeft(sp);
    }
  }

  @Test
  void aParquetLabelTableGivesTheRowsOfTheSameLabelsAsJsonLines() throws Exception {
    List<List<String>> names = labelNames();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      if (names.get(i) != null) {
        rows.add(RowFactory.create(keys.get(i), names.get(i).toArray(new String[0])));
      }
    }
    rows.add(RowFactory.create("nowhere/none.png", new String[] {"c1", "c3"}));
    StructType schema =
        new StructType()
            .add("key", DataTypes.StringType)
            .add("labels", DataTypes.createArrayType(DataTypes.StringType));
    Path table = tmp.resolve("labels.parquet");
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(table.toString());
    Path cli = tmp.resolve("cli-json-for-parquet.jcolz");
    new Packer(labelOptions(cli, jsonLabels()), null).run();
    Path sp = tmp.resolve("spark-parquet.jcolz");
    PackResult s =
        PackJob.run(
            spark,
            input.toString(),
            table.toString(),
            sp.toString(),
            labelOptions(sp, table),
            null);
    assertEquals(25, s.rows(), "seed " + SEED);
    assertEquals(1, s.labelKeysWithoutImage());
    assertSameRows(cli, sp);
    // a table without the label column: one clear error naming it
    Path bad = tmp.resolve("bad.parquet");
    spark
        .createDataFrame(List.of(RowFactory.create("a.png")), new StructType().add("key", "string"))
        .write()
        .parquet(bad.toString());
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                PackJob.run(
                    spark,
                    input.toString(),
                    bad.toString(),
                    tmp.resolve("never.jcolz").toString(),
                    labelOptions(tmp.resolve("never.jcolz"), bad),
                    null));
    assertTrue(e.getMessage().contains("needs the columns key and labels"), e.getMessage());
  }

  @Test
  void aHadoopOutputIsIdenticalToTheCliPackAndARerunKeepsIt() throws Exception {
    Path sp = tmp.resolve("hadoop.jcolz");
    String uri = TestFileSystems.CONTEXT + "://" + sp;
    // what a lost executor leaves: a staging copy, and a part directory that is not of this plan
    Path parts = Packer.buildDirectory(sp).resolve("parts");
    Files.createDirectories(parts.resolve(".part-000003.attempt-deadbeef/columns"));
    Files.createDirectories(parts.resolve("part-000002"));
    Files.writeString(parts.resolve("part-000002/manifest.jcm"), "not a manifest");
    PackResult s =
        PackJob.run(spark, TestFileSystems.CONTEXT + "://" + input, null, uri, options(sp), null);
    assertEquals(25, s.rows(), "seed " + SEED);
    assertSameDatasets(reference(), sp);
    assertEquals(
        PackPlan.read(reference().resolve(PackPlan.FILE)).planId(),
        PackPlan.read(sp.resolve(PackPlan.FILE)).planId());
    try (Dataset ds = Dataset.open(sp)) {
      assertEquals(ds.diskBytes(), s.bytesOut(), "bytes out as the CLI counts them");
      assertTrue(ds.verify(2, n -> {}).ok(), "verifies");
    }
    assertNothingLeft(sp);
    PackResult again = PackJob.run(spark, input.toString(), null, uri, options(sp), null);
    assertEquals(s.parts(), again.partsKept(), "a re-run finds it complete");
    assertEquals(25, again.rows());
  }

  @Test
  void onAFileSystemWithoutFileContextTwoAttemptsCommitAPartAndOneWins() throws Exception {
    Path out = tmp.resolve("plain-twice.jcolz");
    PackOptions o = options(out);
    String build = TestFileSystems.PLAIN + "://" + Packer.buildDirectory(out);
    String racing = tmp.resolve("plain-race").toString();
    JobSettings settings = JobSettings.of(o);
    PartTask.BeforeRename race =
        (work, staged) -> {
          if (work.position() == 1 && !Files.exists(Path.of(racing))) {
            Files.createDirectories(Path.of(racing));
            PartOutcome first = new PartTask(settings, build, true, null, null).call(work);
            assertFalse(first.kept(), "the other attempt committed the part");
          }
        };
    PackResult r =
        PackJob.run(
            spark, input.toString(), null, TestFileSystems.PLAIN + "://" + out, o, null, race);
    assertEquals(25, r.rows());
    assertTrue(Files.exists(Path.of(racing)), "the race ran");
    assertTrue(r.partsKept() >= 1, "the losing attempt reports the part as kept: " + r);
    try (Dataset ds = Dataset.open(out)) {
      assertTrue(ds.verify(2, n -> {}).ok(), "verifies");
    }
    assertSameDatasets(reference(), out);
    assertNothingLeft(out);
  }

  private static Path reference() throws Exception {
    Path ref = tmp.resolve("reference-" + SEED + ".jcolz");
    synchronized (PackJobTest.class) {
      if (!Files.exists(ref)) {
        new Packer(options(ref), null).run();
      }
    }
    return ref;
  }

  /**
   * Issue 25: a label file with confidences and verified negatives, and {@code --unlisted unknown},
   * give the CLI's partial labels (the driver ships them to the tasks) and plan.
   */
  @Test
  void partialLabelsGiveTheCliResult() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < keys.size(); i++) {
      sb.append(keys.get(i))
          .append(',')
          .append(i % 3 == 0 ? "c0:0.25 -c1" : i % 3 == 1 ? "c1 -c0 c2:0.5" : "c2")
          .append('\n');
    }
    Path labels = tmp.resolve("partial.csv");
    Files.writeString(labels, sb);
    PackOptions cliOptions =
        labelOptions(tmp.resolve("cli-partial.jcolz"), labels).toBuilder()
            .unlisted(io.jcolz.format.schema.PartialLabels.Unlisted.UNKNOWN)
            .build();
    Path cli = cliOptions.out();
    new Packer(cliOptions, null).run();
    Path sp = tmp.resolve("spark-partial.jcolz");
    PackJob.run(
        spark,
        input.toString(),
        labels.toString(),
        sp.toString(),
        cliOptions.toBuilder().out(sp).build(),
        null);
    assertSameRows(cli, sp);
    try (Dataset x = Dataset.open(cli);
        Dataset y = Dataset.open(sp)) {
      assertEquals("unknown", y.metadata().get("unlisted"));
      assertTrue(y.partialLabels().hasConfidence() && y.partialLabels().hasNegatives());
      boolean soft = false;
      for (long row = 0; row < x.rowCount(); row++) {
        var a = x.readLabels(row);
        var b = y.readLabels(row);
        assertArrayEquals(a.confidences(), b.confidences(), "row " + row);
        assertArrayEquals(a.negatives(), b.negatives(), "row " + row);
        for (float c : b.confidences()) {
          soft |= c < 1;
        }
      }
      assertTrue(soft, "some confidences below 1 reached the Spark pack");
    }
    assertEquals(
        PackPlan.read(cli.resolve(PackPlan.FILE)).planId(),
        PackPlan.read(sp.resolve(PackPlan.FILE)).planId());

    // the same labels as a Parquet table whose labels column maps names to confidences (0: a
    // verified negative): the same confidences and negatives as the CSV
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      java.util.Map<String, Float> m = new java.util.LinkedHashMap<>();
      if (i % 3 == 0) {
        m.put("c0", 0.25f);
        m.put("c1", 0f);
      } else if (i % 3 == 1) {
        m.put("c1", 1f);
        m.put("c0", 0f);
        m.put("c2", 0.5f);
      } else {
        m.put("c2", 1f);
      }
      rows.add(RowFactory.create(keys.get(i), m));
    }
    StructType schema =
        new StructType()
            .add("key", DataTypes.StringType)
            .add("labels", DataTypes.createMapType(DataTypes.StringType, DataTypes.FloatType));
    Path table = tmp.resolve("partial.parquet");
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(table.toString());
    Path pq = tmp.resolve("spark-partial-parquet.jcolz");
    PackJob.run(
        spark,
        input.toString(),
        table.toString(),
        pq.toString(),
        cliOptions.toBuilder().out(pq).labels(table).build(),
        null);
    assertSameRows(cli, pq);
    try (Dataset x = Dataset.open(cli);
        Dataset y = Dataset.open(pq)) {
      assertEquals("unknown", y.metadata().get("unlisted"));
      for (long row = 0; row < x.rowCount(); row++) {
        var a = x.readLabels(row);
        var b = y.readLabels(row);
        assertArrayEquals(a.confidences(), b.confidences(), "parquet, row " + row);
        assertArrayEquals(a.negatives(), b.negatives(), "parquet, row " + row);
      }
    }
  }

  private static void assertSameDatasets(Path a, Path b) throws Exception {
    try (Dataset x = Dataset.open(a);
        Dataset y = Dataset.open(b)) {
      assertTrue(x.labels().containsAll(List.of("animals", "birds", "oak", "trees")), "labels");
      assertEquals(x.id(), y.id(), "the same plan gives the same collection id");
    }
    assertSameRows(a, b);
  }

  /** Same rows, keys, label sets, vocabulary, pixels and part count. */
  private static void assertSameRows(Path a, Path b) throws Exception {
    try (Dataset x = Dataset.open(a);
        Dataset y = Dataset.open(b)) {
      assertEquals(x.rowCount(), y.rowCount());
      assertEquals(x.labels(), y.labels());
      assertEquals(x.parts().size(), y.parts().size());
      for (long row = 0; row < x.rowCount(); row++) {
        String key = x.readString(PackedImages.KEY, row);
        assertEquals(key, y.readString(PackedImages.KEY, row), "row " + row);
        assertArrayEquals(
            x.readSet(PackedImages.LABELS, row), y.readSet(PackedImages.LABELS, row), key);
        assertArrayEquals(
            x.readTensor(PackedImages.IMAGE, row), y.readTensor(PackedImages.IMAGE, row), key);
        assertArrayEquals(
            x.readBytes(PackedImages.JPEG, row), y.readBytes(PackedImages.JPEG, row), key);
      }
    }
  }

  /** No build directory, no staging directory of an attempt, anywhere near the output. */
  private static void assertNothingLeft(Path out) throws IOException {
    assertFalse(Files.exists(Packer.buildDirectory(out)), "build directory removed");
    try (Stream<Path> s = Files.walk(out)) {
      List<Path> left = s.filter(p -> p.getFileName().toString().contains(".attempt-")).toList();
      assertEquals(List.of(), left, "staging directories left behind");
    }
  }
}
