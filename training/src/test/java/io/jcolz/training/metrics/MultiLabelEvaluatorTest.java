package io.jcolz.training.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultiLabelEvaluatorTest {

  private static final double EPS = 1e-12;

  /**
   * Four samples, six labels, each label a hand-worked case:
   *
   * <pre>
   *   label 0: perfect ranking            positives {0,1}   AP 1
   *   label 1: all scores equal (0.5)     positives {2}     AP = prevalence = 1/4
   *   label 2: no positives, predictions  positives {}      AP NaN, F1@0.5 = 0
   *   label 3: no positives, no preds     positives {}      AP NaN, F1@0.5 NaN
   *   label 4: ranks 1 and 3              positives {0,2}   AP (1 + 2/3)/2 = 5/6
   *   label 5: tie at 0.7 (pos+neg)       positives {1,3}   AP (1/3 + 2/4)/2 = 5/12
   * </pre>
   */
  private static final float[] SCORES = {
    0.9f, 0.5f, 0.7f, 0.1f, 0.9f, 0.9f,
    0.8f, 0.5f, 0.2f, 0.1f, 0.8f, 0.7f,
    0.3f, 0.5f, 0.6f, 0.1f, 0.7f, 0.7f,
    0.1f, 0.5f, 0.1f, 0.1f, 0.6f, 0.2f,
  };

  private static final int[] PAIRS = {0, 0, 1, 0, 2, 1, 0, 4, 2, 4, 1, 5, 3, 5};

  private static float[] dense(int[] pairs, int rows, int labels) {
    float[] dense = new float[rows * labels];
    for (int k = 0; k < pairs.length; k += 2) {
      dense[pairs[k] * labels + pairs[k + 1]] = 1f;
    }
    return dense;
  }

  private static MultiLabelEvaluator fixture() {
    MultiLabelEvaluator evaluator = new MultiLabelEvaluator(6);
    evaluator.addSparse(SCORES, 4, PAIRS);
    return evaluator;
  }

  @Test
  void averagePrecisionOfHandWorkedLabels() {
    MultiLabelReport report = fixture().evaluate(0.5f);
    assertEquals(1.0, report.averagePrecision(0), EPS, "perfect ranking");
    assertEquals(0.25, report.averagePrecision(1), EPS, "all-equal scores: prevalence");
    assertTrue(Double.isNaN(report.averagePrecision(2)), "no positives");
    assertTrue(Double.isNaN(report.averagePrecision(3)), "no positives");
    assertEquals(5.0 / 6, report.averagePrecision(4), EPS);
    assertEquals(5.0 / 12, report.averagePrecision(5), EPS, "tie counted as one threshold");
    assertEquals((1 + 0.25 + 5.0 / 6 + 5.0 / 12) / 4, report.meanAveragePrecision(), EPS);
    assertEquals(4, report.labelsWithPositives());
    assertEquals(2, report.labelsWithoutPositives());
  }

  @Test
  void countsAndF1AtAThreshold() {
    MultiLabelReport report = fixture().evaluate(0.5f);
    int[][] expected = { // support, predicted, TP
      {2, 2, 2}, {1, 4, 1}, {0, 2, 0}, {0, 0, 0}, {2, 4, 2}, {2, 3, 1},
    };
    double[] f1 = {1.0, 0.4, 0.0, Double.NaN, 2.0 / 3, 0.4};
    for (int j = 0; j < 6; j++) {
      assertEquals(expected[j][0], report.support(j), "label " + j);
      assertEquals(expected[j][1], report.predicted(j), "label " + j);
      assertEquals(expected[j][2], report.truePositives(j), "label " + j);
      assertEquals(expected[j][1] - expected[j][2], report.falsePositives(j));
      assertEquals(expected[j][0] - expected[j][2], report.falseNegatives(j));
      assertEquals(f1[j], report.f1(j), EPS, "label " + j);
      assertEquals(0.5f, report.threshold(j));
    }
    assertEquals(1.0, report.precision(0), EPS);
    assertEquals(0.25, report.precision(1), EPS);
    assertEquals(1.0, report.recall(1), EPS);
    assertTrue(Double.isNaN(report.precision(3)), "no predictions");
    assertTrue(Double.isNaN(report.recall(2)), "no positives");
    // micro: ΣTP = 6, Σpredicted = 15, Σsupport = 7
    assertEquals(6.0 / 15, report.microPrecision(), EPS);
    assertEquals(6.0 / 7, report.microRecall(), EPS);
    assertEquals(12.0 / 22, report.microF1(), EPS);
    // macro over the 5 labels with positives or predictions; label 3 excluded
    assertEquals((1 + 0.4 + 0 + 2.0 / 3 + 0.4) / 5, report.macroF1(), EPS);
    assertEquals(5, report.macroF1Labels());
  }

  @Test
  void bestThresholdsMaximiseF1AndPreferTheHigherOnTies() {
    MultiLabelReport report = fixture().evaluate(0.5f);
    assertEquals(0.8f, report.bestThreshold(0));
    assertEquals(1.0, report.bestF1(0), EPS);
    assertEquals(0.5f, report.bestThreshold(1));
    assertEquals(0.4, report.bestF1(1), EPS);
    assertTrue(Float.isNaN(report.bestThreshold(2)));
    assertTrue(Double.isNaN(report.bestF1(3)));
    assertEquals(0.7f, report.bestThreshold(4));
    assertEquals(0.8, report.bestF1(4), EPS);
    assertEquals(0.2f, report.bestThreshold(5));
    assertEquals(2.0 / 3, report.bestF1(5), EPS);
    float[] thresholds = report.bestThresholds(Float.POSITIVE_INFINITY);
    assertArrayEquals(
        new float[] {0.8f, 0.5f, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, 0.7f, 0.2f},
        thresholds);
    assertEquals(0.5f, report.bestThresholds(0.5f)[2]);

    // evaluated at its own best thresholds, every label reaches its best F1
    MultiLabelReport tuned = fixture().evaluate(thresholds);
    for (int j : new int[] {0, 1, 4, 5}) {
      assertEquals(report.bestF1(j), tuned.f1(j), EPS, "label " + j);
    }
    assertEquals(0, tuned.predicted(2), "an infinite threshold never predicts");

    // tie: τ = 0.9 gives TP 1 / 1 predicted, τ = 0.6 gives TP 2 / 4: both F1 = 2/3
    MultiLabelEvaluator tie = new MultiLabelEvaluator(1);
    tie.addSparse(new float[] {0.9f, 0.8f, 0.7f, 0.6f}, 4, new int[] {0, 0, 3, 0});
    MultiLabelReport tieReport = tie.evaluate(0.5f);
    assertEquals(2.0 / 3, tieReport.bestF1(0), EPS);
    assertEquals(0.9f, tieReport.bestThreshold(0));
  }

  @Test
  void denseSparseNdarrayAndBatchingGiveTheSameReport() {
    MultiLabelReport reference = fixture().evaluate(0.5f);
    MultiLabelEvaluator dense = new MultiLabelEvaluator(6);
    float[] targets = dense(PAIRS, 4, 6);
    dense.addDense(SCORES, targets, 4);
    assertSameReport(reference, dense.evaluate(0.5f), "dense");

    MultiLabelEvaluator oneByOne = new MultiLabelEvaluator(6);
    for (int r = 0; r < 4; r++) {
      float[] scores = Arrays.copyOfRange(SCORES, r * 6, r * 6 + 6);
      List<Integer> rowPairs = new ArrayList<>();
      for (int k = 0; k < PAIRS.length; k += 2) {
        if (PAIRS[k] == r) {
          rowPairs.add(0);
          rowPairs.add(PAIRS[k + 1]);
        }
      }
      // duplicates of a pair count once
      rowPairs.addAll(rowPairs);
      oneByOne.addSparse(scores, 1, rowPairs.stream().mapToInt(Integer::intValue).toArray());
    }
    assertEquals(4, oneByOne.numSamples());
    assertSameReport(reference, oneByOne.evaluate(0.5f), "one row per batch, duplicates");

    try (NDManager manager = NDManager.newBaseManager()) {
      MultiLabelEvaluator fromSparse = new MultiLabelEvaluator(6);
      fromSparse.add(
          manager.create(SCORES, new Shape(4, 6)),
          manager.create(PAIRS, new Shape(PAIRS.length / 2, 2)));
      assertSameReport(reference, fromSparse.evaluate(0.5f), "NDArray sparse");
      MultiLabelEvaluator fromDense = new MultiLabelEvaluator(6);
      fromDense.add(
          manager.create(SCORES, new Shape(4, 6)), manager.create(targets, new Shape(4, 6)));
      assertSameReport(reference, fromDense.evaluate(0.5f), "NDArray dense");
    }
  }

  private static void assertSameReport(MultiLabelReport a, MultiLabelReport b, String what) {
    assertEquals(a.numSamples(), b.numSamples(), what);
    for (int j = 0; j < a.numLabels(); j++) {
      assertEquals(a.support(j), b.support(j), what + " label " + j);
      assertEquals(a.predicted(j), b.predicted(j), what + " label " + j);
      assertEquals(a.truePositives(j), b.truePositives(j), what + " label " + j);
      assertEquals(a.averagePrecision(j), b.averagePrecision(j), 0.0, what + " " + j);
      assertEquals(a.bestThreshold(j), b.bestThreshold(j), what + " label " + j);
    }
    assertEquals(a.meanAveragePrecision(), b.meanAveragePrecision(), 0.0, what);
    assertEquals(a.microF1(), b.microF1(), 0.0, what);
    assertEquals(a.macroF1(), b.macroF1(), 0.0, what);
  }

  // ---------------------------------------------------------------- brute force

  /** AP by the definition: for every positive, precision over all samples scoring ≥ it. */
  private static double bruteAveragePrecision(float[] s, boolean[] positive) {
    double sum = 0;
    int p = 0;
    for (int i = 0; i < s.length; i++) {
      if (!positive[i]) {
        continue;
      }
      p++;
      int above = 0;
      int positivesAbove = 0;
      for (int k = 0; k < s.length; k++) {
        if (s[k] >= s[i]) {
          above++;
          if (positive[k]) {
            positivesAbove++;
          }
        }
      }
      sum += (double) positivesAbove / above;
    }
    return p == 0 ? Double.NaN : sum / p;
  }

  /** {bestF1, bestThreshold}: every distinct score tried, the highest wins ties. */
  private static double[] bruteBest(float[] s, boolean[] positive) {
    TreeSet<Float> candidates = new TreeSet<>();
    int p = 0;
    for (int i = 0; i < s.length; i++) {
      candidates.add(s[i]);
      p += positive[i] ? 1 : 0;
    }
    if (p == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double best = -1;
    double bestTau = Double.NaN;
    for (float tau : candidates.descendingSet()) {
      int tp = 0;
      int predicted = 0;
      for (int i = 0; i < s.length; i++) {
        if (s[i] >= tau) {
          predicted++;
          tp += positive[i] ? 1 : 0;
        }
      }
      double f1 = 2.0 * tp / (p + predicted);
      if (f1 > best) {
        best = f1;
        bestTau = tau;
      }
    }
    return new double[] {best, bestTau};
  }

  @Test
  void matchesBruteForceOnRandomDataWithTiesAcrossLabelBlocks() {
    long seed = 314159;
    Random random = new Random(seed);
    int labels = 150; // three blocks of the evaluator's label-major transpose
    int samples = 0;
    MultiLabelEvaluator evaluator = new MultiLabelEvaluator(labels);
    List<float[]> allScores = new ArrayList<>();
    List<boolean[]> allPositive = new ArrayList<>();
    for (int batch = 0; batch < 7; batch++) {
      int b = 1 + random.nextInt(40);
      float[] scores = new float[b * labels];
      float[] targets = new float[b * labels];
      for (int i = 0; i < scores.length; i++) {
        int j = i % labels;
        // quantised scores make many ties; a few labels never positive
        scores[i] = random.nextInt(j % 3 == 0 ? 5 : 1000) / 10f - 20f;
        double rate = j % 10 == 9 ? 0 : (j % 7) / 10.0 + 0.02;
        targets[i] = random.nextDouble() < rate ? 1f : 0f;
      }
      evaluator.addDense(scores, targets, b);
      for (int r = 0; r < b; r++) {
        float[] row = Arrays.copyOfRange(scores, r * labels, (r + 1) * labels);
        boolean[] pos = new boolean[labels];
        for (int j = 0; j < labels; j++) {
          pos[j] = targets[r * labels + j] == 1f;
        }
        allScores.add(row);
        allPositive.add(pos);
      }
      samples += b;
    }
    float[] thresholds = new float[labels];
    for (int j = 0; j < labels; j++) {
      thresholds[j] = random.nextInt(400) / 10f - 20f;
    }
    MultiLabelReport report = evaluator.evaluate(thresholds);
    assertEquals(samples, report.numSamples());
    double apSum = 0;
    int withPositives = 0;
    for (int j = 0; j < labels; j++) {
      float[] s = new float[samples];
      boolean[] pos = new boolean[samples];
      for (int i = 0; i < samples; i++) {
        s[i] = allScores.get(i)[j];
        pos[i] = allPositive.get(i)[j];
      }
      String what = "seed=" + seed + " label " + j;
      double ap = bruteAveragePrecision(s, pos);
      assertEquals(ap, report.averagePrecision(j), 1e-12, what);
      if (!Double.isNaN(ap)) {
        apSum += ap;
        withPositives++;
      }
      double[] best = bruteBest(s, pos);
      assertEquals(best[0], report.bestF1(j), 1e-12, what);
      assertEquals(best[1], report.bestThreshold(j), 0.0, what);
      int tp = 0;
      int predicted = 0;
      int support = 0;
      for (int i = 0; i < samples; i++) {
        support += pos[i] ? 1 : 0;
        if (s[i] >= thresholds[j]) {
          predicted++;
          tp += pos[i] ? 1 : 0;
        }
      }
      assertEquals(support, report.support(j), what);
      assertEquals(predicted, report.predicted(j), what);
      assertEquals(tp, report.truePositives(j), what);
    }
    assertEquals(apSum / withPositives, report.meanAveragePrecision(), 1e-12);
    assertEquals(labels - withPositives, report.labelsWithoutPositives());
    assertTrue(report.labelsWithoutPositives() >= 15, "fixture has labels never positive");
  }

  @Test
  void csvReportHasOneRowPerLabelAndQuotesNames(@TempDir Path dir) throws IOException {
    MultiLabelReport report = fixture().evaluate(0.5f);
    Path csv = dir.resolve("report.csv");
    report.writeCsv(csv, List.of("cat", "dog, small", "say \"hi\"", "d", "e", "f"));
    List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    assertEquals(7, lines.size());
    assertEquals(
        "label,name,support,predicted,tp,fp,fn,precision,recall,f1,threshold,"
            + "average_precision,best_threshold,best_f1",
        lines.get(0));
    assertEquals(
        "0,cat,2,2,2,0,0,1.000000,1.000000,1.000000,0.5,1.000000,0.8,1.000000", lines.get(1));
    assertEquals(
        "1,\"dog, small\",1,4,1,3,0,0.250000,1.000000,0.400000,0.5,0.250000,0.5," + "0.400000",
        lines.get(2));
    assertEquals(
        "2,\"say \"\"hi\"\"\",0,2,0,2,0,0.000000,NaN,0.000000,0.5,NaN,NaN,NaN", lines.get(3));
    assertEquals("3,d,0,0,0,0,0,NaN,NaN,NaN,0.5,NaN,NaN,NaN", lines.get(4));
    report.writeCsv(csv, null);
    assertTrue(Files.readAllLines(csv).get(1).startsWith("0,,2,"));
    assertThrows(IllegalArgumentException.class, () -> report.writeCsv(csv, List.of("a")));
  }

  @Test
  void badInputIsRejected() {
    MultiLabelEvaluator evaluator = new MultiLabelEvaluator(3);
    assertThrows(IllegalStateException.class, () -> evaluator.evaluate(0.5f));
    assertThrows(
        IllegalArgumentException.class, () -> evaluator.addDense(new float[5], new float[6], 2));
    assertThrows(
        IllegalArgumentException.class, () -> evaluator.addDense(new float[6], new float[5], 2));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> evaluator.addSparse(new float[6], 2, new int[] {2, 0}));
    assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> evaluator.addSparse(new float[6], 2, new int[] {0, 3}));
    assertThrows(
        IllegalArgumentException.class, () -> evaluator.addSparse(new float[6], 2, new int[] {0}));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> evaluator.addSparse(new float[] {0, 0, 0, 0, Float.NaN, 0}, 2, new int[0]));
    assertTrue(
        e.getMessage().contains("sample 1") && e.getMessage().contains("label 1"), e.getMessage());
    assertEquals(0, evaluator.numSamples(), "rejected batches add nothing");
    evaluator.addSparse(new float[6], 2, new int[] {1, 2});
    assertThrows(IllegalArgumentException.class, () -> evaluator.evaluate(new float[2]));
    assertThrows(
        IllegalArgumentException.class, () -> evaluator.evaluate(new float[] {0, Float.NaN, 0}));
    assertThrows(IllegalArgumentException.class, () -> new MultiLabelEvaluator(0));
  }

  @Test
  void emptyOfPositivesAndPredictionsGivesNaNAverages() {
    MultiLabelEvaluator evaluator = new MultiLabelEvaluator(2);
    evaluator.addSparse(new float[] {0.1f, 0.2f}, 1, new int[0]);
    MultiLabelReport report = evaluator.evaluate(0.5f);
    assertTrue(Double.isNaN(report.meanAveragePrecision()));
    assertTrue(Double.isNaN(report.microF1()));
    assertTrue(Double.isNaN(report.macroF1()));
    assertEquals(0, report.macroF1Labels());
    assertEquals(2, report.labelsWithoutPositives());
  }
}
