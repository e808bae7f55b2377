package io.jcolz.loader;

import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.loader.batch.BatchBuffer;
import io.jcolz.loader.batch.BatchPool;
import io.jcolz.loader.batch.BatchSpec;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.ImageSampleWriter;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.SampleWriter;
import io.jcolz.loader.cache.ChunkCache;
import io.jcolz.loader.image.Augmentation;
import io.jcolz.loader.order.ChunkLayout;
import io.jcolz.loader.order.EpochOrder;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.order.RunPlan;
import io.jcolz.loader.order.SampleOrder;
import io.jcolz.loader.order.Shard;
import io.jcolz.loader.queue.DeviceQueue;
import io.jcolz.loader.queue.RoundRobin;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Streams a {@link Dataset} as batches into one bounded queue per device, with worker threads that
 * decode chunks through a shared cache, assemble each sample straight into its slot of a pooled
 * off-heap batch, and hand finished batches to the queues.
 *
 * <pre>{@code
 * try (Loader loader = Loader.builder(dataset).batchSize(256).devices(4).workers(8)
 *          .order(Order.QUASI_RANDOM).seed(42).epoch(3).shard(rank, world).build()) {
 *   for (Batch b : loader.device(0)) {          // in a thread per device
 *     try (b) { train(b.images(), b.multiHot()); }
 *   }
 * }
 * }</pre>
 *
 * <p><b>What is delivered.</b> The run covers batch {@code startBatch} of epoch {@code epoch} to
 * the end of that epoch, then {@code epochs − 1} more epochs ({@link RunPlan}). Each epoch's sample
 * sequence is the {@link Order} of (dataset chunk layout, seed, epoch); this rank takes its {@link
 * Shard} of it and cuts it into batches. Batch i of an epoch goes to device {@code i mod D} ({@link
 * RoundRobin}); each device receives its batches in order. Content is a pure function of the
 * builder's arguments: worker count and timing change nothing.
 *
 * <p><b>Work.</b> Workers claim whole batches in run order (one atomic counter, no other shared hot
 * state); a worker reads its batch's rows grouped by chunk, pinning one decoded chunk at a time in
 * the column's {@link ChunkCache}, so each chunk is decoded about once even when several batches
 * share it.
 *
 * <p><b>Memory</b> is bounded by {@link #memoryBound()}, reported before anything is allocated. The
 * pool holds {@code devices × (prefetch + 1) + workers} buffers: each device's queue admits batch s
 * only while fewer than {@code prefetch + 1} of its batches are queued or open, so a worker always
 * finds a free buffer.
 *
 * <p><b>Failures.</b> A worker exception (a corrupt chunk, an undecodable image) stops the workers
 * and is rethrown by every device queue's next take: IOExceptions as the same kind, with the
 * worker's message (which names file, column, chunk and offset) plus the batch, and the worker's
 * exception as the cause.
 *
 * <p><b>Closing</b> stops every worker (waking those waiting on a full queue or a busy cache) and
 * joins them, within a second in practice (the longest uninterruptible step is one chunk decode).
 * Batch memory is freed once the loader is closed and every batch it handed out is closed. The
 * dataset must stay open until the loader is closed.
 *
 * <p>Thread-safe: each device queue may be consumed by its own thread; {@code close} from any.
 */
public final class Loader implements AutoCloseable {
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final long JOIN_MILLIS = 5_000;

  private final Dataset dataset;
  private final Settings settings;
  private final BatchSpec spec;
  private final SampleOrder order;
  private final Shard shard;
  private final RunPlan plan;
  private final RoundRobin delivery;
  private final List<DeviceQueue<Batch>> queues;
  private final BatchPool pool;
  private final List<ChunkCache> caches = new ArrayList<>();
  private final ChunkCache imageCache;
  private final ChunkCache jpegCache;
  private final ChunkCache labelCache;
  private final ChunkCache keyCache;
  private final MemoryBudget budget;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong nextBatch = new AtomicLong();
  private final Map<Long, EpochOrder> epochOrders = new LinkedHashMap<>();
  private final Object lifecycle = new Object();
  private volatile boolean stopping;
  private boolean closed;
  private boolean freed;
  private final int id = IDS.incrementAndGet();

  private Loader(Dataset dataset, Settings s) {
    this.dataset = dataset;
    this.settings = s;
    this.spec = s.spec;
    Column locality = s.localityColumn;
    int window = s.window;
    this.order = s.order.over(ChunkLayout.of(locality), s.seed, window);
    this.shard = new Shard(dataset.rowCount(), s.rank, s.world, s.batchSize, s.dropLast);
    if (shard.batches() == 0) {
      throw new IllegalArgumentException(
          "an epoch of "
              + dataset.rowCount()
              + " rows gives no batch of "
              + s.batchSize
              + " on rank "
              + s.rank
              + " of "
              + s.world
              + (s.dropLast ? " with drop-last" : ""));
    }
    this.plan = new RunPlan(s.epoch, s.startBatch, s.epochs, shard.batches());
    this.delivery = new RoundRobin(plan, s.devices);
    List<DeviceQueue<Batch>> qs = new ArrayList<>();
    for (int d = 0; d < s.devices; d++) {
      qs.add(new DeviceQueue<>(d, s.prefetch + 1, delivery.total(d)));
    }
    this.queues = Collections.unmodifiableList(qs);
    this.pool = new BatchPool(spec, s.devices * (s.prefetch + 1) + s.workers);
    imageCache = s.imageColumn == null ? null : cache(s.imageColumn, s.cacheSlots(s.imageColumn));
    jpegCache = s.jpegColumn == null ? null : cache(s.jpegColumn, s.cacheSlots(s.jpegColumn));
    labelCache =
        s.labelColumn == null || spec.labelMode() == LabelMode.NONE
            ? null
            : cache(s.labelColumn, s.cacheSlots(s.labelColumn));
    keyCache =
        s.keyColumn == null || !s.keys ? null : cache(s.keyColumn, s.cacheSlots(s.keyColumn));
    long cacheBytes = 0;
    for (ChunkCache c : caches) {
      cacheBytes += c.boundBytes();
    }
    this.budget = new MemoryBudget(spec.bytes(), pool.capacity(), cacheBytes);
  }

  private ChunkCache cache(Column col, int slots) {
    ChunkCache c = new ChunkCache(col, slots);
    caches.add(c);
    return c;
  }

  /** A builder for a loader over {@code dataset}. */
  public static Builder builder(Dataset dataset) {
    return new Builder(dataset);
  }

  private void start() {
    for (int w = 0; w < settings.workers; w++) {
      SampleWriter writer = settings.writers.get();
      Worker worker = new Worker(this, writer);
      Thread t = new Thread(worker::run, "jcolz-loader-" + id + "-w" + w);
      t.setDaemon(true);
      threads.add(t);
    }
    for (Thread t : threads) {
      t.start();
    }
  }

  // ---- accessors ----

  /** The dataset read. */
  public Dataset dataset() {
    return dataset;
  }

  /** Number of devices (queues). */
  public int devices() {
    return queues.size();
  }

  /** The queue of device {@code d}: take or iterate its batches in order, from one thread. */
  public DeviceQueue<Batch> device(int d) {
    return queues.get(d);
  }

  /** The shape of every batch. */
  public BatchSpec batchSpec() {
    return spec;
  }

  /** This rank's part of each epoch. */
  public Shard shard() {
    return shard;
  }

  /** The run: start (epoch, batch), epochs, batches per epoch. */
  public RunPlan plan() {
    return plan;
  }

  /** Batches per epoch on this rank (all devices together). */
  public long batchesPerEpoch() {
    return shard.batches();
  }

  /** The delivery policy. */
  public RoundRobin delivery() {
    return delivery;
  }

  /** The off-heap bound, known before anything is allocated. */
  public MemoryBudget memoryBound() {
    return budget;
  }

  /** Off-heap bytes allocated so far by the pool and the caches (never above the bound). */
  public long allocatedBytes() {
    long n = pool.allocatedBytes();
    for (ChunkCache c : caches) {
      n += c.allocatedBytes();
    }
    return n;
  }

  /** The batch pool (for its statistics). */
  public BatchPool pool() {
    return pool;
  }

  /** The chunk caches, one per column read (for their statistics). */
  public List<ChunkCache> caches() {
    return Collections.unmodifiableList(caches);
  }

  /** The worker threads (for CPU accounting; do not interrupt them). */
  public List<Thread> workerThreads() {
    return Collections.unmodifiableList(threads);
  }

  // ---- worker support (package-private) ----

  Settings settings() {
    return settings;
  }

  ChunkCache imageCache() {
    return imageCache;
  }

  ChunkCache jpegCache() {
    return jpegCache;
  }

  ChunkCache labelCache() {
    return labelCache;
  }

  ChunkCache keyCache() {
    return keyCache;
  }

  boolean stopping() {
    return stopping;
  }

  /** The next run batch to fill, or -1 when none is left or the loader is stopping. */
  long claim() {
    if (stopping) {
      return -1;
    }
    long g = nextBatch.getAndIncrement();
    return g < plan.totalBatches() ? g : -1;
  }

  EpochOrder epochOrder(long epoch) {
    synchronized (epochOrders) {
      EpochOrder o = epochOrders.get(epoch);
      if (o == null) {
        o = order.epoch(epoch);
        epochOrders.put(epoch, o);
        while (epochOrders.size() > 3) {
          epochOrders.remove(epochOrders.keySet().iterator().next());
        }
      }
      return o;
    }
  }

  BatchBuffer acquire() {
    return pool.acquire();
  }

  /** Hands a filled buffer to its device queue; false (buffer back in the pool) when closing. */
  boolean deliver(long g, BatchBuffer buf, String[] keys) throws InterruptedException {
    int d = delivery.device(g);
    Batch b = new Batch(this, buf, plan.epochOf(g), plan.indexOf(g), d, keys);
    if (!queues.get(d).put(delivery.sequence(g), b)) {
      pool.release(buf);
      return false;
    }
    return true;
  }

  void release(BatchBuffer buf) {
    pool.release(buf);
  }

  void fail(Throwable t, String context) {
    stopping = true;
    for (DeviceQueue<Batch> q : queues) {
      q.fail(t, context);
    }
    for (ChunkCache c : caches) {
      c.shutdown();
    }
  }

  void recycle(Batch batch, BatchBuffer buf, int device) {
    synchronized (lifecycle) {
      if (!freed) {
        pool.release(buf);
      }
      queues.get(device).released();
      maybeFree();
    }
  }

  String readKey(long row) throws IOException {
    if (settings.keyColumn == null) {
      throw new IllegalStateException("dataset " + dataset.path() + " has no key column");
    }
    return dataset.readString(settings.keyColumn.name(), row);
  }

  /**
   * Stops and joins every worker, then frees the caches; the batch pool is freed as soon as every
   * batch handed out is closed (at once if none is open). Idempotent.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    stopping = true;
    for (DeviceQueue<Batch> q : queues) {
      q.shutdown();
    }
    for (ChunkCache c : caches) {
      c.shutdown();
    }
    for (Thread t : threads) {
      t.interrupt();
    }
    long deadline = System.nanoTime() + JOIN_MILLIS * 1_000_000;
    boolean interrupted = false;
    List<Thread> alive = new ArrayList<>();
    for (Thread t : threads) {
      while (t.isAlive()) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          alive.add(t);
          break;
        }
        try {
          t.join(left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (!alive.isEmpty()) {
      // never free memory a live worker may still write into natively
      throw new IllegalStateException(
          "loader workers did not stop within "
              + JOIN_MILLIS
              + " ms: "
              + alive
              + "; their memory is left allocated");
    }
    synchronized (lifecycle) {
      for (DeviceQueue<Batch> q : queues) {
        for (Batch b : q.drain()) {
          pool.release(b.buffer());
        }
      }
      for (ChunkCache c : caches) {
        c.close();
      }
      maybeFree();
    }
  }

  private void maybeFree() {
    if (closed && !freed && pool.inUse() == 0 && threads.stream().noneMatch(Thread::isAlive)) {
      freed = true;
      pool.close();
    }
  }

  @Override
  public String toString() {
    return "Loader["
        + dataset.path()
        + ", "
        + settings.order
        + ", batch "
        + spec.batchSize()
        + ", "
        + queues.size()
        + " devices, "
        + settings.workers
        + " workers, "
        + budget
        + "]";
  }

  /** Resolved builder settings. */
  static final class Settings {
    int batchSize;
    int devices;
    int workers;
    int prefetch;
    Order order;
    long seed;
    long epoch;
    long startBatch;
    long epochs;
    int rank;
    int world;
    boolean dropLast;
    BatchSpec spec;
    Augment augment;
    int window;
    int cacheChunks;
    int cacheAtMost;
    boolean keys;
    Column imageColumn;
    Column jpegColumn;
    Column labelColumn;
    Column keyColumn;
    Column localityColumn;
    Supplier<SampleWriter> writers;

    /** Default slots: one per worker, plus two quasi-random windows and two batches of chunks. */
    int cacheSlots(Column col) {
      if (cacheChunks > 0) {
        return Math.max(cacheChunks, workers + 1);
      }
      double rowsPerChunk = Math.max(1.0, (double) col.rowCount() / Math.max(1, col.chunkCount()));
      int perBatch = (int) Math.ceil(batchSize / rowsPerChunk) + 1;
      int w = order == Order.QUASI_RANDOM ? window : 0;
      long slots = workers + 1 + 2L * (w + perBatch);
      if (cacheAtMost > 0) {
        slots = Math.min(slots, cacheAtMost);
      }
      return (int)
          Math.min(Math.max(slots, workers + 1), Math.max(workers + 1, col.chunkCount() + 0L));
    }
  }

  /**
   * Configures a {@link Loader}. Defaults: batch 256, 1 device, workers = available processors,
   * prefetch 2, QUASI_RANDOM, seed 0, epoch 0 from batch 0, 1 epoch, rank 0 of 1, drop-last, NCHW,
   * multi-hot labels (none without a label column), no augmentation, window of max(8, 2 batches)
   * chunks.
   *
   * <p>Columns follow the packed-image convention ({@link PackedImages}): its storage mode picks
   * which image columns are read, and the schema's label and key columns are used; each can be
   * overridden.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private final Dataset dataset;
    private int batchSize = 256;
    private int devices = 1;
    private int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
    private int prefetch = 2;
    private Order order = Order.QUASI_RANDOM;
    private long seed;
    private long epoch;
    private long startBatch;
    private long epochs = 1;
    private int rank;
    private int world = 1;
    private boolean dropLast = true;
    private ImageLayout layout = ImageLayout.NCHW;
    private LabelMode labelMode;
    private Augment augment = Augment.none();
    private int window;
    private int cacheChunks;
    private int cacheAtMost;
    private int maxLabelsPerSample;
    private boolean keys;
    private String imageColumn;
    private String jpegColumn;
    private String labelColumn;
    private boolean noImageColumn;
    private boolean noJpegColumn;
    private int height;
    private int width;
    private Supplier<SampleWriter> writers;

    private Builder(Dataset dataset) {
      this.dataset = dataset;
    }

    /** Samples per batch (B). */
    public Builder batchSize(int b) {
      this.batchSize = positive("batch size", b);
      return this;
    }

    /** Number of device queues (D). Batch i of an epoch goes to device i mod D. */
    public Builder devices(int d) {
      this.devices = positive("devices", d);
      return this;
    }

    /** Worker threads. */
    public Builder workers(int n) {
      this.workers = positive("workers", n);
      return this;
    }

    /** Batches each device may have ready beyond the one its consumer holds (≥ 0). */
    public Builder prefetch(int k) {
      if (k < 0) {
        throw new IllegalArgumentException("prefetch " + k + " must be >= 0");
      }
      this.prefetch = k;
      return this;
    }

    /** The sample order. */
    public Builder order(Order o) {
      this.order = java.util.Objects.requireNonNull(o);
      return this;
    }

    /** The shuffle seed. */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /** The first epoch, from its first batch. */
    public Builder epoch(long e) {
      return startAt(e, 0);
    }

    /** Resume: start at batch {@code batchIndex} (this rank's numbering) of epoch {@code epoch}. */
    public Builder startAt(long epoch, long batchIndex) {
      if (epoch < 0 || batchIndex < 0) {
        throw new IllegalArgumentException("start at epoch " + epoch + ", batch " + batchIndex);
      }
      this.epoch = epoch;
      this.startBatch = batchIndex;
      return this;
    }

    /** Epochs to run, counting the first (partial, when resuming) one. */
    public Builder epochs(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("epochs " + n + " must be >= 1");
      }
      this.epochs = n;
      return this;
    }

    /** This process's rank among {@code world} data-parallel ranks. */
    public Builder shard(int rank, int world) {
      this.rank = rank;
      this.world = world;
      return this;
    }

    /** Drop each rank's incomplete last batch (and equalise ranks). */
    public Builder dropLast(boolean d) {
      this.dropLast = d;
      return this;
    }

    /** NCHW or NHWC images. */
    public Builder imageLayout(ImageLayout l) {
      this.layout = java.util.Objects.requireNonNull(l);
      return this;
    }

    /** How labels are carried. */
    public Builder labels(LabelMode m) {
      this.labelMode = java.util.Objects.requireNonNull(m);
      return this;
    }

    /** Augmentations. */
    public Builder augment(Augment a) {
      this.augment = java.util.Objects.requireNonNull(a);
      return this;
    }

    /** QUASI_RANDOM window, in chunks. */
    public Builder window(int chunks) {
      this.window = positive("window", chunks);
      return this;
    }

    /** Slots of each column's chunk cache (default: sized from workers, window and batch). */
    public Builder cacheChunks(int slots) {
      this.cacheChunks = positive("cache chunks", slots);
      return this;
    }

    /**
     * An upper bound on the default cache of each column (at least workers + 1 slots) and on the
     * default QUASI_RANDOM window (at most half of it, at least 2 chunks); values set with {@link
     * #cacheChunks} or {@link #window} are kept. For benchmarks that must see chunks decompressed
     * every epoch on a dataset small enough to sit decoded in the default cache; a bound above the
     * default changes nothing.
     */
    public Builder cacheAtMost(int slots) {
      this.cacheAtMost = positive("cache bound", slots);
      return this;
    }

    /** Sparse label capacity: a batch holds at most B × this many pairs (default min(L, 128)). */
    public Builder maxLabelsPerSample(int n) {
      this.maxLabelsPerSample = positive("max labels per sample", n);
      return this;
    }

    /** Fill sample keys in the workers (one String per sample) instead of on demand. */
    public Builder keys(boolean eager) {
      this.keys = eager;
      return this;
    }

    /** The raw image column (uint8 tensor H×W×C); null to read none. */
    public Builder imageColumn(String name) {
      this.imageColumn = name;
      this.noImageColumn = name == null;
      return this;
    }

    /** The encoded image column (bytes); null to read none. */
    public Builder jpegColumn(String name) {
      this.jpegColumn = name;
      this.noJpegColumn = name == null;
      return this;
    }

    /** The label column (int32 set); default the schema's. */
    public Builder labelColumn(String name) {
      this.labelColumn = name;
      return this;
    }

    /**
     * Output image size: default the stored raw size, else metadata {@code size}; raw images of
     * another size are resized (centre crop to the aspect ratio, then antialiased resampling).
     */
    public Builder imageSize(int h, int w) {
      this.height = positive("height", h);
      this.width = positive("width", w);
      return this;
    }

    /**
     * The per-worker sample writer factory (the seam for image decoding and augmentation); default
     * {@link ImageSampleWriter} with the configured augmentation.
     */
    public Builder sampleWriter(Supplier<SampleWriter> factory) {
      this.writers = factory;
      return this;
    }

    private static int positive(String what, int v) {
      if (v <= 0) {
        throw new IllegalArgumentException(what + " " + v + " must be > 0");
      }
      return v;
    }

    private Column column(String name, ColumnType type, String role) {
      ColumnSpec c = dataset.schema().column(name);
      if (c.type() != type) {
        throw new IllegalArgumentException(
            role + " column '" + name + "' is " + c.type().jsonName() + ", not " + type.jsonName());
      }
      return dataset.column(name);
    }

    private boolean has(String name, ColumnType type) {
      int i = dataset.schema().indexOf(name);
      return i >= 0 && dataset.schema().columns().get(i).type() == type;
    }

    /** Validates, allocates nothing yet, and starts the workers. */
    public Loader build() {
      Settings s = new Settings();
      PackedImages packed = PackedImages.of(dataset);
      String img = imageColumn;
      String jpg = jpegColumn;
      if (img == null && !noImageColumn) {
        img = packed.imageColumn().orElse(null);
      }
      if (jpg == null && !noJpegColumn) {
        jpg = packed.jpegColumn().orElse(null);
      }
      if (img == null && jpg == null) {
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
      s.imageColumn = img == null ? null : column(img, ColumnType.UINT8_TENSOR, "image");
      s.jpegColumn = jpg == null ? null : column(jpg, ColumnType.BYTES, "encoded image");
      int c = 3;
      int h = height;
      int w = width;
      int storedH = 0;
      int storedW = 0;
      if (augment.custom() != null) {
        if ((h != 0 && h != augment.custom().height())
            || (w != 0 && w != augment.custom().width())) {
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
      if (s.imageColumn != null) {
        int[] shape = s.imageColumn.spec().shape();
        if (shape.length != 3) {
          throw new IllegalArgumentException(
              "image column '"
                  + img
                  + "' has shape "
                  + java.util.Arrays.toString(shape)
                  + "; the loader reads H×W×C tensors");
        }
        storedH = shape[0];
        storedW = shape[1];
        c = shape[2];
        if (h == 0) {
          h = storedH;
          w = storedW;
        }
        if (c != 3
            && (h != storedH
                || w != storedW
                || augment.randomResizedCrop()
                || (augment.custom() != null && augment.custom().randomResizedCrop()))) {
          throw new IllegalArgumentException(
              "image column '" + img + "' has " + c + " channels: crops and resizes " + "need RGB");
        }
        if (c != 3 && s.jpegColumn != null) {
          throw new IllegalArgumentException(
              "image column '" + img + "' has " + c + " channels, decoded images 3");
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
      String lab = labelColumn != null ? labelColumn : dataset.schema().labelColumn().orElse(null);
      s.labelColumn = lab == null ? null : column(lab, ColumnType.INT32_SET, "label");
      LabelMode lm =
          labelMode != null
              ? labelMode
              : s.labelColumn == null ? LabelMode.NONE : LabelMode.MULTI_HOT;
      if (lm != LabelMode.NONE && s.labelColumn == null) {
        throw new IllegalArgumentException(
            "labels " + lm + " requested, but dataset " + dataset.path() + " has no label column");
      }
      int l = s.labelColumn == null ? 0 : s.labelColumn.spec().cardinality();
      int perSample = maxLabelsPerSample > 0 ? maxLabelsPerSample : Math.max(1, Math.min(l, 128));
      s.spec =
          new BatchSpec(
              batchSize,
              c,
              h,
              w,
              layout,
              lm,
              l,
              (int) Math.min(Integer.MAX_VALUE, (long) perSample * batchSize));
      s.keyColumn = dataset.schema().keyColumn().map(dataset::column).orElse(null);
      if (keys && s.keyColumn == null) {
        throw new IllegalArgumentException(
            "keys(true), but dataset " + dataset.path() + " has no key column");
      }
      s.keys = keys;
      if (s.imageColumn != null && s.jpegColumn != null) {
        s.localityColumn =
            s.imageColumn.compressedBytes() >= s.jpegColumn.compressedBytes()
                ? s.imageColumn
                : s.jpegColumn;
      } else {
        s.localityColumn = s.imageColumn != null ? s.imageColumn : s.jpegColumn;
      }
      double rowsPerChunk =
          Math.max(
              1.0,
              (double) s.localityColumn.rowCount() / Math.max(1, s.localityColumn.chunkCount()));
      s.window = window > 0 ? window : Math.max(8, (int) Math.ceil(2 * batchSize / rowsPerChunk));
      if (window == 0 && cacheAtMost > 0) {
        s.window = Math.max(2, Math.min(s.window, cacheAtMost / 2));
      }
      s.cacheAtMost = cacheAtMost;
      s.batchSize = batchSize;
      s.devices = devices;
      s.workers = workers;
      s.prefetch = prefetch;
      s.order = order;
      s.seed = seed;
      s.epoch = epoch;
      s.startBatch = startBatch;
      s.epochs = epochs;
      s.rank = rank;
      s.world = world;
      s.dropLast = dropLast;
      s.augment = augment;
      s.cacheChunks = cacheChunks;
      Augmentation aug = augment.resolve(w, h);
      int sh = storedH;
      int sw = storedW;
      int sc = c;
      long sd = seed;
      ImageLayout lay = layout;
      s.writers = writers != null ? writers : () -> new ImageSampleWriter(aug, sd, sh, sw, sc, lay);
      Loader loader = new Loader(dataset, s);
      loader.start();
      return loader;
    }
  }
}
