package io.jcolz.loader.cache;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.column.ChunkView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded table of one column's decoded chunks in off-heap slots, shared by the loader's workers.
 * It never blocks: a caller {@linkplain #pinIfPresent pins} a chunk that is already here (decoded
 * or being decoded), or {@linkplain #reserve reserves} a slot for it and then {@linkplain #decode
 * decodes} it there outside every lock and {@linkplain #publish publishes} it; -1 says "no slot
 * free now", and the caller decides what to wait for. So a chunk is decoded by one caller at a
 * time, and whoever else needs it meanwhile pins the same slot instead of decoding it again.
 *
 * <p>Eviction: a new reservation takes an empty slot, else the decoded, unpinned slot with the
 * smallest <em>key</em> — the largest key any pin of that chunk carried. The loader's keys are run
 * batch numbers, so the chunk evicted is the one whose latest user lies furthest back in the run;
 * for a quasi-random window that is a chunk of a window already finished.
 *
 * <p>Memory: {@code slots × slotBytes} off-heap, allocated lazily slot by slot (by the decoding
 * thread, outside the lock) and freed by {@link #close()}, where {@code slotBytes} is the column's
 * largest decompressed chunk; plus an {@code int[chunkCount]} chunk → slot map on the heap (1.8 MB
 * for 460 K chunks).
 *
 * <p>Thread-safe: every method takes the cache's lock briefly, except {@link #decode}, which the
 * caller that reserved the slot runs with no lock held.
 */
public final class ChunkCache implements AutoCloseable {
  private static final byte EMPTY = 0;
  private static final byte RESERVED = 1;
  private static final byte READY = 2;

  private final Column column;
  private final int slotBytes;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment[] memory;
  private final ChunkView[] views;
  private final int[] slotChunk;
  private final int[] pins;
  private final byte[] state;
  private final long[] key;
  private final int[] chunkSlot;
  private final ReentrantLock lock = new ReentrantLock();
  private boolean closed;
  private final AtomicLong allocated = new AtomicLong();
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong decodes = new AtomicLong();

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
    this.key = new long[slots];
    this.chunkSlot = new int[column.chunkCount()];
    Arrays.fill(slotChunk, -1);
    Arrays.fill(chunkSlot, -1);
  }

  /** Off-heap bytes a cache of {@code slots} slots over {@code column} may hold at most. */
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
    return allocated.get();
  }

  /** Pins of a chunk that was already here (decoded, or being decoded by another caller). */
  public long hits() {
    return hits.get();
  }

  /** Chunks decoded into this cache. */
  public long decodes() {
    return decodes.get();
  }

  /**
   * Pins chunk {@code k} if a slot holds it, decoded or reserved for decoding.
   *
   * @param useKey the pin's eviction key (see the class comment); the slot keeps the largest
   * @return the slot, or -1 when the chunk is not here
   * @throws IllegalStateException the cache is closed
   */
  public int pinIfPresent(int k, long useKey) {
    lock.lock();
    try {
      checkOpen();
      int s = chunkSlot[k];
      if (s < 0) {
        return -1;
      }
      pins[s]++;
      key[s] = Math.max(key[s], useKey);
      hits.incrementAndGet();
      return s;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reserves a slot for chunk {@code k}, which must not be here ({@link #pinIfPresent} said -1):
   * the slot is pinned once, and the caller must {@link #decode} and then {@link #publish} it (or
   * {@link #abandon} it).
   *
   * @return the slot, or -1 when every slot is pinned or reserved
   * @throws IllegalStateException the cache is closed, or chunk {@code k} is already here
   */
  public int reserve(int k, long useKey) {
    lock.lock();
    try {
      checkOpen();
      if (chunkSlot[k] >= 0) {
        throw new IllegalStateException(
            "chunk " + k + " of column '" + column.name() + "' is already cached");
      }
      int s = victim();
      if (s < 0) {
        return -1;
      }
      if (slotChunk[s] >= 0) {
        chunkSlot[slotChunk[s]] = -1;
      }
      views[s] = null;
      slotChunk[s] = k;
      chunkSlot[k] = s;
      state[s] = RESERVED;
      pins[s] = 1;
      key[s] = useKey;
      return s;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Decodes the chunk reserved in slot {@code s} into it. Call with no lock held, once per
   * reservation, from the caller that reserved it; the view is not visible to others until {@link
   * #publish}.
   *
   * @param decoder the calling thread's decoder
   * @throws CorruptDatasetException the chunk is damaged
   */
  public ChunkView decode(int s, ChunkDecoder decoder) throws CorruptDatasetException {
    return decode(s, decoder, null);
  }

  /**
   * Decodes the chunk reserved in slot {@code s} into it, as {@link #decode(int, ChunkDecoder)},
   * from its compressed bytes read ahead ({@link ChunkDecoder#prefetch}; null: read them now).
   */
  public ChunkView decode(int s, ChunkDecoder decoder, MemorySegment prefetched)
      throws CorruptDatasetException {
    int k;
    MemorySegment m;
    lock.lock();
    try {
      checkOpen();
      if (state[s] != RESERVED) {
        throw new IllegalStateException(
            "slot " + s + " of column '" + column.name() + "' is not reserved");
      }
      k = slotChunk[s];
      m = memory[s];
    } finally {
      lock.unlock();
    }
    if (m == null) {
      m = arena.allocate(slotBytes, 64); // zero-fills 4 MiB: keep it out of the lock
      allocated.addAndGet(slotBytes);
      lock.lock();
      try {
        memory[s] = m;
      } finally {
        lock.unlock();
      }
    }
    ChunkView v = decoder.decodeInto(column, k, prefetched, m);
    decodes.incrementAndGet();
    return v;
  }

  /** Makes the chunk decoded into reserved slot {@code s} readable by every pin of it. */
  public void publish(int s, ChunkView view) {
    lock.lock();
    try {
      if (state[s] != RESERVED) {
        throw new IllegalStateException(
            "slot " + s + " of column '" + column.name() + "' is not reserved");
      }
      views[s] = view;
      state[s] = READY;
    } finally {
      lock.unlock();
    }
  }

  /** Gives up reserved slot {@code s} (its decode failed): the slot is empty again. */
  public void abandon(int s) {
    lock.lock();
    try {
      if (state[s] == RESERVED) {
        chunkSlot[slotChunk[s]] = -1;
        slotChunk[s] = -1;
        state[s] = EMPTY;
        pins[s] = 0;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Whether slot {@code s} holds a published chunk. */
  public boolean isReady(int s) {
    lock.lock();
    try {
      return state[s] == READY;
    } finally {
      lock.unlock();
    }
  }

  /** The published view of slot {@code s}; valid while the caller holds a pin on it. */
  public ChunkView view(int s) {
    lock.lock();
    try {
      if (state[s] != READY) {
        throw new IllegalStateException(
            "slot " + s + " of column '" + column.name() + "' is not decoded");
      }
      return views[s];
    } finally {
      lock.unlock();
    }
  }

  /**
   * Releases one pin of slot {@code s}.
   *
   * @return the pins left; at 0 a published slot may be evicted by the next reservation
   */
  public int unpin(int s) {
    lock.lock();
    try {
      if (pins[s] <= 0) {
        throw new IllegalStateException(
            "slot " + s + " of column '" + column.name() + "' is not pinned");
      }
      return --pins[s];
    } finally {
      lock.unlock();
    }
  }

  /**
   * An empty slot, else the published, unpinned slot with the smallest key (the lowest-numbered on
   * ties); -1 if every slot is pinned or reserved.
   */
  private int victim() {
    int best = -1;
    for (int i = 0; i < memory.length; i++) {
      if (state[i] == EMPTY) {
        return i;
      }
      if (state[i] == READY && pins[i] == 0 && (best < 0 || key[i] < key[best])) {
        best = i;
      }
    }
    return best;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("chunk cache of column '" + column.name() + "' is closed");
    }
  }

  /**
   * Frees the slots. Call only when no thread uses the cache any more (a decode writing into a
   * freed slot would be a native write into unmapped memory).
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      lock.unlock();
    }
    arena.close();
  }
}
