package io.jcolz.shapes;

import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Writes {@link ShapesGenerator} samples straight into a raw-mode jcolz dataset, without image
 * files and without {@code jcolz pack}: the columns the loader looks for by default and {@code
 * jcolz pack --mode raw} writes — {@code key} (string, the key column: {@code shapes-NNNNNN}),
 * {@code image} (uint8 tensor {@code size × size × 3}, RGB) and {@code labels} (int32 set over the
 * 12 {@link ShapesGenerator#labelNames() label names}, the label column) — and metadata {@code
 * mode=raw}, {@code size}, {@code source=shapes}, {@code seed}.
 *
 * <p>{@link #writePartial} writes the same samples with partial labels (format version 3): each
 * true label a positive with a confidence, each other label a verified negative or unlisted, drawn
 * from the seed.
 *
 * <p>Rows are generated in parallel blocks and appended in index order, so a dataset is a pure
 * function of (size, seed, count). Use different seeds for training and held-out sets.
 *
 * <p>Thread-safety: stateless; each call writes its own dataset.
 */
public final class ShapesDatasetWriter {
  private static final int BLOCK = 256;

  private ShapesDatasetWriter() {}

  /**
   * Writes samples {@code [0, count)} of {@code new ShapesGenerator(size, seed)} to a new dataset.
   *
   * @param dir the dataset directory (must not exist)
   * @param count rows, at least 1
   * @param size image side in pixels, at least 16
   * @param seed generator seed
   * @throws IOException if the dataset cannot be written
   */
  public static void write(Path dir, int count, int size, long seed) throws IOException {
    ShapesGenerator gen = new ShapesGenerator(size, seed);
    write(dir, count, size, seed, 0, gen::sample, null);
  }

  /**
   * As {@link #write(Path, int, int, long)}, with {@code chunkRows} rows per chunk (0: the default,
   * about 1 MiB of pixels, 16 to 1024 rows): small chunks make the loader's quasi-random order
   * depend on its window.
   *
   * @throws IOException if the dataset cannot be written
   */
  public static void write(Path dir, int count, int size, long seed, int chunkRows)
      throws IOException {
    ShapesGenerator gen = new ShapesGenerator(size, seed);
    write(dir, count, size, seed, chunkRows, gen::sample, null);
  }

  /**
   * As {@link #write(Path, int, int, long)}, with partial labels (FORMAT.md §10.1): row {@code i}'s
   * true labels are its positives, each with a confidence in (0.5, 1] (the first 1), and each other
   * label is, with probability 1/2, a verified negative, else unlisted — a negative or unknown as
   * {@code unlisted} says (metadata {@code unlisted}). The draws are a function of (seed, i).
   *
   * @param unlisted what a label a row does not list means
   * @throws IOException if the dataset cannot be written
   */
  public static void writePartial(
      Path dir, int count, int size, long seed, PartialLabels.Unlisted unlisted)
      throws IOException {
    ShapesGenerator gen = new ShapesGenerator(size, seed);
    write(dir, count, size, seed, 0, gen::sample, unlisted);
  }

  /**
   * Writes {@code source(i)} for {@code i} in {@code [0, count)}; the seam for tests. If anything
   * throws before the commit, the writer is aborted and nothing appears at {@code dir}.
   */
  static void write(
      Path dir, int count, int size, long seed, IntFunction<ShapesGenerator.Sample> source)
      throws IOException {
    write(dir, count, size, seed, 0, source, null);
  }

  /** Writes the rows; {@code unlisted} null: plain labels, else partial ones. */
  private static void write(
      Path dir,
      int count,
      int size,
      long seed,
      int chunkRows,
      IntFunction<ShapesGenerator.Sample> source,
      PartialLabels.Unlisted unlisted)
      throws IOException {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, got " + count);
    }
    int rowBytes = size * size * 3;
    Schema schema =
        PackedImages.schema(
            PackedImages.Storage.RAW,
            size,
            ShapesGenerator.labelNames().size(),
            true,
            ColumnSpec.DEFAULT_LEVEL,
            chunkRows > 0 ? chunkRows : Math.max(16, Math.min(1024, (1 << 20) / rowBytes)),
            unlisted != null,
            unlisted != null);
    DatasetWriter.Options options =
        DatasetWriter.Options.defaults().withExpectedRows(count).withCreatedBy("jcolz shapes");
    // not try-with-resources: close() commits, which would publish a partial dataset when
    // generation or an append throws; abort instead and rethrow
    DatasetWriter w = DatasetWriter.create(dir, schema, options);
    try {
      Row row = w.newRow();
      for (int from = 0; from < count; from += BLOCK) {
        int to = Math.min(count, from + BLOCK);
        ShapesGenerator.Sample[] block = new ShapesGenerator.Sample[to - from];
        int base = from;
        IntStream.range(from, to).parallel().forEach(i -> block[i - base] = source.apply(i));
        for (int i = from; i < to; i++) {
          ShapesGenerator.Sample s = block[i - from];
          row.clear().setString(PackedImages.KEY, key(i)).setTensor(PackedImages.IMAGE, s.rgb());
          if (unlisted == null) {
            row.setSet(PackedImages.LABELS, s.labels());
          } else {
            partialLabels(row, s.labels(), seed, i);
          }
          w.append(row);
        }
      }
      w.labels(ShapesGenerator.labelNames());
      PackedImages.putMetadata(w, PackedImages.Storage.RAW, size, PackedImages.DEFAULT_RESIZE, 0);
      if (unlisted != null) {
        w.putMetadata(PartialLabels.UNLISTED, unlisted.id());
      }
      w.putMetadata("source", "shapes");
      w.putMetadata("seed", Long.toString(seed));
    } catch (IOException | RuntimeException | Error e) {
      w.abort();
      throw e;
    }
    w.close();
  }

  /** Row {@code i}'s partial labels: its true labels with confidences, half the others negative. */
  private static void partialLabels(Row row, int[] positives, long seed, int i) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
    int n = ShapesGenerator.labelNames().size();
    float[] confidences = new float[positives.length];
    for (int k = 0; k < positives.length; k++) {
      confidences[k] = k == 0 ? 1f : (float) (1 - 0.5 * r.nextDouble()); // (0.5, 1]
    }
    int[] negatives = new int[n];
    int m = 0;
    for (int l = 0; l < n; l++) {
      boolean positive = false;
      for (int p : positives) {
        positive |= p == l;
      }
      if (!positive && r.nextBoolean()) {
        negatives[m++] = l;
      }
    }
    row.setLabels(positives, confidences, Arrays.copyOf(negatives, m));
  }

  /**
   * The key of row {@code i}.
   *
   * @param i the row
   * @return {@code shapes-NNNNNN}
   */
  public static String key(long i) {
    return String.format(Locale.ROOT, "shapes-%06d", i);
  }
}
