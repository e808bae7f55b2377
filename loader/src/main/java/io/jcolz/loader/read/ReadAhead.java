package io.jcolz.loader.read;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.Dataset;
import io.jcolz.format.store.ChunkReader;
import io.jcolz.format.store.ColumnFile;
import io.jcolz.format.store.ReadMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads chunks ahead of their decode, on its own I/O threads: the loader {@linkplain #submit
 * submits} each chunk decode it queues, in the order the workers will take them, and a worker about
 * to decode a chunk {@linkplain #take takes} its bytes (waiting only while their read is under way)
 * and {@linkplain #release releases} them after the decode.
 *
 * <ul>
 *   <li>{@link ReadMode#PREAD} and {@link ReadMode#DIRECT}: the compressed chunk is read into one
 *       of at most {@code depth} pooled, aligned off-heap buffers ({@link ChunkDecoder#prefetch});
 *       the decode checks its CRC32C and decompresses from there. No compressed byte is on the Java
 *       heap.
 *   <li>{@link ReadMode#MAP}: {@code MADV_WILLNEED} over the chunk's pages (the kernel reads them
 *       in the background); {@link ReadMode#POPULATE}: the pages are prefaulted. No buffer: the
 *       decode reads the mapping.
 * </ul>
 *
 * <p><b>Bound.</b> At most {@code depth} chunks are held at once — being read, read and waiting for
 * their decode, or being decoded — so the buffers never exceed {@code depth × bufferBytes} ({@link
 * #peakHeld()} says how many were held at most). A read starts only when a chunk is released. When
 * a worker comes for a chunk whose read has not started (the I/O threads are behind, or every
 * buffer is held), the request is dropped and the worker reads the chunk itself, as without read
 * ahead ({@link #readsInline()}). Reading ahead changes where a chunk's bytes are read, never which
 * bytes: the batches are the same with and without it.
 *
 * <p><b>Closing</b>: {@link #stop} interrupts the I/O threads (a read in flight ends: an
 * interrupted {@code pread} at once, an madvise when done); the owner joins them and its workers,
 * then {@link #close} frees the buffers, refusing while an I/O thread still runs, so no native read
 * or decode can touch freed memory.
 *
 * <p>Thread-safe: {@link #submit} from the loader's scheduler, {@link #take} and {@link #release}
 * from the workers, {@link #close} from any thread.
 */
public final class ReadAhead implements AutoCloseable {
  /** Default depth per worker: one chunk being decoded and two read ahead. */
  public static final int PER_WORKER = 3;

  /** The largest depth {@code Loader.Builder.readAhead} accepts. */
  public static final int MAX_DEPTH = 4096;

  private static final int QUEUED = 0;
  private static final int READING = 1;
  private static final int DONE = 2;
  private static final int TAKEN = 3;
  private static final int DROPPED = 4;

  /**
   * One chunk's read ahead; made by {@link #submit}. Its state is guarded by the read-ahead's lock.
   */
  public static final class Request {
    private final Column column;
    private final int chunk;
    private final long run;
    private final long seq;
    private int state = QUEUED;
    private boolean held;
    private boolean abandoned;
    private MemorySegment buffer;
    private MemorySegment bytes;
    private Throwable failure;

    private Request(Column column, int chunk, long run, long seq) {
      this.column = column;
      this.chunk = chunk;
      this.run = run;
      this.seq = seq;
    }

    /** The chunk, in its column's numbering. */
    public int chunk() {
      return chunk;
    }
  }

  private static final Comparator<Request> ORDER =
      Comparator.<Request>comparingLong(r -> r.run).thenComparingLong(r -> r.seq);

  private final Dataset dataset;
  private final ReadMode mode;
  private final int depth;
  private final long bufferBytes;
  private final long alignment;
  private final List<Thread> threads = new ArrayList<>();
  private final Arena arena = Arena.ofShared();
  private final ArrayDeque<MemorySegment> free = new ArrayDeque<>();
  private final PriorityQueue<Request> queued = new PriorityQueue<>(ORDER);
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private int held;
  private int peakHeld;
  private int allocated;
  private long readsAhead;
  private long readsInline;
  private long bytesAhead;
  private boolean stopping;
  private boolean closed;
  private volatile Runnable beforeRead;
  private boolean awaitQueued;

  /**
   * @param dataset the dataset read (open until this is closed)
   * @param mode how chunks are read
   * @param depth chunks held at most (at least 1)
   * @param bufferBytes bytes of one buffer ({@link #bufferBytes(List, ReadMode)}; 0 for the mapped
   *     modes)
   * @param alignment alignment of the buffers ({@link #alignment(List, ReadMode)})
   * @param ioThreads I/O threads (at least 1)
   * @param name prefix of the threads' names
   */
  public ReadAhead(
      Dataset dataset,
      ReadMode mode,
      int depth,
      long bufferBytes,
      long alignment,
      int ioThreads,
      String name) {
    if (depth < 1 || ioThreads < 1) {
      throw new IllegalArgumentException("read ahead of depth " + depth + ", " + ioThreads);
    }
    this.dataset = dataset;
    this.mode = mode;
    this.depth = depth;
    this.bufferBytes = bufferBytes;
    this.alignment = alignment;
    for (int i = 0; i < ioThreads; i++) {
      Thread t = new Thread(this::run, name + "-io" + i);
      t.setDaemon(true);
      threads.add(t);
    }
  }

  /**
   * The default depth for {@code workers} workers: {@link #PER_WORKER} chunks each.
   *
   * @param workers loader workers
   * @return the depth
   */
  public static int defaultDepth(int workers) {
    return (int) Math.min(MAX_DEPTH, (long) PER_WORKER * workers);
  }

  /**
   * I/O threads for a depth and a worker count: one per worker, at least 2, at most the depth. Each
   * does one read at a time, so this is the number of reads in flight at most.
   */
  public static int ioThreads(int depth, int workers) {
    return Math.max(1, Math.min(depth, Math.max(2, workers)));
  }

  /**
   * Bytes of one read buffer that fits every chunk of every column in {@code mode} ({@link
   * ChunkReader#bufferBytes}); 0 for the mapped modes.
   *
   * @throws UncheckedIOException a file's block size cannot be read (DIRECT)
   */
  public static long bufferBytes(List<Column> columns, ReadMode mode) {
    long max = 0;
    try {
      for (Column c : columns) {
        for (ColumnFile f : c.files()) {
          max = Math.max(max, ChunkReader.bufferBytes(f, mode));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return max;
  }

  /**
   * The alignment every read buffer for {@code columns} in {@code mode} needs ({@link
   * ChunkReader#alignment}; powers of two, so the largest suits all).
   *
   * @throws UncheckedIOException a file's block size cannot be read (DIRECT)
   */
  public static long alignment(List<Column> columns, ReadMode mode) {
    long max = 1;
    try {
      for (Column c : columns) {
        for (ColumnFile f : c.files()) {
          max = Math.max(max, ChunkReader.alignment(f, mode));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return max;
  }

  /** Starts the I/O threads. */
  public void start() {
    for (Thread t : threads) {
      t.start();
    }
  }

  /** The depth: chunks held at most. */
  public int depth() {
    return depth;
  }

  /** Bytes of one buffer (0 for the mapped modes). */
  public long bufferBytes() {
    return bufferBytes;
  }

  /** The I/O threads (for CPU accounting; do not interrupt them). */
  public List<Thread> threads() {
    return List.copyOf(threads);
  }

  /**
   * Queues the read of chunk {@code chunk} of {@code column}, which a worker will decode as the
   * decode ({@code run}, {@code seq}): reads start in that order.
   *
   * @return the request, for {@link #take} and {@link #release}
   */
  public Request submit(Column column, int chunk, long run, long seq) {
    Request r = new Request(column, chunk, run, seq);
    lock.lock();
    try {
      if (!stopping) {
        queued.add(r);
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
    return r;
  }

  /**
   * The bytes read ahead for {@code r}, waiting while its read is under way: a slice of a pooled
   * buffer (PREAD, DIRECT), or null — the mapped modes (the pages were advised; read the mapping),
   * or a read that had not started (it is dropped: read the chunk yourself). Call {@link #release}
   * afterwards in every case.
   *
   * @throws CorruptDatasetException the read ahead failed (naming file, column, chunk and offset)
   * @throws InterruptedException while waiting (the loader is closing)
   * @throws IllegalStateException the read-ahead was closed while the read was under way
   */
  public MemorySegment take(Request r) throws CorruptDatasetException, InterruptedException {
    lock.lock();
    try {
      while (awaitQueued && r.state == QUEUED && !stopping && held < depth) {
        changed.await();
      }
      if (r.state == QUEUED) {
        queued.remove(r);
        r.state = DROPPED;
        readsInline++;
        return null;
      }
      while (r.state == READING) {
        if (stopping) {
          throw new IllegalStateException("read ahead is stopping");
        }
        changed.await();
      }
      if (r.state != DONE) {
        throw new IllegalStateException("chunk " + r.chunk + " taken twice");
      }
      r.state = TAKEN;
      if (r.failure != null) {
        if (r.failure instanceof CorruptDatasetException c) {
          throw c;
        }
        if (r.failure instanceof RuntimeException e) {
          throw e;
        }
        if (r.failure instanceof Error e) {
          throw e;
        }
        throw new IllegalStateException(r.failure);
      }
      readsAhead++;
      bytesAhead += r.bytes == null ? 0 : r.bytes.byteSize();
      return r.bytes;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Gives back what {@code r} holds (its buffer); idempotent. Released while its read is under way
   * (a worker whose {@link #take} was interrupted), the request is abandoned: the I/O thread frees
   * its slot and buffer when the read ends.
   */
  public void release(Request r) {
    lock.lock();
    try {
      if (r.state == QUEUED) {
        queued.remove(r);
        r.state = DROPPED;
      }
      if (r.state == READING) {
        r.abandoned = true;
      } else {
        giveBack(r);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Frees {@code r}'s slot and buffer, if it holds them; with the lock held. */
  private void giveBack(Request r) {
    if (r.held) {
      r.held = false;
      held--;
      if (r.buffer != null) {
        free.push(r.buffer);
        r.buffer = null;
      }
      r.bytes = null;
      changed.signalAll();
    }
  }

  /**
   * A test seam: when on, {@link #take} of a request whose read has not started waits for an I/O
   * thread to start it rather than dropping it (unless every slot is held), so that chunks come
   * from reads ahead: a state the loader reaches when its I/O threads are ahead, made certain.
   */
  void awaitQueuedReads(boolean on) {
    lock.lock();
    try {
      awaitQueued = on;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Runs on the I/O thread just before each read (a test seam; null: nothing). */
  void beforeRead(Runnable hook) {
    beforeRead = hook;
  }

  private void run() {
    try (ChunkDecoder decoder = dataset.newDecoder().readMode(mode)) {
      while (true) {
        Request r;
        MemorySegment buf;
        lock.lockInterruptibly();
        try {
          while (!stopping && (queued.isEmpty() || held >= depth)) {
            changed.await();
          }
          if (stopping) {
            return;
          }
          r = queued.poll();
          r.state = READING;
          r.held = true;
          held++;
          peakHeld = Math.max(peakHeld, held);
          buf = bufferBytes > 0 ? free.poll() : null;
          if (bufferBytes > 0 && buf == null) {
            allocated++; // counted before the allocation: allocatedBytes() never under-reports
          }
        } finally {
          lock.unlock();
        }
        MemorySegment bytes = null;
        Throwable failure = null;
        try {
          Runnable hook = beforeRead;
          if (hook != null) {
            hook.run();
          }
          if (bufferBytes > 0 && buf == null) {
            buf = arena.allocate(bufferBytes, alignment);
          }
          bytes = decoder.prefetch(r.column, r.chunk, buf);
        } catch (Throwable e) { // handed to the worker that takes this chunk
          failure = e;
        }
        lock.lock();
        try {
          r.buffer = buf;
          r.bytes = bytes;
          r.failure = failure;
          r.state = DONE;
          if (r.abandoned) { // released while read: nobody will take it
            r.state = DROPPED;
            giveBack(r);
          }
          changed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    } catch (InterruptedException e) {
      // closing
    } catch (IllegalStateException e) {
      // the dataset was closed under the loader: the workers fail on their own reads
    }
  }

  /** Chunks held at most at once since the start (never above {@link #depth()}). */
  public int peakHeld() {
    lock.lock();
    try {
      return peakHeld;
    } finally {
      lock.unlock();
    }
  }

  /** Whether an I/O thread has started {@code r}'s read (or it was dropped). */
  boolean started(Request r) {
    lock.lock();
    try {
      return r.state != QUEUED;
    } finally {
      lock.unlock();
    }
  }

  /** Chunks held now: being read, read and waiting, or being decoded. */
  int held() {
    lock.lock();
    try {
      return held;
    } finally {
      lock.unlock();
    }
  }

  /** Off-heap bytes of the buffers allocated so far (at most {@code depth × bufferBytes}). */
  public long allocatedBytes() {
    lock.lock();
    try {
      return allocated * bufferBytes;
    } finally {
      lock.unlock();
    }
  }

  /** Chunks a worker took read ahead (it may have waited for the read to finish). */
  public long readsAhead() {
    lock.lock();
    try {
      return readsAhead;
    } finally {
      lock.unlock();
    }
  }

  /** Chunks a worker read itself because their read had not started when it came for them. */
  public long readsInline() {
    lock.lock();
    try {
      return readsInline;
    } finally {
      lock.unlock();
    }
  }

  /** Compressed bytes taken from read-ahead buffers (0 for the mapped modes). */
  public long bytesAhead() {
    lock.lock();
    try {
      return bytesAhead;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops handing out reads and interrupts the I/O threads (an interrupted {@code pread} ends at
   * once; an madvise finishes); the caller then joins {@link #threads()}. Idempotent.
   */
  public void stop() {
    lock.lock();
    try {
      if (stopping) {
        return;
      }
      stopping = true;
      queued.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (Thread t : threads) {
      t.interrupt();
    }
  }

  /**
   * Stops the I/O threads and, once none runs, frees the buffers. Call once no worker uses a buffer
   * any more and the I/O threads are joined. Idempotent.
   *
   * @throws IllegalStateException an I/O thread still runs (its buffers are left allocated)
   */
  @Override
  public void close() {
    stop();
    List<Thread> alive = threads.stream().filter(Thread::isAlive).toList();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      if (!alive.isEmpty()) {
        throw new IllegalStateException(
            "read-ahead threads still run: " + alive + "; their buffers are left allocated");
      }
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    arena.close();
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      return "ReadAhead["
          + mode.label()
          + ", depth "
          + depth
          + ", held "
          + held
          + " (peak "
          + peakHeld
          + "), queued "
          + queued.size()
          + ", "
          + threads.size()
          + " I/O threads]";
    } finally {
      lock.unlock();
    }
  }
}
