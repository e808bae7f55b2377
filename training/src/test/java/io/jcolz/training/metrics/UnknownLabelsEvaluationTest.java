package io.jcolz.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Unknown labels are skipped per label, as Open Images' evaluation does. */
class UnknownLabelsEvaluationTest {

  @Test
  void eachLabelIsEvaluatedOnTheSamplesWhereItIsKnown() {
    long seed = 2525;
    Random random = new Random(seed);
    int n = 60;
    int l = 4;
    float[] scores = new float[n * l];
    boolean[] positive = new boolean[n * l];
    boolean[] unknown = new boolean[n * l];
    List<Integer> pairs = new ArrayList<>();
    List<Integer> unknownPairs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < l; j++) {
        int e = i * l + j;
        scores[e] = random.nextFloat();
        positive[e] = random.nextInt(3) == 0;
        unknown[e] = j != 1 && !positive[e] && random.nextInt(3) == 0; // label 1 fully known
        if (positive[e]) {
          pairs.add(i);
          pairs.add(j);
          if (random.nextBoolean()) { // listed also as unknown: the positive wins
            unknownPairs.add(i);
            unknownPairs.add(j);
          }
        }
        if (unknown[e]) {
          unknownPairs.add(i);
          unknownPairs.add(j);
        }
      }
    }
    MultiLabelEvaluator withUnknowns = new MultiLabelEvaluator(l);
    // two batches, to check that rows are offset per batch
    int half = n / 2;
    addHalves(withUnknowns, scores, l, half, n, pairs, unknownPairs);
    MultiLabelReport report = withUnknowns.evaluate(0.5f);
    for (int j = 0; j < l; j++) {
      // the reference: a one-label evaluator fed only the samples where label j is known
      MultiLabelEvaluator known = new MultiLabelEvaluator(1);
      List<Float> s = new ArrayList<>();
      List<Integer> p = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (!unknown[i * l + j]) {
          if (positive[i * l + j]) {
            p.add(s.size());
            p.add(0);
          }
          s.add(scores[i * l + j]);
        }
      }
      float[] ks = new float[s.size()];
      for (int k = 0; k < ks.length; k++) {
        ks[k] = s.get(k);
      }
      known.addSparse(ks, ks.length, p.stream().mapToInt(Integer::intValue).toArray());
      MultiLabelReport expected = known.evaluate(0.5f);
      String what = "seed=" + seed + " label " + j;
      assertEquals(expected.averagePrecision(0), report.averagePrecision(j), 1e-12, what);
      assertEquals(expected.support(0), report.support(j), what);
      assertEquals(expected.truePositives(0), report.truePositives(j), what);
      assertEquals(expected.falsePositives(0), report.falsePositives(j), what);
      assertEquals(expected.falseNegatives(0), report.falseNegatives(j), what);
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> withUnknowns.addSparse(new float[l], 1, new int[0], new int[] {0, l}));
  }

  private static void addHalves(
      MultiLabelEvaluator e,
      float[] scores,
      int l,
      int half,
      int n,
      List<Integer> pairs,
      List<Integer> unknownPairs) {
    for (int b = 0; b < 2; b++) {
      int from = b * half;
      int to = b == 0 ? half : n;
      float[] s = java.util.Arrays.copyOfRange(scores, from * l, to * l);
      e.addSparse(s, to - from, rows(pairs, from, to), rows(unknownPairs, from, to));
    }
  }

  private static int[] rows(List<Integer> pairs, int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int k = 0; k < pairs.size(); k += 2) {
      if (pairs.get(k) >= from && pairs.get(k) < to) {
        out.add(pairs.get(k) - from);
        out.add(pairs.get(k + 1));
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void knownPairsEqualTheirComplementAsUnknownPairsAndAreCounted() {
    long seed = 2526;
    Random random = new Random(seed);
    int n = 50;
    int l = 5;
    float[] scores = new float[n * l];
    List<Integer> pos = new ArrayList<>();
    List<Integer> neg = new ArrayList<>();
    List<Integer> unk = new ArrayList<>();
    int half = n / 2; // rows [0, half): unlisted unknown; [half, n): a plain batch
    long skipped = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < l; j++) {
        scores[i * l + j] = random.nextFloat();
        int kind = random.nextInt(3);
        if (kind == 0) {
          pos.add(i);
          pos.add(j);
        } else if (kind == 1 && i < half) {
          neg.add(i);
          neg.add(j);
        } else if (i < half) {
          unk.add(i);
          unk.add(j);
          skipped++;
        }
      }
    }
    int[] p0 = pairsOf(pos, 0, half, 0);
    int[] p1 = pairsOf(pos, half, n, half);
    MultiLabelEvaluator viaKnown = new MultiLabelEvaluator(l);
    viaKnown.addKnown(
        java.util.Arrays.copyOf(scores, half * l), half, p0, pairsOf(neg, 0, half, 0));
    viaKnown.addSparse(java.util.Arrays.copyOfRange(scores, half * l, n * l), n - half, p1);
    MultiLabelEvaluator viaUnknown = new MultiLabelEvaluator(l);
    viaUnknown.addSparse(
        java.util.Arrays.copyOf(scores, half * l), half, p0, pairsOf(unk, 0, half, 0));
    viaUnknown.addSparse(java.util.Arrays.copyOfRange(scores, half * l, n * l), n - half, p1);
    MultiLabelReport a = viaKnown.evaluate(0.5f);
    MultiLabelReport b = viaUnknown.evaluate(0.5f);
    assertEquals(skipped, a.unknownsSkipped(), "seed=" + seed);
    assertEquals(skipped, b.unknownsSkipped(), "seed=" + seed);
    for (int j = 0; j < l; j++) {
      String what = "seed=" + seed + " label " + j;
      assertEquals(b.averagePrecision(j), a.averagePrecision(j), 0, what);
      assertEquals(b.support(j), a.support(j), what);
      assertEquals(b.truePositives(j), a.truePositives(j), what);
      assertEquals(b.falsePositives(j), a.falsePositives(j), what);
      assertEquals(b.evaluated(j), a.evaluated(j), what);
    }
    assertEquals(b.meanAveragePrecision(), a.meanAveragePrecision(), 0);
    assertEquals(true, a.toString().contains(skipped + " unknown"), a.toString());
  }

  /** The pairs of rows [from, to), rows renumbered from {@code base}. */
  private static int[] pairsOf(List<Integer> pairs, int from, int to, int base) {
    List<Integer> out = new ArrayList<>();
    for (int k = 0; k < pairs.size(); k += 2) {
      if (pairs.get(k) >= from && pairs.get(k) < to) {
        out.add(pairs.get(k) - base);
        out.add(pairs.get(k + 1));
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
