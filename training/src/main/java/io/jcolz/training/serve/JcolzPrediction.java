package io.jcolz.training.serve;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link JcolzTranslator} returns for one image: every label's probability {@code σ(logit)},
 * the per-label thresholds of the checkpoint, and the labels predicted at them.
 *
 * <p>Thread-safety: immutable (arrays are not copied: do not modify them).
 *
 * @param labels the checkpoint's vocabulary, in index order
 * @param probabilities {@code σ(logit)} of each label, as {@code jcolz predict} prints them
 * @param thresholds per-label thresholds: those chosen on the validation set in training, or 0.5
 *     for every label when the checkpoint has none ({@code thresholdsFromTraining} false)
 * @param thresholdsFromTraining whether {@code thresholds} are the checkpoint's
 */
public record JcolzPrediction(
    List<String> labels,
    float[] probabilities,
    float[] thresholds,
    boolean thresholdsFromTraining) {
  /** Checks the lengths. */
  public JcolzPrediction {
    labels = List.copyOf(labels);
    if (probabilities.length != labels.size() || thresholds.length != labels.size()) {
      throw new IllegalArgumentException(
          labels.size()
              + " labels, "
              + probabilities.length
              + " probabilities, "
              + thresholds.length
              + " thresholds");
    }
  }

  /**
   * The labels predicted positive: probability {@code ≥} threshold (the rule of {@code jcolz
   * eval}), in vocabulary order.
   *
   * @return label names
   */
  public List<String> predicted() {
    List<String> out = new ArrayList<>();
    for (int j = 0; j < probabilities.length; j++) {
      if (probabilities[j] >= thresholds[j]) {
        out.add(labels.get(j));
      }
    }
    return out;
  }

  /**
   * The index of the most probable label (ties: the lower index, as {@code jcolz predict}).
   *
   * @return a label index
   */
  public int top() {
    int best = 0;
    for (int j = 1; j < probabilities.length; j++) {
      if (probabilities[j] > probabilities[best]) {
        best = j;
      }
    }
    return best;
  }

  /**
   * A label's probability.
   *
   * @param label a name of the vocabulary
   * @return its probability
   * @throws IllegalArgumentException the label is not in the vocabulary
   */
  public float probability(String label) {
    int j = labels.indexOf(label);
    if (j < 0) {
      throw new IllegalArgumentException(
          "no label '" + label + "' in the checkpoint's " + labels.size() + " labels");
    }
    return probabilities[j];
  }
}
