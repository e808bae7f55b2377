package io.jcolz.loader;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.images.PackedImages;
import io.jcolz.image.JpegDecoder;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.Pixels;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.read.ProcessResources;
import io.jcolz.loader.read.ReadSettings;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;

/**
 * Measures the loader on a dataset, for {@code jcolz bench} and for reports.
 *
 * <p>What {@link #run} measures, in one process, one after the other:
 *
 * <ol>
 *   <li><b>Loader throughput</b>: a loader with {@code threads} workers and one device streams the
 *       dataset (as many epochs as the time needs) into a consumer that closes each batch at once,
 *       for {@code seconds} after a warm-up of {@code warmupSeconds}. Images and bytes delivered
 *       (image region only) over wall time give images/s and MB/s (10⁶ bytes). Worker CPU seconds
 *       come from {@link ThreadMXBean#getThreadCpuTime} of the worker threads over the timed
 *       interval, and those of the read-ahead I/O threads apart; images per CPU second of both is
 *       the per-core rate, which does not depend on how many cores the machine lends the run. With
 *       {@link Options#epochs()} set, the loader instead streams exactly that many epochs from its
 *       start, without a warm-up, so that the bytes read from storage over the run are those of
 *       whole epochs.
 *   <li><b>The ceiling</b>: one thread decompresses the image column's chunks (same dataset, same
 *       decoder and checksum setting as the workers, into one reused buffer) for {@code
 *       ceilingSeconds}; rows decompressed per second is the single-core rate no raw-mode loader
 *       can beat per core, since it must at least decompress.
 * </ol>
 *
 * The loader's {@link LoaderStats} over the timed interval say where the worker time went: busy
 * fractions, the seconds waited for another worker's chunk decode, and chunk decodes per chunk
 * read. Peak off-heap bytes are the loader's pool and caches as allocated at the end (they only
 * grow, never beyond {@link Loader#memoryBound()}). The process's resident anonymous memory is
 * sampled while the loader runs, to set beside that bound and the heap's limit.
 *
 * <p>Thread-safe (stateless); each run starts and joins its own threads.
 */
public final class LoaderBench {
  private LoaderBench() {}

  /**
   * Options of a run ({@link #builder()}). Immutable and thread-safe.
   *
   * @param threads loader workers
   * @param batchSize samples per batch
   * @param seconds timed duration of the loader phase (unless {@code epochs} is set)
   * @param warmupSeconds untimed loader run before it (unless {@code epochs} is set)
   * @param epochs 0: timed by {@code seconds}; else exactly this many whole epochs from the start,
   *     no warm-up, so that the bytes read from storage are those of the epochs ({@link
   *     Result#storageReadBytes()})
   * @param ceilingSeconds duration of the single-thread decompress phase (0 skips it)
   * @param order sample order
   * @param layout image layout
   * @param labels label mode
   * @param augment augmentation
   * @param reads the read mode (or the automatic choice) and read-ahead depth
   * @param plainLabels read a dataset of partial labels as plain labels ({@code
   *     Loader.Builder.targets(false)}); false: the loader's default, targets and a mask on such a
   *     dataset
   */
  public record Options(
      int threads,
      int batchSize,
      double seconds,
      double warmupSeconds,
      long epochs,
      double ceilingSeconds,
      Order order,
      ImageLayout layout,
      LabelMode labels,
      Augment augment,
      ReadSettings reads,
      boolean plainLabels) {
    /** Validates the options. */
    public Options {
      if (threads < 1
          || batchSize < 1
          || seconds <= 0
          || warmupSeconds < 0
          || epochs < 0
          || ceilingSeconds < 0) {
        throw new IllegalArgumentException(
            "bad bench options: threads "
                + threads
                + ", batch "
                + batchSize
                + ", seconds "
                + seconds
                + ", epochs "
                + epochs);
      }
      java.util.Objects.requireNonNull(reads, "reads");
    }

    /**
     * A builder with the defaults: all cores, batch 256, 10 s after 2 s of warm-up, 3 s ceiling,
     * quasi-random, NCHW, multi-hot, flip, the automatic read mode and default read-ahead.
     */
    public static Builder builder() {
      return new Builder();
    }
  }

  /** Builds {@link Options}. Not thread-safe. */
  public static final class Builder {
    private int threads = Runtime.getRuntime().availableProcessors();
    private int batchSize = 256;
    private double seconds = 10;
    private double warmupSeconds = 2;
    private long epochs;
    private double ceilingSeconds = 3;
    private Order order = Order.QUASI_RANDOM;
    private ImageLayout layout = ImageLayout.NCHW;
    private LabelMode labels = LabelMode.MULTI_HOT;
    private Augment augment = Augment.flip();
    private ReadSettings reads = ReadSettings.AUTO;
    private boolean plainLabels;

    private Builder() {}

    /** Loader workers. */
    public Builder threads(int n) {
      threads = n;
      return this;
    }

    /** Samples per batch. */
    public Builder batchSize(int b) {
      batchSize = b;
      return this;
    }

    /**
     * Timed seconds after the warm-up; the warm-up and the ceiling shrink along (to at most 20% and
     * 30% of it, the ceiling to no less than 0.5 s).
     */
    public Builder seconds(double s) {
      seconds = s;
      warmupSeconds = Math.min(warmupSeconds, s / 5);
      ceilingSeconds = Math.min(ceilingSeconds, Math.max(0.5, s * 0.3));
      return this;
    }

    /** Untimed seconds before the timed part. */
    public Builder warmupSeconds(double s) {
      warmupSeconds = s;
      return this;
    }

    /** Whole epochs to stream from the start instead of timed seconds (0: timed). */
    public Builder epochs(long n) {
      epochs = n;
      return this;
    }

    /** Seconds of the single-thread ceiling (0 skips it). */
    public Builder ceilingSeconds(double s) {
      ceilingSeconds = s;
      return this;
    }

    /** Order, layout, labels and augmentation. */
    public Builder with(Order o, ImageLayout l, LabelMode lm, Augment a) {
      order = o;
      layout = l;
      labels = lm;
      augment = a;
      return this;
    }

    /** Read mode and read-ahead depth. */
    public Builder reads(ReadSettings r) {
      reads = r;
      return this;
    }

    /** Reading a dataset of partial labels as plain labels, or (false) with targets and a mask. */
    public Builder plainLabels(boolean plain) {
      plainLabels = plain;
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException if a value is out of range
     */
    public Options build() {
      return new Options(
          threads,
          batchSize,
          seconds,
          warmupSeconds,
          epochs,
          ceilingSeconds,
          order,
          layout,
          labels,
          augment,
          reads,
          plainLabels);
    }
  }

  /**
   * What a run measured. Immutable and thread-safe.
   *
   * @param images images delivered in the timed interval
   * @param seconds the timed interval's wall time
   * @param imagesPerSecond images / seconds
   * @param mbPerSecond image bytes delivered per second, in 10⁶ bytes
   * @param workerCpuSeconds CPU time of all worker threads in the interval
   * @param readAheadCpuSeconds CPU time of the read-ahead I/O threads in the interval (the reads,
   *     copies and advice they took off the workers)
   * @param imagesPerCoreSecond images / (workerCpuSeconds + readAheadCpuSeconds)
   * @param ceilingDecompressImagesPerSecond single-thread decompression of the image column, rows/s
   *     (0 when skipped or when the dataset has no raw image column)
   * @param ceilingDecodeImagesPerSecond for a dataset whose images are all JPEG (mode jpeg): one
   *     thread decompressing the encoded column's chunks and decoding every JPEG in them, rows/s —
   *     the decode-only rate a JPEG-mode loader is measured against per core (0 otherwise)
   * @param peakOffHeapBytes the loader's pool and caches, as allocated
   * @param boundOffHeapBytes the loader's reported bound
   * @param threads workers
   * @param batchSize samples per batch
   * @param chunkDecodes chunks decoded by the loader's caches over the whole run
   * @param chunkHits cache hits over the whole run
   * @param readAhead the read-ahead depth used (0: off)
   * @param readAheadBoundBytes off-heap bytes the read-ahead buffers may hold at most: depth ×
   *     {@link MemoryBudget#readBufferBytes()} (0 for map and populate)
   * @param readAheadPeakBytes read-ahead buffer bytes allocated (its peak; 0 for map and populate)
   * @param interval the loader's {@link LoaderStats} over the timed interval: each worker's busy
   *     fraction, seconds waited for a chunk another worker was decoding, chunk decodes per chunk
   *     read (per epoch and column)
   * @param epochs whole epochs streamed ({@link Options#epochs()}; 0 for a timed run)
   * @param reads the read mode the loader used, why, and whether the columns it reads are out of
   *     core
   * @param columnBytes bytes of the column files the loader reads (one epoch reads each once)
   * @param storageReadBytes bytes this process read from storage ({@link
   *     ProcessResources#storageReadBytes()}) over the timed interval, or, streaming whole epochs,
   *     from just before the loader's start to the last batch of the last epoch (which also counts
   *     the few chunks of the next epoch read ahead by then, as the CPU times and stats count the
   *     work in flight on it: an upper bound); -1 where unknown
   * @param residentAnonymousPeakBytes the largest {@link ProcessResources#residentAnonymousBytes()}
   *     sampled (every 100 ms, and at the end) while the loader ran; -1 where unknown
   * @param peakResidentBytes the process's peak resident set at the end ({@link
   *     ProcessResources#peakResidentBytes()}, mapped file pages included); -1 where unknown
   * @param heapMaxBytes the Java heap's limit ({@code Runtime.maxMemory()}, {@code -Xmx})
   */
  public record Result(
      long images,
      double seconds,
      double imagesPerSecond,
      double mbPerSecond,
      double workerCpuSeconds,
      double readAheadCpuSeconds,
      double imagesPerCoreSecond,
      double ceilingDecompressImagesPerSecond,
      double ceilingDecodeImagesPerSecond,
      long peakOffHeapBytes,
      long boundOffHeapBytes,
      int threads,
      int batchSize,
      long chunkDecodes,
      long chunkHits,
      int readAhead,
      long readAheadBoundBytes,
      long readAheadPeakBytes,
      LoaderStats interval,
      long epochs,
      io.jcolz.loader.read.ReadModeChoice reads,
      long columnBytes,
      long storageReadBytes,
      long residentAnonymousPeakBytes,
      long peakResidentBytes,
      long heapMaxBytes) {
    /**
     * One JSON object, keys in snake case ({@code images_per_s} first). From the timed interval's
     * {@link LoaderStats}: {@code worker_busy} (each worker's busy fraction), {@code busy_fraction}
     * (their mean), {@code chunk_wait_s} (worker-seconds waiting for a chunk another worker was
     * decoding), {@code queue_wait_s} (waiting for the consumer), {@code decodes_per_read}, {@code
     * chunk_reads}, {@code chunk_redecodes}, {@code read_wait_s} (worker-seconds a decode waited
     * for its chunk's bytes), {@code reads_ahead} and {@code reads_inline} (decodes whose chunk was
     * read ahead, or read by the worker itself); the run's {@code read_ahead} (depth), {@code
     * read_ahead_bound_bytes} and {@code read_ahead_peak_bytes}; {@code pixel_path}, how samples
     * were written into the batch ({@link Pixels#vectorStatus()}); {@code epochs}, {@code
     * read_mode}, {@code read_mode_reason}, {@code out_of_core}, {@code column_bytes}, {@code
     * storage_read_bytes}, {@code rss_anon_peak_bytes}, {@code rss_peak_bytes} and {@code
     * heap_max_bytes}.
     */
    public String toJson() {
      StringBuilder busy = new StringBuilder("[");
      for (double f : interval.busyFractions()) {
        busy.append(busy.length() > 1 ? "," : "").append(String.format(Locale.ROOT, "%.4f", f));
      }
      busy.append(']');
      return String.format(
          Locale.ROOT,
          "{\"images_per_s\":%.1f,\"mb_per_s\":%.1f,\"images\":%d,\"seconds\":%.3f,"
              + "\"threads\":%d,\"batch\":%d,\"worker_cpu_s\":%.3f,\"read_ahead_cpu_s\":%.3f,"
              + "\"images_per_core_s\":%.1f,"
              + "\"ceiling_decompress_images_per_s\":%.1f,\"ceiling_decode_images_per_s\":%.1f,\"peak_offheap_bytes\":%d,\"bound_offheap_bytes\":%d,"
              + "\"chunk_decodes\":%d,\"chunk_hits\":%d,\"worker_busy\":%s,\"busy_fraction\":%.4f,"
              + "\"chunk_wait_s\":%.3f,\"queue_wait_s\":%.3f,\"decodes_per_read\":%.4f,"
              + "\"chunk_reads\":%d,\"chunk_redecodes\":%d,\"read_wait_s\":%.3f,"
              + "\"reads_ahead\":%d,\"reads_inline\":%d,\"read_ahead\":%d,"
              + "\"read_ahead_bound_bytes\":%d,\"read_ahead_peak_bytes\":%d,"
              + "\"pixel_path\":\"%s\",\"epochs\":%d,\"read_mode\":\"%s\","
              + "\"read_mode_reason\":\"%s\",\"out_of_core\":%b,\"column_bytes\":%d,"
              + "\"storage_read_bytes\":%d,\"rss_anon_peak_bytes\":%d,\"rss_peak_bytes\":%d,"
              + "\"heap_max_bytes\":%d}",
          imagesPerSecond,
          mbPerSecond,
          images,
          seconds,
          threads,
          batchSize,
          workerCpuSeconds,
          readAheadCpuSeconds,
          imagesPerCoreSecond,
          ceilingDecompressImagesPerSecond,
          ceilingDecodeImagesPerSecond,
          peakOffHeapBytes,
          boundOffHeapBytes,
          chunkDecodes,
          chunkHits,
          busy,
          interval.meanBusyFraction(),
          interval.chunkWaitSeconds(),
          interval.queueWaitSeconds(),
          interval.decodesPerRead(),
          interval.chunkReads(),
          interval.chunkRedecodes(),
          interval.readWaitSeconds(),
          interval.readsAhead(),
          interval.readsInline(),
          readAhead,
          readAheadBoundBytes,
          readAheadPeakBytes,
          jsonText(Pixels.vectorStatus()),
          epochs,
          reads.mode().label(),
          jsonText(reads.reason()),
          reads.outOfCore(),
          columnBytes,
          storageReadBytes,
          residentAnonymousPeakBytes,
          peakResidentBytes,
          heapMaxBytes);
    }

    /** {@code s} as the inside of a JSON string: quotes, backslashes and controls escaped. */
    private static String jsonText(String s) {
      StringBuilder b = new StringBuilder(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          b.append('\\').append(c);
        } else if (c < 0x20) {
          b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
      return b.toString();
    }
  }

  /** Runs the loader and ceiling phases on {@code dataset}. */
  public static Result run(Dataset dataset, Options o) throws IOException, InterruptedException {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    if (mx.isThreadCpuTimeSupported() && !mx.isThreadCpuTimeEnabled()) {
      mx.setThreadCpuTimeEnabled(true);
    }
    long images = 0;
    long bytes = 0;
    double wall;
    double cpu;
    double ioCpu;
    long peak;
    long bound;
    long decodes = 0;
    long hits = 0;
    int depth;
    long readBound;
    long readPeak;
    LoaderStats interval;
    io.jcolz.loader.read.ReadModeChoice reads;
    long columnBytes = 0;
    long storage;
    long rssAnonPeak = ProcessResources.residentAnonymousBytes();
    boolean wholeEpochs = o.epochs() > 0;
    Loader.Builder builder =
        o.reads()
            .applyTo(
                Loader.builder(dataset)
                    .batchSize(o.batchSize())
                    .workers(o.threads())
                    .devices(1)
                    .prefetch(Math.max(2, o.threads()))
                    .order(o.order())
                    .imageLayout(o.layout())
                    .labels(o.labels())
                    .targets(targetsOn(dataset, o))
                    .augment(o.augment())
                    // whole epochs too plan on (the consumer stops at the last batch of the
                    // last epoch): the workers are still alive then, their CPU time readable
                    .epochs(Long.MAX_VALUE / Math.max(1, dataset.rowCount()))
                    .seed(1));
    long storage0 = ProcessResources.storageReadBytes();
    long start = System.nanoTime();
    try (Loader loader = builder.start()) {
      var queue = loader.device(0);
      long warmEnd = System.nanoTime() + (long) (wholeEpochs ? 0 : o.warmupSeconds() * 1e9);
      while (System.nanoTime() < warmEnd) {
        Batch b = queue.take();
        if (b == null) {
          break;
        }
        b.close();
      }
      List<Thread> io = loader.readAhead() == null ? List.of() : loader.readAhead().threads();
      // whole epochs count from the start: the threads' CPU time, the stats and the clock
      long cpu0 = wholeEpochs ? 0 : cpuNanos(mx, loader.workerThreads());
      long io0 = wholeEpochs ? 0 : cpuNanos(mx, io);
      LoaderStats stats0 = wholeEpochs ? null : loader.stats();
      if (!wholeEpochs) {
        storage0 = ProcessResources.storageReadBytes();
      }
      long t0 = wholeEpochs ? start : System.nanoTime();
      long end = wholeEpochs ? Long.MAX_VALUE : t0 + (long) (o.seconds() * 1e9);
      long batches = wholeEpochs ? o.epochs() * loader.config().plan().batchesPerEpoch() : -1;
      long t1 = t0;
      long nextSample = t0;
      while ((wholeEpochs || t1 - end < 0) && batches != 0) {
        batches--;
        Batch b = queue.take();
        if (b == null) {
          break;
        }
        images += b.size();
        bytes += b.images().byteSize();
        b.close();
        t1 = System.nanoTime();
        if (t1 - nextSample >= 0) {
          rssAnonPeak = Math.max(rssAnonPeak, ProcessResources.residentAnonymousBytes());
          nextSample = t1 + 100_000_000L;
        }
      }
      cpu = (cpuNanos(mx, loader.workerThreads()) - cpu0) / 1e9;
      ioCpu = (cpuNanos(mx, io) - io0) / 1e9;
      interval = wholeEpochs ? loader.stats() : loader.stats().since(stats0);
      // with whole epochs this also counts the few chunks of the next epoch already read ahead
      // (and the CPU and stats the work in flight on it): an upper bound on the epochs' own
      long storage1 = ProcessResources.storageReadBytes();
      storage = storage0 < 0 || storage1 < 0 ? -1 : storage1 - storage0;
      rssAnonPeak = Math.max(rssAnonPeak, ProcessResources.residentAnonymousBytes());
      wall = (t1 - t0) / 1e9;
      peak = loader.allocatedBytes();
      bound = loader.memoryBound().totalBytes();
      depth = loader.config().readAhead();
      readBound = loader.memoryBound().readBufferBytes() * depth;
      readPeak = loader.readAhead() == null ? 0 : loader.readAhead().allocatedBytes();
      reads = loader.config().readModeChoice();
      for (var c : loader.caches()) {
        decodes += c.decodes();
        hits += c.hits();
        columnBytes += c.column().fileBytes();
      }
    }
    long rssPeak = ProcessResources.peakResidentBytes();
    double ceiling = o.ceilingSeconds() > 0 ? ceiling(dataset, o.ceilingSeconds()) : 0;
    double decode = o.ceilingSeconds() > 0 ? decodeCeiling(dataset, o.ceilingSeconds()) : 0;
    return new Result(
        images,
        wall,
        images / wall,
        bytes / wall / 1e6,
        cpu,
        ioCpu,
        cpu + ioCpu > 0 ? images / (cpu + ioCpu) : 0,
        ceiling,
        decode,
        peak,
        bound,
        o.threads(),
        o.batchSize(),
        decodes,
        hits,
        depth,
        readBound,
        readPeak,
        interval,
        wholeEpochs ? o.epochs() : 0,
        reads,
        columnBytes,
        storage,
        rssAnonPeak,
        rssPeak,
        Runtime.getRuntime().maxMemory());
  }

  private static long cpuNanos(ThreadMXBean mx, List<Thread> threads) {
    long n = 0;
    for (Thread t : threads) {
      long c = mx.getThreadCpuTime(t.threadId());
      n += Math.max(0, c);
    }
    return n;
  }

  /**
   * Rows per second one thread decompresses from the raw image column (or, without one, the encoded
   * one), cycling through its chunks for {@code seconds}; 0 when the dataset has neither or no
   * rows.
   */
  public static double ceiling(Dataset dataset, double seconds) throws IOException {
    String name =
        dataset.schema().indexOf(PackedImages.IMAGE) >= 0
            ? PackedImages.IMAGE
            : dataset.schema().indexOf(PackedImages.JPEG) >= 0 ? PackedImages.JPEG : null;
    if (name == null) {
      return 0;
    }
    return cycleChunks(dataset, dataset.column(name), seconds, (v, end) -> v.rowCount());
  }

  /**
   * Rows per second one thread decompresses from the encoded image column and decodes with {@link
   * JpegDecoder} (no resize, no augmentation, no batch copy), cycling through its chunks for {@code
   * seconds}; 0 when the dataset has a raw image column (the loader reads that instead), or no
   * rows.
   */
  public static double decodeCeiling(Dataset dataset, double seconds) throws IOException {
    if (dataset.schema().indexOf(PackedImages.IMAGE) >= 0
        || dataset.schema().indexOf(PackedImages.JPEG) < 0) {
      return 0;
    }
    try (JpegDecoder jpeg = new JpegDecoder()) {
      return cycleChunks(
          dataset,
          dataset.column(PackedImages.JPEG),
          seconds,
          (v, end) -> {
            int i = 0;
            while (i < v.rowCount()) {
              MemorySegment bytes = v.bytes(i++);
              if (bytes.byteSize() > 0) {
                jpeg.decodeReused(bytes);
              }
              if (System.nanoTime() >= end) {
                break;
              }
            }
            return i;
          });
    }
  }

  /**
   * What a ceiling does with one decompressed chunk: returns the rows it processed (it may stop
   * early once {@code System.nanoTime()} passes {@code endNanos}).
   */
  @FunctionalInterface
  private interface ChunkWork {
    long rows(ChunkView chunk, long endNanos) throws IOException;
  }

  /**
   * One thread decompresses {@code col}'s chunks in turn (wrapping around) into one reused buffer,
   * handing each to {@code work}, for {@code seconds}; returns rows processed per second, 0 when
   * the column has no chunks (a dataset of 0 rows).
   */
  private static double cycleChunks(Dataset dataset, Column col, double seconds, ChunkWork work)
      throws IOException {
    int chunks = col.chunkCount();
    if (chunks == 0) {
      return 0;
    }
    try (ChunkDecoder d = dataset.newDecoder().releaseMappedPages(true);
        Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(Math.max(1, col.maxDecompressedLength()), 64);
      long rows = 0;
      long t0 = System.nanoTime();
      long end = t0 + (long) (seconds * 1e9);
      long t = t0;
      int k = 0;
      while (t < end) {
        rows += work.rows(d.decodeInto(col, k, buf), end);
        k = (k + 1) % chunks;
        t = System.nanoTime();
      }
      return t > t0 ? rows / ((t - t0) / 1e9) : 0;
    }
  }

  /** Whether a run of {@code o} reads targets and a mask: a partial dataset, unless plain. */
  private static boolean targetsOn(Dataset dataset, Options o) {
    return !o.plainLabels() && o.labels() != LabelMode.NONE && dataset.partialLabels().partial();
  }

  /**
   * The labels a run of {@code o} on {@code dataset} delivers: plain, or targets and a mask.
   *
   * @throws IllegalArgumentException if the options do not fit the dataset
   */
  public static io.jcolz.loader.batch.TargetMode targetMode(Dataset dataset, Options o) {
    return Loader.builder(dataset)
        .batchSize(o.batchSize())
        .workers(1)
        .labels(o.labels())
        .targets(targetsOn(dataset, o))
        .config()
        .batchSpec()
        .targets();
  }
}
