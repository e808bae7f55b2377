package io.jcolz.loader;

import io.jcolz.loader.batch.BatchBuffer;
import io.jcolz.loader.batch.BatchSpec;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.TargetMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One batch of samples, in a pooled off-heap buffer:
 *
 * <ul>
 *   <li>{@link #images()}: uint8 {@code [n, C, H, W]} (NCHW) or {@code [n, H, W, C]} (NHWC);
 *   <li>{@link #multiHot()}: float32 {@code [n, L]}, 1.0 where sample i has label j (MULTI_HOT);
 *   <li>{@link #labelPairs()}: int32 {@code [P, 2]} of (sample, label), sorted (SPARSE);
 *   <li>{@link #rows()}: int64 {@code [n]} dataset rows; {@link #key(int)} the sample keys.
 * </ul>
 *
 * <p><b>Targets and mask</b> (a dataset of partial labels, {@link #targetMode()} not PLAIN; see
 * {@link TargetMode}): MULTI_HOT carries {@link #targets()}, float32 {@code [n, L]} (a positive's
 * confidence, 0 elsewhere), and {@link #mask()}, float32 {@code [n, L]} (0 where the label is
 * unknown, 1 elsewhere); SPARSE carries {@link #listedPairs()}, int32 {@code [P + N, 2]}: the P
 * positive pairs ({@link #labelPairs()}, sorted) then the N verified-negative pairs ({@link
 * #negativePairs()}, sorted), {@link #pairTargets()}, float32 {@code [P + N]} (the confidence of a
 * positive, 0 for a negative), and {@link #unlistedWeight()} for every element not listed: target 0
 * and that weight. Nothing of size {@code n × L} exists in the SPARSE form.
 *
 * <p>where n = {@link #size()} (the batch size, or less for a last batch without drop-last).
 * Numbers are in native byte order.
 *
 * <p><b>Lifetime.</b> Every segment of a batch is a view of a pooled off-heap buffer that the
 * loader owns: it is valid until {@link #close()}, after which the same memory holds another batch
 * (and once the loader is closed and every batch closed, it is freed: a read then is a read of
 * freed memory). Anything that wraps a segment without copying shares that fate — and DJL's PyTorch
 * engine may wrap a direct buffer without copying on the CPU (whether it does depends on the build
 * and the buffer), so {@code manager.create(batch.images().asByteBuffer(), …)} may change after
 * {@code close()} and the next {@code take()}. Copy what must outlive the batch before closing it
 * ({@code io.jcolz.training.data.BatchArrays#copy} copies a batch into NDArrays exactly once). The
 * methods of a closed batch throw {@link IllegalStateException}; segments obtained before are not
 * checked. Close every batch; at most {@code prefetch + 1} batches of one device may be open at
 * once.
 *
 * <p>Not thread-safe: read it from any one thread (or several, read-only), and close it once.
 */
public final class Batch implements AutoCloseable {
  private final Loader loader;
  private final BatchBuffer buffer;
  private final long epoch;
  private final long index;
  private final int device;
  private final String[] keys;
  private boolean closed;

  Batch(Loader loader, BatchBuffer buffer, long epoch, long index, int device, String[] keys) {
    this.loader = loader;
    this.buffer = buffer;
    this.epoch = epoch;
    this.index = index;
    this.device = device;
    this.keys = keys;
  }

  /** The epoch this batch belongs to. */
  public long epoch() {
    return epoch;
  }

  /** Index of this batch within its epoch, on this rank (0-based). */
  public long index() {
    return index;
  }

  /** The device queue that delivered it ({@code index mod devices}). */
  public int device() {
    return device;
  }

  /** Samples in this batch. */
  public int size() {
    return buffer.size();
  }

  private BatchSpec spec() {
    return buffer.spec();
  }

  /** The image layout. */
  public ImageLayout layout() {
    return spec().layout();
  }

  /** The image tensor's shape: {@code {n, C, H, W}} or {@code {n, H, W, C}}. */
  public long[] imageShape() {
    BatchSpec s = spec();
    return s.layout() == ImageLayout.NCHW
        ? new long[] {size(), s.channels(), s.height(), s.width()}
        : new long[] {size(), s.height(), s.width(), s.channels()};
  }

  /** The images: exactly {@code size() × C × H × W} bytes. */
  public MemorySegment images() {
    check();
    return buffer.images().asSlice(0, size() * spec().imageBytes());
  }

  /** Sample {@code i}'s image: C × H × W bytes. */
  public MemorySegment image(int i) {
    check();
    checkIndex(i);
    return buffer.image(i);
  }

  /** How labels are carried. */
  public LabelMode labelMode() {
    return spec().labelMode();
  }

  /** The label vocabulary size L (0 without labels). */
  public int labelCount() {
    return spec().labelMode() == LabelMode.NONE ? 0 : spec().labelCount();
  }

  /** The multi-hot matrix: float32 {@code [size(), L]}. */
  public MemorySegment multiHot() {
    check();
    if (labelMode() != LabelMode.MULTI_HOT) {
      throw new IllegalStateException("labels are " + labelMode() + ", not MULTI_HOT");
    }
    return buffer.labels().asSlice(0, 4L * size() * spec().labelCount());
  }

  /** Plain labels, or targets and a mask (and what an unlisted label means). */
  public TargetMode targetMode() {
    return spec().targets();
  }

  /**
   * The dense targets: float32 {@code [size(), L]}, a positive's confidence (1 without confidences,
   * so for plain labels this is {@link #multiHot()}), 0 elsewhere (MULTI_HOT).
   */
  public MemorySegment targets() {
    return multiHot();
  }

  /**
   * The dense mask: float32 {@code [size(), L]}, 0 where the label is unknown, 1 elsewhere
   * (MULTI_HOT with targets).
   */
  public MemorySegment mask() {
    check();
    if (labelMode() != LabelMode.MULTI_HOT || !targetMode().partial()) {
      throw new IllegalStateException(
          "labels are " + labelMode() + " " + targetMode() + ", not MULTI_HOT with targets");
    }
    return buffer.weights().asSlice(0, 4L * size() * spec().labelCount());
  }

  /**
   * The verified-negative pairs: int32 {@code [negativePairCount(), 2]}, (sample, label), sorted
   * (SPARSE with targets).
   */
  public MemorySegment negativePairs() {
    checkSparseTargets();
    return buffer.labels().asSlice(8L * buffer.pairs(), 8L * buffer.negativePairs());
  }

  /** Number of verified-negative pairs (SPARSE with targets; 0 otherwise). */
  public int negativePairCount() {
    return buffer.negativePairs();
  }

  /**
   * Every listed pair: int32 {@code [pairCount() + negativePairCount(), 2]}, the positives then the
   * verified negatives (SPARSE with targets).
   */
  public MemorySegment listedPairs() {
    checkSparseTargets();
    return buffer.labels().asSlice(0, 8L * (buffer.pairs() + buffer.negativePairs()));
  }

  /**
   * The target of every listed pair: float32 {@code [pairCount() + negativePairCount()]}, the
   * confidence of a positive (1 without confidences), 0 for a verified negative (SPARSE with
   * targets).
   */
  public MemorySegment pairTargets() {
    checkSparseTargets();
    return buffer.weights().asSlice(0, 4L * (buffer.pairs() + buffer.negativePairs()));
  }

  /** The weight of a label a sample does not list: 0 if unknown, 1 if a negative. */
  public float unlistedWeight() {
    return targetMode().unlistedWeight();
  }

  private void checkSparseTargets() {
    check();
    if (labelMode() != LabelMode.SPARSE || !targetMode().partial()) {
      throw new IllegalStateException(
          "labels are " + labelMode() + " " + targetMode() + ", not SPARSE with targets");
    }
  }

  /** The sparse pairs: int32 {@code [pairCount(), 2]}, (sample, label), sorted. */
  public MemorySegment labelPairs() {
    check();
    if (labelMode() != LabelMode.SPARSE) {
      throw new IllegalStateException("labels are " + labelMode() + ", not SPARSE");
    }
    return buffer.labels().asSlice(0, 8L * buffer.pairs());
  }

  /** Number of positive (sample, label) pairs (SPARSE). */
  public int pairCount() {
    return buffer.pairs();
  }

  /** Sample {@code i}'s labels, sorted, read from whichever label form this batch carries. */
  public int[] labels(int i) {
    check();
    checkIndex(i);
    if (labelMode() == LabelMode.MULTI_HOT) {
      int l = spec().labelCount();
      MemorySegment row = buffer.labels().asSlice(4L * i * l, 4L * l);
      int[] out = new int[8];
      int n = 0;
      for (int j = 0; j < l; j++) {
        if (row.getAtIndex(ValueLayout.JAVA_FLOAT, j) != 0f) {
          if (n == out.length) {
            out = Arrays.copyOf(out, 2 * n);
          }
          out[n++] = j;
        }
      }
      return Arrays.copyOf(out, n);
    }
    if (labelMode() == LabelMode.SPARSE) {
      MemorySegment p = labelPairs();
      int lo = 0;
      int hi = pairCount();
      while (lo < hi) { // first pair of sample i
        int mid = (lo + hi) >>> 1;
        if (p.getAtIndex(ValueLayout.JAVA_INT, 2L * mid) < i) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      int end = lo;
      while (end < pairCount() && p.getAtIndex(ValueLayout.JAVA_INT, 2L * end) == i) {
        end++;
      }
      int[] out = new int[end - lo];
      for (int k = lo; k < end; k++) {
        out[k - lo] = p.getAtIndex(ValueLayout.JAVA_INT, 2L * k + 1);
      }
      return out;
    }
    return new int[0];
  }

  /** The dataset rows: int64 {@code [size()]}. */
  public MemorySegment rows() {
    check();
    return buffer.rows().asSlice(0, 8L * size());
  }

  /** Sample {@code i}'s dataset row. */
  public long row(int i) {
    check();
    checkIndex(i);
    return buffer.row(i);
  }

  /** The dataset rows, copied to the heap. */
  public long[] rowIds() {
    return rows().toArray(ValueLayout.JAVA_LONG);
  }

  /**
   * Sample {@code i}'s key: filled by the workers when the loader was built with {@code
   * keys(true)}, else read now from the dataset (one chunk decode per call: fine for a few).
   *
   * @throws IllegalStateException the dataset has no key column
   */
  public String key(int i) {
    check();
    checkIndex(i);
    if (keys != null) {
      return keys[i];
    }
    try {
      return loader.readKey(buffer.row(i));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every sample's key, in sample order. */
  public List<String> keys() {
    List<String> out = new ArrayList<>(size());
    for (int i = 0; i < size(); i++) {
      out.add(key(i));
    }
    return out;
  }

  /** The underlying buffer (for adapters that hand its regions to an engine). */
  public BatchBuffer buffer() {
    check();
    return buffer;
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  private void check() {
    if (closed) {
      throw new IllegalStateException("batch " + index + " of epoch " + epoch + " is closed");
    }
  }

  private void checkIndex(int i) {
    if (i < 0 || i >= size()) {
      throw new IndexOutOfBoundsException("sample " + i + " of a batch of " + size());
    }
  }

  /** Returns the buffer to the pool and lets the device's queue move on. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      loader.recycle(this, buffer, device);
    }
  }

  @Override
  public String toString() {
    return "Batch[epoch "
        + epoch
        + ", index "
        + index
        + ", device "
        + device
        + ", "
        + size()
        + " samples]";
  }
}
