package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.training.metrics.MultiLabelEvaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz demo} end to end at a small size: every step runs for real (generate, pack, verify,
 * compare, train, eval), so a broken step or a changed flag of a subcommand fails here.
 *
 * <p>The size is the smallest found that learns: 512 training images at 16 px, 3 epochs of 16 steps
 * of 32 (the demo's own Adam at 2e-3). Measured held-out mAP 0.404 on 256 held-out images, where
 * 200 random scorings give mean 0.231 and at most 0.271; the test requires the best random scoring
 * + {@value #MARGIN}. (At the former 192 images, 32 px, 1 epoch of 6 steps it scored 0.247, below
 * chance's mean of 0.262, and passed "mAP in (0, 1]".)
 */
class DemoCommandTest {
  private static final int CHANCE_TRIALS = 200;
  private static final long CHANCE_SEED = 11;
  private static final double MARGIN = 0.05;

  @TempDir Path tmp;

  /**
   * The mAP of random scores on a dataset's labels: {mean, max} over {@code trials} seeded random
   * scorings. A random ranking's AP for a label is about its prevalence (here ≈ 2.5 / 12), a little
   * more on a set this small.
   */
  static double[] chanceMap(Path dataset, int trials, long seed) throws Exception {
    try (Dataset ds = Dataset.open(dataset)) {
      int n = Math.toIntExact(ds.rowCount());
      int labels = ds.labels().size();
      float[] targets = new float[n * labels];
      for (int row = 0; row < n; row++) {
        for (int l : ds.readSet(PackedImages.LABELS, row)) {
          targets[row * labels + l] = 1;
        }
      }
      java.util.Random random = new java.util.Random(seed);
      double sum = 0;
      double max = 0;
      for (int t = 0; t < trials; t++) {
        float[] scores = new float[n * labels];
        for (int i = 0; i < scores.length; i++) {
          scores[i] = random.nextFloat();
        }
        MultiLabelEvaluator e = new MultiLabelEvaluator(labels);
        e.addDense(scores, targets, n);
        double m = e.evaluate(0.5f).meanAveragePrecision();
        sum += m;
        max = Math.max(max, m);
      }
      return new double[] {sum / trials, max};
    }
  }

  @Test
  void smallDemoRunsEveryStepAndReportsMap() throws Exception {
    Path dir = tmp.resolve("demo");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "demo",
            "--dir",
            dir.toString(),
            "--images",
            "512",
            "--val-images",
            "256",
            "--size",
            "16",
            "--source-size",
            "32",
            "--epochs",
            "3",
            "--bench-seconds",
            "0.3",
            "--json");
    assertEquals(0, r.code(), r::toString);
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    double map = j.path("map").asDouble(-1);
    assertTrue(map > 0 && map <= 1, "map in (0,1]: " + r.lastLine());
    double[] chance = chanceMap(dir.resolve("val.jcolz"), CHANCE_TRIALS, CHANCE_SEED);
    System.out.printf(
        java.util.Locale.ROOT,
        "demo mAP %.4f; chance mean %.4f, max %.4f%n",
        map,
        chance[0],
        chance[1]);
    assertTrue(
        map > chance[1] + MARGIN,
        String.format(
            java.util.Locale.ROOT,
            "demo mAP %.4f must beat the best of %d random scorings (%.4f, mean %.4f; seed %d) by %.2f",
            map,
            CHANCE_TRIALS,
            chance[1],
            chance[0],
            CHANCE_SEED,
            MARGIN));
    assertTrue(j.path("seconds").asDouble() > 0, r.lastLine());
    assertTrue(j.path("images_per_s").path("jcolz").asDouble() > 0, r.lastLine());
    assertTrue(j.path("images_per_s").path("per_file").asDouble() > 0, r.lastLine());
    try (Dataset ds = Dataset.open(dir.resolve("train.jcolz"))) {
      assertEquals(512, ds.rowCount());
    }
    try (Dataset ds = Dataset.open(dir.resolve("val.jcolz"))) {
      assertEquals(256, ds.rowCount());
    }
    assertTrue(Files.isDirectory(dir.resolve("checkpoint")));
    assertTrue(Files.isRegularFile(dir.resolve("logs/train.txt")));
    assertTrue(Files.size(dir.resolve("compare.png")) > 0);
  }

  @Test
  void rerunEmptiesOnlyItsOwnDirectory() throws Exception {
    Path dir = tmp.resolve("again");
    DemoCommand.prepare(dir);
    Files.createDirectories(dir.resolve("images/train"));
    Files.writeString(dir.resolve("images/train/old.png"), "stale");
    DemoCommand.prepare(dir);
    assertFalse(Files.exists(dir.resolve("images")), "a re-run starts from an empty directory");
    assertTrue(Files.exists(dir.resolve(DemoCommand.MARKER)));
  }

  @Test
  void refusesNonEmptyDirectoryItDidNotWrite() throws Exception {
    Path dir = tmp.resolve("mine");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("precious.txt"), "user data");
    CliTestSupport.Result r = CliTestSupport.run("demo", "--dir", dir.toString());
    assertEquals(Main.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("not empty"), r.err());
    assertEquals(
        1, r.err().strip().lines().filter(l -> l.startsWith("jcolz demo:")).count(), r.err());
    assertTrue(Files.exists(dir.resolve("precious.txt")));
    assertFalse(Files.exists(dir.resolve("images")));
  }
}
