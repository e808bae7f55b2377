package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One pack at a time per output: in one process, across processes (a real second JVM), for plain
 * packs against shards, and while lock files are deleted and re-created.
 */
class PackLockTest {
  @TempDir Path tmp;

  @Test
  void aSecondLockOnTheSameOutputIsRefusedAndTheFileGoesWithTheLastHolder() throws Exception {
    Path out = tmp.resolve("ds.jcolz");
    Path f = PackLock.lockFile(out);
    try (PackLock a = PackLock.acquire(out)) {
      IOException e = assertThrows(IOException.class, () -> PackLock.acquire(out));
      assertTrue(e.getMessage().contains("another jcolz pack is writing"), e.getMessage());
      assertTrue(Files.exists(f));
      assertTrue(a.holdsExclusively(out));
    }
    assertFalse(Files.exists(f), "removed by its holder");
    try (PackLock again = PackLock.acquire(out)) {
      assertTrue(Files.exists(f), "free again once released");
    }
  }

  /** Shards share the output's lock with each other, never with a pack, append or finish. */
  @Test
  void shardsShareTheOutputAndExcludeEverythingElse() throws Exception {
    Path out = tmp.resolve("ds.jcolz");
    try (PackLock s0 = PackLock.acquireShard(out, 0, 2);
        PackLock s1 = PackLock.acquireShard(out, 1, 2)) {
      assertFalse(s0.holdsExclusively(out));
      IOException e = assertThrows(IOException.class, () -> PackLock.acquire(out));
      assertTrue(e.getMessage().contains("shard packs in this process"), e.getMessage());
      e = assertThrows(IOException.class, () -> PackLock.acquireShard(out, 0, 2));
      assertTrue(e.getMessage().contains(".ds.jcolz.shard-0-of-2.lock"), e.getMessage());
    }
    try (PackLock p = PackLock.acquire(out)) {
      assertThrows(IOException.class, () -> PackLock.acquireShard(out, 1, 2));
    }
    assertFalse(Files.exists(PackLock.lockFile(out)), "the exclusive holder removes it");
    assertFalse(Files.exists(PackLock.shardLockFile(out, 0, 2)));
  }

  @Test
  void aStaleLockFileLeftByACrashIsTakenOver() throws Exception {
    Path out = tmp.resolve("ds.jcolz");
    Path f = PackLock.lockFile(out);
    Files.writeString(f, "12345 left by a killed pack\n");
    try (PackLock l = PackLock.acquire(out)) {
      assertNotNull(l);
    }
    assertFalse(Files.exists(f));
  }

  /** Holds the lock of {@code args[0]} (shared shard 0/2 with a second argument) until killed. */
  public static final class Holder {
    public static void main(String[] args) throws Exception {
      Path out = Path.of(args[0]);
      try (PackLock l =
          args.length > 1 ? PackLock.acquireShard(out, 0, 2) : PackLock.acquire(out)) {
        System.out.println("HELD " + ProcessHandle.current().pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
    }
  }

  private Process hold(Path out, boolean shard) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--") || a.startsWith("-D") || a.startsWith("-X")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Holder.class.getName()));
    cmd.add(out.toString());
    if (shard) {
      cmd.add("shard");
    }
    Path log = tmp.resolve("holder.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(Files.exists(log) && Files.readString(log).contains("HELD"))) {
      assertTrue(p.isAlive(), "holder ended: " + Files.readString(log));
      assertTrue(System.nanoTime() < deadline, "holder did not lock: " + Files.readString(log));
      Thread.sleep(20);
    }
    return p;
  }

  /**
   * The bug this class was rewritten for: the holder read its lock file back through a second
   * descriptor, and closing that descriptor dropped its POSIX lock, so another process found the
   * lock free. Here another process holds it: an independent probe (a plain tryLock) finds it
   * taken, and acquire is refused with a line naming the holder's pid.
   */
  @Test
  void anotherProcessHoldsTheLockUntilItDies() throws Exception {
    Path out = tmp.resolve("ds.jcolz");
    Process p = hold(out, false);
    try {
      Path f = PackLock.lockFile(out);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        FileLock probe = ch.tryLock();
        assertNull(probe, "the holder's lock is held at the OS level");
      }
      IOException e = assertThrows(IOException.class, () -> PackLock.acquire(out));
      assertEquals(
          "another jcolz pack is writing " + out + " (pid " + p.pid() + "; it holds " + f + ")",
          e.getMessage());
      assertThrows(IOException.class, () -> PackLock.acquireShard(out, 1, 2));
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    try (PackLock l = PackLock.acquire(out)) {
      assertTrue(l.holdsExclusively(out), "the kernel released a killed holder's lock");
    }
  }

  @Test
  void anotherProcessRunningAShardKeepsPlainPacksOff() throws Exception {
    Path out = tmp.resolve("ds.jcolz");
    Process p = hold(out, true);
    try {
      IOException e = assertThrows(IOException.class, () -> PackLock.acquire(out));
      assertTrue(e.getMessage().contains("pid " + p.pid()), e.getMessage());
      e = assertThrows(IOException.class, () -> PackLock.acquireShard(out, 0, 2));
      assertTrue(e.getMessage().contains("pid " + p.pid()), e.getMessage());
      try (PackLock other = PackLock.acquireShard(out, 1, 2)) {
        assertFalse(other.holdsExclusively(out), "another shard of the same pack may run");
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
