package io.jcolz.loader;

/**
 * The off-heap memory a loader may use at most, known before it allocates anything and independent
 * of the dataset's size:
 *
 * <pre>
 * total = batchBuffers × batchBytes + cacheBytes
 * batchBuffers = devices × (prefetch + 1) + workers
 * batchBytes   = B×C×H×W (images) + B×L×4 (multi-hot) or pairs×8 (sparse) + B×8 (row ids)
 *                + with targets ({@link io.jcolz.loader.batch.TargetMode}): B×L×4 (the dense mask)
 *                  or pairs×4 (a target per pair)
 * cacheBytes   = Σ over cached columns of slots × largest decompressed chunk
 * </pre>
 *
 * (The heap holds, besides, per worker a few B-sized scratch arrays, with sparse labels or targets
 * per lookahead batch a label scratch of pairs×4 bytes (three of them with targets), and per epoch
 * the order's chunk permutation: about 12 bytes per chunk.)
 *
 * <p>Immutable and thread-safe.
 *
 * @param batchBytes bytes of one batch buffer
 * @param batchBuffers buffers in the pool
 * @param cacheBytes bytes of all chunk cache slots
 */
public record MemoryBudget(long batchBytes, int batchBuffers, long cacheBytes) {
  /** Bytes of the batch pool. */
  public long poolBytes() {
    return batchBytes * batchBuffers;
  }

  /** The bound: pool plus caches. */
  public long totalBytes() {
    return poolBytes() + cacheBytes;
  }

  @Override
  public String toString() {
    return String.format(
        "%d batch buffers × %.1f MiB + chunk cache %.1f MiB = %.1f MiB",
        batchBuffers, batchBytes / 1048576.0, cacheBytes / 1048576.0, totalBytes() / 1048576.0);
  }
}
