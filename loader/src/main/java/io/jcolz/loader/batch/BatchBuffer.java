package io.jcolz.loader.batch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One pooled off-heap batch: the image region, the label region (multi-hot floats or sparse pairs),
 * with targets a second label region (the mask, or the per-pair targets), the row ids, and the fill
 * state (samples, pairs). All numbers are in native byte order (little-endian on every platform
 * jcolz supports).
 *
 * <p>Not thread-safe: a buffer belongs to one thread at a time — the worker filling it, then the
 * consumer reading it — and is handed over through a queue (which makes the writes visible).
 */
public final class BatchBuffer {
  private final BatchSpec spec;
  private final int id;
  private final MemorySegment images;
  private final MemorySegment labels;
  private final MemorySegment weights;
  private final MemorySegment rows;
  private int size;
  private int pairs;
  private int negativePairs;

  BatchBuffer(BatchSpec spec, int id, MemorySegment block) {
    this.spec = spec;
    this.id = id;
    long o = 0;
    this.images = block.asSlice(o, spec.imagesBytes());
    o += BatchSpec.align(spec.imagesBytes());
    this.labels = block.asSlice(o, spec.labelBytes());
    o += BatchSpec.align(spec.labelBytes());
    this.weights = block.asSlice(o, spec.weightBytes());
    o += BatchSpec.align(spec.weightBytes());
    this.rows = block.asSlice(o, spec.rowBytes());
  }

  /** The spec this buffer was made for. */
  public BatchSpec spec() {
    return spec;
  }

  /** Index of this buffer in its pool. */
  public int id() {
    return id;
  }

  /** The whole image region (capacity B samples). */
  public MemorySegment images() {
    return images;
  }

  /** Sample {@code i}'s image slot: C × H × W bytes in the spec's layout. */
  public MemorySegment image(int i) {
    return images.asSlice(i * spec.imageBytes(), spec.imageBytes());
  }

  /** The whole label region (capacity). */
  public MemorySegment labels() {
    return labels;
  }

  /**
   * The second label region (capacity), with targets only ({@link BatchSpec#weightBytes()}): the
   * mask {@code [B, L]} float32 (MULTI_HOT) or the per-pair float32 targets (SPARSE); empty for
   * plain labels.
   */
  public MemorySegment weights() {
    return weights;
  }

  /** The row-id region: B int64. */
  public MemorySegment rows() {
    return rows;
  }

  /** Sample {@code i}'s dataset row. */
  public long row(int i) {
    return rows.getAtIndex(ValueLayout.JAVA_LONG, i);
  }

  /** Sets sample {@code i}'s dataset row. */
  public void row(int i, long row) {
    rows.setAtIndex(ValueLayout.JAVA_LONG, i, row);
  }

  /** Samples filled. */
  public int size() {
    return size;
  }

  /** Sets the number of samples filled. */
  public void size(int n) {
    if (n < 0 || n > spec.batchSize()) {
      throw new IllegalArgumentException("size " + n + " of a batch of " + spec.batchSize());
    }
    size = n;
  }

  /** Verified-negative pairs filled after the positive ones (SPARSE with targets). */
  public int negativePairs() {
    return negativePairs;
  }

  /** Sets the number of verified-negative pairs filled after the {@link #pairs()} positive ones. */
  public void negativePairs(int n) {
    if (n < 0 || (n > 0 && !spec.targets().partial()) || (long) pairs + n > spec.maxPairs()) {
      throw new IllegalArgumentException(
          "negative pairs " + n + " after " + pairs + " of " + spec.maxPairs());
    }
    negativePairs = n;
  }

  /** Sparse pairs filled. */
  public int pairs() {
    return pairs;
  }

  /** Sets the number of sparse pairs filled. */
  public void pairs(int n) {
    if (n < 0 || (spec.labelMode() == LabelMode.SPARSE && n > spec.maxPairs())) {
      throw new IllegalArgumentException("pairs " + n + " of " + spec.maxPairs());
    }
    pairs = n;
  }
}
