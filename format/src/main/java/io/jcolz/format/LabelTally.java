package io.jcolz.format;

import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.store.FileFormat;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Per-label counts over every row of a dataset, aware of partial labels (FORMAT.md §10.1): for each
 * label its positives, the sum of their confidences (1 each when none are stored), its verified
 * negatives, its unknowns (the unlisted rows when metadata {@code unlisted} is {@code unknown}) and
 * its known rows (rows − unknowns). One pass over the label columns in row order with a {@link
 * LabelReader}. {@code jcolz info}'s label statistics and the trainer's prior and positive weights
 * are derived from it.
 *
 * <p>Thread-safety: immutable once counted (the accessors copy nothing and change nothing).
 */
public final class LabelTally {
  private final PartialLabels convention;
  private final long rows;
  private final long[] positives;
  private final double[] confidenceSums;
  private final long[] verifiedNegatives;

  private LabelTally(
      PartialLabels convention,
      long rows,
      long[] positives,
      double[] confidenceSums,
      long[] verifiedNegatives) {
    this.convention = convention;
    this.rows = rows;
    this.positives = positives;
    this.confidenceSums = confidenceSums;
    this.verifiedNegatives = verifiedNegatives;
  }

  /**
   * Counts every row of {@code dataset}.
   *
   * @param dataset an open dataset with a label column
   * @return the counts
   * @throws CorruptDatasetException a label chunk is damaged
   * @throws IllegalArgumentException the dataset has no label column
   */
  public static LabelTally of(Dataset dataset) throws IOException {
    String label = dataset.labelColumnName();
    int card = dataset.schema().column(label).cardinality();
    long[] positives = new long[card];
    double[] confidenceSums = new double[card];
    long[] negatives = new long[card];
    try (LabelReader r = dataset.labelReader()) {
      for (long row = 0; row < dataset.rowCount(); row++) {
        r.seek(row);
        MemorySegment p = r.positives();
        MemorySegment c = r.confidences();
        for (long j = 0; j < p.byteSize() / 4; j++) {
          int l = p.get(FileFormat.LE_INT, 4 * j);
          positives[l]++;
          confidenceSums[l] += c == null ? 1.0 : c.get(FileFormat.LE_FLOAT, 4 * j);
        }
        MemorySegment n = r.negatives();
        if (n != null) {
          for (long j = 0; j < n.byteSize() / 4; j++) {
            negatives[n.get(FileFormat.LE_INT, 4 * j)]++;
          }
        }
      }
    }
    return new LabelTally(
        dataset.partialLabels(), dataset.rowCount(), positives, confidenceSums, negatives);
  }

  /** The dataset's label convention. */
  public PartialLabels convention() {
    return convention;
  }

  /** Rows counted. */
  public long rows() {
    return rows;
  }

  /** Vocabulary size (the label column's cardinality). */
  public int labels() {
    return positives.length;
  }

  /** Rows where label {@code l} is a positive. */
  public long positives(int l) {
    return positives[l];
  }

  /** Sum of label {@code l}'s confidences over its positives (its positives when none stored). */
  public double confidenceSum(int l) {
    return confidenceSums[l];
  }

  /** Rows that list label {@code l} as a verified negative. */
  public long verifiedNegatives(int l) {
    return verifiedNegatives[l];
  }

  private long unlisted(int l) {
    return rows - positives[l] - verifiedNegatives[l];
  }

  /** Rows where label {@code l} is unknown: its unlisted rows when unlisted means unknown. */
  public long unknowns(int l) {
    return convention.unlisted() == PartialLabels.Unlisted.UNKNOWN ? unlisted(l) : 0;
  }

  /**
   * Rows where label {@code l} is a negative: verified, plus unlisted when unlisted is negative.
   */
  public long negatives(int l) {
    return knownRows(l) - positives[l];
  }

  /** Rows where label {@code l} is known (positive or negative): rows − unknowns. */
  public long knownRows(int l) {
    return rows - unknowns(l);
  }
}
