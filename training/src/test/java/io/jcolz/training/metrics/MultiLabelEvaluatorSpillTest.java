package io.jcolz.training.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator's bounded-memory path: scores spilled to a scratch file give bit for bit the report
 * of scores held on the heap, and the scratch file is gone after close or a failed spill.
 */
class MultiLabelEvaluatorSpillTest {

  private static final int LABELS = 150; // more than two spill tiles of 64 labels, not a multiple

  /** One batch of random, heavily tied scores with sparse labels. */
  private record Batch(float[] scores, int rows, int[] pairs) {}

  private static List<Batch> batches(long seed, int count) {
    Random random = new Random(seed);
    List<Batch> out = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      int rows = 1 + random.nextInt(30);
      float[] scores = new float[rows * LABELS];
      List<Integer> pairs = new ArrayList<>();
      for (int i = 0; i < scores.length; i++) {
        int j = i % LABELS;
        scores[i] =
            j % 3 == 0 ? random.nextInt(4) / 4f : (float) random.nextGaussian() * (1 + j % 5);
        double rate = j % 10 == 9 ? 0 : (j % 7) / 10.0 + 0.02;
        if (random.nextDouble() < rate) {
          pairs.add(i / LABELS);
          pairs.add(j);
        }
      }
      out.add(new Batch(scores, rows, pairs.stream().mapToInt(Integer::intValue).toArray()));
    }
    return out;
  }

  private static void add(MultiLabelEvaluator evaluator, List<Batch> batches) {
    for (Batch b : batches) {
      evaluator.addSparse(b.scores(), b.rows(), b.pairs());
    }
  }

  /** Exact equality of every figure (JUnit compares doubles and floats by their bits). */
  private static void assertSameReport(
      MultiLabelReport expected, MultiLabelReport actual, String w) {
    assertEquals(expected.numSamples(), actual.numSamples(), w);
    assertEquals(expected.meanAveragePrecision(), actual.meanAveragePrecision(), w + " mAP");
    assertEquals(expected.microPrecision(), actual.microPrecision(), w);
    assertEquals(expected.microRecall(), actual.microRecall(), w);
    assertEquals(expected.microF1(), actual.microF1(), w + " micro F1");
    assertEquals(expected.macroF1(), actual.macroF1(), w + " macro F1");
    assertEquals(expected.macroF1Labels(), actual.macroF1Labels(), w);
    assertEquals(expected.labelsWithPositives(), actual.labelsWithPositives(), w);
    for (int j = 0; j < LABELS; j++) {
      String l = w + " label " + j;
      assertEquals(expected.averagePrecision(j), actual.averagePrecision(j), l);
      assertEquals(expected.threshold(j), actual.threshold(j), l);
      assertEquals(expected.support(j), actual.support(j), l);
      assertEquals(expected.predicted(j), actual.predicted(j), l);
      assertEquals(expected.truePositives(j), actual.truePositives(j), l);
      assertEquals(expected.f1(j), actual.f1(j), l);
      assertEquals(expected.bestThreshold(j), actual.bestThreshold(j), l);
      assertEquals(expected.bestF1(j), actual.bestF1(j), l);
    }
    assertArrayEquals(expected.bestThresholds(0.5f), actual.bestThresholds(0.5f), w);
  }

  @Test
  void spilledEvaluationEqualsTheInMemoryOneBitForBit(@TempDir Path scratch) {
    long seed = 27_2026;
    List<Batch> first = batches(seed, 9);
    List<Batch> more = batches(seed + 1, 3);
    try (MultiLabelEvaluator heap = new MultiLabelEvaluator(LABELS, Long.MAX_VALUE, scratch)) {
      add(heap, first);
      MultiLabelReport heapHalf = heap.evaluate(0.5f);
      float[] tuned = heapHalf.bestThresholds(0.5f);
      MultiLabelReport heapTuned = heap.evaluate(tuned);
      add(heap, more);
      MultiLabelReport heapMore = heap.evaluate(0f);
      assertEquals(0, heap.spilledSamples());
      // 0: every batch spilled; 20 KB: a few batches per segment, some left on the heap
      for (long budget : new long[] {0, 20_000, 60_000}) {
        String what = "seed=" + seed + " heapScoreBytes=" + budget;
        try (MultiLabelEvaluator spill = new MultiLabelEvaluator(LABELS, budget, scratch)) {
          add(spill, first);
          assertTrue(spill.spilledSamples() > 0, what + ": nothing spilled");
          assertSameReport(heapHalf, spill.evaluate(0.5f), what + " at 0.5");
          assertSameReport(heapTuned, spill.evaluate(tuned), what + " tuned");
          add(spill, more); // the scratch file grows after a mapping: evaluate maps it again
          assertSameReport(heapMore, spill.evaluate(0f), what + " after more batches");
        }
      }
    }
  }

  /** Lines of /proc/self/fd and /proc/self/maps naming a file under {@code dir}. */
  private static List<String> openReferences(Path dir) throws IOException {
    Path fds = Path.of("/proc/self/fd");
    Assumptions.assumeTrue(Files.isDirectory(fds), "needs /proc/self (Linux)");
    String prefix = dir.toString() + "/jcolz-eval-";
    List<String> refs = new ArrayList<>();
    try (Stream<Path> list = Files.list(fds)) {
      for (Path fd : list.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith(prefix)) {
            refs.add("fd " + target);
          }
        } catch (IOException e) {
          // the directory stream's own descriptor, gone by now
        }
      }
    }
    for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
      if (line.contains(prefix)) {
        refs.add("map " + line);
      }
    }
    return refs;
  }

  private static long filesIn(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.count();
    }
  }

  @Test
  void scratchFileIsUnlinkedWhileOpenAndReleasedOnClose(@TempDir Path scratch) throws IOException {
    MultiLabelEvaluator evaluator = new MultiLabelEvaluator(LABELS, 0, scratch);
    add(evaluator, batches(7, 3));
    evaluator.evaluate(0.5f); // maps it
    assertEquals(0, filesIn(scratch), "the scratch file is unlinked as soon as it is open");
    List<String> open = openReferences(scratch);
    assertTrue(
        open.stream().anyMatch(r -> r.startsWith("fd"))
            && open.stream().anyMatch(r -> r.startsWith("map")),
        "while open, the scratch file is held and mapped: " + open);
    evaluator.close();
    assertEquals(List.of(), openReferences(scratch), "after close");
    evaluator.close(); // again: nothing
    assertThrows(IllegalStateException.class, () -> evaluator.evaluate(0.5f));
    assertThrows(IllegalStateException.class, () -> add(evaluator, batches(8, 1)));
  }

  @Test
  void aFailedSpillClosesTheEvaluatorAndNamesTheFile(@TempDir Path scratch) throws IOException {
    // a channel opened for reading only: the first write fails
    MultiLabelEvaluator evaluator =
        new MultiLabelEvaluator(
            LABELS, 0, scratch, file -> FileChannel.open(file, StandardOpenOption.READ));
    List<Batch> one = batches(9, 1);
    RuntimeException e = assertThrows(RuntimeException.class, () -> add(evaluator, one));
    assertTrue(
        e.getMessage().contains("cannot spill evaluation scores to " + scratch),
        "message: " + e.getMessage());
    assertEquals(0, filesIn(scratch), "no scratch file left");
    assertEquals(List.of(), openReferences(scratch), "nothing held open");
    assertThrows(IllegalStateException.class, () -> evaluator.evaluate(0.5f));
  }

  @Test
  void defaultBudgetIsBoundedByTheHeap() {
    long budget = MultiLabelEvaluator.defaultHeapScoreBytes();
    assertTrue(budget > 0 && budget <= 256L << 20, "budget " + budget);
    assertTrue(budget <= Runtime.getRuntime().maxMemory() / 8, "budget " + budget);
    assertThrows(
        IllegalArgumentException.class, () -> new MultiLabelEvaluator(3, -1, Path.of(".")));
  }
}
