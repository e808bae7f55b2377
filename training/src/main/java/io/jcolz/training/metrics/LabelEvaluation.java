package io.jcolz.training.metrics;

import java.util.Arrays;

/**
 * The per-label computation behind {@link MultiLabelEvaluator#evaluate(float[])}: average
 * precision, counts at a threshold and the F1-maximising threshold, in {@code O(N log P)} for
 * {@code N} samples and {@code P} positives, without sorting the {@code N} scores.
 *
 * <p>Method: sort the positives' scores descending and group equal ones into distinct thresholds
 * {@code τ_1 > … > τ_m}; {@code tp_k} is the number of positives scoring {@code ≥ τ_k}. One pass
 * over all scores puts each sample into the bucket of the first {@code τ_k ≤ score} (binary
 * search), and prefix sums give {@code pred_k}, the number of samples scoring {@code ≥ τ_k}. Only
 * these thresholds matter: between two consecutive positive scores the recall is constant and the
 * precision only falls as negatives are added.
 */
final class LabelEvaluation {

  private LabelEvaluation() {}

  static void evaluate(
      int label,
      float[] scores,
      int n,
      int[] positiveSamples,
      int from,
      int to,
      float threshold,
      LabelStats out) {
    int p = to - from;
    out.support[label] = p;
    if (p == 0) {
      int predicted = 0;
      for (int i = 0; i < n; i++) {
        if (scores[i] >= threshold) {
          predicted++;
        }
      }
      out.predicted[label] = predicted;
      out.truePositives[label] = 0;
      out.averagePrecision[label] = Double.NaN;
      out.bestThreshold[label] = Float.NaN;
      out.bestF1[label] = Double.NaN;
      return;
    }
    float[] positive = new float[p];
    for (int k = 0; k < p; k++) {
      positive[k] = scores[positiveSamples[from + k]];
    }
    Arrays.sort(positive); // ascending; walked from the end
    float[] tau = new float[p];
    int[] tp = new int[p];
    int m = 0;
    for (int k = p - 1; k >= 0; k--) {
      if (m > 0 && positive[k] == tau[m - 1]) {
        tp[m - 1]++;
      } else {
        tau[m] = positive[k];
        tp[m] = (m == 0 ? 0 : tp[m - 1]) + 1;
        m++;
      }
    }
    int[] bucket = new int[m];
    int predicted = 0;
    float lowest = tau[m - 1];
    for (int i = 0; i < n; i++) {
      float s = scores[i];
      if (s >= threshold) {
        predicted++;
      }
      if (s >= lowest) {
        bucket[firstAtMost(tau, m, s)]++;
      }
    }
    int truePositives = p - countBelow(positive, threshold);
    double sumPrecision = 0;
    double best = -1;
    float bestTau = Float.NaN;
    int pred = 0;
    for (int k = 0; k < m; k++) {
      pred += bucket[k];
      int newPositives = tp[k] - (k == 0 ? 0 : tp[k - 1]);
      sumPrecision += newPositives * (double) tp[k] / pred;
      double f1 = 2.0 * tp[k] / (p + pred);
      if (f1 > best) { // strict: on a tie the higher threshold (fewer predictions) wins
        best = f1;
        bestTau = tau[k];
      }
    }
    out.predicted[label] = predicted;
    out.truePositives[label] = truePositives;
    out.averagePrecision[label] = sumPrecision / p;
    out.bestThreshold[label] = bestTau;
    out.bestF1[label] = best;
  }

  /** Smallest k with tau[k] ≤ s, for tau strictly descending and s ≥ tau[m-1]. */
  private static int firstAtMost(float[] tau, int m, float s) {
    int lo = 0;
    int hi = m - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (tau[mid] <= s) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** Number of elements of the ascending array below {@code threshold}. */
  private static int countBelow(float[] ascending, float threshold) {
    int lo = 0;
    int hi = ascending.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (ascending[mid] < threshold) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
