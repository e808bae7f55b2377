package io.jcolz.loader.cache;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.column.ChunkView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded cache of one column's decoded chunks in off-heap slots, shared by the loader's workers.
 * {@link #pin} returns a chunk's view, decoding it into a free slot first if needed; the slot
 * cannot be reused until {@link #unpin}. A chunk is decoded by one worker at a time: others that
 * need it meanwhile wait for that decode instead of repeating it. Eviction is CLOCK (second chance)
 * over unpinned slots.
 *
 * <p>Memory: {@code slots × slotBytes} off-heap, allocated lazily slot by slot and freed by {@link
 * #close()}, where {@code slotBytes} is the column's largest decompressed chunk; plus an {@code
 * int[chunkCount]} chunk → slot map on the heap (1.8 MB for 460 K chunks).
 *
 * <p>Deadlock freedom: a caller pins at most one chunk of a cache at a time, and a cache has more
 * slots than callers, so a pin always finds a slot that is free or will become free.
 *
 * <p>Thread-safe. Decoding happens outside the cache's lock; the lock guards only bookkeeping.
 */
public final class ChunkCache implements AutoCloseable {
  private static final byte EMPTY = 0;
  private static final byte LOADING = 1;
  private static final byte READY = 2;

  private final Column column;
  private final int slotBytes;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment[] memory;
  private final ChunkView[] views;
  private final int[] slotChunk;
  private final int[] pins;
  private final byte[] state;
  private final boolean[] referenced;
  private final int[] chunkSlot;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private int hand;
  private boolean closed;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong decodes = new AtomicLong();
  private final AtomicLong waits = new AtomicLong();

  /**
   * @param column the column whose chunks are cached
   * @param slots number of decoded chunks held at most (at least 1)
   */
  public ChunkCache(Column column, int slots) {
    if (slots < 1) {
      throw new IllegalArgumentException("a chunk cache needs at least one slot, not " + slots);
    }
    this.column = column;
    this.slotBytes = Math.max(1, column.maxDecompressedLength());
    this.memory = new MemorySegment[slots];
    this.views = new ChunkView[slots];
    this.slotChunk = new int[slots];
    this.pins = new int[slots];
    this.state = new byte[slots];
    this.referenced = new boolean[slots];
    this.chunkSlot = new int[column.chunkCount()];
    Arrays.fill(slotChunk, -1);
    Arrays.fill(chunkSlot, -1);
  }

  /** Off-heap bytes this cache may hold at most: slots × the largest decompressed chunk. */
  public static long boundBytes(Column column, int slots) {
    return (long) slots * Math.max(1, column.maxDecompressedLength());
  }

  /** The cached column. */
  public Column column() {
    return column;
  }

  /** Number of slots. */
  public int slots() {
    return memory.length;
  }

  /** Off-heap bytes this cache may hold at most. */
  public long boundBytes() {
    return (long) memory.length * slotBytes;
  }

  /** Off-heap bytes allocated so far. */
  public long allocatedBytes() {
    lock.lock();
    try {
      long n = 0;
      for (MemorySegment m : memory) {
        n += m == null ? 0 : m.byteSize();
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Pins served from a slot already decoded. */
  public long hits() {
    return hits.get();
  }

  /** Chunks decoded. */
  public long decodes() {
    return decodes.get();
  }

  /** Pins that waited, for another worker's decode or for a free slot. */
  public long waits() {
    return waits.get();
  }

  /**
   * Chunk {@code k}, decoded, pinned until {@link #unpin(int)}. The view is valid until then.
   *
   * @param decoder the calling thread's decoder, used when the chunk must be decoded
   * @throws CorruptDatasetException the chunk is damaged (nothing stays pinned)
   * @throws InterruptedException while waiting for a slot or another worker's decode
   * @throws IllegalStateException the cache is closed
   */
  public ChunkView pin(int k, ChunkDecoder decoder)
      throws CorruptDatasetException, InterruptedException {
    int s;
    lock.lockInterruptibly();
    try {
      boolean waited = false;
      while (true) {
        if (closed) {
          throw new IllegalStateException(
              "chunk cache of column '" + column.name() + "' is closed");
        }
        s = chunkSlot[k];
        if (s >= 0) {
          if (state[s] == READY) {
            pins[s]++;
            referenced[s] = true;
            hits.incrementAndGet();
            return views[s];
          }
          waited = true; // LOADING by another thread
          changed.await();
          continue;
        }
        s = victim();
        if (s >= 0) {
          break;
        }
        waited = true;
        changed.await();
      }
      if (waited) {
        waits.incrementAndGet();
      }
      if (slotChunk[s] >= 0) {
        chunkSlot[slotChunk[s]] = -1;
      }
      views[s] = null;
      slotChunk[s] = k;
      chunkSlot[k] = s;
      state[s] = LOADING;
      pins[s] = 1;
      if (memory[s] == null) {
        memory[s] = arena.allocate(slotBytes, 64);
      }
    } finally {
      lock.unlock();
    }
    ChunkView v = null;
    try {
      v = decoder.decodeInto(column, k, memory[s]);
      decodes.incrementAndGet();
      return v;
    } finally {
      lock.lock();
      try {
        if (v != null) {
          views[s] = v;
          state[s] = READY;
          referenced[s] = true;
        } else {
          chunkSlot[k] = -1;
          slotChunk[s] = -1;
          state[s] = EMPTY;
          pins[s] = 0;
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Releases one pin of chunk {@code k}. */
  public void unpin(int k) {
    lock.lock();
    try {
      int s = chunkSlot[k];
      if (s < 0 || state[s] != READY || pins[s] <= 0) {
        throw new IllegalStateException(
            "chunk " + k + " of column '" + column.name() + "' is not pinned");
      }
      if (--pins[s] == 0) {
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A free slot, or an unpinned ready one chosen by CLOCK; -1 if every slot is pinned or loading.
   */
  private int victim() {
    for (int i = 0; i < memory.length; i++) {
      if (state[i] == EMPTY) {
        return i;
      }
    }
    for (int sweep = 0; sweep < 2 * memory.length; sweep++) {
      int i = hand;
      hand = (hand + 1) % memory.length;
      if (state[i] == READY && pins[i] == 0) {
        if (referenced[i]) {
          referenced[i] = false;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  /** Wakes waiters (they fail) so a closing loader's workers do not sleep here. */
  public void shutdown() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Frees the slots. Call only when no thread uses the cache any more (a decode writing into a
   * freed slot would be a native write into unmapped memory).
   */
  @Override
  public void close() {
    shutdown();
    arena.close();
  }
}
