package io.jcolz.pack;

import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.loader.image.ResizeMode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link Packer} does: input folder, output dataset, label source, size, resize, storage mode,
 * threads, chunking and level. Immutable and thread-safe; build with {@link #of} and the withers.
 *
 * @param labels a label file, or null
 * @param labelsFromDirs labels are the folders on each image's path
 * @param chunkRows rows per image chunk, 0 = about 4 MiB of decompressed pixels / bytes per chunk
 * @param minSide images whose shorter side is below this are skipped as too small
 * @param failAfterRows test hook: fail the pack (as a crash would) after this many rows, 0 = never
 * @param vocabularyFrom a dataset whose label vocabulary (names and order) to use instead of the
 *     sorted names of this pack's label source, so that a validation set packed separately shares
 *     the training set's label indices; null = none
 */
public record PackOptions(
    Path input,
    Path out,
    Path labels,
    boolean labelsFromDirs,
    int size,
    ResizeMode resize,
    PackedImages.Storage mode,
    int quality,
    int threads,
    int chunkRows,
    int level,
    boolean overwrite,
    int minSide,
    long failAfterRows,
    Path vocabularyFrom) {

  /** Smart mode keeps an image raw while zstd(pixels) ≤ this × its JPEG size. */
  public static final int SMART_RAW_FACTOR = 2;

  public PackOptions {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(resize, "resize");
    Objects.requireNonNull(mode, "mode");
    if (labels != null && labelsFromDirs) {
      throw new IllegalArgumentException("--labels and --labels-from-dirs exclude each other");
    }
    if (size < 1 || size > 8192) {
      throw new IllegalArgumentException("--size must be in 1..8192, got " + size);
    }
    if (quality < 1 || quality > 100) {
      throw new IllegalArgumentException("--quality must be in 1..100, got " + quality);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
    }
    if (chunkRows < 0) {
      throw new IllegalArgumentException("--chunk-rows must be positive, got " + chunkRows);
    }
    if (level < -7 || level > 22) {
      throw new IllegalArgumentException("--level must be in -7..22, got " + level);
    }
    if (minSide < 1) {
      throw new IllegalArgumentException("--min-side must be at least 1, got " + minSide);
    }
  }

  /** Defaults: 224, shorter side + centre crop, raw, quality 90, all cores, level 3, min side 2. */
  public static PackOptions of(Path input, Path out) {
    return new PackOptions(
        input,
        out,
        null,
        false,
        224,
        ResizeMode.SHORTER_SIDE_CENTER_CROP,
        PackedImages.Storage.RAW,
        90,
        Runtime.getRuntime().availableProcessors(),
        0,
        ColumnSpec.DEFAULT_LEVEL,
        false,
        2,
        0,
        null);
  }

  public PackOptions withLabels(Path file) {
    return new PackOptions(
        input,
        out,
        file,
        false,
        size,
        resize,
        mode,
        quality,
        threads,
        chunkRows,
        level,
        overwrite,
        minSide,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withLabelsFromDirs(boolean b) {
    return new PackOptions(
        input,
        out,
        b ? null : labels,
        b,
        size,
        resize,
        mode,
        quality,
        threads,
        chunkRows,
        level,
        overwrite,
        minSide,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withSize(int s) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        s,
        resize,
        mode,
        quality,
        threads,
        chunkRows,
        level,
        overwrite,
        minSide,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withResize(ResizeMode r) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        size,
        r,
        mode,
        quality,
        threads,
        chunkRows,
        level,
        overwrite,
        minSide,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withMode(PackedImages.Storage m) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        size,
        resize,
        m,
        quality,
        threads,
        chunkRows,
        level,
        overwrite,
        minSide,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withQuality(int q) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        size,
        resize,
        mode,
        q,
        threads,
        chunkRows,
        level,
        overwrite,
        minSide,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withThreads(int t) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        size,
        resize,
        mode,
        quality,
        t,
        chunkRows,
        level,
        overwrite,
        minSide,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withChunkRows(int r) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        size,
        resize,
        mode,
        quality,
        threads,
        r,
        level,
        overwrite,
        minSide,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withLevel(int l) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        size,
        resize,
        mode,
        quality,
        threads,
        chunkRows,
        l,
        overwrite,
        minSide,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withOverwrite(boolean o) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        size,
        resize,
        mode,
        quality,
        threads,
        chunkRows,
        level,
        o,
        minSide,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withMinSide(int m) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        size,
        resize,
        mode,
        quality,
        threads,
        chunkRows,
        level,
        overwrite,
        m,
        failAfterRows,
        vocabularyFrom);
  }

  public PackOptions withFailAfterRows(long n) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        size,
        resize,
        mode,
        quality,
        threads,
        chunkRows,
        level,
        overwrite,
        minSide,
        n,
        vocabularyFrom);
  }

  public PackOptions withVocabularyFrom(Path dataset) {
    return new PackOptions(
        input,
        out,
        labels,
        labelsFromDirs,
        size,
        resize,
        mode,
        quality,
        threads,
        chunkRows,
        level,
        overwrite,
        minSide,
        failAfterRows,
        dataset);
  }

  /**
   * The resize mode's name as written in metadata ({@code shorter-side+center-crop}, {@code
   * stretch}, {@code pad}).
   */
}
