package io.jcolz.training.data;

import io.jcolz.format.Dataset;
import io.jcolz.format.LabelTally;
import java.io.IOException;
import java.util.Arrays;

/**
 * Per-label counts of a training set ({@link LabelTally}, aware of partial labels), and the
 * positive weights of {@code --pos-weight auto} and the initial output bias ({@link #prior()})
 * derived from them. An unknown cell (metadata {@code unlisted=unknown}) counts neither as a
 * positive nor as a negative, and a positive counts its confidence.
 *
 * <p>Thread-safety: immutable once counted.
 *
 * @param rows rows counted
 * @param positives positives of each label (length = vocabulary size)
 * @param confidenceSums each label's confidences summed over its positives (= positives when the
 *     dataset stores no confidences)
 * @param knownRows rows where each label is known, positive or negative (= rows without unknowns)
 */
public record LabelCounts(long rows, long[] positives, double[] confidenceSums, long[] knownRows) {
  /** Largest automatic positive weight (and 1/this the smallest). */
  public static final float AUTO_WEIGHT_CAP = 100f;

  /** Checks that the arrays have one entry per label. */
  public LabelCounts {
    if (confidenceSums.length != positives.length || knownRows.length != positives.length) {
      throw new IllegalArgumentException(
          "positives, confidenceSums and knownRows need one entry per label");
    }
  }

  /** Counts of fully labelled rows: every positive has confidence 1, every label is known. */
  public LabelCounts(long rows, long[] positives) {
    this(
        rows,
        positives,
        Arrays.stream(positives).asDoubleStream().toArray(),
        filled(positives.length, rows));
  }

  private static long[] filled(int n, long value) {
    long[] a = new long[n];
    Arrays.fill(a, value);
    return a;
  }

  /**
   * Counts a dataset's labels.
   *
   * @param dataset an open dataset with a label column
   * @return the counts
   * @throws IOException if a chunk cannot be read
   */
  public static LabelCounts of(Dataset dataset) throws IOException {
    LabelTally t = LabelTally.of(dataset);
    int n = t.labels();
    long[] positives = new long[n];
    double[] sums = new double[n];
    long[] known = new long[n];
    for (int l = 0; l < n; l++) {
      positives[l] = t.positives(l);
      sums[l] = t.confidenceSum(l);
      known[l] = t.knownRows(l);
    }
    return new LabelCounts(t.rows(), positives, sums, known);
  }

  /** Smallest {@link #prior()}. */
  public static final double MIN_PRIOR = 1e-4;

  /**
   * The initial probability {@code jcolz train} gives every label from scratch (the output bias
   * {@code log(π/(1−π))}): the mean label frequency over known cells, {@code Σ confidenceSums / Σ
   * knownRows} (for fully labelled rows {@code Σ positives / (rows × L)}), kept within [{@value
   * #MIN_PRIOR}, 0.5]; 0.5 (bias 0) when no cell is known.
   *
   * @return π
   */
  public float prior() {
    double sum = 0;
    long known = 0;
    for (int l = 0; l < positives.length; l++) {
      sum += confidenceSums[l];
      known += knownRows[l];
    }
    double rate = known == 0 ? 0.5 : sum / known;
    return (float) Math.max(MIN_PRIOR, Math.min(0.5, rate));
  }

  /**
   * {@code --pos-weight auto}: each label's negatives (known rows − positives) ÷ positives, clamped
   * to {@code [1/cap, cap]} with cap {@value #AUTO_WEIGHT_CAP} (so a label seen once in a million
   * rows does not get a weight of a million and dominate the gradient); a label with no positives
   * gets 1 (its weight multiplies nothing).
   *
   * @return one weight per label
   */
  public float[] autoPositiveWeights() {
    float[] w = new float[positives.length];
    for (int j = 0; j < w.length; j++) {
      long p = positives[j];
      if (p == 0) {
        w[j] = 1f;
      } else {
        double ratio = (double) (knownRows[j] - p) / p;
        w[j] = (float) Math.max(1.0 / AUTO_WEIGHT_CAP, Math.min(AUTO_WEIGHT_CAP, ratio));
      }
    }
    return w;
  }
}
