package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.pack.ChildJvm;
import io.jcolz.pack.PackListener;
import io.jcolz.pack.PackLock;
import io.jcolz.pack.PackOptions;
import io.jcolz.pack.PackTestImages;
import io.jcolz.pack.Packer;
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
 * The pack lock between two real processes: a first pack (plain, one shard, or an append) runs in a
 * child JVM and is paused in the middle of a part, holding the lock; every pack that could race
 * with it is started meanwhile through the CLI and must be refused with one line naming the child's
 * pid; then the child goes on and must finish unharmed (its part in progress untouched, the dataset
 * complete and verified). The child pauses by a listener in test code and goes on when a file
 * appears: every refusal lands while the first pack is in the middle of its work, not by timing.
 * (The Spark driver takes the same exclusive lock for its whole pack: {@code PackLockTest} proves
 * that lock across processes.)
 */
class PackLockProcessTest {
  @TempDir Path tmp;
  Path in;
  Path ds;

  static final String[] ARGS = {
    "--size", "16", "--part-rows", "10", "--chunk-rows", "3", "--threads", "2", "--labels-from-dirs"
  };

  @BeforeEach
  void images() throws Exception {
    in = tmp.resolve("in");
    for (int i = 0; i < 30; i++) {
      PackTestImages.write(
          PackTestImages.noise(16, 16, i),
          "png",
          in.resolve(String.format("d%d/i%02d.png", i % 3, i)));
    }
    ds = tmp.resolve("ds.jcolz");
  }

  /** Packs (args: kind in out go-file) and pauses at its first image until go-file exists. */
  public static final class PausedPack {
    public static void main(String[] a) throws Exception {
      PackOptions.Builder b =
          PackOptions.builder(Path.of(a[1]), Path.of(a[2]))
              .size(16)
              .partRows(10)
              .chunkRows(3)
              .threads(2)
              .labelsFromDirs(true);
      switch (a[0]) {
        case "shard" -> b.shard(0, 2);
        case "append" -> b.append(true);
        default -> {}
      }
      Path go = Path.of(a[3]);
      PackListener pause =
          new PackListener() {
            boolean paused;

            @Override
            public synchronized void progress(long done, long skipped) {
              if (!paused && done >= 1) {
                paused = true;
                System.out.println("PAUSED");
                System.out.flush();
                try {
                  while (!Files.exists(go)) {
                    Thread.sleep(10);
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            }
          };
      var r = new Packer(b.build(), pause).run();
      System.out.println("FINISHED " + r.rows());
    }
  }

  private Process start(String kind, Path input) throws Exception {
    List<String> cmd =
        ChildJvm.command(
            PausedPack.class, kind, input.toString(), ds.toString(), tmp.resolve("go").toString());
    Path log = tmp.resolve("child.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(Files.exists(log) && Files.readString(log).contains("PAUSED"))) {
      assertTrue(p.isAlive(), "child ended before pausing:\n" + Files.readString(log));
      assertTrue(System.nanoTime() < deadline, "child did not pause:\n" + Files.readString(log));
      Thread.sleep(20);
    }
    return p;
  }

  /** Lets the child go on; returns the rows it reports. */
  private long finish(Process p) throws Exception {
    Files.writeString(tmp.resolve("go"), "");
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not end");
    String log = Files.readString(tmp.resolve("child.log"));
    assertEquals(0, p.exitValue(), log);
    assertTrue(log.contains("FINISHED"), log);
    Files.delete(tmp.resolve("go"));
    return Long.parseLong(log.substring(log.indexOf("FINISHED ") + 9).strip());
  }

  private static CliTestSupport.Result pack(String... extra) {
    return CliTestSupport.run(extra);
  }

  private String[] packArgs(Path input, String... extra) {
    List<String> a =
        new ArrayList<>(List.of("pack", "--input", input.toString(), "--out", ds.toString()));
    a.addAll(List.of(ARGS));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  /** Exit 1, one line, naming the first pack's pid and its lock file. */
  private static void refused(CliTestSupport.Result r, Process first, String what) {
    assertEquals(1, r.code(), what + ": " + r);
    assertEquals(1, r.err().strip().lines().count(), what + ": one line: " + r);
    assertTrue(
        r.err().contains("another jcolz pack is writing") && r.err().contains("pid " + first.pid()),
        what + ": " + r);
  }

  private List<String> siblings() throws Exception {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(x -> x.getFileName().toString())
          .filter(n -> n.startsWith(".ds"))
          .sorted()
          .toList();
    }
  }

  @Test
  void aRunningPackKeepsEveryOtherPackOffAndFinishesUnharmed() throws Exception {
    Process first = start("plain", in);
    try {
      List<Path> before = buildFiles();
      refused(pack(packArgs(in)), first, "the same pack again");
      refused(pack(packArgs(in, "--restart")), first, "--restart");
      refused(pack(packArgs(in, "--overwrite")), first, "--overwrite");
      refused(pack(packArgs(in, "--shard", "1/2")), first, "--shard");
      refused(CliTestSupport.run("pack", "--finish", "--out", ds.toString()), first, "--finish");
      assertFalse(before.isEmpty(), "the first pack is writing its build directory");
      for (Path f : before) { // its other threads may add files meanwhile, never lose one
        assertTrue(Files.exists(f), f + ": the first pack's files are untouched");
      }
      assertEquals(30, finish(first));
    } finally {
      first.destroyForcibly();
    }
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(30, d.rowCount());
    }
    assertEquals(0, CliTestSupport.run("verify", ds.toString()).code());
    assertEquals(List.of(), siblings(), "no lock file or build directory left");
  }

  @Test
  void aRunningShardLetsOtherShardsInAndKeepsPacksAndFinishOff() throws Exception {
    Process first = start("shard", in);
    try {
      refused(pack(packArgs(in)), first, "a plain pack");
      refused(pack(packArgs(in, "--shard", "0/2")), first, "the same shard");
      refused(CliTestSupport.run("pack", "--finish", "--out", ds.toString()), first, "--finish");
      CliTestSupport.Result other = pack(packArgs(in, "--shard", "1/2"));
      assertEquals(0, other.code(), "another shard of the same pack runs: " + other);
      finish(first);
    } finally {
      first.destroyForcibly();
    }
    CliTestSupport.Result f = CliTestSupport.run("pack", "--finish", "--out", ds.toString());
    assertEquals(0, f.code(), f.toString());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(30, d.rowCount());
    }
    assertEquals(List.of(), siblings(), "the finish removed the lock files");
  }

  /**
   * An append takes the same exclusive lock as a plain pack (one code path, {@code Packer.run}), so
   * the child above stands for it; here, in one process, an append and an overwrite of an existing
   * collection are refused while that lock is held, and run once it is released.
   */
  @Test
  void anAppendIsRefusedWhileThePackLockIsHeld() throws Exception {
    Path base = tmp.resolve("base");
    PackTestImages.write(PackTestImages.noise(16, 16, 100), "png", base.resolve("d0/b.png"));
    assertEquals(0, pack(packArgs(base)).code());
    try (PackLock held = PackLock.acquire(ds)) {
      for (String[] a : new String[][] {packArgs(in, "--append"), packArgs(base, "--overwrite")}) {
        CliTestSupport.Result r = pack(a);
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("another jcolz pack is writing"), r.toString());
      }
    }
    assertEquals(0, pack(packArgs(in, "--append")).code());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(31, d.rowCount());
    }
    assertFalse(Files.exists(PackLock.lockFile(ds)));
  }

  /** The first pack's files: its build directory (or, for an append, the dataset's parts). */
  private List<Path> buildFiles() throws Exception {
    Path b = Packer.buildDirectory(ds);
    if (!Files.exists(b)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(b)) {
      return s.sorted().toList();
    }
  }
}
