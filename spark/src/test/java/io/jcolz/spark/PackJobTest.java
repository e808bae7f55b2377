package io.jcolz.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
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

  @BeforeAll
  static void start() throws IOException {
    spark =
        SparkSession.builder()
            .master("local[2,4]")
            .appName("PackJobTest")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
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
    assertEquals(
        PackJob.json(c, options(cli)).without(List.of("dataset", "seconds", "images_per_s")),
        PackJob.json(s, options(cli)).without(List.of("dataset", "seconds", "images_per_s")));
    assertNothingLeft(sp);
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

  private static Path reference() throws Exception {
    Path ref = tmp.resolve("reference-" + SEED + ".jcolz");
    synchronized (PackJobTest.class) {
      if (!Files.exists(ref)) {
        new Packer(options(ref), null).run();
      }
    }
    return ref;
  }

  private static void assertSameDatasets(Path a, Path b) throws Exception {
    try (Dataset x = Dataset.open(a);
        Dataset y = Dataset.open(b)) {
      assertEquals(x.rowCount(), y.rowCount());
      assertEquals(x.labels(), y.labels());
      assertTrue(x.labels().containsAll(List.of("animals", "birds", "oak", "trees")), "labels");
      assertEquals(x.id(), y.id(), "the same plan gives the same collection id");
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
