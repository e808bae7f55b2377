package io.jcolz.loader;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a loader's workers did over an interval: from the loader's start ({@link Loader#stats()}),
 * or between two snapshots ({@link #since}).
 *
 * <ul>
 *   <li><b>Busy fraction</b> of each worker: time spent on a task (planning a batch, decoding a
 *       chunk, writing a chunk's samples into a batch, finishing a batch) over the interval; the
 *       rest it slept because there was nothing it could do.
 *   <li><b>Chunk wait</b>: worker-seconds slept while the only work left was behind a chunk another
 *       worker was decoding. <b>Queue wait</b>: slept because the device queues were full (the
 *       consumer is behind; not the loader's time). <b>Cache wait</b>: slept because a chunk cache
 *       had no free slot.
 *   <li><b>Read wait</b>: worker-seconds a decode waited for its chunk's bytes ({@link
 *       #readWaitSeconds()}); {@link #readsAhead()} and {@link #readsInline()} count the decodes
 *       whose chunk was read ahead and those whose worker read it itself.
 *   <li><b>Chunk decodes per chunk read</b>: chunks decoded over distinct chunks the batches read,
 *       counted per epoch and column (a chunk read by several batches of one epoch counts once).
 *       1.0 means every chunk an epoch needed was decoded exactly once; below 1, chunks stayed
 *       cached from the epoch before. {@link #chunkRedecodes()} counts decodes of a chunk already
 *       decoded in the same epoch (0 when the cache holds what the windows in flight need).
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class LoaderStats {
  private final long fromNanos;
  private final long toNanos;
  private final long[] busyNanos;
  private final long chunkWaitNanos;
  private final long queueWaitNanos;
  private final long cacheWaitNanos;
  private final long chunkDecodes;
  private final long chunkReads;
  private final long chunkRedecodes;
  private final long cacheHits;
  private final long batches;
  private final long readWaitNanos;
  private final long readsAhead;
  private final long readsInline;

  LoaderStats(
      long fromNanos,
      long toNanos,
      long[] busyNanos,
      long chunkWaitNanos,
      long queueWaitNanos,
      long cacheWaitNanos,
      long chunkDecodes,
      long chunkReads,
      long chunkRedecodes,
      long cacheHits,
      long batches,
      long readWaitNanos,
      long readsAhead,
      long readsInline) {
    this.fromNanos = fromNanos;
    this.toNanos = toNanos;
    this.busyNanos = busyNanos.clone();
    this.chunkWaitNanos = chunkWaitNanos;
    this.queueWaitNanos = queueWaitNanos;
    this.cacheWaitNanos = cacheWaitNanos;
    this.chunkDecodes = chunkDecodes;
    this.chunkReads = chunkReads;
    this.chunkRedecodes = chunkRedecodes;
    this.cacheHits = cacheHits;
    this.batches = batches;
    this.readWaitNanos = readWaitNanos;
    this.readsAhead = readsAhead;
    this.readsInline = readsInline;
  }

  /**
   * The interval from {@code earlier} (a snapshot of the same loader) to this one.
   *
   * @throws IllegalArgumentException {@code earlier} is of another loader or not earlier
   */
  public LoaderStats since(LoaderStats earlier) {
    if (earlier.busyNanos.length != busyNanos.length || earlier.toNanos > toNanos) {
      throw new IllegalArgumentException("not an earlier snapshot of the same loader");
    }
    long[] busy = new long[busyNanos.length];
    for (int i = 0; i < busy.length; i++) {
      busy[i] = Math.max(0, busyNanos[i] - earlier.busyNanos[i]);
    }
    return new LoaderStats(
        earlier.toNanos,
        toNanos,
        busy,
        chunkWaitNanos - earlier.chunkWaitNanos,
        queueWaitNanos - earlier.queueWaitNanos,
        cacheWaitNanos - earlier.cacheWaitNanos,
        chunkDecodes - earlier.chunkDecodes,
        chunkReads - earlier.chunkReads,
        chunkRedecodes - earlier.chunkRedecodes,
        cacheHits - earlier.cacheHits,
        batches - earlier.batches,
        readWaitNanos - earlier.readWaitNanos,
        readsAhead - earlier.readsAhead,
        readsInline - earlier.readsInline);
  }

  /** Length of the interval. */
  public double seconds() {
    return (toNanos - fromNanos) / 1e9;
  }

  /** Number of workers. */
  public int workers() {
    return busyNanos.length;
  }

  /** Each worker's busy time over the interval's length, in worker order. */
  public double[] busyFractions() {
    double[] f = new double[busyNanos.length];
    long span = Math.max(1, toNanos - fromNanos);
    for (int i = 0; i < f.length; i++) {
      f[i] = Math.min(1.0, busyNanos[i] / (double) span);
    }
    return f;
  }

  /** The mean of {@link #busyFractions()}. */
  public double meanBusyFraction() {
    return Arrays.stream(busyFractions()).average().orElse(0);
  }

  /** Worker-seconds slept waiting for a chunk another worker was decoding. */
  public double chunkWaitSeconds() {
    return chunkWaitNanos / 1e9;
  }

  /** Worker-seconds slept because every device queue it could fill was full. */
  public double queueWaitSeconds() {
    return queueWaitNanos / 1e9;
  }

  /** Worker-seconds slept waiting for a free chunk-cache slot. */
  public double cacheWaitSeconds() {
    return cacheWaitNanos / 1e9;
  }

  /**
   * Worker-seconds spent in chunk decodes waiting for the chunk's compressed bytes: for a read
   * ahead still under way, or reading the chunk itself (pread, direct, and populate's prefault,
   * when it was not read ahead). In map mode the page faults happen inside the decompression and
   * are not counted here (they show as busy time).
   */
  public double readWaitSeconds() {
    return readWaitNanos / 1e9;
  }

  /** Chunk decodes whose chunk was read ahead ({@link io.jcolz.loader.read.ReadAhead}). */
  public long readsAhead() {
    return readsAhead;
  }

  /** Chunk decodes whose read had not started when the worker came: it read the chunk itself. */
  public long readsInline() {
    return readsInline;
  }

  /** Chunks decoded. */
  public long chunkDecodes() {
    return chunkDecodes;
  }

  /** Distinct chunks read, per epoch and column. */
  public long chunkReads() {
    return chunkReads;
  }

  /** Decodes of a chunk already decoded in the same epoch. */
  public long chunkRedecodes() {
    return chunkRedecodes;
  }

  /** Pins served by a chunk already cached or being decoded. */
  public long cacheHits() {
    return cacheHits;
  }

  /** Batches handed to the device queues. */
  public long batches() {
    return batches;
  }

  /** {@link #chunkDecodes()} / {@link #chunkReads()}; 0 when nothing was read. */
  public double decodesPerRead() {
    return chunkReads == 0 ? 0 : (double) chunkDecodes / chunkReads;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%.1f s: busy %s, chunk wait %.3f s, queue wait %.3f s, cache wait %.3f s, read wait %.3f s"
            + " (%d chunks read ahead, %d inline), %d decodes of %d chunks read (%.3f per read, %d"
            + " again in the same epoch), %d batches",
        seconds(),
        Arrays.toString(
            Arrays.stream(busyFractions())
                .mapToObj(f -> String.format(Locale.ROOT, "%.2f", f))
                .toArray()),
        chunkWaitSeconds(),
        queueWaitSeconds(),
        cacheWaitSeconds(),
        readWaitSeconds(),
        readsAhead,
        readsInline,
        chunkDecodes,
        chunkReads,
        decodesPerRead(),
        chunkRedecodes,
        batches);
  }
}
