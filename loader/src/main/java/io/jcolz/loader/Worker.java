package io.jcolz.loader;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.store.FileFormat;
import io.jcolz.loader.batch.BatchBuffer;
import io.jcolz.loader.batch.BatchSpec;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.SampleWriter;
import io.jcolz.loader.batch.TargetMode;
import io.jcolz.loader.order.Shard;
import io.jcolz.loader.read.ReadAhead;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One loader worker: takes tasks from the {@link Scheduler} — plan a batch, decode a chunk, write
 * one chunk's samples of a batch (a piece), finish a batch — and runs each outside the scheduler's
 * lock. Scratch lives in the {@link BatchJob}s and in this worker's sample writer; a piece
 * allocates nothing per sample (except key strings when keys are filled eagerly).
 *
 * <p>Not thread-safe: one instance per worker thread.
 */
final class Worker {
  private static final ValueLayout.OfInt LE_INT = FileFormat.LE_INT;

  private final Loader loader;
  private final Scheduler scheduler;
  private final int index;
  private final SampleWriter writer;
  private final BatchSpec spec;
  private final Shard shard;
  private final boolean keys;
  private final boolean targets;
  private final MemorySegment ones; // one row of 1f: the dense mask row of UNLISTED_NEGATIVE

  Worker(Loader loader, Scheduler scheduler, int index, SampleWriter writer) {
    this.loader = loader;
    this.scheduler = scheduler;
    this.index = index;
    this.writer = writer;
    this.spec = loader.batchSpec();
    this.shard = loader.shard();
    this.keys = loader.config().keys();
    this.targets = spec.targets().partial();
    if (spec.targets() == TargetMode.UNLISTED_NEGATIVE && spec.labelMode() == LabelMode.MULTI_HOT) {
      float[] row = new float[spec.labelCount()];
      Arrays.fill(row, 1f);
      this.ones = MemorySegment.ofArray(row);
    } else {
      this.ones = null;
    }
  }

  void run() {
    Scheduler.Task t = new Scheduler.Task();
    try (ChunkDecoder decoder =
        loader
            .dataset()
            .newDecoder()
            .releaseMappedPages(true)
            .readMode(loader.config().readMode())) {
      while (scheduler.next(index, t)) {
        execute(t, decoder);
      }
    } catch (InterruptedException e) {
      // closing
    } catch (Throwable e) {
      failed(t, e);
    } finally {
      try {
        writer.close();
      } catch (Throwable e) {
        failed(null, e);
      } finally {
        scheduler.exited(index);
      }
    }
  }

  private void failed(Scheduler.Task t, Throwable e) {
    if (!loader.stopping() || !(e instanceof IllegalStateException)) { // closing: not a failure
      String where = t == null || t.kind == Scheduler.NONE ? "" : ", " + context(t.run);
      loader.fail(e, Thread.currentThread().getName() + where);
    }
  }

  private String context(long run) {
    return "epoch " + loader.plan().epochOf(run) + " batch " + loader.plan().indexOf(run);
  }

  private void execute(Scheduler.Task t, ChunkDecoder decoder)
      throws IOException, InterruptedException {
    switch (t.kind) {
      case Scheduler.PLAN -> plan(t.job, t.phase);
      case Scheduler.DECODE -> decode(t, decoder);
      case Scheduler.PIECE -> piece(t);
      case Scheduler.FINISH -> finish(t.job);
      default -> throw new IllegalStateException("task kind " + t.kind);
    }
  }

  /**
   * Decodes the chunk reserved in the task's slot from the bytes read ahead for it, if any (waiting
   * while their read is under way), else reading it now; books the time spent waiting for bytes.
   */
  private void decode(Scheduler.Task t, ChunkDecoder decoder)
      throws IOException, InterruptedException {
    ReadAhead readAhead = loader.readAhead();
    long read0 = decoder.readNanos();
    long t0 = System.nanoTime();
    try {
      MemorySegment bytes = t.read == null ? null : readAhead.take(t.read);
      long waited = System.nanoTime() - t0;
      t.view = scheduler.cache(t.column).decode(t.slot, decoder, bytes);
      t.readWaitNanos = waited + decoder.readNanos() - read0;
    } finally {
      if (t.read != null) {
        readAhead.release(t.read);
      }
    }
  }

  /** Phase 0: the batch's rows, then every phase-0 column's chunk groups; phase 1: the raw ones. */
  private void plan(BatchJob job, int phase) {
    if (phase == 0) {
      job.size = shard.batchLength(job.index);
      loader.epochOrder(job.epoch).rows(shard.batchStart(job.index), job.size, job.rows);
      Arrays.fill(job.encodedDone, 0, job.size, false);
      job.keys = keys ? new String[job.size] : null;
      if (targets) {
        job.targetScratch(spec.batchSize(), spec.maxPairs());
      } else if (spec.labelMode() == LabelMode.SPARSE) {
        job.sparseScratch(spec.batchSize(), spec.maxPairs());
      }
    }
    for (int c = 0; c < scheduler.columnCount(); c++) {
      LoaderConfig.Cached col = scheduler.column(c);
      if (col.phase() == phase) {
        job.group(c, col.column(), phase == 1);
      }
    }
  }

  /** Writes the samples of one chunk group: the one chunk loop of every column. */
  private void piece(Scheduler.Task t) throws IOException {
    BatchJob job = t.job;
    BatchBuffer buf = job.buffer;
    if (t.firstPiece) {
      for (int j = 0; j < job.size; j++) {
        buf.row(j, job.rows[j]);
      }
      buf.size(job.size);
    }
    int c = t.column;
    LoaderConfig.Role role = scheduler.column(c).role();
    ChunkView v = t.view;
    long first = v.firstRow();
    long[] sorted = job.sortKeys[c];
    int from = job.groupStart[c][t.group];
    int to = job.groupStart[c][t.group + 1];
    int labelAt =
        switch (role) {
          case LABELS, POSITIVES -> labelRegion(job, v, sorted, from, to);
          case CONFIDENCES -> region(job.confidenceCursor, v, job, sorted, from, to, true);
          case NEGATIVES -> region(job.negativeCursor, v, job, sorted, from, to, false);
          default -> 0;
        };
    MemorySegment payload = v.payload();
    long rowBytes = role == LoaderConfig.Role.RAW ? v.spec().rowBytes() : 0;
    for (int x = from; x < to; x++) {
      int j = (int) sorted[x];
      long row = job.rows[j];
      int i = (int) (row - first);
      switch (role) {
        case RAW ->
            writer.writeRaw(
                payload, i * rowBytes, job.epoch, row, buf.images(), j * spec.imageBytes());
        case ENCODED -> encoded(job, v, i, j, c);
        case LABELS -> labelAt = labels(job, v, i, j, labelAt);
        case POSITIVES -> labelAt = targetRow(job, v, i, j, labelAt);
        case CONFIDENCES -> labelAt = confidences(job, v, i, j, labelAt);
        case NEGATIVES -> labelAt = negatives(job, v, i, j, labelAt);
        case KEYS -> job.keys[j] = v.string(i);
      }
    }
  }

  private void encoded(BatchJob job, ChunkView v, int i, int j, int c) throws IOException {
    MemorySegment bytes = v.bytes(i);
    long row = job.rows[j];
    if (bytes.byteSize() == 0) {
      if (loader.hasRawFallback()) {
        return; // smart mode: stored raw, written in phase 1
      }
      var col = scheduler.cache(c).column();
      throw new IOException(
          col.path(v.chunk())
              + ": row "
              + row
              + " has an empty encoded image in column '"
              + col.name()
              + "'");
    }
    writer.writeEncoded(
        bytes,
        job.epoch,
        row,
        job.buffer.images(),
        j * spec.imageBytes(),
        "row " + row + " of " + loader.dataset().path());
    job.encodedDone[j] = true;
  }

  /**
   * Sparse labels: reserves this piece's share of the batch's label scratch (one atomic add per
   * piece) and returns where it starts; multi-hot needs none.
   */
  private int labelRegion(BatchJob job, ChunkView v, long[] sorted, int from, int to) {
    if (spec.labelMode() != LabelMode.SPARSE && !targets) {
      return 0;
    }
    long first = v.firstRow();
    int n = 0;
    for (int x = from; x < to; x++) {
      n += v.setSize((int) (job.rows[(int) sorted[x]] - first));
    }
    return job.labelCursor.getAndAdd(n);
  }

  /**
   * Reserves this piece's share of a partial-label scratch (confidences: list sizes; negatives: set
   * sizes) and returns where it starts.
   */
  private static int region(
      java.util.concurrent.atomic.AtomicInteger cursor,
      ChunkView v,
      BatchJob job,
      long[] sorted,
      int from,
      int to,
      boolean list) {
    long first = v.firstRow();
    int n = 0;
    for (int x = from; x < to; x++) {
      int i = (int) (job.rows[(int) sorted[x]] - first);
      n += list ? v.listSize(i) : v.setSize(i);
    }
    return cursor.getAndAdd(n);
  }

  /**
   * Targets: records sample {@code j}'s positives in the label scratch and, in MULTI_HOT, clears
   * its target row and sets its mask row to the unlisted weight; {@link #finish} scatters the rest.
   */
  private int targetRow(BatchJob job, ChunkView v, int i, int j, int at) {
    if (spec.labelMode() == LabelMode.MULTI_HOT) {
      long rowBytes = 4L * spec.labelCount();
      long base = j * rowBytes;
      job.buffer.labels().asSlice(base, rowBytes).fill((byte) 0);
      if (ones != null) {
        MemorySegment.copy(ones, 0, job.buffer.weights(), base, rowBytes);
      } else {
        job.buffer.weights().asSlice(base, rowBytes).fill((byte) 0);
      }
    }
    return recordSet(v, i, j, at, job.labelStart, job.labelCount, job.labelValues);
  }

  /** Records sample {@code j}'s confidences; returns the next free scratch position. */
  private static int confidences(BatchJob job, ChunkView v, int i, int j, int at) {
    int from = v.valuesFrom(i);
    int k = v.valuesFrom(i + 1) - from;
    job.confidenceStart[j] = at;
    job.confidenceCount[j] = k;
    if (at + k <= job.confidenceValues.length) {
      for (int x = 0; x < k; x++) {
        job.confidenceValues[at + x] = v.listValueAt(from + x);
      }
    }
    return at + k;
  }

  /** Records sample {@code j}'s verified negatives; returns the next free scratch position. */
  private static int negatives(BatchJob job, ChunkView v, int i, int j, int at) {
    return recordSet(v, i, j, at, job.negativeStart, job.negativeCount, job.negativeValues);
  }

  /**
   * Records row {@code i}'s {@code int32_set} values as sample {@code j}'s slice of a scratch
   * (start, count, values from {@code at}); values past the scratch's capacity are not written
   * ({@link #finish} reports the overflow). Returns the next free scratch position.
   */
  private static int recordSet(
      ChunkView v, int i, int j, int at, int[] start, int[] count, int[] values) {
    int from = v.valuesFrom(i);
    int k = v.valuesFrom(i + 1) - from;
    start[j] = at;
    count[j] = k;
    if (at + k <= values.length) {
      for (int x = 0; x < k; x++) {
        values[at + x] = v.setValueAt(from + x);
      }
    }
    return at + k;
  }

  /** Writes sample {@code j}'s labels; returns the next free scratch position (sparse). */
  private int labels(BatchJob job, ChunkView v, int i, int j, int at) {
    if (spec.labelMode() == LabelMode.MULTI_HOT) {
      MemorySegment values = v.setValues(i);
      int k = (int) (values.byteSize() >>> 2);
      MemorySegment out = job.buffer.labels();
      long rowBytes = 4L * spec.labelCount();
      long base = j * rowBytes;
      out.asSlice(base, rowBytes).fill((byte) 0);
      for (int x = 0; x < k; x++) {
        out.set(ValueLayout.JAVA_FLOAT, base + 4L * values.get(LE_INT, 4L * x), 1f);
      }
      return at;
    }
    return recordSet(v, i, j, at, job.labelStart, job.labelCount, job.labelValues);
  }

  /** Sparse pairs in sample order, then the batch object for the queue. */
  private void finish(BatchJob job) throws IOException {
    BatchBuffer buf = job.buffer;
    int n = job.size;
    if (targets) {
      finishTargets(job);
    } else if (spec.labelMode() == LabelMode.SPARSE) {
      int used = job.labelCursor.get();
      if (used > spec.maxPairs()) {
        throw new IllegalStateException(
            "a batch of "
                + n
                + " samples has "
                + used
                + " labels, over the sparse capacity of "
                + spec.maxPairs()
                + " pairs; raise Loader.Builder.maxLabelsPerSample (now "
                + spec.maxPairs() / spec.batchSize()
                + ")");
      }
      MemorySegment out = buf.labels();
      int p = 0;
      for (int j = 0; j < n; j++) {
        int s = job.labelStart[j];
        for (int x = 0; x < job.labelCount[j]; x++) {
          out.setAtIndex(ValueLayout.JAVA_INT, 2L * p, j);
          out.setAtIndex(ValueLayout.JAVA_INT, 2L * p + 1, job.labelValues[s + x]);
          p++;
        }
      }
      buf.pairs(p);
    } else {
      buf.pairs(0);
    }
    job.batch = loader.batch(job.run, buf, job.keys);
  }

  /**
   * Targets and mask from the scratch: MULTI_HOT scatters the confidences into the target rows
   * (cleared by the label pieces) and, when unlisted labels are unknown, 1 into the mask rows at
   * positives and negatives; SPARSE writes the positive pairs, then the negative pairs, and one
   * target per pair.
   */
  private void finishTargets(BatchJob job) throws IOException {
    BatchBuffer buf = job.buffer;
    int n = job.size;
    int positives = job.labelCursor.get();
    int negatives = job.negativeCursor.get();
    long listed = (long) positives + negatives;
    if (listed > spec.maxPairs()) {
      throw new IllegalStateException(
          "a batch of "
              + n
              + " samples has "
              + positives
              + " positive and "
              + negatives
              + " verified negative labels, over the label capacity of "
              + spec.maxPairs()
              + "; raise Loader.Builder.maxLabelsPerSample (now "
              + spec.maxPairs() / spec.batchSize()
              + ")");
    }
    boolean confidences = loader.dataset().partialLabels().hasConfidence();
    for (int j = 0; j < n; j++) {
      if (confidences && job.confidenceCount[j] != job.labelCount[j]) {
        throw new io.jcolz.format.CorruptDatasetException(
            loader.dataset().path()
                + ": row "
                + job.rows[j]
                + " has "
                + job.confidenceCount[j]
                + " confidences for "
                + job.labelCount[j]
                + " labels");
      }
    }
    MemorySegment labels = buf.labels();
    MemorySegment weights = buf.weights();
    if (spec.labelMode() == LabelMode.MULTI_HOT) {
      long rowBytes = 4L * spec.labelCount();
      boolean unknown = spec.targets() == TargetMode.UNLISTED_UNKNOWN;
      for (int j = 0; j < n; j++) {
        long base = j * rowBytes;
        int s = job.labelStart[j];
        int cs = job.confidenceStart[j];
        for (int x = 0; x < job.labelCount[j]; x++) {
          long at = base + 4L * job.labelValues[s + x];
          labels.set(ValueLayout.JAVA_FLOAT, at, confidences ? job.confidenceValues[cs + x] : 1f);
          if (unknown) {
            weights.set(ValueLayout.JAVA_FLOAT, at, 1f);
          }
        }
        if (unknown) {
          int ns = job.negativeStart[j];
          for (int x = 0; x < job.negativeCount[j]; x++) {
            weights.set(ValueLayout.JAVA_FLOAT, base + 4L * job.negativeValues[ns + x], 1f);
          }
        }
      }
      buf.pairs(0);
      buf.negativePairs(0);
      return;
    }
    int p = 0;
    for (int j = 0; j < n; j++) {
      int s = job.labelStart[j];
      int cs = job.confidenceStart[j];
      for (int x = 0; x < job.labelCount[j]; x++) {
        labels.setAtIndex(ValueLayout.JAVA_INT, 2L * p, j);
        labels.setAtIndex(ValueLayout.JAVA_INT, 2L * p + 1, job.labelValues[s + x]);
        weights.setAtIndex(
            ValueLayout.JAVA_FLOAT, p, confidences ? job.confidenceValues[cs + x] : 1f);
        p++;
      }
    }
    buf.pairs(p);
    for (int j = 0; j < n; j++) {
      int s = job.negativeStart[j];
      for (int x = 0; x < job.negativeCount[j]; x++) {
        labels.setAtIndex(ValueLayout.JAVA_INT, 2L * p, j);
        labels.setAtIndex(ValueLayout.JAVA_INT, 2L * p + 1, job.negativeValues[s + x]);
        weights.setAtIndex(ValueLayout.JAVA_FLOAT, p, 0f);
        p++;
      }
    }
    buf.negativePairs(p - positives);
  }
}
