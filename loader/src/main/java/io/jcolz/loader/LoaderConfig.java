package io.jcolz.loader;

import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.store.ReadMode;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.augment.Augmentation;
import io.jcolz.loader.batch.BatchSpec;
import io.jcolz.loader.batch.ImageSampleWriter;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.SampleWriter;
import io.jcolz.loader.batch.TargetMode;
import io.jcolz.loader.cache.ChunkCache;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.order.RunPlan;
import io.jcolz.loader.order.Shard;
import io.jcolz.loader.read.ReadAhead;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * A validated, resolved loader configuration: what {@link Loader.Builder#config()} makes of the
 * builder's settings and the dataset's schema, before anything is allocated or started. Its {@link
 * #memoryBound()} is the off-heap bound of the loader that {@link #start()} starts; read it first
 * to decide whether to start at all. One configuration may start any number of loaders, one after
 * the other or at once (each its own threads and memory).
 *
 * <p><b>Work lookahead.</b> Workers plan, decode and assemble the run batches from the earliest one
 * not yet handed to its device queue up to {@link #lookahead()} batches ahead; at most {@link
 * #workers()} of those hold a batch buffer at once (being assembled, or finished and waiting for
 * their queue's window). Chunk decodes for batches further ahead run while earlier batches are
 * assembled.
 *
 * <p><b>Reads ahead.</b> The chunk decodes the lookahead queues are read ahead, in the order the
 * workers will take them, by {@link ReadAhead}'s I/O threads, holding at most {@link #readAhead()}
 * chunks at once (default {@link ReadAhead#PER_WORKER} per worker: one being decoded and two read
 * ahead each); in pread and direct modes into that many pooled off-heap buffers, which {@link
 * #memoryBound()} counts.
 *
 * <p><b>Default chunk caches</b> (when {@link Loader.Builder#cacheChunks} is not set), in slots of
 * the column's largest decompressed chunk, with {@code r} the column's mean rows per chunk, {@code
 * W} the quasi-random window in chunks and {@code A} the lookahead:
 *
 * <ul>
 *   <li>the image column the order keeps local (the larger one in smart mode): QUASI_RANDOM {@code
 *       ⌈max(A·B, W·r + B) / r⌉ + 3W + 1} — every chunk of the windows the lookahead spans, with a
 *       partial window at each end and one across an epoch boundary, so that a chunk is decoded
 *       once per epoch however many workers share it; SEQUENTIAL {@code ⌈A·B / r⌉ + A + 1}; RANDOM
 *       {@code workers + 1 + 2(⌈B / r⌉ + 1)} (a random order reuses little whatever the size);
 *   <li>every other column (labels, confidences, negatives, keys, the other image column): all its
 *       chunks when they take no more memory than the first cache (or 64 MiB) — a label chunk
 *       serves rows of many windows over the epoch, so only a whole-column cache decodes it once —
 *       else as many slots as the first cache's chunks can touch;
 *   <li>each at least {@code workers + 1} and at most the column's chunk count, and at most {@link
 *       Loader.Builder#cacheAtMost} when set.
 * </ul>
 *
 * <p>Immutable and thread-safe (the dataset must stay open while a started loader runs).
 */
public final class LoaderConfig {
  private static final long SMALL_COLUMN_BYTES = 64L << 20;

  /** What a cached column is read for. */
  enum Role {
    /** Stored uint8 pixels. */
    RAW,
    /** Encoded images (JPEG, PNG). */
    ENCODED,
    /** Label sets, as plain labels. */
    LABELS,
    /** Label sets, as the positives of targets (partial labels). */
    POSITIVES,
    /** A confidence per positive (partial labels). */
    CONFIDENCES,
    /** Verified negatives (partial labels). */
    NEGATIVES,
    /** Sample keys. */
    KEYS
  }

  /**
   * One cached column: its chunk cache's size, and the phase of a batch in which it is read (1 for
   * the raw column of a smart-mode dataset, read only for the rows its encoded column leaves empty;
   * 0 otherwise).
   */
  record Cached(Column column, Role role, int slots, int phase) {}

  /**
   * The size of one column's chunk cache. Immutable and thread-safe.
   *
   * @param column the column's name
   * @param slots decoded chunks held at most
   * @param boundBytes off-heap bytes at most (slots × the largest decompressed chunk)
   */
  public record CacheSize(String column, int slots, long boundBytes) {}

  private final Dataset dataset;
  private final int batchSize;
  private final int devices;
  private final int workers;
  private final int prefetch;
  private final Order order;
  private final long seed;
  private final Shard shard;
  private final RunPlan plan;
  private final BatchSpec spec;
  private final Augment augment;
  private final int window;
  private final boolean keys;
  private final io.jcolz.format.store.ReadMode readMode;
  private final io.jcolz.loader.read.ReadModeChoice readModeChoice;
  private final Column localityColumn;
  private final Column keyColumn;
  private final List<Cached> cached;
  private final int lookahead;
  private final int readAhead;
  private final long readBufferBytes;
  private final long readBufferAlignment;
  private final Supplier<SampleWriter> writers;
  private final MemoryBudget budget;
  private final java.time.Duration stallTimeout;

  /** Resolves and validates {@code b}'s settings against its dataset. */
  LoaderConfig(Loader.Builder b) {
    this.dataset = b.dataset;
    checkOpen(dataset);
    this.stallTimeout = b.stallTimeout;
    this.batchSize = b.batchSize;
    this.devices = b.devices;
    this.workers = b.workers;
    this.prefetch = b.prefetch;
    this.order = b.order;
    this.seed = b.seed;
    this.augment = b.augment;
    this.keys = b.keys;
    PackedImages packed = PackedImages.of(dataset);
    Column image = imageColumn(b, packed);
    Column jpeg = encodedColumn(b, packed);
    if (image == null && jpeg == null) {
      throw new IllegalArgumentException(
          "dataset "
              + dataset.path()
              + " has no image column to read (looked for '"
              + PackedImages.IMAGE
              + "' uint8_tensor and '"
              + PackedImages.JPEG
              + "' bytes; columns: "
              + dataset.schema().columns()
              + ")");
    }
    ImageShape shape = imageShape(b, image, jpeg != null, packed);
    Column labels = labelColumn(b);
    LabelMode lm =
        b.labelMode != null ? b.labelMode : labels == null ? LabelMode.NONE : LabelMode.MULTI_HOT;
    if (lm != LabelMode.NONE && labels == null) {
      throw new IllegalArgumentException(
          "labels " + lm + " requested, but dataset " + dataset.path() + " has no label column");
    }
    int l = labels == null ? 0 : labels.spec().cardinality();
    int perSample = b.maxLabelsPerSample > 0 ? b.maxLabelsPerSample : Math.max(1, Math.min(l, 128));
    PartialLabels partial = dataset.partialLabels();
    boolean schemaLabels =
        labels != null && labels.name().equals(partial.labelColumn().orElse(null));
    boolean targets =
        lm != LabelMode.NONE && (b.targets != null ? b.targets : schemaLabels && partial.partial());
    if (Boolean.TRUE.equals(b.targets) && lm == LabelMode.NONE) {
      throw new IllegalArgumentException("targets(true) needs labels, not " + lm);
    }
    if (targets && !schemaLabels) {
      throw new IllegalArgumentException(
          "targets need the schema's label column, not '" + labels.name() + "'");
    }
    TargetMode tm =
        !targets
            ? TargetMode.PLAIN
            : partial.unlisted() == PartialLabels.Unlisted.UNKNOWN
                ? TargetMode.UNLISTED_UNKNOWN
                : TargetMode.UNLISTED_NEGATIVE;
    Column confidences =
        targets && partial.hasConfidence() ? dataset.column(PartialLabels.CONFIDENCE) : null;
    Column negatives =
        targets && partial.hasNegatives() ? dataset.column(PartialLabels.NEGATIVES) : null;
    this.spec =
        new BatchSpec(
            batchSize,
            shape.channels,
            shape.height,
            shape.width,
            b.layout,
            lm,
            l,
            (int) Math.min(Integer.MAX_VALUE, (long) perSample * batchSize),
            tm);
    this.keyColumn = dataset.schema().keyColumn().map(dataset::column).orElse(null);
    if (keys && keyColumn == null) {
      throw new IllegalArgumentException(
          "keys(true), but dataset " + dataset.path() + " has no key column");
    }
    this.localityColumn =
        image != null && jpeg != null
            ? (image.compressedBytes() >= jpeg.compressedBytes() ? image : jpeg)
            : image != null ? image : jpeg;
    double rpc = rowsPerChunk(localityColumn);
    int w = b.window > 0 ? b.window : Math.max(8, (int) Math.ceil(2 * batchSize / rpc));
    if (b.window == 0 && b.cacheAtMost > 0) {
      w = Math.max(2, Math.min(w, b.cacheAtMost / 2));
    }
    this.window = w;
    this.shard = new Shard(dataset.rowCount(), b.rank, b.world, batchSize, b.dropLast);
    if (shard.batches() == 0) {
      throw new IllegalArgumentException(
          "an epoch of "
              + dataset.rowCount()
              + " rows gives no batch of "
              + batchSize
              + " on rank "
              + b.rank
              + " of "
              + b.world
              + (b.dropLast ? " with drop-last" : ""));
    }
    this.plan = new RunPlan(b.epoch, b.startBatch, b.epochs, shard.batches());
    int extra = order == Order.QUASI_RANDOM ? (int) Math.ceil(window * rpc / batchSize) + 1 : 1;
    this.lookahead = workers + extra;
    this.cached =
        Collections.unmodifiableList(
            caches(
                b,
                image,
                jpeg,
                lm == LabelMode.NONE ? null : labels,
                confidences,
                negatives,
                keys ? keyColumn : null));
    long cacheBytes = 0;
    for (Cached c : cached) {
      cacheBytes += ChunkCache.boundBytes(c.column(), c.slots());
    }
    this.readAhead = b.readAhead >= 0 ? b.readAhead : ReadAhead.defaultDepth(workers);
    List<Column> read = cached.stream().map(Cached::column).toList();
    long limit = io.jcolz.format.MachineLimits.offHeapLimit();
    var choice = io.jcolz.loader.read.ReadModeChoice.of(b.readMode, read);
    ReadMode chosen = choice.mode();
    long bufferBytes = readBuffers(chosen, () -> ReadAhead.bufferBytes(read, chosen));
    MemoryBudget need = budget(cacheBytes, bufferBytes);
    if (b.readMode == null && choice.mode() != ReadMode.MAP && need.totalBytes() > limit) {
      // the automatic choice does not refuse to start where mapped reads fit
      choice = choice.mappedInstead("direct-read buffers would pass the off-heap limit");
      bufferBytes = 0;
      need = budget(cacheBytes, 0);
    }
    this.readModeChoice = choice;
    this.readMode = choice.mode();
    this.readBufferBytes = bufferBytes;
    this.readBufferAlignment = readBuffers(readMode, () -> ReadAhead.alignment(read, readMode));
    this.budget = need;
    if (budget.totalBytes() > limit || budget.totalBytes() < 0) {
      throw new IllegalArgumentException(
          String.format(
              java.util.Locale.ROOT,
              "batch size %d of %d×%d images with %d workers and prefetch %d needs up to %.1f GiB"
                  + " off-heap (%s), more than this machine allows (%.1f GiB, 3/4 of its memory):"
                  + " lower the batch size, workers, prefetch or read-ahead",
              batchSize,
              shape.height,
              shape.width,
              workers,
              prefetch,
              budget.totalBytes() / 1073741824.0,
              budget,
              limit / 1073741824.0));
    }
    Augmentation aug = augment.resolve(shape.width, shape.height);
    int sh = shape.storedHeight;
    int sw = shape.storedWidth;
    int sc = shape.channels;
    long sd = seed;
    var lay = b.layout;
    this.writers =
        b.writers != null ? b.writers : () -> new ImageSampleWriter(aug, sd, sh, sw, sc, lay);
  }

  /** The memory bound with read buffers of {@code bufferBytes} (0: none, the mapped modes). */
  private MemoryBudget budget(long cacheBytes, long bufferBytes) {
    return new MemoryBudget(
        spec.bytes(),
        devices * (prefetch + 1) + workers,
        cacheBytes,
        bufferBytes > 0 ? readAhead + workers : 0,
        bufferBytes);
  }

  /**
   * A figure of {@code mode}'s read buffers ({@link ReadAhead#bufferBytes}, {@link
   * ReadAhead#alignment}); a file system that cannot say its block size is a clear error.
   */
  private long readBuffers(ReadMode mode, java.util.function.LongSupplier figure) {
    try {
      return figure.getAsLong();
    } catch (java.io.UncheckedIOException e) {
      throw new IllegalArgumentException(
          mode.label() + " reads of " + dataset.path() + ": " + e.getCause().getMessage(), e);
    }
  }

  private record ImageShape(
      int channels, int height, int width, int storedHeight, int storedWidth) {}

  private Column imageColumn(Loader.Builder b, PackedImages packed) {
    String name = b.imageColumn;
    if (name == null && !b.noImageColumn) {
      name = packed.imageColumn().orElse(null);
    }
    return name == null ? null : column(name, ColumnType.UINT8_TENSOR, "image");
  }

  private Column encodedColumn(Loader.Builder b, PackedImages packed) {
    String name = b.jpegColumn;
    if (name == null && !b.noJpegColumn) {
      name = packed.jpegColumn().orElse(null);
    }
    return name == null ? null : column(name, ColumnType.BYTES, "encoded image");
  }

  private Column labelColumn(Loader.Builder b) {
    String name =
        b.labelColumn != null ? b.labelColumn : dataset.schema().labelColumn().orElse(null);
    return name == null ? null : column(name, ColumnType.INT32_SET, "label");
  }

  private Column column(String name, ColumnType type, String role) {
    ColumnSpec c = dataset.schema().column(name);
    if (c.type() != type) {
      throw new IllegalArgumentException(
          role + " column '" + name + "' is " + c.type().jsonName() + ", not " + type.jsonName());
    }
    return dataset.column(name);
  }

  /** Output size and channels from the augmentation, the raw column's shape or metadata. */
  private ImageShape imageShape(
      Loader.Builder b, Column image, boolean encoded, PackedImages packed) {
    Augment augment = b.augment;
    int c = 3;
    int h = b.height;
    int w = b.width;
    int storedH = 0;
    int storedW = 0;
    if (augment.custom() != null) {
      if ((h != 0 && h != augment.custom().height()) || (w != 0 && w != augment.custom().width())) {
        throw new IllegalArgumentException(
            "image size "
                + h
                + "×"
                + w
                + " differs from the augmentation's "
                + augment.custom().height()
                + "×"
                + augment.custom().width());
      }
      h = augment.custom().height();
      w = augment.custom().width();
    }
    if (image != null) {
      int[] shape = image.spec().shape();
      if (shape.length != 3) {
        throw new IllegalArgumentException(
            "image column '"
                + image.name()
                + "' has shape "
                + Arrays.toString(shape)
                + "; the loader reads H×W×C tensors");
      }
      storedH = shape[0];
      storedW = shape[1];
      c = shape[2];
      if (h == 0) {
        h = storedH;
        w = storedW;
      }
      boolean crops =
          augment.randomResizedCrop()
              || (augment.custom() != null && augment.custom().randomResizedCrop());
      if (c != 3 && (h != storedH || w != storedW || crops)) {
        throw new IllegalArgumentException(
            "image column '"
                + image.name()
                + "' has "
                + c
                + " channels: crops and resizes need RGB");
      }
      if (c != 3 && encoded) {
        throw new IllegalArgumentException(
            "image column '" + image.name() + "' has " + c + " channels, decoded images 3");
      }
    } else if (h == 0) {
      h =
          w =
              packed
                  .size()
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              "encoded images need an output size: set imageSize(h, w) or "
                                  + "dataset metadata '"
                                  + PackedImages.SIZE
                                  + "'"));
    }
    return new ImageShape(c, h, w, storedH, storedW);
  }

  private static double rowsPerChunk(Column col) {
    return Math.max(1.0, (double) col.rowCount() / Math.max(1, col.chunkCount()));
  }

  /**
   * The caches in the order image, encoded image, labels, confidences, negatives, keys; the
   * locality column's first.
   */
  private List<Cached> caches(
      Loader.Builder b,
      Column image,
      Column jpeg,
      Column labels,
      Column confidences,
      Column negatives,
      Column keyCol) {
    int localitySlots = slots(b, localityColumn, localityDefault());
    long localityBytes = ChunkCache.boundBytes(localityColumn, localitySlots);
    List<Cached> out = new ArrayList<>();
    boolean smart = image != null && jpeg != null;
    if (image != null) {
      int s =
          image == localityColumn ? localitySlots : slots(b, image, other(image, localityBytes));
      out.add(new Cached(image, Role.RAW, s, smart ? 1 : 0));
    }
    if (jpeg != null) {
      int s = jpeg == localityColumn ? localitySlots : slots(b, jpeg, other(jpeg, localityBytes));
      out.add(new Cached(jpeg, Role.ENCODED, s, 0));
    }
    if (labels != null) {
      Role r = spec.targets().partial() ? Role.POSITIVES : Role.LABELS;
      out.add(new Cached(labels, r, slots(b, labels, other(labels, localityBytes)), 0));
    }
    for (Column c : new Column[] {confidences, negatives}) {
      if (c != null) {
        Role r = c == confidences ? Role.CONFIDENCES : Role.NEGATIVES;
        out.add(new Cached(c, r, slots(b, c, other(c, localityBytes)), 0));
      }
    }
    if (keyCol != null) {
      out.add(new Cached(keyCol, Role.KEYS, slots(b, keyCol, other(keyCol, localityBytes)), 0));
    }
    return out;
  }

  private long localityDefault() {
    double r = rowsPerChunk(localityColumn);
    long a = lookahead;
    long b = batchSize;
    return switch (order) {
      case QUASI_RANDOM -> (long) Math.ceil(Math.max(a * b, window * r + b) / r) + 3L * window + 1;
      case SEQUENTIAL -> (long) Math.ceil(a * b / r) + a + 1;
      case RANDOM -> workers + 1 + 2 * ((long) Math.ceil(b / r) + 1);
    };
  }

  /** Default slots of a column other than the locality column. */
  private long other(Column col, long localityBytes) {
    long whole = col.chunkCount();
    if (ChunkCache.boundBytes(col, (int) Math.min(Integer.MAX_VALUE, whole))
        <= Math.max(localityBytes, SMALL_COLUMN_BYTES)) {
      return whole;
    }
    double ratio = rowsPerChunk(localityColumn) / rowsPerChunk(col);
    long localitySlots = localityBytes / Math.max(1, localityColumn.maxDecompressedLength());
    return localitySlots * ((long) Math.ceil(ratio) + 1);
  }

  private int slots(Loader.Builder b, Column col, long byDefault) {
    int least = workers + 1;
    if (b.cacheChunks > 0) {
      return Math.max(b.cacheChunks, least);
    }
    long s = byDefault;
    if (b.cacheAtMost > 0) {
      s = Math.min(s, b.cacheAtMost);
    }
    return (int) Math.min(Math.max(s, least), Math.max(least, col.chunkCount()));
  }

  // ---- what it resolved to ----

  /** How long a device's take waits before it looks for full, unread sibling queues. */
  public java.time.Duration stallTimeout() {
    return stallTimeout;
  }

  /** The dataset read. */
  public Dataset dataset() {
    return dataset;
  }

  /** Samples per batch. */
  public int batchSize() {
    return batchSize;
  }

  /** Number of device queues. */
  public int devices() {
    return devices;
  }

  /** Worker threads. */
  public int workers() {
    return workers;
  }

  /** Batches each device may have ready beyond the one its consumer holds. */
  public int prefetch() {
    return prefetch;
  }

  /** The sample order. */
  public Order order() {
    return order;
  }

  /** The shuffle seed. */
  public long seed() {
    return seed;
  }

  /** The augmentation. */
  public Augment augment() {
    return augment;
  }

  /** This rank's part of each epoch. */
  public Shard shard() {
    return shard;
  }

  /** The run: start (epoch, batch), epochs, batches per epoch. */
  public RunPlan plan() {
    return plan;
  }

  /** The shape of every batch. */
  public BatchSpec batchSpec() {
    return spec;
  }

  /** The QUASI_RANDOM window, in chunks of the locality column. */
  public int window() {
    return window;
  }

  /** Whether workers fill sample keys. */
  public boolean keys() {
    return keys;
  }

  /**
   * How workers read compressed chunks: the mode asked for ({@link Loader.Builder#readMode}) or the
   * one chosen automatically.
   *
   * @return the read mode
   */
  public io.jcolz.format.store.ReadMode readMode() {
    return readMode;
  }

  /**
   * The read mode with why it was chosen, and whether the columns read are out of core.
   *
   * @return the choice
   */
  public io.jcolz.loader.read.ReadModeChoice readModeChoice() {
    return readModeChoice;
  }

  /**
   * Run batches that are planned and decoded ahead of the earliest one not yet queued: workers,
   * plus the batches one quasi-random window spans plus one (plus one in the other orders), so that
   * the next window's decodes are under way while the last batch of a window is assembled.
   */
  public int lookahead() {
    return lookahead;
  }

  /**
   * Chunks read ahead of their decode at most ({@link Loader.Builder#readAhead}; 0 = off): being
   * read, read and waiting, or being decoded. Default {@link ReadAhead#PER_WORKER} per worker.
   */
  public int readAhead() {
    return readAhead;
  }

  /** Bytes of one read buffer (0 for the mapped read modes); see {@link MemoryBudget}. */
  long readBufferBytes() {
    return readBufferBytes;
  }

  /** Alignment of the read buffers. */
  long readBufferAlignment() {
    return readBufferAlignment;
  }

  /** The chunk caches the loader will have, image column first. */
  public List<CacheSize> cacheSizes() {
    List<CacheSize> out = new ArrayList<>();
    for (Cached c : cached) {
      out.add(
          new CacheSize(
              c.column().name(), c.slots(), ChunkCache.boundBytes(c.column(), c.slots())));
    }
    return Collections.unmodifiableList(out);
  }

  /** The off-heap bound of a loader started from this configuration; nothing is allocated yet. */
  public MemoryBudget memoryBound() {
    return budget;
  }

  /**
   * Allocates the loader's queues and starts its workers.
   *
   * @return the running loader; close it
   */
  public Loader start() {
    return Loader.start(this);
  }

  // ---- for the loader (package-private) ----

  /** Throws a clear IllegalStateException if {@code dataset} is closed. */
  static void checkOpen(Dataset dataset) {
    try {
      dataset.newDecoder().close();
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "cannot start a loader: " + e.getMessage() + " (keep it open until the loader is closed)",
          e);
    }
  }

  /** The column whose chunks the order keeps local. */
  Column localityColumn() {
    return localityColumn;
  }

  /** The key column, or null (for keys read on demand). */
  Column keyColumn() {
    return keyColumn;
  }

  List<Cached> cached() {
    return cached;
  }

  /** A new sample writer, one per worker. */
  SampleWriter newWriter() {
    return writers.get();
  }

  @Override
  public String toString() {
    return "LoaderConfig["
        + dataset.path()
        + ", "
        + order
        + ", batch "
        + batchSize
        + ", "
        + devices
        + " devices, "
        + workers
        + " workers, lookahead "
        + lookahead
        + ", read ahead "
        + readAhead
        + ", "
        + budget
        + "]";
  }
}
