package io.jcolz.pack;

/**
 * Receives what a pack reports while it runs. Called from the pack's worker threads:
 * implementations must be thread-safe.
 */
public interface PackListener {
  /** The counting walk is done: {@code images} files to decode by this run. */
  default void started(long images) {}

  /** One input was not packed; {@code line} names the file and says why (one line). */
  default void skipped(SkipReason reason, String line) {}

  /** One line of information or warning (a label-file problem, a removed leftover). */
  default void note(String line) {}

  /** Progress: inputs handled so far (rows written + skipped). */
  default void progress(long done, long skipped) {}

  /** The plan is written (or an earlier run's plan matched); {@code kept} parts are kept. */
  default void planned(PackPlan plan, int kept) {}

  /** Part {@code part} is committed with {@code rows} rows. */
  default void partCommitted(PackPlan.Part part, long rows) {}

  /**
   * The collection manifest is written in the build directory; next the directory is renamed onto
   * the output (for an append, the manifest's rename is the commit and this comes just after it).
   */
  default void collectionWritten() {}

  /** A listener that ignores everything. */
  PackListener NONE = new PackListener() {};
}
