package io.jcolz.pack;

import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.image.ResizeMode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link Packer} does: input folder, output dataset, label source, size, resize, storage mode,
 * threads, chunking and level, and how the work is cut into parts. Immutable and thread-safe; build
 * with {@link #builder} (or {@link #of} for the defaults) and change with {@link #toBuilder}.
 *
 * @param labels a label file, or null
 * @param labelsFromDirs labels are the folders on each image's path
 * @param chunkRows rows per image chunk, 0 = about 4 MiB of decompressed pixels / bytes per chunk
 * @param minSide images whose shorter side is below this are skipped as too small
 * @param vocabularyFrom a dataset whose label vocabulary (names and order) to use instead of the
 *     sorted names of this pack's label source, so that a validation set packed separately shares
 *     the training set's label indices; null = none
 * @param partRows images of the sorted input listing per part (the unit of resume, append and
 *     sharding)
 * @param shardIndex with {@code shardCount > 1}: pack only the parts whose index ≡ shardIndex (mod
 *     shardCount) and leave the collection uncommitted (see {@link Packer#finish})
 * @param shardCount the number of shards, 1 = pack everything and commit
 * @param restart discard an unfinished pack (or append) at {@code out}, its plan and parts, and
 *     start over
 * @param append add the input's images as new parts of the existing collection at {@code out}
 * @param codec how each column's chunk codec is chosen (Zstd at {@code level}, none, or measured)
 * @param labelsFormat how the label file is read ({@link LabelFormat#AUTO}: by its name and first
 *     line)
 * @param unlisted what a label an image's labels do not list means: a negative (the default, every
 *     dataset before format version 3) or unknown (recorded in the dataset's metadata {@code
 *     unlisted}; FORMAT.md §10.1)
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
    Path vocabularyFrom,
    int partRows,
    int shardIndex,
    int shardCount,
    boolean restart,
    boolean append,
    CodecChoice codec,
    LabelFormat labelsFormat,
    PartialLabels.Unlisted unlisted) {

  /** Smart mode keeps an image raw while zstd(pixels) ≤ this × its JPEG size. */
  public static final int SMART_RAW_FACTOR = 2;

  /**
   * Default images per part: 20,000, which is 3 GB of raw pixels at 224 px (a few hundred MB as
   * JPEG); 12 million images make 600 parts.
   */
  public static final int DEFAULT_PART_ROWS = 20_000;

  /**
   * Most images per part: 10 million (1.5 TB raw at 224 px); a part is the unit a crash loses and a
   * shard packs, and its key index is sized by its rows.
   */
  public static final int MAX_PART_ROWS = 10_000_000;

  /** Largest {@code --min-side}: a 100-megapixel image's shorter side is at most 10,000. */
  public static final int MAX_MIN_SIDE = 1 << 16;

  /** Most rows per chunk, whatever the mode. */
  public static final int MAX_CHUNK_ROWS = 1 << 20;

  /** Most bytes of one raw image chunk ({@code --chunk-rows} × size² × 3): 256 MiB. */
  public static final long MAX_CHUNK_BYTES = 256L << 20;

  /** Validates every setting; messages name the CLI option. */
  public PackOptions {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(resize, "resize");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(labelsFormat, "labelsFormat");
    Objects.requireNonNull(unlisted, "unlisted");
    if (labelsFormat != LabelFormat.AUTO && labels == null) {
      throw new IllegalArgumentException("--labels-format needs --labels FILE");
    }
    if (unlisted == PartialLabels.Unlisted.UNKNOWN && labels == null && !labelsFromDirs) {
      throw new IllegalArgumentException(
          "--unlisted unknown needs labels (--labels FILE or --labels-from-dirs)");
    }
    if (labels != null && labelsFromDirs) {
      throw new IllegalArgumentException("--labels and --labels-from-dirs exclude each other");
    }
    if (size < 1 || size > 8192) {
      throw new IllegalArgumentException("--size must be in 1..8192, got " + size);
    }
    if (quality < 1 || quality > 100) {
      throw new IllegalArgumentException("--quality must be in 1..100, got " + quality);
    }
    String badThreads = io.jcolz.format.MachineLimits.checkThreads("--threads", threads);
    if (badThreads != null) {
      throw new IllegalArgumentException(badThreads);
    }
    if (chunkRows < 0) {
      throw new IllegalArgumentException("--chunk-rows must be positive, got " + chunkRows);
    }
    if (chunkRows > MAX_CHUNK_ROWS) {
      throw new IllegalArgumentException(
          "--chunk-rows must be at most " + MAX_CHUNK_ROWS + ", got " + chunkRows);
    }
    if (mode != PackedImages.Storage.JPEG && (long) chunkRows * size * size * 3 > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException(
          "--chunk-rows "
              + chunkRows
              + " makes image chunks of "
              + ((long) chunkRows * size * size * 3 >> 20)
              + " MiB at --size "
              + size
              + "; at most "
              + (MAX_CHUNK_BYTES >> 20)
              + " MiB (a chunk is built and read whole): at most "
              + MAX_CHUNK_BYTES / ((long) size * size * 3)
              + " rows");
    }
    if (partRows > MAX_PART_ROWS) {
      throw new IllegalArgumentException(
          "--part-rows must be at most " + MAX_PART_ROWS + ", got " + partRows);
    }
    if (level < -7 || level > 22) {
      throw new IllegalArgumentException("--level must be in -7..22, got " + level);
    }
    if (minSide < 1 || minSide > MAX_MIN_SIDE) {
      throw new IllegalArgumentException(
          "--min-side must be in 1.." + MAX_MIN_SIDE + ", got " + minSide);
    }
    if (partRows < 1) {
      throw new IllegalArgumentException("--part-rows must be at least 1, got " + partRows);
    }
    if (shardCount < 1 || shardIndex < 0 || shardIndex >= shardCount) {
      throw new IllegalArgumentException(
          "--shard must be i/n with 0 <= i < n, got " + shardIndex + "/" + shardCount);
    }
    if (append && (overwrite || shardCount > 1)) {
      throw new IllegalArgumentException("--append excludes --overwrite and --shard");
    }
  }

  /**
   * Defaults: 224, shorter side + centre crop, raw, quality 90, all cores, level 3, codec measured
   * ({@link CodecChoice#AUTO}), min side 2.
   */
  public static PackOptions of(Path input, Path out) {
    return builder(input, out).build();
  }

  /** A builder with the defaults of {@link #of}. */
  public static Builder builder(Path input, Path out) {
    return new Builder(input, out);
  }

  /** A builder holding these options. */
  public Builder toBuilder() {
    Builder b = new Builder(input, out);
    b.labels = labels;
    b.labelsFromDirs = labelsFromDirs;
    b.size = size;
    b.resize = resize;
    b.mode = mode;
    b.quality = quality;
    b.threads = threads;
    b.chunkRows = chunkRows;
    b.level = level;
    b.overwrite = overwrite;
    b.minSide = minSide;
    b.vocabularyFrom = vocabularyFrom;
    b.partRows = partRows;
    b.shardIndex = shardIndex;
    b.shardCount = shardCount;
    b.restart = restart;
    b.append = append;
    b.codec = codec;
    b.labelsFormat = labelsFormat;
    b.unlisted = unlisted;
    return b;
  }

  /** Whether this run packs only one shard of the parts (and does not commit). */
  public boolean sharded() {
    return shardCount > 1;
  }

  /** Builds {@link PackOptions}; not thread-safe. Setter names follow the record's components. */
  public static final class Builder {
    private Path input;
    private Path out;
    private Path labels;
    private boolean labelsFromDirs;
    private int size = 224;
    private ResizeMode resize = ResizeMode.SHORTER_SIDE_CENTER_CROP;
    private PackedImages.Storage mode = PackedImages.Storage.RAW;
    private int quality = 90;
    private int threads = Runtime.getRuntime().availableProcessors();
    private int chunkRows;
    private int level = ColumnSpec.DEFAULT_LEVEL;
    private boolean overwrite;
    private int minSide = 2;
    private Path vocabularyFrom;
    private int partRows = DEFAULT_PART_ROWS;
    private int shardIndex;
    private int shardCount = 1;
    private boolean restart;
    private boolean append;
    private CodecChoice codec = CodecChoice.AUTO;
    private LabelFormat labelsFormat = LabelFormat.AUTO;
    private PartialLabels.Unlisted unlisted = PartialLabels.Unlisted.NEGATIVE;

    private Builder(Path input, Path out) {
      this.input = input;
      this.out = out;
    }

    /** The input folder. */
    public Builder input(Path p) {
      input = p;
      return this;
    }

    /** The output dataset. */
    public Builder out(Path p) {
      out = p;
      return this;
    }

    /** A label file (clears labels-from-dirs), or null. */
    public Builder labels(Path file) {
      labels = file;
      if (file != null) {
        labelsFromDirs = false;
      }
      return this;
    }

    /** Labels from the folders on each image's path (clears a label file). */
    public Builder labelsFromDirs(boolean b) {
      labelsFromDirs = b;
      if (b) {
        labels = null;
      }
      return this;
    }

    /** Images become s × s pixels. */
    public Builder size(int s) {
      size = s;
      return this;
    }

    /** How images are fitted to the size. */
    public Builder resize(ResizeMode r) {
      resize = r;
      return this;
    }

    /** How images are stored. */
    public Builder mode(PackedImages.Storage m) {
      mode = m;
      return this;
    }

    /** JPEG quality. */
    public Builder quality(int q) {
      quality = q;
      return this;
    }

    /** Decoding threads. */
    public Builder threads(int t) {
      threads = t;
      return this;
    }

    /** Rows per image chunk, 0 = about 4 MiB. */
    public Builder chunkRows(int r) {
      chunkRows = r;
      return this;
    }

    /** Zstd level. */
    public Builder level(int l) {
      level = l;
      return this;
    }

    /** Replace an existing dataset at the output. */
    public Builder overwrite(boolean o) {
      overwrite = o;
      return this;
    }

    /** Minimum shorter side. */
    public Builder minSide(int m) {
      minSide = m;
      return this;
    }

    /** The dataset whose vocabulary to use, or null. */
    public Builder vocabularyFrom(Path dataset) {
      vocabularyFrom = dataset;
      return this;
    }

    /** Images per part. */
    public Builder partRows(int n) {
      partRows = n;
      return this;
    }

    /** Pack shard {@code index} of {@code count} only. */
    public Builder shard(int index, int count) {
      shardIndex = index;
      shardCount = count;
      return this;
    }

    /** Start over, discarding an unfinished pack. */
    public Builder restart(boolean r) {
      restart = r;
      return this;
    }

    /** Append to the existing collection at the output. */
    public Builder append(boolean a) {
      append = a;
      return this;
    }

    /** How each column's codec is chosen. */
    public Builder codec(CodecChoice c) {
      codec = c;
      return this;
    }

    /** How the label file is read. */
    public Builder labelsFormat(LabelFormat f) {
      labelsFormat = f;
      return this;
    }

    /** What a label an image's labels do not list means. */
    public Builder unlisted(PartialLabels.Unlisted u) {
      unlisted = u;
      return this;
    }

    /** The validated options. */
    public PackOptions build() {
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
          vocabularyFrom,
          partRows,
          shardIndex,
          shardCount,
          restart,
          append,
          codec,
          labelsFormat,
          unlisted);
    }
  }
}
