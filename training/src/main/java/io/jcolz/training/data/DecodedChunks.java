package io.jcolz.training.data;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.column.ChunkView;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A small LRU of one column's decoded chunks, each turned into a heap value by {@code extract}
 * while its view is valid. Thread-safe: lookups are synchronised; a miss decodes outside the lock
 * (two threads missing the same chunk may both decode it).
 *
 * @param <T> the heap form of a chunk
 */
final class DecodedChunks<T> {
  private final Dataset dataset;
  private final Column column;
  private final int capacity;
  private final Function<ChunkView, T> extract;
  private final Map<Integer, T> lru;
  private long decodes;

  DecodedChunks(Dataset dataset, Column column, int capacity, Function<ChunkView, T> extract) {
    this.dataset = dataset;
    this.column = column;
    this.capacity = capacity;
    this.extract = extract;
    this.lru =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Integer, T> eldest) {
            return size() > DecodedChunks.this.capacity;
          }
        };
  }

  /** Chunk {@code k}, decoded now or earlier. */
  T get(int k) throws IOException {
    synchronized (lru) {
      T v = lru.get(k);
      if (v != null) {
        return v;
      }
    }
    T v;
    try (ChunkDecoder decoder = dataset.newDecoder()) {
      v = extract.apply(decoder.decode(column, k));
    }
    synchronized (lru) {
      decodes++;
      lru.put(k, v);
    }
    return v;
  }

  /** Chunks decoded so far. */
  long decodes() {
    synchronized (lru) {
      return decodes;
    }
  }
}
