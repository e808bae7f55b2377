package io.jcolz.loader;

import io.jcolz.format.Column;
import io.jcolz.loader.batch.BatchBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One run batch on its way through the loader: its rows, grouped by chunk for every column read
 * (each group is one <em>piece</em> of work: write the batch's samples that live in that chunk),
 * the cache slot each group's chunk is pinned in, the pieces ready to run, and the buffer being
 * filled. The loader keeps one per lookahead position and reuses it for every {@code lookahead}-th
 * run batch.
 *
 * <p>Not thread-safe by itself. Bookkeeping fields are guarded by the {@link Scheduler}'s lock.
 * Array contents are written by the worker planning the job (before the scheduler registers it) and
 * by the workers running its pieces, each piece writing only its own samples' entries; the
 * scheduler's lock orders those writes before the job's finishing step.
 */
final class BatchJob {
  /** Claimed by a worker that is computing its rows and groups. */
  static final int PLANNING = 1;

  /** Planned, waiting for the batches before it to be registered. */
  static final int PLANNED = 2;

  /** Its chunks are reserved and its pieces run as they become ready. */
  static final int RUNNING = 3;

  /** Every piece ran; a worker is finishing it (sparse pairs, the batch object). */
  static final int FINISHING = 4;

  /** Finished, waiting for its device queue's window to admit it. */
  static final int PARKED = 5;

  /** In its device queue: the job's state belongs to the batch now. */
  static final int QUEUED = 6;

  final long[] rows;
  final boolean[] encodedDone;
  final long[][] sortKeys;
  final int[][] groupStart;
  final int[] groups;
  final int[][] slot;
  private final long[] runnable;
  private int runnableCount;

  long run = -1;
  long epoch;
  long index;
  int size;
  int state;
  int phase;
  int piecesLeft;
  BatchBuffer buffer;
  Batch batch;
  String[] keys;

  int[] labelStart;
  int[] labelCount;
  int[] labelValues;
  final AtomicInteger labelCursor = new AtomicInteger();

  // partial labels (targets): confidences and verified negatives, each like the label scratch
  int[] confidenceStart;
  int[] confidenceCount;
  float[] confidenceValues;
  final AtomicInteger confidenceCursor = new AtomicInteger();
  int[] negativeStart;
  int[] negativeCount;
  int[] negativeValues;
  final AtomicInteger negativeCursor = new AtomicInteger();

  BatchJob(int batchSize, int columns) {
    rows = new long[batchSize];
    encodedDone = new boolean[batchSize];
    sortKeys = new long[columns][batchSize];
    groupStart = new int[columns][batchSize + 1];
    groups = new int[columns];
    slot = new int[columns][batchSize];
    runnable = new long[columns * batchSize];
  }

  /** Takes run batch {@code g} (epoch {@code e}, batch {@code i} of it, {@code n} samples). */
  void begin(long g, long e, long i, int n) {
    run = g;
    epoch = e;
    index = i;
    size = n;
    state = PLANNING;
    phase = 0;
    piecesLeft = 0;
    buffer = null;
    batch = null;
    keys = null;
    runnableCount = 0;
    Arrays.fill(groups, 0);
    labelCursor.set(0);
    confidenceCursor.set(0);
    negativeCursor.set(0);
  }

  /** Forgets the batch once it is queued (the buffer and keys now belong to it). */
  void clear() {
    run = -1;
    state = 0;
    buffer = null;
    batch = null;
    keys = null;
  }

  /**
   * Groups the samples by the chunk of {@code col} that holds their row, into groups of column slot
   * {@code c}; with {@code skipEncoded}, only the samples no encoded image was written for.
   */
  void group(int c, Column col, boolean skipEncoded) {
    long[] k = sortKeys[c];
    int m = 0;
    for (int j = 0; j < size; j++) {
      if (!skipEncoded || !encodedDone[j]) {
        k[m++] = ((long) col.chunkOf(rows[j]) << 32) | j;
      }
    }
    Arrays.sort(k, 0, m);
    int[] start = groupStart[c];
    int n = 0;
    for (int x = 0; x < m; x++) {
      if (x == 0 || (k[x] >>> 32) != (k[x - 1] >>> 32)) {
        start[n++] = x;
      }
    }
    start[n] = m;
    groups[c] = n;
  }

  /** The chunk of group {@code gi} of column slot {@code c}. */
  int chunk(int c, int gi) {
    return (int) (sortKeys[c][groupStart[c][gi]] >>> 32);
  }

  /** Sparse label scratch sized for this batch size and capacity, allocated once. */
  void sparseScratch(int batchSize, int maxPairs) {
    if (labelValues == null) {
      labelStart = new int[batchSize];
      labelCount = new int[batchSize];
      labelValues = new int[maxPairs];
    }
  }

  /**
   * Scratch of partial labels (the label scratch, confidences and negatives, each of {@code
   * maxPairs}), allocated once; the counts are cleared, since a column a dataset lacks leaves them
   * 0.
   */
  void targetScratch(int batchSize, int maxPairs) {
    sparseScratch(batchSize, maxPairs);
    if (confidenceValues == null) {
      confidenceStart = new int[batchSize];
      confidenceCount = new int[batchSize];
      confidenceValues = new float[maxPairs];
      negativeStart = new int[batchSize];
      negativeCount = new int[batchSize];
      negativeValues = new int[maxPairs];
    }
    Arrays.fill(confidenceCount, 0);
    Arrays.fill(negativeCount, 0);
  }

  void pushRunnable(int c, int gi) {
    runnable[runnableCount++] = ((long) c << 32) | gi;
  }

  boolean hasRunnable() {
    return runnableCount > 0;
  }

  /** A ready piece, as {@code column slot << 32 | group}. */
  long popRunnable() {
    return runnable[--runnableCount];
  }

  @Override
  public String toString() {
    return "epoch " + epoch + " batch " + index;
  }
}
