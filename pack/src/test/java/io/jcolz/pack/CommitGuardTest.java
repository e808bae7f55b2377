package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shutdown hook aborts a pack only while it writes, never during its commit. */
class CommitGuardTest {
  final Path out = Path.of("/data/ds.jcolz");
  final AtomicInteger aborts = new AtomicInteger();
  final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  String err() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aSignalWhileWritingAbortsAndTheCommitIsThenRefused() {
    CommitGuard g = new CommitGuard(out, aborts::incrementAndGet, err, 5_000);
    g.onShutdown();
    assertEquals(1, aborts.get());
    assertEquals("jcolz pack: interrupted; nothing committed to /data/ds.jcolz\n", err());
    assertFalse(g.beginCommit(), "the packer must not commit an aborted writer");
  }

  @Test
  void aSignalDuringTheCommitWaitsForItAndNeverAborts() throws Exception {
    CommitGuard g = new CommitGuard(out, aborts::incrementAndGet, err, 10_000);
    assertTrue(g.beginCommit());
    Thread hook = new Thread(g::onShutdown);
    hook.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!err().contains("letting the commit finish") && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertTrue(hook.isAlive(), "the hook waits for the commit: " + err());
    g.endCommit(true);
    hook.join(5_000);
    assertFalse(hook.isAlive());
    assertEquals(0, aborts.get(), "no abort during or after a commit");
    assertTrue(
        err().endsWith("jcolz pack: interrupted after the commit; /data/ds.jcolz is complete\n"),
        err());
    assertFalse(err().contains("nothing committed"), err());
  }

  @Test
  void aCommitThatOutlastsTheWaitIsReportedAsUnknownAndAFailedOneAsNothingCommitted() {
    CommitGuard slow = new CommitGuard(out, aborts::incrementAndGet, err, 50);
    assertTrue(slow.beginCommit());
    slow.onShutdown();
    assertTrue(err().contains("state unknown") && !err().contains("nothing committed"), err());
    assertEquals(0, aborts.get());

    bytes.reset();
    CommitGuard failed = new CommitGuard(out, aborts::incrementAndGet, err, 50);
    assertTrue(failed.beginCommit());
    failed.endCommit(false);
    failed.onShutdown();
    assertEquals(
        "jcolz pack: interrupted; the commit failed, nothing committed to /data/ds.jcolz\n", err());
    assertEquals(0, aborts.get(), "the writer aborted itself when its commit failed");
  }
}
