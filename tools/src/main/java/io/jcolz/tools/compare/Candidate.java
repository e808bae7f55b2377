package io.jcolz.tools.compare;

/**
 * One loader in a side-by-side comparison. A candidate produces batches of uint8 images at the
 * dataset's packed size plus their labels, on {@code threads} worker threads, into a consumer in
 * the calling thread, and counts the images delivered.
 *
 * <p>Implementations are not thread-safe: the harness runs one candidate at a time.
 */
public interface Candidate {
  /** Short name used in tables, JSON keys and charts ({@code jcolz}, {@code per_file}, …). */
  String name();

  /** One sentence on what is measured (printed under the table). */
  String description();

  /**
   * How many distinct images one epoch of this candidate reads: the dataset's row count for every
   * candidate, since the baselines read exactly the files the dataset holds.
   */
  long images();

  /**
   * Streams batches for {@code warmupSeconds} (not counted), then counts images delivered for
   * {@code seconds}, and returns images per second over the timed interval's wall time.
   */
  double measure(int threads, int batch, double warmupSeconds, double seconds) throws Exception;

  /**
   * What the last measurement reported beyond its rate (versions, CPU seconds, …), for the {@code
   * details} object of {@code --json}; null (the default) when there is nothing to add.
   */
  default com.fasterxml.jackson.databind.node.ObjectNode details() {
    return null;
  }
}
