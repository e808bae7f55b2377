package io.jcolz.pack;

import java.util.Map;

/**
 * What a finished pack did. Immutable and thread-safe.
 *
 * @param rows rows of the dataset (every part of the plan that is committed, kept ones included)
 * @param skipped inputs not packed, by reason (only non-zero counts; kept parts' counts come from
 *     their manifests)
 * @param bytesIn bytes of the image files read by this run (packed or not)
 * @param bytesOut bytes of the committed dataset on disk (0 when not committed)
 * @param seconds wall time of the whole run
 * @param ignoredFiles files without an image extension (not read)
 * @param unlabelled rows written with an empty label set because the label file had no line for
 *     them (a skipped image is counted only as skipped)
 * @param labelKeysWithoutImage label-file keys that matched no image
 * @param labelLinesRejected label-file lines rejected
 * @param storedRaw smart mode: rows stored raw (the rest as JPEG); raw mode: rows; jpeg mode: 0
 * @param labels size of the label vocabulary (0: no label column)
 * @param labelsDropped label names of written rows that have no vocabulary entry (not in the {@code
 *     --vocabulary-from} vocabulary, or a folder created during the pack): occurrences, dropped
 * @param parts parts of the plan
 * @param partsKept parts an earlier run had committed, kept as they were
 * @param partsPacked parts this run packed
 * @param committed whether the collection is committed at the output (false for a shard run)
 */
public record PackResult(
    long rows,
    Map<SkipReason, Long> skipped,
    long bytesIn,
    long bytesOut,
    double seconds,
    long ignoredFiles,
    long unlabelled,
    long labelKeysWithoutImage,
    long labelLinesRejected,
    long storedRaw,
    int labels,
    long labelsDropped,
    int parts,
    int partsKept,
    int partsPacked,
    boolean committed) {

  /** Total inputs skipped. */
  public long skippedTotal() {
    return skipped.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Rows per second of wall time. */
  public double imagesPerSecond() {
    return seconds > 0 ? rows / seconds : 0;
  }

  /** bytes in / bytes out. */
  public double ratio() {
    return bytesOut > 0 ? (double) bytesIn / bytesOut : 0;
  }
}
