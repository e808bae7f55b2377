package io.jcolz.loader;

import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.BatchBuffer;
import io.jcolz.loader.batch.BatchPool;
import io.jcolz.loader.batch.BatchSpec;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.SampleWriter;
import io.jcolz.loader.cache.ChunkCache;
import io.jcolz.loader.order.ChunkLayout;
import io.jcolz.loader.order.EpochOrder;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.order.RunPlan;
import io.jcolz.loader.order.SampleOrder;
import io.jcolz.loader.order.Shard;
import io.jcolz.loader.queue.DeviceQueue;
import io.jcolz.loader.queue.MergedQueue;
import io.jcolz.loader.queue.RoundRobin;
import io.jcolz.loader.read.ReadAhead;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Streams a {@link Dataset} as batches into one bounded queue per device, with worker threads that
 * share the work at the grain of chunk decodes: every chunk the batches in flight need is decoded
 * once, by one worker, into a shared cache, and each batch is assembled straight into its pooled
 * off-heap buffer by whichever workers are free, one chunk's samples at a time.
 *
 * <pre>{@code
 * LoaderConfig config = Loader.builder(dataset).batchSize(256).devices(4).workers(8)
 *     .order(Order.QUASI_RANDOM).seed(42).epoch(3).shard(rank, world).config();
 * System.out.println(config.memoryBound());        // nothing allocated yet
 * try (Loader loader = config.start()) {           // or: Loader.builder(dataset)....start()
 *   for (Batch b : loader.device(d)) {             // in a thread per device d = 0..3
 *     try (b) { train(b.images(), b.multiHot()); }
 *   }
 * }
 * }</pre>
 *
 * <p><b>Consumers.</b> Either one thread per device, each reading its {@link #device(int)} queue,
 * or one thread reading every batch in run order through {@link #batches()} (which takes batch i
 * from device {@code i mod D}'s queue). Not both: whichever is used first claims the loader. One
 * thread reading only {@code device(0)} of a loader with several devices would wait forever once
 * the other queues are full; instead its {@code take} throws after the stall timeout ({@link
 * Builder#stallTimeout}), naming the full queues no one reads.
 *
 * <p><b>What is delivered.</b> The run covers batch {@code startBatch} of epoch {@code epoch} to
 * the end of that epoch, then {@code epochs − 1} more epochs ({@link RunPlan}). Each epoch's sample
 * sequence is the {@link Order} of (dataset chunk layout, seed, epoch); this rank takes its {@link
 * Shard} of it and cuts it into batches. Batch i of an epoch goes to device {@code i mod D} ({@link
 * RoundRobin}); each device receives its batches in order. Content is a pure function of the
 * configuration: worker count and timing change nothing.
 *
 * <p><b>Work</b> ({@link Scheduler}). Workers plan, decode and assemble the run batches from the
 * earliest one not yet queued up to {@link LoaderConfig#lookahead()} ahead. A batch's rows are
 * grouped by chunk; each group pins its chunk in the column's {@link ChunkCache} or reserves a slot
 * and queues one decode, so consecutive batches of a quasi-random window share every decode instead
 * of waiting for each other's. A worker takes the earliest batch's ready piece (one chunk's
 * samples) or queued decode, else plans the next batch; it sleeps only when there is none. The
 * shared state is touched once per decode, piece and batch, never per sample. {@link #stats()} says
 * how busy the workers were and how long they waited for a chunk another worker was decoding.
 *
 * <p><b>Reads ahead</b> ({@link ReadAhead}): the chunks of the queued decodes are read by I/O
 * threads ahead of the workers that decode them, at most {@link LoaderConfig#readAhead()} at once.
 * {@link LoaderStats#readWaitSeconds()} says how long workers still waited for reads.
 *
 * <p><b>Memory</b> is bounded by {@link #memoryBound()}, known from the {@link LoaderConfig} before
 * anything is allocated. The pool holds {@code devices × (prefetch + 1) + workers} buffers: each
 * device's queue admits batch s only while fewer than {@code prefetch + 1} of its batches are
 * queued or open, and at most {@code workers} batches outside the queues hold a buffer.
 *
 * <p><b>Failures.</b> A worker exception (a corrupt chunk, an undecodable image) stops the workers
 * and is rethrown by every device queue's next take: IOExceptions as the same kind, with the
 * worker's message (which names file, column, chunk and offset) plus the batch, and the worker's
 * exception as the cause.
 *
 * <p><b>Closing</b> stops every worker and joins them, within a second in practice (the longest
 * uninterruptible step is one chunk decode or one piece). Batch memory is freed once the loader is
 * closed and every batch it handed out is closed. The dataset must stay open until the loader is
 * closed.
 *
 * <p>Thread-safe: each device queue may be consumed by its own thread; {@code close} from any.
 */
public final class Loader implements AutoCloseable {
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final long JOIN_MILLIS = 5_000;

  /** Most batches a device may have ready ahead ({@link Builder#prefetch}). */
  public static final int MAX_PREFETCH = 256;

  /** How long a device's take waits before it looks for unread sibling queues (60 s). */
  public static final java.time.Duration DEFAULT_STALL_TIMEOUT = java.time.Duration.ofSeconds(60);

  /** Most device queues ({@link Builder#devices}). */
  public static final int MAX_DEVICES = 1024;

  private final LoaderConfig config;
  private final Dataset dataset;
  private final BatchSpec spec;
  private final SampleOrder order;
  private final RoundRobin delivery;
  private final List<DeviceQueue<Batch>> queues;
  private final BatchPool pool;
  private final List<ChunkCache> caches;
  private final Scheduler scheduler;
  private final ReadAhead readAhead;
  private final boolean rawFallback;
  private final List<Thread> threads = new ArrayList<>();
  private final Map<Long, EpochOrder> epochOrders = new LinkedHashMap<>();
  private final Object lifecycle = new Object();
  private volatile boolean stopping;
  private boolean closed;
  private boolean freed;
  private MergedQueue<Batch> merged;
  private boolean perDevice;
  private final int id = IDS.incrementAndGet();

  private Loader(LoaderConfig c) {
    this.config = c;
    this.dataset = c.dataset();
    this.spec = c.batchSpec();
    this.order = c.order().over(ChunkLayout.of(c.localityColumn()), c.seed(), c.window());
    this.delivery = new RoundRobin(c.plan(), c.devices());
    List<DeviceQueue<Batch>> qs = new ArrayList<>();
    for (int d = 0; d < c.devices(); d++) {
      qs.add(new DeviceQueue<>(d, c.prefetch() + 1, delivery.total(d)));
    }
    this.queues = Collections.unmodifiableList(qs);
    for (DeviceQueue<Batch> q : qs) {
      q.watchSiblings(qs, c.stallTimeout().toNanos());
    }
    this.pool = new BatchPool(spec, c.memoryBound().batchBuffers());
    List<ChunkCache> cs = new ArrayList<>();
    boolean raw = false;
    for (LoaderConfig.Cached cached : c.cached()) {
      cs.add(new ChunkCache(cached.column(), cached.slots()));
      raw |= cached.phase() == 1;
    }
    this.rawFallback = raw;
    this.caches = Collections.unmodifiableList(cs);
    this.readAhead =
        c.readAhead() == 0
            ? null
            : new ReadAhead(
                dataset,
                c.readMode(),
                c.readAhead(),
                c.readBufferBytes(),
                c.readBufferAlignment(),
                ReadAhead.ioThreads(c.readAhead(), c.workers()),
                "jcolz-loader-" + id);
    this.scheduler =
        new Scheduler(c, cs.toArray(new ChunkCache[0]), delivery, queues, pool, readAhead);
  }

  /** A builder for a loader over {@code dataset}. */
  public static Builder builder(Dataset dataset) {
    return new Builder(dataset);
  }

  /** Allocates a loader for {@code config} and starts its workers. */
  static Loader start(LoaderConfig config) {
    LoaderConfig.checkOpen(config.dataset());
    Loader loader = new Loader(config);
    for (int w = 0; w < config.workers(); w++) {
      Worker worker = new Worker(loader, loader.scheduler, w, config.newWriter());
      Thread t = new Thread(worker::run, "jcolz-loader-" + loader.id + "-w" + w);
      t.setDaemon(true);
      loader.threads.add(t);
    }
    if (loader.readAhead != null) {
      loader.readAhead.start();
    }
    for (Thread t : loader.threads) {
      t.start();
    }
    return loader;
  }

  // ---- accessors ----

  /** The configuration this loader was started from. */
  public LoaderConfig config() {
    return config;
  }

  /** The dataset read. */
  public Dataset dataset() {
    return dataset;
  }

  /** Number of devices (queues). */
  public int devices() {
    return queues.size();
  }

  /**
   * The queue of device {@code d}: take or iterate its batches in order, from one thread per device
   * (every device's queue must be read, or the loader stalls once the unread ones are full).
   *
   * @throws IllegalArgumentException {@code d} is not a device of this loader
   * @throws IllegalStateException the batches are read through {@link #batches()}
   */
  public DeviceQueue<Batch> device(int d) {
    if (d < 0 || d >= queues.size()) {
      throw new IllegalArgumentException(
          "device "
              + d
              + " does not exist: this loader has "
              + queues.size()
              + (queues.size() == 1 ? " device (0)" : " devices (0.." + (queues.size() - 1) + ")")
              + "; set Loader.builder(…).devices(n)");
    }
    synchronized (lifecycle) {
      if (merged != null) {
        throw new IllegalStateException(
            "this loader's batches are read through batches(): device(" + d + ") is not available");
      }
      perDevice = true;
    }
    return queues.get(d);
  }

  /**
   * Every batch of the run, for one consumer thread, in run order: batch 0, 1, 2, … of each epoch,
   * batch i taken from device {@code i mod D}'s queue. The same object on every call. Close each
   * batch before taking more than {@code prefetch + 1}.
   *
   * @throws IllegalStateException the batches are already read per device ({@link #device(int)})
   */
  public MergedQueue<Batch> batches() {
    synchronized (lifecycle) {
      if (merged == null) {
        if (perDevice) {
          throw new IllegalStateException(
              "this loader's batches are read per device (device(d) was called): batches() would"
                  + " take them from under those consumers");
        }
        for (DeviceQueue<Batch> q : queues) {
          q.watchSiblings(queues, 0); // reading in run order starves no queue
        }
        merged = new MergedQueue<>(queues, delivery);
      }
      return merged;
    }
  }

  /** The shape of every batch. */
  public BatchSpec batchSpec() {
    return spec;
  }

  /** This rank's part of each epoch. */
  public Shard shard() {
    return config.shard();
  }

  /** The run: start (epoch, batch), epochs, batches per epoch. */
  public RunPlan plan() {
    return config.plan();
  }

  /** Batches per epoch on this rank (all devices together). */
  public long batchesPerEpoch() {
    return config.shard().batches();
  }

  /** The delivery policy. */
  public RoundRobin delivery() {
    return delivery;
  }

  /** The off-heap bound, known before anything was allocated ({@link LoaderConfig#memoryBound}). */
  public MemoryBudget memoryBound() {
    return config.memoryBound();
  }

  /**
   * Off-heap bytes allocated so far by the pool, the caches and the read-ahead buffers (never above
   * the bound).
   */
  public long allocatedBytes() {
    long n = pool.allocatedBytes() + (readAhead == null ? 0 : readAhead.allocatedBytes());
    for (ChunkCache c : caches) {
      n += c.allocatedBytes();
    }
    return n;
  }

  /** The batch pool (for its statistics). */
  public BatchPool pool() {
    return pool;
  }

  /** The chunk caches, one per column read, image column first (for their statistics). */
  public List<ChunkCache> caches() {
    return caches;
  }

  /** The read-ahead (for its statistics), or null when reading ahead is off. */
  public ReadAhead readAhead() {
    return readAhead;
  }

  /** The worker threads (for CPU accounting; do not interrupt them). */
  public List<Thread> workerThreads() {
    return Collections.unmodifiableList(threads);
  }

  /**
   * What the workers did since the loader started: busy fractions, waits, chunk decodes per chunk
   * read. Take two snapshots and {@link LoaderStats#since} for an interval.
   */
  public LoaderStats stats() {
    return scheduler.stats(caches);
  }

  // ---- worker support (package-private) ----

  boolean stopping() {
    return stopping;
  }

  /** Whether encoded rows left empty are stored raw (smart mode). */
  boolean hasRawFallback() {
    return rawFallback;
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

  /** The batch object of run batch {@code g}, filled in {@code buf}. */
  Batch batch(long g, BatchBuffer buf, String[] keys) {
    return new Batch(this, buf, plan().epochOf(g), plan().indexOf(g), delivery.device(g), keys);
  }

  void fail(Throwable t, String context) {
    stopping = true;
    for (DeviceQueue<Batch> q : queues) {
      q.fail(t, context);
    }
    scheduler.stop();
  }

  void recycle(Batch batch, BatchBuffer buf, int device) {
    boolean open;
    synchronized (lifecycle) {
      if (!freed) {
        pool.release(buf);
      }
      queues.get(device).released();
      maybeFree();
      open = !closed;
    }
    if (open) {
      scheduler.released();
    }
  }

  String readKey(long row) throws IOException {
    Column keys = config.keyColumn();
    if (keys == null) {
      throw new IllegalStateException("dataset " + dataset.path() + " has no key column");
    }
    return dataset.readString(keys.name(), row);
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
    scheduler.stop();
    List<Thread> all = new ArrayList<>(threads);
    if (readAhead != null) {
      readAhead.stop(); // interrupts its I/O threads
      all.addAll(readAhead.threads());
    }
    for (Thread t : threads) {
      t.interrupt();
    }
    long deadline = System.nanoTime() + JOIN_MILLIS * 1_000_000;
    boolean interrupted = false;
    List<Thread> alive = new ArrayList<>();
    for (Thread t : all) {
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
          "loader threads did not stop within "
              + JOIN_MILLIS
              + " ms: "
              + alive
              + "; their memory is left allocated");
    }
    scheduler.releaseBuffers();
    synchronized (lifecycle) {
      for (DeviceQueue<Batch> q : queues) {
        for (Batch b : q.drain()) {
          pool.release(b.buffer());
        }
      }
      for (ChunkCache c : caches) {
        c.close();
      }
      if (readAhead != null) {
        readAhead.close(); // every worker and I/O thread has ended: no read into its buffers
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
        + config.order()
        + ", batch "
        + spec.batchSize()
        + ", "
        + queues.size()
        + " devices, "
        + config.workers()
        + " workers, "
        + memoryBound()
        + "]";
  }

  /**
   * Configures a {@link Loader}. Defaults: batch 256, 1 device, workers = available processors,
   * prefetch 2, QUASI_RANDOM, seed 0, epoch 0 from batch 0, 1 epoch, rank 0 of 1, drop-last, NCHW,
   * multi-hot labels (none without a label column), no augmentation, window of max(8, 2 batches)
   * chunks.
   *
   * <p>{@link #config()} resolves and validates the settings into an immutable {@link LoaderConfig}
   * (whose {@link LoaderConfig#memoryBound()} can be read before anything starts); {@link #start()}
   * is {@code config().start()}.
   *
   * <p>Columns follow the packed-image convention ({@link PackedImages}): its storage mode picks
   * which image columns are read, and the schema's label and key columns are used; each can be
   * overridden.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    final Dataset dataset;
    int batchSize = 256;
    int devices = 1;
    int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
    int prefetch = 2;
    Order order = Order.QUASI_RANDOM;
    long seed;
    long epoch;
    long startBatch;
    long epochs = 1;
    int rank;
    int world = 1;
    boolean dropLast = true;
    ImageLayout layout = ImageLayout.NCHW;
    LabelMode labelMode;
    Augment augment = Augment.none();
    int window;
    int cacheChunks;
    int cacheAtMost;
    int maxLabelsPerSample;
    Boolean targets;
    boolean keys;
    io.jcolz.format.store.ReadMode readMode; // null: the automatic choice
    int readAhead = -1;
    String imageColumn;
    String jpegColumn;
    String labelColumn;
    boolean noImageColumn;
    boolean noJpegColumn;
    int height;
    int width;
    Supplier<SampleWriter> writers;
    java.time.Duration stallTimeout = DEFAULT_STALL_TIMEOUT;

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
      if (d > MAX_DEVICES) {
        throw new IllegalArgumentException("devices " + d + " must be at most " + MAX_DEVICES);
      }
      this.devices = positive("devices", d);
      return this;
    }

    /**
     * How long a device queue's {@code take} waits for its next batch before it checks whether it
     * is starved by another device queue that is full and unread for as long (then it throws an
     * {@link IllegalStateException} naming them); default {@link #DEFAULT_STALL_TIMEOUT}, {@link
     * java.time.Duration#ZERO} never checks. Raise it when a device's consumer may legitimately
     * pause longer (a long validation pass on one device while another waits).
     */
    public Builder stallTimeout(java.time.Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("stall timeout " + timeout + " must be >= 0");
      }
      this.stallTimeout = timeout;
      return this;
    }

    /** Worker threads. */
    public Builder workers(int n) {
      String bad = io.jcolz.format.MachineLimits.checkThreads("workers", n);
      if (bad != null) {
        throw new IllegalArgumentException(bad);
      }
      this.workers = n;
      return this;
    }

    /** Batches each device may have ready beyond the one its consumer holds (≥ 0). */
    public Builder prefetch(int k) {
      if (k < 0 || k > MAX_PREFETCH) {
        throw new IllegalArgumentException(
            "prefetch " + k + " must be in 0.." + MAX_PREFETCH + " batches per device");
      }
      this.prefetch = k;
      return this;
    }

    /** The sample order. */
    public Builder order(Order o) {
      this.order = Objects.requireNonNull(o);
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
      this.layout = Objects.requireNonNull(l);
      return this;
    }

    /** How labels are carried. */
    public Builder labels(LabelMode m) {
      this.labelMode = Objects.requireNonNull(m);
      return this;
    }

    /** Augmentations. */
    public Builder augment(Augment a) {
      this.augment = Objects.requireNonNull(a);
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

    /**
     * Soft targets and a mask ({@link io.jcolz.loader.batch.TargetMode}) instead of plain labels.
     * Default: on when the dataset has partial labels (format version 3: a confidence or a
     * verified-negatives column, or metadata {@code unlisted = unknown}) and the label column is
     * the schema's; off for a plain dataset, which then delivers exactly what it always did. On for
     * a plain dataset gives confidence 1 and a mask of ones.
     */
    public Builder targets(boolean on) {
      this.targets = on;
      return this;
    }

    /**
     * Sparse label capacity: a batch holds at most B × this many pairs (default min(L, 128)); with
     * targets, positives and verified negatives together, in either label mode.
     */
    public Builder maxLabelsPerSample(int n) {
      this.maxLabelsPerSample = positive("max labels per sample", n);
      return this;
    }

    /** Fill sample keys in the workers (one String per sample) instead of on demand. */
    public Builder keys(boolean eager) {
      this.keys = eager;
      return this;
    }

    /**
     * How workers read compressed chunks off the disk ({@link io.jcolz.format.store.ReadMode}). By
     * default the loader chooses ({@link io.jcolz.loader.read.ReadModeChoice}): direct when the
     * columns it reads are larger than half the memory the process may use, else map; {@link
     * LoaderConfig#readModeChoice()} says which and why. Every mode checks chunk checksums as the
     * dataset was opened to.
     */
    public Builder readMode(io.jcolz.format.store.ReadMode mode) {
      this.readMode = java.util.Objects.requireNonNull(mode, "readMode");
      return this;
    }

    /**
     * Chunks read ahead of their decode at most, on separate I/O threads ({@link
     * io.jcolz.loader.read.ReadAhead}): being read, read and waiting for a worker, or being
     * decoded; 0 turns reading ahead off. Default {@link io.jcolz.loader.read.ReadAhead#PER_WORKER}
     * per worker. In pread and direct modes each is a pooled off-heap buffer of the largest
     * compressed chunk, counted in {@link LoaderConfig#memoryBound()}; in map and populate modes
     * the chunk's pages are advised or prefaulted, and no buffer is held. The batches are the same
     * whatever the depth.
     */
    public Builder readAhead(int chunks) {
      if (chunks < 0 || chunks > io.jcolz.loader.read.ReadAhead.MAX_DEPTH) {
        throw new IllegalArgumentException(
            "read ahead "
                + chunks
                + " must be in 0.."
                + io.jcolz.loader.read.ReadAhead.MAX_DEPTH
                + " chunks (0 = off)");
      }
      this.readAhead = chunks;
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
     * {@link io.jcolz.loader.batch.ImageSampleWriter} with the configured augmentation.
     */
    public Builder sampleWriter(Supplier<SampleWriter> factory) {
      this.writers = factory;
      return this;
    }

    static int positive(String what, int v) {
      if (v <= 0) {
        throw new IllegalArgumentException(what + " " + v + " must be > 0");
      }
      return v;
    }

    /**
     * Resolves the settings against the dataset's schema and validates them; allocates and starts
     * nothing.
     *
     * @throws IllegalArgumentException a setting does not fit the dataset (named in the message)
     */
    public LoaderConfig config() {
      return new LoaderConfig(this);
    }

    /** {@code config().start()}: validates, allocates the queues and starts the workers. */
    public Loader start() {
      return config().start();
    }
  }
}
