package io.jcolz.shapes;

import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
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
    write(dir, count, size, seed, 0, gen::sample);
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
    write(dir, count, size, seed, chunkRows, gen::sample);
  }

  /**
   * Writes {@code source(i)} for {@code i} in {@code [0, count)}; the seam for tests. If anything
   * throws before the commit, the writer is aborted and nothing appears at {@code dir}.
   */
  static void write(
      Path dir, int count, int size, long seed, IntFunction<ShapesGenerator.Sample> source)
      throws IOException {
    write(dir, count, size, seed, 0, source);
  }

  private static void write(
      Path dir,
      int count,
      int size,
      long seed,
      int chunkRows,
      IntFunction<ShapesGenerator.Sample> source)
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
            chunkRows > 0 ? chunkRows : Math.max(16, Math.min(1024, (1 << 20) / rowBytes)));
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
          w.append(
              row.clear()
                  .setString(PackedImages.KEY, key(i))
                  .setTensor(PackedImages.IMAGE, s.rgb())
                  .setSet(PackedImages.LABELS, s.labels()));
        }
      }
      w.labels(ShapesGenerator.labelNames());
      PackedImages.putMetadata(w, PackedImages.Storage.RAW, size, PackedImages.DEFAULT_RESIZE, 0);
      w.putMetadata("source", "shapes");
      w.putMetadata("seed", Long.toString(seed));
    } catch (IOException | RuntimeException | Error e) {
      w.abort();
      throw e;
    }
    w.close();
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
