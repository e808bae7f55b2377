package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.jcolz.pack.PackTestImages;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real {@code jcolz pack} process in the middle (SIGTERM as Ctrl-C would, and SIGKILL) and
 * checks that no dataset appears, and that a re-run of the same command starts over, removes the
 * leftovers and commits.
 */
class PackKillTest {
  @TempDir Path tmp;
  Path in;
  Path ds;

  @BeforeEach
  void images() throws Exception {
    in = tmp.resolve("in");
    for (int i = 0; i < 60; i++) {
      PackTestImages.write(
          PackTestImages.noise(16, 16, i),
          "png",
          in.resolve(String.format("d%d/i%02d.png", i % 3, i)));
    }
    ds = tmp.resolve("ds.jcolz");
  }

  /**
   * A child JVM packing slowly (level 19, one row per chunk, one thread) so that it can be killed
   * mid-way.
   */
  private Process start() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--") || a.startsWith("-D") || a.startsWith("-X")) {
        cmd.add(a);
      }
    }
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "io.jcolz.tools.Main",
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--size",
            "224",
            "--level",
            "19",
            "--chunk-rows",
            "1",
            "--threads",
            "1",
            "--labels-from-dirs"));
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child.log").toFile())
        .start();
  }

  private List<Path> leftovers() throws Exception {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".ds.jcolz.")).toList();
    }
  }

  private boolean waitForTemporaryDirectory(Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && p.isAlive()) {
      try (Stream<Path> s = Files.list(tmp)) {
        if (s.anyMatch(f -> f.getFileName().toString().startsWith(".ds.jcolz.tmp-"))) {
          Thread.sleep(150);
          return true;
        }
      }
      Thread.sleep(5);
    }
    return false;
  }

  @Test
  void killedMidPackLeavesNoDatasetAndTheRerunCleansUpAndCommits() throws Exception {
    Process p = start();
    boolean started = waitForTemporaryDirectory(p);
    assumeFalse(!started && Files.exists(ds), "the child finished before it could be killed");
    assertTrue(
        started, "child never started writing: " + Files.readString(tmp.resolve("child.log")));
    p.destroyForcibly(); // SIGKILL: no shutdown hook runs
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assumeFalse(Files.exists(ds), "the child committed before the kill landed");
    assertFalse(leftovers().isEmpty(), "a killed writer leaves its temporary directory");

    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--size",
            "16",
            "--labels-from-dirs");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.err().contains("removed"), r.err());
    assertEquals(List.of(), leftovers());
    assertEquals(0, CliTestSupport.run("verify", ds.toString()).code());
  }

  @Test
  void terminatedMidPackLeavesNoDatasetAndTheRerunCommits() throws Exception {
    Process p = start();
    boolean started = waitForTemporaryDirectory(p);
    assumeFalse(!started && Files.exists(ds), "the child finished before it could be stopped");
    assertTrue(
        started, "child never started writing: " + Files.readString(tmp.resolve("child.log")));
    p.destroy(); // SIGTERM, as Ctrl-C; the shutdown hook aborts the writer when the JVM runs it
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assumeFalse(Files.exists(ds), "the child committed before the signal landed");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--size",
            "16",
            "--labels-from-dirs");
    assertEquals(0, r.code(), r.toString());
    assertEquals(List.of(), leftovers());
    assertTrue(new File(tmp.toFile(), "child.log").exists());
  }
}
