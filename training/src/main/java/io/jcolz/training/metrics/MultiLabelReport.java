package io.jcolz.training.metrics;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The result of {@link MultiLabelEvaluator#evaluate(float[])}: per-label and averaged metrics of a
 * multi-label evaluation set.
 *
 * <h2>Conventions</h2>
 *
 * <ul>
 *   <li><b>Average precision</b> of a label ranks all samples by score. Samples with equal scores
 *       form one threshold, as in scikit-learn's {@code average_precision_score}: {@code AP = (1/P)
 *       Σ over positives i of precision(≥ s_i)}, where {@code precision(≥ s) = positives scoring ≥
 *       s ÷ samples scoring ≥ s}. The result does not depend on the order of samples; all-equal
 *       scores give the label's prevalence {@code P/N}, a perfect ranking gives 1.
 *   <li><b>mAP</b> is the mean of AP over labels with at least one positive. Labels without
 *       positives have no AP (NaN); they are excluded and counted ({@link
 *       #labelsWithoutPositives()}).
 *   <li><b>At a threshold</b>, a sample is predicted positive for a label when its score is {@code
 *       ≥} the label's threshold. {@code precision = TP/(TP+FP)} is NaN without predictions, {@code
 *       recall = TP/(TP+FN)} is NaN without positives, {@code F1 = 2TP/(2TP+FP+FN)} is NaN with
 *       neither (0/0) and 0 when there are positives or predictions but no true positive.
 *   <li><b>Micro F1</b> sums TP, FP and FN over all labels first; NaN only if the whole set has no
 *       positives and no predictions.
 *   <li><b>Macro F1</b> is the mean of per-label F1 over the labels where it is defined — those
 *       with at least one positive or one prediction; labels with neither are excluded and counted
 *       ({@link #macroF1Labels()}). (scikit-learn's {@code zero_division} would instead count them
 *       as 0 or 1, which at L = 11,000 with many absent labels says more about the vocabulary than
 *       the model.)
 *   <li><b>Best threshold</b> of a label is the score {@code τ} maximising F1 when predicting
 *       {@code score ≥ τ} on this set; only positives' scores need to be tried. On a tie the higher
 *       threshold wins. Labels without positives have none (NaN): {@link #bestThresholds(float)}
 *       substitutes a fallback. Thresholds tuned on a set and measured on the same set are
 *       optimistic: choose them on validation data, report on test data.
 * </ul>
 *
 * <p>Thread-safety: immutable; safe to share between threads.
 */
public final class MultiLabelReport {

  private final int numSamples;
  private final LabelStats stats;
  private final int numLabels;
  private final double meanAveragePrecision;
  private final int labelsWithPositives;
  private final double macroF1;
  private final int macroF1Labels;
  private final long totalTruePositives;
  private final long totalPredicted;
  private final long totalSupport;
  private final long unknownsSkipped;

  MultiLabelReport(int numSamples, LabelStats stats) {
    this.numSamples = numSamples;
    this.stats = stats;
    this.numLabels = stats.support.length;
    double apSum = 0;
    int withPositives = 0;
    double f1Sum = 0;
    int f1Labels = 0;
    long tp = 0;
    long predicted = 0;
    long support = 0;
    long skipped = 0;
    for (int j = 0; j < numLabels; j++) {
      skipped += numSamples - stats.evaluated[j];
      if (stats.support[j] > 0) {
        apSum += stats.averagePrecision[j];
        withPositives++;
      }
      double f1 = f1(j);
      if (!Double.isNaN(f1)) {
        f1Sum += f1;
        f1Labels++;
      }
      tp += stats.truePositives[j];
      predicted += stats.predicted[j];
      support += stats.support[j];
    }
    this.meanAveragePrecision = withPositives == 0 ? Double.NaN : apSum / withPositives;
    this.labelsWithPositives = withPositives;
    this.macroF1 = f1Labels == 0 ? Double.NaN : f1Sum / f1Labels;
    this.macroF1Labels = f1Labels;
    this.totalTruePositives = tp;
    this.totalPredicted = predicted;
    this.totalSupport = support;
    this.unknownsSkipped = skipped;
  }

  /**
   * Returns how many (sample, label) elements were left out as unknown, over all labels.
   *
   * @return the sum over labels of the samples not evaluated for it; 0 when every label is known
   */
  public long unknownsSkipped() {
    return unknownsSkipped;
  }

  /**
   * Returns the number of samples a label was evaluated on: all, less those where it is unknown.
   *
   * @param label the label index
   * @return the samples evaluated for it
   */
  public int evaluated(int label) {
    return stats.evaluated[label];
  }

  /**
   * Returns the number of samples evaluated.
   *
   * @return N
   */
  public int numSamples() {
    return numSamples;
  }

  /**
   * Returns the number of labels.
   *
   * @return L
   */
  public int numLabels() {
    return numLabels;
  }

  /**
   * Returns the mean of average precision over labels with at least one positive.
   *
   * @return mAP in [0, 1], NaN if no label has a positive
   */
  public double meanAveragePrecision() {
    return meanAveragePrecision;
  }

  /**
   * Returns how many labels have at least one positive (the labels mAP averages over).
   *
   * @return the count
   */
  public int labelsWithPositives() {
    return labelsWithPositives;
  }

  /**
   * Returns how many labels have no positive and are excluded from mAP.
   *
   * @return the count
   */
  public int labelsWithoutPositives() {
    return numLabels - labelsWithPositives;
  }

  /**
   * Returns a label's average precision.
   *
   * @param label the label index
   * @return AP in (0, 1], NaN without positives
   */
  public double averagePrecision(int label) {
    return stats.averagePrecision[label];
  }

  /**
   * Returns the threshold this report was computed at for a label.
   *
   * @param label the label index
   * @return the threshold
   */
  public float threshold(int label) {
    return stats.threshold[label];
  }

  /**
   * Returns the number of positives of a label.
   *
   * @param label the label index
   * @return the support
   */
  public int support(int label) {
    return stats.support[label];
  }

  /**
   * Returns the number of samples predicted positive for a label at its threshold.
   *
   * @param label the label index
   * @return TP + FP
   */
  public int predicted(int label) {
    return stats.predicted[label];
  }

  /**
   * Returns the true positives of a label at its threshold.
   *
   * @param label the label index
   * @return TP
   */
  public int truePositives(int label) {
    return stats.truePositives[label];
  }

  /**
   * Returns the false positives of a label at its threshold.
   *
   * @param label the label index
   * @return FP
   */
  public int falsePositives(int label) {
    return stats.predicted[label] - stats.truePositives[label];
  }

  /**
   * Returns the false negatives of a label at its threshold.
   *
   * @param label the label index
   * @return FN
   */
  public int falseNegatives(int label) {
    return stats.support[label] - stats.truePositives[label];
  }

  /**
   * Returns a label's precision at its threshold.
   *
   * @param label the label index
   * @return TP/(TP+FP), NaN without predictions
   */
  public double precision(int label) {
    int predicted = stats.predicted[label];
    return predicted == 0 ? Double.NaN : (double) stats.truePositives[label] / predicted;
  }

  /**
   * Returns a label's recall at its threshold.
   *
   * @param label the label index
   * @return TP/(TP+FN), NaN without positives
   */
  public double recall(int label) {
    int support = stats.support[label];
    return support == 0 ? Double.NaN : (double) stats.truePositives[label] / support;
  }

  /**
   * Returns a label's F1 at its threshold.
   *
   * @param label the label index
   * @return 2TP/(2TP+FP+FN), NaN with neither positives nor predictions
   */
  public double f1(int label) {
    long denominator = (long) stats.support[label] + stats.predicted[label];
    return denominator == 0 ? Double.NaN : 2.0 * stats.truePositives[label] / denominator;
  }

  /**
   * Returns micro-averaged precision: all labels' TP over all predictions.
   *
   * @return the precision, NaN without predictions
   */
  public double microPrecision() {
    return totalPredicted == 0 ? Double.NaN : (double) totalTruePositives / totalPredicted;
  }

  /**
   * Returns micro-averaged recall: all labels' TP over all positives.
   *
   * @return the recall, NaN without positives
   */
  public double microRecall() {
    return totalSupport == 0 ? Double.NaN : (double) totalTruePositives / totalSupport;
  }

  /**
   * Returns micro-averaged F1: {@code 2·ΣTP / (2·ΣTP + ΣFP + ΣFN)}.
   *
   * @return the F1, NaN with neither positives nor predictions anywhere
   */
  public double microF1() {
    long denominator = totalSupport + totalPredicted;
    return denominator == 0 ? Double.NaN : 2.0 * totalTruePositives / denominator;
  }

  /**
   * Returns macro-averaged F1 over the labels where F1 is defined (see the class conventions).
   *
   * @return the F1, NaN if it is defined for no label
   */
  public double macroF1() {
    return macroF1;
  }

  /**
   * Returns how many labels macro F1 averages over (those with a positive or a prediction).
   *
   * @return the count
   */
  public int macroF1Labels() {
    return macroF1Labels;
  }

  /**
   * Returns the F1-maximising threshold of a label on this set.
   *
   * @param label the label index
   * @return the threshold (predict when score ≥ it), NaN without positives
   */
  public float bestThreshold(int label) {
    return stats.bestThreshold[label];
  }

  /**
   * Returns the F1 a label reaches at its best threshold on this set.
   *
   * @param label the label index
   * @return the F1 in (0, 1], NaN without positives
   */
  public double bestF1(int label) {
    return stats.bestF1[label];
  }

  /**
   * Returns every label's F1-maximising threshold, for {@link
   * MultiLabelEvaluator#evaluate(float[])} on other data.
   *
   * @param fallback the threshold for labels without positives here (for example the global one);
   *     {@code Float.POSITIVE_INFINITY} never predicts them
   * @return a new array of L thresholds
   */
  public float[] bestThresholds(float fallback) {
    float[] thresholds = new float[numLabels];
    for (int j = 0; j < numLabels; j++) {
      float best = stats.bestThreshold[j];
      thresholds[j] = Float.isNaN(best) ? fallback : best;
    }
    return thresholds;
  }

  /**
   * Writes one CSV row per label (RFC 4180, UTF-8, header first): {@code label, name, support,
   * predicted, tp, fp, fn, precision, recall, f1, threshold, average_precision, best_threshold,
   * best_f1}. Undefined values are written as {@code NaN}; thresholds are written in full float
   * precision so they can be read back exactly.
   *
   * @param file the file to create or replace
   * @param labelNames one name per label, or {@code null} to leave the column empty
   * @throws IOException if the file cannot be written
   */
  public void writeCsv(Path file, List<String> labelNames) throws IOException {
    if (labelNames != null && labelNames.size() != numLabels) {
      throw new IllegalArgumentException(
          "label names: actual " + labelNames.size() + " vs expected " + numLabels);
    }
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write(
          "label,name,support,predicted,tp,fp,fn,precision,recall,f1,threshold,"
              + "average_precision,best_threshold,best_f1\n");
      StringBuilder row = new StringBuilder(160);
      for (int j = 0; j < numLabels; j++) {
        row.setLength(0);
        row.append(j)
            .append(',')
            .append(labelNames == null ? "" : quote(labelNames.get(j)))
            .append(',')
            .append(support(j))
            .append(',')
            .append(predicted(j))
            .append(',')
            .append(truePositives(j))
            .append(',')
            .append(falsePositives(j))
            .append(',')
            .append(falseNegatives(j))
            .append(',')
            .append(number(precision(j)))
            .append(',')
            .append(number(recall(j)))
            .append(',')
            .append(number(f1(j)))
            .append(',')
            .append(threshold(j))
            .append(',')
            .append(number(averagePrecision(j)))
            .append(',')
            .append(bestThreshold(j))
            .append(',')
            .append(number(bestF1(j)))
            .append('\n');
        out.write(row.toString());
      }
    }
  }

  private static String number(double value) {
    return Double.isNaN(value) ? "NaN" : String.format(Locale.ROOT, "%.6f", value);
  }

  private static String quote(String field) {
    if (field.indexOf(',') < 0
        && field.indexOf('"') < 0
        && field.indexOf('\n') < 0
        && field.indexOf('\r') < 0) {
      return field;
    }
    return '"' + field.replace("\"", "\"\"") + '"';
  }

  @Override
  public String toString() {
    return String.format(
            Locale.ROOT,
            "mAP %.4f over %d labels (%d without positives), micro F1 %.4f, macro F1 %.4f"
                + " over %d labels, %d samples",
            meanAveragePrecision,
            labelsWithPositives,
            labelsWithoutPositives(),
            microF1(),
            macroF1,
            macroF1Labels,
            numSamples)
        + (unknownsSkipped > 0
            ? String.format(Locale.ROOT, ", %d unknown (sample, label) skipped", unknownsSkipped)
            : "");
  }
}
