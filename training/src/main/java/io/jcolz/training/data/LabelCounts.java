package io.jcolz.training.data;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.column.ChunkView;
import java.io.IOException;

/**
 * Positives per label, counted over a dataset's label column (one pass, chunk by chunk), and the
 * positive weights of {@code --pos-weight auto} and the initial output bias ({@link #prior()})
 * derived from them.
 *
 * <p>Thread-safety: immutable once counted.
 *
 * @param rows rows counted
 * @param positives positives of each label (length = vocabulary size)
 */
public record LabelCounts(long rows, long[] positives) {
  /** Largest automatic positive weight (and 1/this the smallest). */
  public static final float AUTO_WEIGHT_CAP = 100f;

  /**
   * Counts a dataset's label column.
   *
   * @param dataset an open dataset with a label column
   * @return the counts
   * @throws IOException if a chunk cannot be read
   */
  public static LabelCounts of(Dataset dataset) throws IOException {
    String name =
        dataset
            .schema()
            .labelColumn()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "dataset " + dataset.path() + " has no label column"));
    Column col = dataset.column(name);
    long[] positives = new long[col.spec().cardinality()];
    try (ChunkDecoder decoder = dataset.newDecoder()) {
      for (int k = 0; k < col.chunkCount(); k++) {
        ChunkView v = decoder.decode(col, k);
        for (int i = 0; i < v.rowCount(); i++) {
          for (int label : v.set(i)) {
            positives[label]++;
          }
        }
      }
    }
    return new LabelCounts(col.rowCount(), positives);
  }

  /** Smallest {@link #prior()}. */
  public static final double MIN_PRIOR = 1e-4;

  /**
   * The initial probability {@code jcolz train} gives every label from scratch (the output bias
   * {@code log(π/(1−π))}): the mean label frequency {@code Σ positives / (rows × L)}, kept within
   * [{@value #MIN_PRIOR}, 0.5]; 0.5 (bias 0) when no rows were counted.
   *
   * @return π
   */
  public float prior() {
    long sum = 0;
    for (long p : positives) {
      sum += p;
    }
    double rate = rows == 0 ? 0.5 : (double) sum / ((double) rows * positives.length);
    return (float) Math.max(MIN_PRIOR, Math.min(0.5, rate));
  }

  /**
   * {@code --pos-weight auto}: each label's negatives ÷ positives, clamped to {@code [1/cap, cap]}
   * with cap {@value #AUTO_WEIGHT_CAP} (so a label seen once in a million rows does not get a
   * weight of a million and dominate the gradient); a label with no positives gets 1 (its weight
   * multiplies nothing).
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
        double ratio = (double) (rows - p) / p;
        w[j] = (float) Math.max(1.0 / AUTO_WEIGHT_CAP, Math.min(AUTO_WEIGHT_CAP, ratio));
      }
    }
    return w;
  }
}
