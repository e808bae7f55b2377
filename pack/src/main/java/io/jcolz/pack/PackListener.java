package io.jcolz.pack;

/**
 * Receives what a pack reports while it runs. Called from the pack's worker threads:
 * implementations must be thread-safe.
 */
public interface PackListener {
  /** The counting walk is done: {@code images} files to decode. */
  default void started(long images) {}

  /** One input was not packed; {@code line} names the file and says why (one line). */
  default void skipped(SkipReason reason, String line) {}

  /** One line of information or warning (a label-file problem, a removed leftover). */
  default void note(String line) {}

  /** Progress: inputs handled so far (rows written + skipped). */
  default void progress(long done, long skipped) {}

  /** A listener that ignores everything. */
  PackListener NONE = new PackListener() {};
}
