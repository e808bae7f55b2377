package io.jcolz.bench;

import io.jcolz.training.metrics.MultiLabelEvaluator;
import io.jcolz.training.metrics.MultiLabelReport;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Scale check of {@link MultiLabelEvaluator} in bounded memory: adds ROWS × LABELS seeded synthetic
 * scores (sparse labels, 1–15 positives per row, positives scoring higher on average) in batches of
 * 256, evaluates at 0.5, picks per-label best thresholds and evaluates at them, as {@code jcolz
 * eval} does; prints wall times, the peak heap (sum of the heap pools' peaks), the peak RSS ({@code
 * VmHWM}) and the spilled rows, then one JSON line. Run it with {@code -Xmx1g} to show that 100,000
 * × 11,000 (4.4 GB of scores) evaluates in a 1 GB heap.
 *
 * <p>How to run: {@code nice java -Xmx1g -jar bench/target/jcolz-bench.jar eval-scale SCRATCH_DIR
 * [ROWS] [LABELS]} (default 100,000 × 11,000; needs {@code 4·ROWS·LABELS} bytes free under
 * SCRATCH_DIR). Not thread-safe; a command-line tool.
 */
public final class EvalScaleCheck {
  private EvalScaleCheck() {}

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  private static long peakRss() throws java.io.IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return -1;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  public static void main(String[] args) throws Exception {
    Path scratch = Path.of(args[0]);
    int rows = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int labels = args.length > 2 ? Integer.parseInt(args[2]) : 11_000;
    int batch = 256;
    SplittableRandom random = new SplittableRandom(27);
    long t0 = System.nanoTime();
    MultiLabelReport half;
    MultiLabelReport tuned;
    int spilled;
    double addSeconds;
    double evalSeconds;
    double tunedSeconds;
    try (MultiLabelEvaluator evaluator =
        new MultiLabelEvaluator(labels, MultiLabelEvaluator.defaultHeapScoreBytes(), scratch)) {
      float[] scores = new float[batch * labels];
      int[] pairs = new int[2 * 15 * batch];
      for (int first = 0; first < rows; first += batch) {
        int b = Math.min(batch, rows - first);
        float[] s = b == batch ? scores : new float[b * labels];
        for (int i = 0; i < b * labels; i++) {
          s[i] = (float) random.nextDouble(-4, 3);
        }
        int n = 0;
        for (int r = 0; r < b; r++) {
          int positives = 1 + random.nextInt(15);
          for (int k = 0; k < positives; k++) {
            // a long-tailed vocabulary: low label ids are frequent
            int label = (int) (labels * Math.pow(random.nextDouble(), 3));
            s[r * labels + label] += 2f;
            pairs[n++] = r;
            pairs[n++] = label;
          }
        }
        evaluator.addSparse(s, b, java.util.Arrays.copyOf(pairs, n));
      }
      addSeconds = (System.nanoTime() - t0) / 1e9;
      long t1 = System.nanoTime();
      half = evaluator.evaluate(0.5f);
      evalSeconds = (System.nanoTime() - t1) / 1e9;
      long t2 = System.nanoTime();
      tuned = evaluator.evaluate(half.bestThresholds(0.5f));
      tunedSeconds = (System.nanoTime() - t2) / 1e9;
      spilled = evaluator.spilledSamples();
    }
    double total = (System.nanoTime() - t0) / 1e9;
    long heap = peakHeap();
    long rss = peakRss();
    System.out.printf(
        Locale.ROOT,
        "%,d × %,d scores (%.1f GB), max heap %.0f MB, heap budget for scores %.0f MB:%n"
            + "  add %.1f s, evaluate at 0.5 %.1f s, evaluate at tuned thresholds %.1f s, total"
            + " %.1f s%n  peak heap %.0f MB, peak RSS %.0f MB, spilled rows %,d%n"
            + "  mAP %.4f, micro F1 %.4f, tuned micro F1 %.4f%n",
        rows,
        labels,
        4.0 * rows * labels / 1e9,
        Runtime.getRuntime().maxMemory() / 1e6,
        MultiLabelEvaluator.defaultHeapScoreBytes() / 1e6,
        addSeconds,
        evalSeconds,
        tunedSeconds,
        total,
        heap / 1e6,
        rss / 1e6,
        spilled,
        half.meanAveragePrecision(),
        half.microF1(),
        tuned.microF1());
    System.out.printf(
        Locale.ROOT,
        "{\"rows\":%d,\"labels\":%d,\"max_heap_bytes\":%d,\"peak_heap_bytes\":%d,"
            + "\"peak_rss_bytes\":%d,\"spilled_rows\":%d,\"add_s\":%.2f,\"evaluate_s\":%.2f,"
            + "\"evaluate_tuned_s\":%.2f,\"total_s\":%.2f,\"map\":%.6f}%n",
        rows,
        labels,
        Runtime.getRuntime().maxMemory(),
        heap,
        rss,
        spilled,
        addSeconds,
        evalSeconds,
        tunedSeconds,
        total,
        half.meanAveragePrecision());
  }
}
