package io.jcolz.loader;

import io.jcolz.format.column.ChunkView;
import io.jcolz.loader.batch.BatchPool;
import io.jcolz.loader.cache.ChunkCache;
import io.jcolz.loader.order.RunPlan;
import io.jcolz.loader.queue.DeviceQueue;
import io.jcolz.loader.queue.RoundRobin;
import io.jcolz.loader.read.ReadAhead;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The loader's work split: hands each worker its next task and does the bookkeeping of the one it
 * finished, under one lock taken once per task — per chunk decode, per piece (one chunk's samples
 * of one batch) and per batch, never per sample.
 *
 * <p><b>Tasks.</b> The run batches from the earliest one not yet queued ({@code head}) up to {@code
 * lookahead} ahead are in flight, each a {@link BatchJob}:
 *
 * <ol>
 *   <li><b>plan</b> a batch: its rows and their chunk groups (per-sample work, outside the lock);
 *       batches are then <em>registered</em> in run order: each group pins its chunk in the
 *       column's {@link ChunkCache} if it is there (decoded or being decoded) or reserves a slot
 *       and queues one <b>decode</b> of it — so a chunk that several batches of a window need is
 *       decoded once, by whichever worker takes that decode;
 *   <li><b>decode</b> a chunk into its reserved slot; every group waiting for it becomes a ready
 *       piece (each decode queued is also submitted to the {@link ReadAhead}, if any, in the same
 *       order, so its chunk is read while earlier work runs);
 *   <li>run a <b>piece</b>: write the samples of one group into the batch's buffer (copy, flip,
 *       crop, decode images, labels, keys) — the pieces of one batch run on any workers at once,
 *       each writing only its own samples;
 *   <li><b>finish</b> a batch whose pieces all ran (sparse label pairs in sample order) and offer
 *       it to its device queue; one the window does not admit yet waits, parked, for the consumer.
 * </ol>
 *
 * A worker takes the ready piece or queued decode of the earliest batch (a decode on a tie), else
 * plans the next batch if the lookahead allows; it sleeps only when none of these exists. Only the
 * batches within {@code inFlight} of the head may take a buffer and run pieces, which bounds the
 * buffers outside the queues; decodes run for the whole lookahead.
 *
 * <p><b>Cache slots.</b> When a column's cache has no free slot, the groups that need one wait, in
 * run order, until a pin is released, and no later batch is registered meanwhile: so every
 * registered batch but the last holds all its slots, the earliest batch always progresses, and the
 * run cannot deadlock, even with a one-slot cache (it only slows down).
 *
 * <p><b>Smart mode</b> (raw and encoded columns): a batch's raw column is grouped and reserved only
 * after all its encoded pieces ran ({@code phase} 1), over the samples stored raw.
 *
 * <p>Thread-safe: all state is guarded by the lock.
 */
final class Scheduler {
  static final int NONE = 0;
  static final int PLAN = 1;
  static final int DECODE = 2;
  static final int PIECE = 3;
  static final int FINISH = 4;

  private static final int WAIT_OTHER = 0;
  private static final int WAIT_CHUNK = 1;
  private static final int WAIT_QUEUE = 2;
  private static final int WAIT_CACHE = 3;

  /**
   * A worker's task: filled by {@link #next}, run by the worker outside the lock, and handed back
   * to the next {@code next} call, which completes it. Not thread-safe: one per worker.
   */
  static final class Task {
    int kind;
    BatchJob job;
    int column;
    int group;
    int slot;
    int phase;
    ChunkView view;
    boolean firstPiece;
    long run;
    ReadAhead.Request read;
    long readWaitNanos;

    void clear() {
      kind = NONE;
      job = null;
      view = null;
      firstPiece = false;
      read = null;
      readWaitNanos = 0;
    }
  }

  private record Decode(long run, long seq, int column, int slot, ReadAhead.Request read) {}

  private record Pending(long run, long seq, BatchJob job, int group) {}

  private static final Comparator<Decode> DECODE_ORDER =
      Comparator.comparingLong(Decode::run).thenComparingLong(Decode::seq);
  private static final Comparator<Pending> PENDING_ORDER =
      Comparator.comparingLong(Pending::run).thenComparingLong(Pending::seq);

  private final LoaderConfig.Cached[] columns;
  private final ChunkCache[] caches;
  private final BatchJob[] jobs;
  private final int lookahead;
  private final int inFlight;
  private final boolean smart;
  private final RunPlan plan;
  private final RoundRobin delivery;
  private final List<DeviceQueue<Batch>> queues;
  private final BatchPool pool;
  private final ReadAhead readAhead;
  private final long total;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private long head;
  private long claimed;
  private long registered;
  private long seq;
  private final PriorityQueue<Decode> decodes = new PriorityQueue<>(DECODE_ORDER);
  private final PriorityQueue<Pending>[] pending;
  private final long[][][] waiters;
  private final int[][] waiterCount;
  private int decoding;
  private int idle;
  private int parked;
  private int pendingTotal;
  private boolean stopping;

  // statistics, guarded by the lock
  private final long startNanos = System.nanoTime();
  private final long[] idleNanos;
  private final long[] idleSince;
  private final int[] idleReason;
  private final long[] exitNanos;
  private final long[] waitNanos = new long[4];
  private long chunkDecodes;
  private long chunkReads;
  private long chunkRedecodes;
  private long readWaitNanos;
  private long batches;
  private final Map<Long, BitSet[]> readChunks = new TreeMap<>();
  private final Map<Long, BitSet[]> decodedChunks = new TreeMap<>();

  @SuppressWarnings("unchecked")
  Scheduler(
      LoaderConfig config,
      ChunkCache[] caches,
      RoundRobin delivery,
      List<DeviceQueue<Batch>> queues,
      BatchPool pool,
      ReadAhead readAhead) {
    this.columns = config.cached().toArray(new LoaderConfig.Cached[0]);
    this.caches = caches;
    this.lookahead = config.lookahead();
    this.inFlight = config.workers();
    this.plan = config.plan();
    this.delivery = delivery;
    this.queues = queues;
    this.pool = pool;
    this.readAhead = readAhead;
    this.total = plan.totalBatches();
    boolean phase1 = false;
    for (LoaderConfig.Cached c : columns) {
      phase1 |= c.phase() == 1;
    }
    this.smart = phase1;
    this.jobs = new BatchJob[lookahead];
    for (int i = 0; i < lookahead; i++) {
      jobs[i] = new BatchJob(config.batchSize(), columns.length);
    }
    this.pending = new PriorityQueue[columns.length];
    this.waiters = new long[columns.length][][];
    this.waiterCount = new int[columns.length][];
    for (int c = 0; c < columns.length; c++) {
      pending[c] = new PriorityQueue<>(PENDING_ORDER);
      waiters[c] = new long[caches[c].slots()][];
      waiterCount[c] = new int[caches[c].slots()];
    }
    int w = config.workers();
    idleNanos = new long[w];
    idleSince = new long[w];
    idleReason = new int[w];
    exitNanos = new long[w];
  }

  /** The cached column in slot {@code c}. */
  LoaderConfig.Cached column(int c) {
    return columns[c];
  }

  /** The cache of column slot {@code c}. */
  ChunkCache cache(int c) {
    return caches[c];
  }

  /** Number of cached columns. */
  int columnCount() {
    return columns.length;
  }

  /**
   * Completes the task {@code t} last held by worker {@code w} (none at first) and fills {@code t}
   * with its next one, waiting while there is none.
   *
   * @return false when the run is over or the loader is stopping: the worker ends
   * @throws InterruptedException while waiting (the loader is closing)
   */
  boolean next(int w, Task t) throws InterruptedException {
    lock.lock();
    try {
      int made = complete(t);
      wake(made);
      if (t.kind != NONE) {
        return true;
      }
      while (true) {
        if (stopping || head >= total) {
          return false;
        }
        if (pick(t)) {
          return true;
        }
        long t0 = System.nanoTime();
        idle++;
        idleSince[w] = t0;
        idleReason[w] = waitReason();
        try {
          work.await();
        } finally {
          idle--;
          long d = System.nanoTime() - t0;
          idleNanos[w] += d;
          waitNanos[idleReason[w]] += d;
          idleSince[w] = 0;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Worker {@code w} has ended. */
  void exited(int w) {
    lock.lock();
    try {
      exitNanos[w] = System.nanoTime();
    } finally {
      lock.unlock();
    }
  }

  /** Stops handing out work and wakes every waiting worker. */
  void stop() {
    lock.lock();
    try {
      stopping = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** A consumer released a batch: a parked batch may now enter its queue. */
  void released() {
    lock.lock();
    try {
      if (parked > 0 && !stopping) {
        for (long g = head; g < registered && parked > 0; g++) {
          BatchJob j = job(g);
          if (j.state == BatchJob.PARKED && offer(j) == DeviceQueue.Offer.ACCEPTED) {
            parked--;
          }
        }
        advance();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns to the pool every buffer held by a batch that is not in a queue. Call once the workers
   * have ended.
   */
  void releaseBuffers() {
    lock.lock();
    try {
      for (BatchJob j : jobs) {
        if (j.buffer != null && j.state != BatchJob.QUEUED) {
          pool.release(j.buffer);
          j.buffer = null;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private BatchJob job(long g) {
    return jobs[(int) (g % lookahead)];
  }

  private void wake(int n) {
    if (idle == 0 || n <= 0) {
      return;
    }
    if (n >= idle) {
      work.signalAll();
    } else {
      for (int i = 0; i < n; i++) {
        work.signal();
      }
    }
  }

  // ---- completing a task ----

  /** Books task {@code t}; leaves a follow-up task for the same worker in it, or NONE. */
  private int complete(Task t) {
    int made = 0;
    int kind = t.kind;
    BatchJob j = t.job;
    int c = t.column;
    ChunkView view = t.view;
    long readWait = t.readWaitNanos;
    t.clear();
    switch (kind) {
      case PLAN -> {
        if (j.phase == 0) {
          j.state = BatchJob.PLANNED;
          made += registerPlanned();
        } else {
          made += register(j, 1);
          if (j.piecesLeft == 0) {
            finishing(j, t);
          }
        }
      }
      case DECODE -> {
        decoding--;
        readWaitNanos += readWait;
        caches[c].publish(t.slot, view);
        made += ready(c, t.slot);
      }
      case PIECE -> {
        made += unpin(c, j.slot[c][t.group]);
        if (--j.piecesLeft == 0) {
          if (j.phase == 0 && smart) {
            j.phase = 1;
            t.kind = PLAN;
            t.job = j;
            t.phase = 1;
            t.run = j.run;
          } else {
            finishing(j, t);
          }
        }
      }
      case FINISH -> {
        DeviceQueue.Offer o = offer(j);
        if (o != DeviceQueue.Offer.ACCEPTED) {
          j.state = BatchJob.PARKED;
          parked++;
        }
        made += advance();
      }
      default -> {}
    }
    return made;
  }

  private void finishing(BatchJob j, Task t) {
    j.state = BatchJob.FINISHING;
    t.kind = FINISH;
    t.job = j;
    t.run = j.run;
  }

  /** Offers a finished batch to its queue; on acceptance the job is QUEUED. */
  private DeviceQueue.Offer offer(BatchJob j) {
    int d = delivery.device(j.run);
    DeviceQueue.Offer o = queues.get(d).offer(delivery.sequence(j.run), j.batch);
    if (o == DeviceQueue.Offer.ACCEPTED) {
      j.state = BatchJob.QUEUED;
      batches++;
    }
    return o;
  }

  /** Moves the head past queued batches; frees their lookahead positions. */
  private int advance() {
    long from = head;
    while (head < registered && job(head).state == BatchJob.QUEUED) {
      job(head).clear();
      head++;
    }
    if (head == from) {
      return 0;
    }
    long epoch = head < total ? plan.epochOf(head) : Long.MAX_VALUE;
    readChunks.keySet().removeIf(e -> e < epoch);
    decodedChunks.keySet().removeIf(e -> e < epoch);
    work.signalAll(); // room to plan, buffers to take, or the end of the run
    return 0;
  }

  /**
   * Registers planned batches in run order, but none while a registered batch still waits for a
   * cache slot: a later batch's pins could otherwise hold every slot an earlier one needs while it
   * cannot run (beyond the buffers in flight) — a deadlock. So every registered batch but the last
   * holds all its slots, and the earliest batch always progresses.
   */
  private int registerPlanned() {
    int made = 0;
    while (pendingTotal == 0 && registered < claimed && job(registered).state == BatchJob.PLANNED) {
      BatchJob r = job(registered);
      r.state = BatchJob.RUNNING;
      made += register(r, 0);
      registered++;
    }
    return made;
  }

  /** Pins or reserves the chunks of every group of {@code j}'s columns of this phase. */
  private int register(BatchJob j, int phase) {
    int made = 0;
    for (int c = 0; c < columns.length; c++) {
      if (columns[c].phase() != phase) {
        continue;
      }
      int n = j.groups[c];
      j.piecesLeft += n;
      for (int gi = 0; gi < n; gi++) {
        int k = j.chunk(c, gi);
        if (bits(readChunks, j.epoch)[c].get(k)) {
          // read already this epoch
        } else {
          bits(readChunks, j.epoch)[c].set(k);
          chunkReads++;
        }
        int r = attach(j, c, gi, pending[c].isEmpty());
        if (r < 0) {
          pending[c].add(new Pending(j.run, seq++, j, gi));
          pendingTotal++;
        } else {
          made += r;
        }
      }
    }
    return made;
  }

  /**
   * Pins group {@code gi}'s chunk if cached, else (if {@code mayReserve}) reserves a slot and
   * queues its decode.
   *
   * @return the tasks made (a ready piece or a decode: 1; a wait for a decode under way: 0), or -1
   *     when no slot could be had
   */
  private int attach(BatchJob j, int c, int gi, boolean mayReserve) {
    ChunkCache cache = caches[c];
    int k = j.chunk(c, gi);
    int s = cache.pinIfPresent(k, j.run);
    if (s >= 0) {
      j.slot[c][gi] = s;
      if (cache.isReady(s)) {
        j.pushRunnable(c, gi);
        return 1;
      }
      addWaiter(c, s, j, gi);
      return 0;
    }
    if (!mayReserve || (s = cache.reserve(k, j.run)) < 0) {
      return -1;
    }
    j.slot[c][gi] = s;
    addWaiter(c, s, j, gi);
    long q = seq++;
    ReadAhead.Request read =
        readAhead == null ? null : readAhead.submit(cache.column(), k, j.run, q);
    decodes.add(new Decode(j.run, q, c, s, read));
    chunkDecodes++;
    BitSet decoded = bits(decodedChunks, j.epoch)[c];
    if (decoded.get(k)) {
      chunkRedecodes++;
    } else {
      decoded.set(k);
    }
    return 1;
  }

  private BitSet[] bits(Map<Long, BitSet[]> m, long epoch) {
    BitSet[] b = m.get(epoch);
    if (b == null) {
      b = new BitSet[columns.length];
      for (int c = 0; c < columns.length; c++) {
        b[c] = new BitSet(caches[c].column().chunkCount());
      }
      m.put(epoch, b);
    }
    return b;
  }

  private void addWaiter(int c, int s, BatchJob j, int gi) {
    long[] w = waiters[c][s];
    int n = waiterCount[c][s];
    if (w == null || n == w.length) {
      w = w == null ? new long[4] : Arrays.copyOf(w, 2 * n);
      waiters[c][s] = w;
    }
    w[n] = ((long) (int) (j.run % lookahead) << 32) | gi;
    waiterCount[c][s] = n + 1;
  }

  /** Slot {@code s} of column {@code c} was decoded: its waiting groups are ready pieces. */
  private int ready(int c, int s) {
    long[] w = waiters[c][s];
    int n = waiterCount[c][s];
    for (int i = 0; i < n; i++) {
      jobs[(int) (w[i] >>> 32)].pushRunnable(c, (int) w[i]);
    }
    waiterCount[c][s] = 0;
    return n;
  }

  /** Releases a piece's pin; a freed slot goes to the earliest group waiting for one. */
  private int unpin(int c, int s) {
    int made = 0;
    if (caches[c].unpin(s) == 0) {
      PriorityQueue<Pending> q = pending[c];
      while (!q.isEmpty()) {
        Pending p = q.peek();
        int r = attach(p.job(), c, p.group(), true);
        if (r < 0) {
          break;
        }
        q.poll();
        pendingTotal--;
        made += r;
      }
      if (pendingTotal == 0) {
        made += registerPlanned();
      }
    }
    return made;
  }

  // ---- choosing a task ----

  private boolean pick(Task t) {
    BatchJob piece = null;
    long limit = Math.min(registered, head + inFlight);
    for (long g = head; g < limit; g++) {
      BatchJob j = job(g);
      if (j.hasRunnable()) {
        piece = j;
        break;
      }
    }
    Decode d = decodes.peek();
    if (d != null && (piece == null || d.run() <= piece.run)) {
      decodes.poll();
      decoding++;
      t.kind = DECODE;
      t.column = d.column();
      t.slot = d.slot();
      t.run = d.run();
      t.read = d.read();
      return true;
    }
    if (piece != null) {
      long p = piece.popRunnable();
      int c = (int) (p >>> 32);
      int gi = (int) p;
      t.kind = PIECE;
      t.job = piece;
      t.column = c;
      t.group = gi;
      t.slot = piece.slot[c][gi];
      t.view = caches[c].view(t.slot);
      t.run = piece.run;
      if (piece.buffer == null) {
        piece.buffer = pool.acquire();
        t.firstPiece = true;
      }
      return true;
    }
    if (claimed < total && claimed < head + lookahead) {
      long g = claimed++;
      BatchJob j = job(g);
      j.begin(g, plan.epochOf(g), plan.indexOf(g), 0);
      t.kind = PLAN;
      t.job = j;
      t.phase = 0;
      t.run = g;
      return true;
    }
    return false;
  }

  /** Why a worker that found nothing to do waits. */
  private int waitReason() {
    if (parked > 0) {
      return WAIT_QUEUE;
    }
    for (long g = head + inFlight; g < registered; g++) {
      if (job(g).hasRunnable()) {
        return WAIT_QUEUE; // ready work beyond the buffers in flight: the consumer is behind
      }
    }
    if (decoding > 0) {
      return WAIT_CHUNK;
    }
    return pendingTotal > 0 ? WAIT_CACHE : WAIT_OTHER;
  }

  // ---- statistics ----

  /** A snapshot of the counters since the loader started. */
  LoaderStats stats(List<ChunkCache> all) {
    lock.lock();
    try {
      long now = System.nanoTime();
      int n = idleNanos.length;
      long[] busy = new long[n];
      long[] waits = waitNanos.clone();
      for (int w = 0; w < n; w++) {
        long end = exitNanos[w] != 0 ? exitNanos[w] : now;
        long idleNow = idleSince[w] != 0 && exitNanos[w] == 0 ? now - idleSince[w] : 0;
        busy[w] = Math.max(0, end - startNanos - idleNanos[w] - idleNow);
        waits[idleReason[w]] += idleNow;
      }
      long hits = 0;
      for (ChunkCache c : all) {
        hits += c.hits();
      }
      return new LoaderStats(
          startNanos,
          now,
          busy,
          waits[WAIT_CHUNK],
          waits[WAIT_QUEUE],
          waits[WAIT_CACHE],
          chunkDecodes,
          chunkReads,
          chunkRedecodes,
          hits,
          batches,
          readWaitNanos,
          readAhead == null ? 0 : readAhead.readsAhead(),
          readAhead == null ? 0 : readAhead.readsInline());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      return "Scheduler[head "
          + head
          + ", claimed "
          + claimed
          + ", registered "
          + registered
          + ", decodes queued "
          + decodes.size()
          + ", decoding "
          + decoding
          + ", parked "
          + parked
          + ", waiting for a cache slot "
          + pendingTotal
          + "]";
    } finally {
      lock.unlock();
    }
  }
}
