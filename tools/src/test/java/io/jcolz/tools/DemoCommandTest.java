package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz demo} end to end at a small size: every step runs for real (generate, pack, verify,
 * compare, train, eval), so a broken step or a changed flag of a subcommand fails here.
 */
class DemoCommandTest {
  @TempDir Path tmp;

  @Test
  void smallDemoRunsEveryStepAndReportsMap() throws Exception {
    Path dir = tmp.resolve("demo");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "demo",
            "--dir",
            dir.toString(),
            "--images",
            "192",
            "--val-images",
            "64",
            "--size",
            "32",
            "--epochs",
            "1",
            "--bench-seconds",
            "0.3",
            "--json");
    assertEquals(0, r.code(), r::toString);
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    double map = j.path("map").asDouble(-1);
    assertTrue(map > 0 && map <= 1, "map in (0,1]: " + r.lastLine());
    assertTrue(j.path("seconds").asDouble() > 0, r.lastLine());
    assertTrue(j.path("images_per_s").path("jcolz").asDouble() > 0, r.lastLine());
    assertTrue(j.path("images_per_s").path("per_file").asDouble() > 0, r.lastLine());
    try (Dataset ds = Dataset.open(dir.resolve("train.jcolz"))) {
      assertEquals(192, ds.rowCount());
    }
    try (Dataset ds = Dataset.open(dir.resolve("val.jcolz"))) {
      assertEquals(64, ds.rowCount());
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
