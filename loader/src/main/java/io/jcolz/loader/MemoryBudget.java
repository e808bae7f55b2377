package io.jcolz.loader;

/**
 * The off-heap memory a loader may use at most, known before it allocates anything and independent
 * of the dataset's size:
 *
 * <pre>
 * total = batchBuffers × batchBytes + cacheBytes + readBuffers × readBufferBytes
 * batchBuffers = devices × (prefetch + 1) + workers
 * batchBytes   = B×C×H×W (images) + B×L×4 (multi-hot) or pairs×8 (sparse) + B×8 (row ids)
 *                + with targets ({@link io.jcolz.loader.batch.TargetMode}): B×L×4 (the dense mask)
 *                  or pairs×4 (a target per pair)
 * cacheBytes   = Σ over cached columns of slots × largest decompressed chunk
 * readBuffers  = read-ahead depth + workers (pread and direct: the pooled read-ahead buffers, and
 *                each worker's own buffer for the chunks it reads itself)
 * readBufferBytes = the largest compressed chunk in whole pages (direct: plus a block at each end);
 *                0 for map and populate, which read the mapping in place
 * </pre>
 *
 * In map and populate modes the read-ahead holds no process memory: it brings at most {@code depth}
 * chunks' pages into the page cache ahead of their decode.
 *
 * <p>(The heap holds, besides, per worker a few B-sized scratch arrays, with sparse labels or
 * targets per lookahead batch a label scratch of pairs×4 bytes (three of them with targets), and
 * per epoch the order's chunk permutation: about 12 bytes per chunk.)
 *
 * <p>Immutable and thread-safe.
 *
 * @param batchBytes bytes of one batch buffer
 * @param batchBuffers buffers in the pool
 * @param cacheBytes bytes of all chunk cache slots
 * @param readBuffers read buffers at most: read-ahead depth plus workers (0 for the mapped modes)
 * @param readBufferBytes bytes of one read buffer (0 for the mapped modes)
 */
public record MemoryBudget(
    long batchBytes, int batchBuffers, long cacheBytes, int readBuffers, long readBufferBytes) {
  /** Bytes of the batch pool. */
  public long poolBytes() {
    return batchBytes * batchBuffers;
  }

  /** Bytes of the read buffers: read ahead and the workers' own. */
  public long readBytes() {
    return readBufferBytes * readBuffers;
  }

  /** The bound: pool plus caches plus read buffers. */
  public long totalBytes() {
    return poolBytes() + cacheBytes + readBytes();
  }

  @Override
  public String toString() {
    return String.format(
        "%d batch buffers × %.1f MiB + chunk cache %.1f MiB + %d read buffers × %.1f MiB = %.1f MiB",
        batchBuffers,
        batchBytes / 1048576.0,
        cacheBytes / 1048576.0,
        readBuffers,
        readBufferBytes / 1048576.0,
        totalBytes() / 1048576.0);
  }
}
