package io.jcolz.loader.batch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed number of batch buffers, allocated off-heap on first use and recycled: the pool never
 * holds more than {@code capacity × spec.bytes()} bytes, whatever the dataset size. {@link
 * #acquire()} does not wait: the loader's queues bound the buffers in flight to the capacity, so an
 * empty pool is a bug, reported as IllegalStateException rather than a hang or a new buffer.
 *
 * <p>Thread-safe.
 */
public final class BatchPool implements AutoCloseable {
  private final BatchSpec spec;
  private final int capacity;
  private final Arena arena = Arena.ofShared();
  private final List<BatchBuffer> all = new ArrayList<>();
  private final ArrayDeque<BatchBuffer> free = new ArrayDeque<>();
  private final boolean[] out;
  private int inUse;
  private int peakInUse;
  private boolean closed;

  /** A pool of {@code capacity} buffers shaped by {@code spec}. */
  public BatchPool(BatchSpec spec, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("pool capacity " + capacity + " must be >= 1");
    }
    this.spec = spec;
    this.capacity = capacity;
    this.out = new boolean[capacity];
  }

  /** The buffers' spec. */
  public BatchSpec spec() {
    return spec;
  }

  /** Buffers at most. */
  public int capacity() {
    return capacity;
  }

  /** The most bytes this pool will ever allocate: capacity × spec.bytes(). */
  public long boundBytes() {
    return capacity * spec.bytes();
  }

  /** Bytes allocated so far. */
  public synchronized long allocatedBytes() {
    return all.size() * spec.bytes();
  }

  /** Buffers out of the pool now. */
  public synchronized int inUse() {
    return inUse;
  }

  /** The most buffers that were out at once. */
  public synchronized int peakInUse() {
    return peakInUse;
  }

  /**
   * A free buffer (its previous content is stale), allocating one while fewer than capacity exist.
   *
   * @throws IllegalStateException all {@code capacity} buffers are out, or the pool is closed
   */
  public synchronized BatchBuffer acquire() {
    if (closed) {
      throw new IllegalStateException("batch pool is closed");
    }
    BatchBuffer b = free.poll();
    if (b == null) {
      if (all.size() >= capacity) {
        throw new IllegalStateException(
            "batch pool exhausted: all " + capacity + " buffers are in use");
      }
      MemorySegment block = arena.allocate(spec.bytes(), BatchSpec.ALIGN);
      b = new BatchBuffer(spec, all.size(), block);
      all.add(b);
    }
    out[b.id()] = true;
    inUse++;
    peakInUse = Math.max(peakInUse, inUse);
    return b;
  }

  /** Returns a buffer. Returning one twice or one of another pool is an IllegalStateException. */
  public synchronized void release(BatchBuffer b) {
    if (b.id() >= all.size() || all.get(b.id()) != b || !out[b.id()]) {
      throw new IllegalStateException("buffer " + b.id() + " is not out of this pool");
    }
    out[b.id()] = false;
    inUse--;
    free.push(b);
  }

  /**
   * Frees every buffer. Only when no thread will touch a buffer again: later accesses fail with
   * IllegalStateException, but native code handed a buffer's address would not be stopped.
   */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      free.clear();
      arena.close();
    }
  }
}
