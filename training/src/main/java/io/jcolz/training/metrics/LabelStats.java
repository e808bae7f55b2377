package io.jcolz.training.metrics;

/**
 * Per-label results of one evaluation, filled label by label (each label by exactly one worker, so
 * no two threads write the same element).
 */
final class LabelStats {

  final float[] threshold;
  final int[] support;
  final int[] predicted;
  final int[] truePositives;
  final double[] averagePrecision;
  final float[] bestThreshold;
  final double[] bestF1;
  final int[] evaluated;

  LabelStats(int numLabels, float[] thresholds) {
    this.threshold = thresholds;
    this.support = new int[numLabels];
    this.predicted = new int[numLabels];
    this.truePositives = new int[numLabels];
    this.averagePrecision = new double[numLabels];
    this.bestThreshold = new float[numLabels];
    this.bestF1 = new double[numLabels];
    this.evaluated = new int[numLabels];
  }
}
