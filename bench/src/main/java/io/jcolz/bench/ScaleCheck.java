package io.jcolz.bench;

import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Builds a dataset with the row count and label vocabulary of the seed user (12 M rows × 11,000
 * labels) and measures what grows with it: chunk index bytes, label column bytes, key index bytes,
 * open time, and key lookup time. The image column stores one byte per row but is chunked like a
 * 224 px image column (32 rows per chunk), so its chunk index has the real size.
 *
 * <p>With PARTS > 1 it writes a collection (format version 2) of PARTS parts instead, keys sorted
 * by class as a pack of a sorted folder tree makes them (so each part holds a key range), and also
 * reports the mappings and file descriptors the open collection holds.
 *
 * <p>How to run: {@code java -jar bench/target/jcolz-bench.jar scale-check DIR [ROWS [PARTS]]} (DIR
 * must not exist; needs ~2 GB of disk and ~1 GB of heap). Not thread-safe; a command-line tool.
 */
public final class ScaleCheck {
  private ScaleCheck() {}

  /** Key of row i, shaped like an ImageNet-21k path (~40 bytes). */
  static String key(long i) {
    long cls = i % 21_841;
    return String.format(
        Locale.ROOT, "train/n%08d/n%08d_%d.JPEG", 1_000_000 + cls, 1_000_000 + cls, i);
  }

  /** Key of row i of {@code rows}, classes in row order (as a sorted walk of a tree gives). */
  static String sortedKey(long i, long rows) {
    long cls = i * 21_841 / rows;
    return String.format(
        Locale.ROOT, "train/n%08d/n%08d_%d.JPEG", 1_000_000 + cls, 1_000_000 + cls, i);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long rows = args.length > 1 ? Long.parseLong(args[1]) : 12_000_000L;
    int parts = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    if (parts > 1) {
      collection(dir, rows, parts);
      return;
    }
    int labels = LABELS;
    Schema schema = schema();
    List<String> vocab = vocabulary();
    long t0 = System.nanoTime();
    try (DatasetWriter w =
        DatasetWriter.create(
            dir,
            schema,
            DatasetWriter.Options.defaults().withExpectedRows(rows).withAverageKeyBytes(40))) {
      Row row = w.newRow();
      byte[] px = new byte[1];
      for (long i = 0; i < rows; i++) {
        w.append(
            row.setString(PackedImages.KEY, key(i))
                .setTensor(PackedImages.IMAGE, px)
                .setSet(PackedImages.LABELS, SyntheticImages.labels(i, labels)));
      }
      w.labels(vocab);
    }
    double writeS = (System.nanoTime() - t0) / 1e9;
    System.gc();
    long t1 = System.nanoTime();
    try (Dataset ds = Dataset.open(dir)) {
      double openMs = (System.nanoTime() - t1) / 1e6;
      long t2 = System.nanoTime();
      long first = ds.rowOf(key(rows / 2)).orElseThrow();
      double firstLookupMs = (System.nanoTime() - t2) / 1e6;
      SplittableRandom r = new SplittableRandom(1);
      int n = 100_000;
      long t3 = System.nanoTime();
      long sum = 0;
      for (int i = 0; i < n; i++) {
        sum += ds.rowOf(key(r.nextLong(rows))).orElseThrow();
      }
      double lookupUs = (System.nanoTime() - t3) / 1e3 / n;
      long t4 = System.nanoTime();
      try (Dataset again = Dataset.open(dir)) {
        again.rowCount();
      }
      double reopenMs = (System.nanoTime() - t4) / 1e6;
      Column img = ds.column(PackedImages.IMAGE);
      Column lab = ds.column(PackedImages.LABELS);
      Column keys = ds.column(PackedImages.KEY);
      System.out.printf(
          Locale.ROOT,
          "rows %d, labels %d, write %.1f s (%s)%n",
          rows,
          labels,
          writeS,
          first == rows / 2 ? "ok" : "BAD");
      System.out.printf(
          Locale.ROOT, "manifest.jcm            %,d B%n", Files.size(dir.resolve("manifest.jcm")));
      System.out.printf(
          Locale.ROOT,
          "image chunk index       %,d chunks × 32 B = %,d B%n",
          img.chunkCount(),
          img.chunkCount() * 32L);
      System.out.printf(
          Locale.ROOT,
          "labels column           %,d B on disk (%,d chunks, %,d B decompressed)%n",
          lab.fileBytes(),
          lab.chunkCount(),
          lab.uncompressedBytes());
      System.out.printf(
          Locale.ROOT,
          "key column              %,d B on disk (%,d chunks, %,d B decompressed)%n",
          keys.fileBytes(),
          keys.chunkCount(),
          keys.uncompressedBytes());
      System.out.printf(
          Locale.ROOT, "keys.cmap               %,d B%n", ds.manifest().keyIndex().fileBytes());
      System.out.printf(
          Locale.ROOT, "open                    %.1f ms (again: %.1f ms)%n", openMs, reopenMs);
      System.out.printf(
          Locale.ROOT,
          "first key lookup        %.0f ms (size + CRC32C check of keys.cmap, map open)%n",
          firstLookupMs);
      System.out.printf(
          Locale.ROOT,
          "key lookup              %.1f µs each (map + confirming key column read) [%d]%n",
          lookupUs,
          sum % 7);
    }
  }

  private static final int LABELS = 11_000;

  /** Key, a 1-byte image and a label set over {@link #LABELS} labels: the shape of a pack. */
  private static Schema schema() {
    return Schema.builder()
        .column(ColumnSpec.string(PackedImages.KEY))
        .keyColumn(PackedImages.KEY)
        .column(ColumnSpec.uint8Tensor(PackedImages.IMAGE, 1).withChunkRows(32))
        .column(ColumnSpec.int32Set(PackedImages.LABELS, LABELS))
        .labelColumn(PackedImages.LABELS)
        .build();
  }

  private static List<String> vocabulary() {
    List<String> vocab = new ArrayList<>();
    for (int i = 0; i < LABELS; i++) {
      vocab.add("label_" + i);
    }
    return vocab;
  }

  private static void collection(Path dir, long rows, int parts) throws Exception {
    int labels = LABELS;
    Schema schema = schema();
    List<String> vocab = vocabulary();
    long t0 = System.nanoTime();
    List<io.jcolz.format.store.CollectionManifest.PartEntry> entries = new ArrayList<>();
    long per = (rows + parts - 1) / parts;
    byte[] px = new byte[1];
    for (int p = 0; p < parts; p++) {
      String name = io.jcolz.format.store.DatasetLayout.partName(p);
      Path target = io.jcolz.format.store.DatasetLayout.part(dir, name);
      Files.createDirectories(target.getParent());
      long first = p * per;
      long n = Math.min(per, rows - first);
      try (DatasetWriter w =
          DatasetWriter.create(
              target,
              schema,
              DatasetWriter.Options.defaults().withExpectedRows(n).withAverageKeyBytes(40))) {
        Row row = w.newRow();
        for (long i = first; i < first + n; i++) {
          w.append(
              row.setString(PackedImages.KEY, sortedKey(i, rows))
                  .setTensor(PackedImages.IMAGE, px)
                  .setSet(PackedImages.LABELS, SyntheticImages.labels(i, labels)));
        }
        w.labels(vocab);
      }
      entries.add(io.jcolz.format.CollectionWriter.describePart(dir, name));
    }
    io.jcolz.format.CollectionWriter.commit(
        dir,
        java.util.UUID.randomUUID(),
        schema,
        vocab,
        java.util.Map.of(),
        entries,
        "scale-check");
    double writeS = (System.nanoTime() - t0) / 1e9;
    System.gc();
    long heap0 = usedHeap();
    int maps0 = mappings(dir);
    int fds0 = fds();
    long t1 = System.nanoTime();
    try (Dataset ds = Dataset.open(dir)) {
      double openMs = (System.nanoTime() - t1) / 1e6;
      System.gc();
      long heap1 = usedHeap();
      int maps1 = mappings(dir);
      int fds1 = fds();
      long t2 = System.nanoTime();
      long first = ds.rowOf(sortedKey(rows / 2, rows)).orElseThrow();
      double firstLookupMs = (System.nanoTime() - t2) / 1e6;
      SplittableRandom r = new SplittableRandom(1);
      int n = 20_000;
      long t3 = System.nanoTime();
      long sum = 0;
      for (int i = 0; i < n; i++) {
        sum += ds.rowOf(sortedKey(r.nextLong(rows), rows)).orElseThrow();
      }
      double lookupUs = (System.nanoTime() - t3) / 1e3 / n;
      int maps2 = mappings(dir);
      int fds2 = fds();
      long t4 = System.nanoTime();
      try (Dataset again = Dataset.open(dir)) {
        again.rowCount();
      }
      double reopenMs = (System.nanoTime() - t4) / 1e6;
      System.out.printf(
          Locale.ROOT,
          "rows %d in %d parts, labels %d, write %.1f s (%s)%n",
          rows,
          parts,
          labels,
          writeS,
          first == rows / 2 ? "ok" : "BAD");
      System.out.printf(
          Locale.ROOT,
          "collection.jcm          %,d B%n",
          Files.size(io.jcolz.format.store.DatasetLayout.collectionManifest(dir)));
      System.out.printf(
          Locale.ROOT, "open                    %.1f ms (again: %.1f ms)%n", openMs, reopenMs);
      System.out.printf(
          Locale.ROOT,
          "held when open          %,d B heap (%,d B per part), %d mappings, %d fds%n",
          heap1 - heap0,
          (heap1 - heap0) / parts,
          maps1 - maps0,
          fds1 - fds0);
      System.out.printf(
          Locale.ROOT,
          "after %d lookups        %d mappings, %d fds%n",
          n + 1,
          maps2 - maps0,
          fds2 - fds0);
      System.out.printf(
          Locale.ROOT,
          "first key lookup        %.0f ms; each further: %.1f µs [%d]%n",
          firstLookupMs,
          lookupUs,
          sum % 7);
    }
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  /** Lines of /proc/self/maps naming a file under {@code dir} (Linux). */
  private static int mappings(Path dir) throws java.io.IOException {
    String d = dir.toAbsolutePath().toString();
    try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
      return (int) lines.filter(l -> l.contains(d)).count();
    }
  }

  private static int fds() throws java.io.IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return (int) s.count();
    }
  }
}
