package io.jcolz.training.data;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.loader.Batch;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Turns a loader {@link Batch} into DJL arrays on a device: images as normalised float32 NCHW,
 * labels as int32 {@code (sample, label)} pairs (SPARSE) or float32 multi-hot (MULTI_HOT).
 *
 * <p>Images travel as uint8 (a quarter of the float bytes) to the manager's device and are
 * converted and normalised there: {@code (x/255 − mean_c) / std_c} with the ImageNet channel
 * statistics {@link #MEAN} and {@link #STD}. Every array returned is a copy, made once: the batch
 * may be closed as soon as a method returns.
 *
 * <p><b>Why copy.</b> A batch's segments are views of a pooled off-heap buffer that {@link
 * Batch#close()} hands to the next batch and {@code Loader.close()} frees. DJL's PyTorch engine
 * wraps a direct {@code ByteBuffer} without copying on the CPU, so {@code
 * manager.create(batch.images().asByteBuffer(), …)} is an array that changes after the batch is
 * closed and reads freed memory after the loader is closed. {@link #copy} and the methods here
 * never return such a view.
 *
 * <p>Thread-safety: stateless; safe from any thread (each call uses the caller's manager).
 */
public final class BatchArrays {
  /** Per-channel mean of RGB values in [0, 1] (ImageNet). */
  public static final float[] MEAN = {0.485f, 0.456f, 0.406f};

  /** Per-channel standard deviation of RGB values in [0, 1] (ImageNet). */
  public static final float[] STD = {0.229f, 0.224f, 0.225f};

  private BatchArrays() {}

  /**
   * The batch copied, exactly once, into arrays the manager owns: {@code [images, labels…]} —
   * images uint8 in the batch's layout ({@code [n, C, H, W]} or {@code [n, H, W, C]}), labels as
   * the loader carried them (float32 multi-hot {@code [n, L]}, or int32 pairs {@code [P, 2]}; with
   * targets, the arrays of {@link #lossLabels}); without labels, {@code [images]}. The arrays stay
   * valid after the batch and the loader are closed.
   *
   * @param manager owner of the result (and of its device)
   * @param batch an open batch
   * @return the copied arrays
   */
  public static NDList copy(NDManager manager, Batch batch) {
    NDList out = new NDList();
    out.add(copyOf(manager, batch.images(), new Shape(batch.imageShape()), DataType.UINT8));
    if (batch.labelMode() != LabelMode.NONE) {
      out.addAll(lossLabels(manager, batch));
    }
    return out;
  }

  /**
   * The batch's labels on the manager's device in the form {@link
   * io.jcolz.training.loss.AsymmetricLoss} takes, copied once:
   *
   * <ul>
   *   <li>plain labels: {@code [labels(manager, batch)]};
   *   <li>targets, MULTI_HOT: {@code [targets, mask]}, float32 {@code [n, L]} each;
   *   <li>targets, SPARSE: {@code [pairs, pairTargets, unlistedWeight]}: the listed (sample, label)
   *       pairs int32 {@code [P + N, 2]} (positives then verified negatives), their targets float32
   *       {@code [P + N]}, and the weight of every other element, a float32 scalar (0 when an
   *       unlisted label is unknown) — nothing of size {@code n × L}.
   * </ul>
   *
   * @param manager owner of the result
   * @param batch an open batch with labels
   * @return the label arrays
   */
  public static NDList lossLabels(NDManager manager, Batch batch) {
    if (!batch.targetMode().partial()) {
      return new NDList(labels(manager, batch));
    }
    if (batch.labelMode() == LabelMode.MULTI_HOT) {
      Shape shape = new Shape(batch.size(), batch.labelCount());
      return new NDList(
          copyOf(manager, batch.targets(), shape, DataType.FLOAT32),
          copyOf(manager, batch.mask(), shape, DataType.FLOAT32));
    }
    int listed = batch.pairCount() + batch.negativePairCount();
    NDArray pairs =
        listed == 0
            ? manager.create(new int[0], new Shape(0, 2))
            : copyOf(manager, batch.listedPairs(), new Shape(listed, 2), DataType.INT32);
    NDArray targets =
        listed == 0
            ? manager.create(new float[0], new Shape(0))
            : copyOf(manager, batch.pairTargets(), new Shape(listed), DataType.FLOAT32);
    return new NDList(pairs, targets, manager.create(batch.unlistedWeight()));
  }

  /**
   * A new array on the manager's device holding a copy of {@code segment}: one copy (host to
   * device, or, on the CPU, a clone of the zero-copy view DJL makes of a direct buffer, closed at
   * once).
   */
  static NDArray copyOf(NDManager manager, MemorySegment segment, Shape shape, DataType type) {
    NDArray view =
        manager.create(segment.asByteBuffer().order(ByteOrder.nativeOrder()), shape, type);
    if (!view.getDevice().equals(Device.cpu())) {
      return view; // created on the device: already a copy
    }
    try (view) {
      return view.duplicate();
    }
  }

  /**
   * The batch's images, normalised float32 {@code [n, 3, H, W]} on the manager's device.
   *
   * @param manager owner of the result (and of its device)
   * @param batch an open NCHW batch
   * @return the images
   */
  public static NDArray images(NDManager manager, Batch batch) {
    if (batch.layout() != ImageLayout.NCHW) {
      throw new IllegalArgumentException("batches must be NCHW, got " + batch.layout());
    }
    long[] shape = batch.imageShape();
    // a zero-copy view on the CPU, a copy on a GPU; normalize's conversion is the copy kept
    try (NDArray raw =
        manager.create(batch.images().asByteBuffer(), new Shape(shape), DataType.UINT8)) {
      return normalize(raw);
    }
  }

  /**
   * Normalises uint8 images {@code [n, 3, H, W]} into a new float32 array on the same device.
   *
   * @param raw uint8 pixels, not modified
   * @return {@code (raw/255 − mean) / std}, per channel
   */
  public static NDArray normalize(NDArray raw) {
    NDManager m = raw.getManager();
    try (NDManager scope = m.newSubManager()) {
      NDArray mean = scope.create(MEAN, new Shape(1, 3, 1, 1));
      NDArray scale =
          scope.create(
              new float[] {1f / (255f * STD[0]), 1f / (255f * STD[1]), 1f / (255f * STD[2])},
              new Shape(1, 3, 1, 1));
      NDArray meanPixels = mean.mul(255f);
      NDArray x = raw.toType(DataType.FLOAT32, true);
      x.attach(scope);
      NDArray out = x.sub(meanPixels).muli(scale);
      out.attach(m);
      return out;
    }
  }

  /**
   * The batch's labels on the manager's device, in the form the loader delivered.
   *
   * @param manager owner of the result
   * @param batch an open batch with SPARSE or MULTI_HOT labels
   * @return int32 {@code [P, 2]} pairs or float32 {@code [n, L]}
   */
  public static NDArray labels(NDManager manager, Batch batch) {
    if (batch.labelMode() == LabelMode.SPARSE) {
      if (batch.pairCount() == 0) {
        return manager.create(new int[0], new Shape(0, 2));
      }
      return copyOf(manager, batch.labelPairs(), new Shape(batch.pairCount(), 2), DataType.INT32);
    }
    if (batch.labelMode() == LabelMode.MULTI_HOT) {
      return copyOf(
          manager, batch.multiHot(), new Shape(batch.size(), batch.labelCount()), DataType.FLOAT32);
    }
    throw new IllegalArgumentException("batch carries no labels (" + batch.labelMode() + ")");
  }

  /**
   * The batch's sparse pairs, copied to the heap: {@code [s0, l0, s1, l1, …]}.
   *
   * @param batch an open SPARSE batch
   * @return the flattened pairs
   */
  public static int[] pairs(Batch batch) {
    return batch.labelPairs().toArray(ValueLayout.JAVA_INT);
  }

  /**
   * The image size the model sees for a dataset, as the loader decides it by default: the stored
   * shape of the raw image column, or metadata size for encoded images ({@link
   * PackedImages#imageSize}).
   *
   * @param dataset an open dataset
   * @return {@code {height, width}}
   * @throws IllegalArgumentException if neither is there
   */
  public static int[] imageSize(Dataset dataset) {
    return PackedImages.of(dataset).imageSize("dataset " + dataset.path());
  }

  /**
   * The label vocabulary of a dataset, checked to be present.
   *
   * @param dataset an open dataset
   * @return the label names, index order
   * @throws IllegalArgumentException if the dataset has no label column or vocabulary
   */
  public static List<String> vocabulary(Dataset dataset) {
    dataset.labelColumnName(); // checks there is one
    List<String> labels = dataset.labels();
    if (labels == null || labels.isEmpty()) {
      throw new IllegalArgumentException("dataset " + dataset.path() + " has no label vocabulary");
    }
    return labels;
  }

  /**
   * Checks that two vocabularies are equal, naming the first difference.
   *
   * @param what the dataset side, for the message
   * @param actual its vocabulary
   * @param expectedWhat the other side, e.g. "the checkpoint"
   * @param expected the other vocabulary
   * @throws IllegalArgumentException if they differ
   */
  public static void checkVocabulary(
      String what, List<String> actual, String expectedWhat, List<String> expected) {
    String mismatch = vocabularyMismatch(what, actual, expectedWhat, expected);
    if (mismatch != null) {
      throw new IllegalArgumentException("label vocabulary mismatch: " + mismatch);
    }
  }

  /**
   * How two vocabularies differ, for a message: {@code "WHAT has N labels, EXPECTEDWHAT M; first
   * difference at label K: 'a' vs 'b'"}.
   *
   * @param what the dataset side, for the message
   * @param actual its vocabulary
   * @param expectedWhat the other side, e.g. "the checkpoint"
   * @param expected the other vocabulary
   * @return the difference, or null if they are equal
   */
  public static String vocabularyMismatch(
      String what, List<String> actual, String expectedWhat, List<String> expected) {
    if (actual.equals(expected)) {
      return null;
    }
    int n = Math.min(actual.size(), expected.size());
    int k = 0;
    while (k < n && actual.get(k).equals(expected.get(k))) {
      k++;
    }
    String diff =
        k < n
            ? "first difference at label "
                + k
                + ": '"
                + actual.get(k)
                + "' vs '"
                + expected.get(k)
                + "'"
            : "one is a prefix of the other";
    return what
        + " has "
        + actual.size()
        + " labels, "
        + expectedWhat
        + " "
        + expected.size()
        + "; "
        + diff;
  }
}
