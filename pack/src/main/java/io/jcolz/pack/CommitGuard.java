package io.jcolz.pack;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Decides between a pack's commit and its shutdown hook (Ctrl-C, SIGTERM) so that never both run:
 * the hook aborts the writer only while the pack is still writing. Once the commit has begun the
 * writer's {@code close()} renames directories (and, with {@code --overwrite}, parks the old
 * dataset at {@code .NAME.old-*} for a moment); aborting then would race with it. So the hook
 * instead waits, up to a bound, for the commit to end and says how it ended — or, past the bound,
 * that the state is unknown.
 *
 * <p>Thread-safe.
 */
final class CommitGuard {
  enum Phase {
    WRITING,
    ABORTED,
    COMMITTING,
    COMMITTED,
    FAILED
  }

  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.WRITING);
  private final CountDownLatch settled = new CountDownLatch(1);
  private final Path out;
  private final Runnable abort;
  private final PrintStream err;
  private final long waitMillis;

  /**
   * @param out the dataset being packed (named in messages)
   * @param abort discards the writer's files (run by the hook while writing)
   * @param err where the hook's lines go
   * @param waitMillis how long the hook waits for a commit in progress
   */
  CommitGuard(Path out, Runnable abort, PrintStream err, long waitMillis) {
    this.out = out;
    this.abort = abort;
    this.err = err;
    this.waitMillis = waitMillis;
  }

  /** The packer, before it commits: true to go ahead; false when the hook has aborted already. */
  boolean beginCommit() {
    return phase.compareAndSet(Phase.WRITING, Phase.COMMITTING);
  }

  /**
   * The packer, when the commit begun by {@link #beginCommit} has returned ({@code ok}) or thrown.
   */
  void endCommit(boolean ok) {
    phase.compareAndSet(Phase.COMMITTING, ok ? Phase.COMMITTED : Phase.FAILED);
    settled.countDown();
  }

  Phase phase() {
    return phase.get();
  }

  /** The shutdown hook's body. */
  void onShutdown() {
    if (phase.compareAndSet(Phase.WRITING, Phase.ABORTED)) {
      err.println("jcolz pack: interrupted; nothing committed to " + out);
      try {
        abort.run();
      } catch (Throwable t) {
        err.println("jcolz pack: could not remove the temporary files of " + out + ": " + t);
      }
      return;
    }
    if (phase.get() == Phase.COMMITTING) {
      err.println(
          "jcolz pack: interrupted while committing "
              + out
              + "; letting the commit finish (up to "
              + (waitMillis + 999) / 1000
              + " s)");
      try {
        settled.await(waitMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    switch (phase.get()) {
      case COMMITTED ->
          err.println("jcolz pack: interrupted after the commit; " + out + " is complete");
      case FAILED ->
          err.println("jcolz pack: interrupted; the commit failed, nothing committed to " + out);
      case COMMITTING ->
          err.println(
              "jcolz pack: interrupted while committing "
                  + out
                  + ": state unknown (the "
                  + "commit did not finish in time); if "
                  + out
                  + " is missing, a .old-* copy beside it is the previous "
                  + "dataset; run jcolz verify on "
                  + out
                  + ", or pack again (which removes the leftovers)");
      default -> {} // ABORTED: the hook already ran
    }
  }
}
