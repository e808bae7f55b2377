package io.jcolz.training.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Turns the loader's sparse multi-label form — an integer {@link NDArray} of {@code (row, label)}
 * pairs shaped {@code [nnz, 2]} — into a dense multi-hot target {@code [rows, labels]} built on the
 * device of the receiving {@link NDManager}.
 *
 * <p>Only the {@code nnz × 2} pairs cross to the device; the dense {@code B × L} target is
 * allocated there as zeros and filled with one in-place index-put ({@code index_put_} in the
 * PyTorch engine). No host-side dense array is ever built, which matters at L = 11,000: a 256-image
 * batch is 11 MB dense but a few KB sparse.
 *
 * <p>Semantics: a pair sets {@code target[row, label] = 1}; a pair given twice is the same as once;
 * rows without pairs stay all-zero (images with no labels are legal). Pairs are range-checked
 * before the put ({@code 0 ≤ row < rows}, {@code 0 ≤ label < labels}): PyTorch would read a
 * negative index from the end and, on CUDA, an out-of-range one aborts the context, so a bad pair
 * is an {@link IllegalArgumentException} here instead. The check reads the per-column minimum and
 * maximum back to the host: free when the pairs are on the CPU (the loader's case), one small
 * synchronisation when they are already on an accelerator.
 *
 * <p>Thread-safety: stateless; safe from any thread, under the usual DJL rule that an {@link
 * NDManager} and its arrays are used by one thread at a time.
 */
public final class SparseTargets {

  private SparseTargets() {}

  /**
   * Builds the dense target for a prediction: shape, data type, device and manager are the
   * prediction's.
   *
   * @param pairs {@code int32} or {@code int64} {@code [nnz, 2]} array of {@code (row, label)}
   * @param prediction the logits {@code [B, L]} the target will be compared with
   * @return a new {@code [B, L]} multi-hot array of the prediction's data type, attached to the
   *     prediction's manager
   * @throws IllegalArgumentException if the prediction is not 2-D, the pairs are not an integer
   *     {@code [nnz, 2]} array, or a pair is out of range
   */
  public static NDArray toDense(NDArray pairs, NDArray prediction) {
    Shape shape = prediction.getShape();
    if (shape.dimension() != 2) {
      throw new IllegalArgumentException(
          "sparse targets need a 2-D prediction [batch, labels], got shape " + shape);
    }
    return toDense(
        prediction.getManager(), pairs, shape.get(0), shape.get(1), prediction.getDataType());
  }

  /**
   * Builds a dense {@code float32} multi-hot target on the manager's device.
   *
   * @param manager owner of the result; its device is where the target is built
   * @param pairs {@code int32} or {@code int64} {@code [nnz, 2]} array of {@code (row, label)}
   * @param rows number of rows (the batch size B)
   * @param labels number of labels L
   * @return a new {@code [rows, labels]} float32 array attached to {@code manager}
   * @throws IllegalArgumentException if the pairs are not an integer {@code [nnz, 2]} array or a
   *     pair is out of range
   */
  public static NDArray toDense(NDManager manager, NDArray pairs, long rows, long labels) {
    return toDense(manager, pairs, rows, labels, DataType.FLOAT32);
  }

  /**
   * Builds a dense multi-hot target of the given floating-point type on the manager's device.
   *
   * @param manager owner of the result; its device is where the target is built
   * @param pairs {@code int32} or {@code int64} {@code [nnz, 2]} array of {@code (row, label)}
   * @param rows number of rows (the batch size B), at least 1
   * @param labels number of labels L, at least 1
   * @param type floating-point data type of the result (that of the logits)
   * @return a new {@code [rows, labels]} array attached to {@code manager}
   * @throws IllegalArgumentException on a bad shape, type or out-of-range pair
   */
  public static NDArray toDense(
      NDManager manager, NDArray pairs, long rows, long labels, DataType type) {
    if (!type.isFloating()) {
      throw new IllegalArgumentException("target type must be floating point, got " + type);
    }
    try (NDManager scope = manager.newSubManager()) {
      PairIndex index = PairIndex.of(scope, pairs, rows, labels);
      return index.fill(manager, type, 0f, 1f);
    }
  }

  /**
   * Validated {@code (row, label)} pairs as two int64 index vectors on a manager's device, for
   * building B×L arrays that take one value at the pairs and another everywhere else.
   */
  static final class PairIndex {

    private final long rows;
    private final long labels;
    private final NDArray rowIndex;
    private final NDArray labelIndex;

    private PairIndex(long rows, long labels, NDArray rowIndex, NDArray labelIndex) {
      this.rows = rows;
      this.labels = labels;
      this.rowIndex = rowIndex;
      this.labelIndex = labelIndex;
    }

    /**
     * Checks the pairs and moves them to {@code scope}'s device; the index arrays belong to {@code
     * scope}.
     */
    static PairIndex of(NDManager scope, NDArray pairs, long rows, long labels) {
      if (rows < 1 || labels < 1) {
        throw new IllegalArgumentException(
            "rows and labels must be positive, got rows=" + rows + " labels=" + labels);
      }
      checkPairs(pairs);
      if (pairs.getShape().get(0) == 0) {
        return new PairIndex(rows, labels, null, null);
      }
      checkRange(pairs, rows, labels); // where the pairs are: the host, for the loader
      NDArray onDevice = pairs;
      if (!pairs.getDevice().equals(scope.getDevice())) {
        onDevice = pairs.toDevice(scope.getDevice(), false);
        onDevice.attach(scope);
      }
      return new PairIndex(rows, labels, column(onDevice, 0, scope), column(onDevice, 1, scope));
    }

    /** A new {@code [rows, labels]} array: {@code value} at the pairs, else background. */
    NDArray fill(NDManager owner, DataType type, float background, float value) {
      NDArray out = owner.full(new Shape(rows, labels), background, type);
      if (rowIndex != null) {
        try (NDArray v = owner.full(new Shape(), value, type)) {
          out.set(new NDIndex("{}, {}", rowIndex, labelIndex), v);
        }
      }
      return out;
    }

    /** A new {@code [rows, labels]} array: {@code perPair[k]} at pair k, else background. */
    NDArray fillValues(NDManager owner, DataType type, float background, NDArray perPair) {
      NDArray out = owner.full(new Shape(rows, labels), background, type);
      if (rowIndex != null) {
        out.set(new NDIndex("{}, {}", rowIndex, labelIndex), perPair);
      }
      return out;
    }

    /**
     * A new {@code [rows, labels]} array: {@code perLabel[label]} at the pairs, else background.
     */
    NDArray fill(NDManager owner, DataType type, float background, NDArray perLabel) {
      NDArray out = owner.full(new Shape(rows, labels), background, type);
      if (rowIndex != null) {
        try (NDArray v = perLabel.get(new NDIndex("{}", labelIndex))) {
          out.set(new NDIndex("{}, {}", rowIndex, labelIndex), v);
        }
      }
      return out;
    }
  }

  private static void checkPairs(NDArray pairs) {
    DataType type = pairs.getDataType();
    if (type != DataType.INT32 && type != DataType.INT64) {
      throw new IllegalArgumentException(
          "sparse labels must be int32 or int64 (row, label) pairs, got " + type);
    }
    Shape shape = pairs.getShape();
    if (shape.dimension() != 2 || shape.get(1) != 2) {
      throw new IllegalArgumentException(
          "sparse labels must be shaped [nnz, 2] (row, label), got " + shape);
    }
  }

  /** Column {@code c} of the pairs as an int64 vector owned by {@code scope}. */
  private static NDArray column(NDArray pairs, int c, NDManager scope) {
    NDArray slice = pairs.get(":, " + c);
    slice.attach(scope);
    NDArray asLong = slice.toType(DataType.INT64, false);
    asLong.attach(scope);
    return asLong;
  }

  private static void checkRange(NDArray pairs, long rows, long labels) {
    long[] min;
    long[] max;
    try (NDArray lo = pairs.min(new int[] {0}, false);
        NDArray hi = pairs.max(new int[] {0}, false)) {
      min = toLongs(lo);
      max = toLongs(hi);
    }
    if (min[0] < 0 || max[0] >= rows) {
      throw new IllegalArgumentException(
          "sparse label row index out of range: actual ["
              + min[0]
              + ", "
              + max[0]
              + "] vs expected [0, "
              + (rows - 1)
              + "]");
    }
    if (min[1] < 0 || max[1] >= labels) {
      throw new IllegalArgumentException(
          "sparse label index out of range: actual ["
              + min[1]
              + ", "
              + max[1]
              + "] vs expected [0, "
              + (labels - 1)
              + "]");
    }
  }

  private static long[] toLongs(NDArray array) {
    if (array.getDataType() == DataType.INT64) {
      return array.toLongArray();
    }
    int[] ints = array.toIntArray();
    long[] longs = new long[ints.length];
    for (int i = 0; i < ints.length; i++) {
      longs[i] = ints[i];
    }
    return longs;
  }
}
