package io.jcolz.bench;

import io.jcolz.pack.LabelFile;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Scale check of the pack tool's label join ({@link LabelFile}): writes a seeded CSV label file of
 * ROWS lines ({@code dirNNN/subNN/imgNNNNNNNN.jpg,l1 l2 ...}, 1–5 of 11,000 labels), loads it into
 * the off-heap Chronicle Map, looks keys up, and reports time, heap and map-file size. Run it with
 * a small heap to show the join does not live on the Java heap.
 *
 * <p>How to run: {@code java -Xmx256m -jar bench/target/jcolz-bench.jar label-join DIR [ROWS]}
 * (default 12,000,000; needs ~0.6 GB for the file and ~1 GB for the map under DIR). Not
 * thread-safe; a command-line tool.
 */
public final class LabelJoinCheck {
  private LabelJoinCheck() {}

  static String key(long i) {
    return String.format(Locale.ROOT, "dir%03d/sub%02d/img%08d.jpg", i % 1000, i % 37, i);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long rows = args.length > 1 ? Long.parseLong(args[1]) : 12_000_000L;
    Files.createDirectories(dir);
    Path csv = dir.resolve("labels.csv");
    SplittableRandom r = new SplittableRandom(42);
    long t0 = System.nanoTime();
    try (BufferedWriter w = Files.newBufferedWriter(csv)) {
      w.write("key,labels\n");
      StringBuilder sb = new StringBuilder();
      for (long i = 0; i < rows; i++) {
        sb.setLength(0);
        sb.append(key(i)).append(',');
        int n = 1 + (int) (i % 5);
        for (int k = 0; k < n; k++) {
          sb.append(k == 0 ? "" : " ").append('l').append(r.nextInt(11_000));
        }
        w.write(sb.append('\n').toString());
      }
    }
    System.out.printf(
        Locale.ROOT,
        "wrote %,d lines (%.0f MB) in %.1f s%n",
        rows,
        Files.size(csv) / 1e6,
        (System.nanoTime() - t0) / 1e9);
    Runtime rt = Runtime.getRuntime();
    System.gc();
    long h0 = rt.totalMemory() - rt.freeMemory();
    Path map = dir.resolve(".labels.cmap");
    long t1 = System.nanoTime();
    try (LabelFile f = LabelFile.load(csv, map, System.err::println)) {
      double load = (System.nanoTime() - t1) / 1e9;
      System.gc();
      long h1 = rt.totalMemory() - rt.freeMemory();
      long t2 = System.nanoTime();
      int lookups = 1_000_000;
      long hits = 0;
      for (int i = 0; i < lookups; i++) {
        if (f.labels(key((i * 7_919L) % rows), List.of()) != null) {
          hits++;
        }
      }
      double look = (System.nanoTime() - t2) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "loaded %,d keys, %,d labels in %.1f s (%,.0f lines/s); heap %+.0f MB after load "
              + "(max heap %.0f MB); map file %.0f MB; %,d lookups in %.2f s (%,.0f/s, %,d hits)%n",
          f.entries(),
          f.vocabulary().size(),
          load,
          f.entries() / load,
          (h1 - h0) / 1e6,
          rt.maxMemory() / 1e6,
          Files.size(map) / 1e6,
          lookups,
          look,
          lookups / look,
          hits);
    }
    Files.deleteIfExists(csv);
  }
}
