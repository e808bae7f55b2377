package io.jcolz.loader.batch;

/**
 * The shape of every batch buffer of a loader: samples per batch, image geometry and layout, and
 * label encoding. {@link #bytes()} is what one pooled buffer costs off-heap.
 *
 * <p>Immutable and thread-safe.
 *
 * @param batchSize samples per batch (B)
 * @param channels image channels (C)
 * @param height image height (H)
 * @param width image width (W)
 * @param layout NCHW or NHWC
 * @param labelMode how labels are carried
 * @param labelCount label vocabulary size (L)
 * @param maxPairs capacity of the sparse pair list per batch (SPARSE, and scratch of partial
 *     labels)
 * @param targets plain labels, or soft targets and a mask ({@link TargetMode})
 */
public record BatchSpec(
    int batchSize,
    int channels,
    int height,
    int width,
    ImageLayout layout,
    LabelMode labelMode,
    int labelCount,
    int maxPairs,
    TargetMode targets) {
  /** Alignment of each region of a buffer. */
  public static final int ALIGN = 64;

  /** Validates the arguments. */
  public BatchSpec {
    if (batchSize <= 0 || channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "batch " + batchSize + " of " + channels + "×" + height + "×" + width);
    }
    if (labelMode != LabelMode.NONE && labelCount <= 0) {
      throw new IllegalArgumentException(
          "labels " + labelMode + " need a label count > 0, not " + labelCount);
    }
    if ((labelMode == LabelMode.SPARSE || targets.partial()) && maxPairs <= 0) {
      throw new IllegalArgumentException("sparse labels need a pair capacity > 0, not " + maxPairs);
    }
    if (targets.partial() && labelMode == LabelMode.NONE) {
      throw new IllegalArgumentException("targets " + targets + " need labels, not NONE");
    }
  }

  /** A spec of plain labels ({@link TargetMode#PLAIN}). */
  public BatchSpec(
      int batchSize,
      int channels,
      int height,
      int width,
      ImageLayout layout,
      LabelMode labelMode,
      int labelCount,
      int maxPairs) {
    this(
        batchSize,
        channels,
        height,
        width,
        layout,
        labelMode,
        labelCount,
        maxPairs,
        TargetMode.PLAIN);
  }

  /** Bytes of one sample's image: C × H × W. */
  public long imageBytes() {
    return (long) channels * height * width;
  }

  /** Bytes of the image region: B × C × H × W. */
  public long imagesBytes() {
    return imageBytes() * batchSize;
  }

  /**
   * Bytes of the label region: B × L × 4 (multi-hot, or targets), maxPairs × 8 (sparse pairs: with
   * targets, the positives then the verified negatives) or 0.
   */
  public long labelBytes() {
    return switch (labelMode) {
      case MULTI_HOT -> 4L * labelCount * batchSize;
      case SPARSE -> 8L * maxPairs;
      case NONE -> 0;
    };
  }

  /**
   * Bytes of the second label region, used with targets only: the mask B × L × 4 (MULTI_HOT) or one
   * float32 target per pair, maxPairs × 4 (SPARSE); 0 for plain labels.
   */
  public long weightBytes() {
    if (!targets.partial()) {
      return 0;
    }
    return switch (labelMode) {
      case MULTI_HOT -> 4L * labelCount * batchSize;
      case SPARSE -> 4L * maxPairs;
      case NONE -> 0;
    };
  }

  /** Bytes of the row-id region: B × 8. */
  public long rowBytes() {
    return 8L * batchSize;
  }

  /** Off-heap bytes of one batch buffer, regions aligned to {@link #ALIGN}. */
  public long bytes() {
    return align(imagesBytes()) + align(labelBytes()) + align(weightBytes()) + align(rowBytes());
  }

  static long align(long n) {
    return (n + ALIGN - 1) / ALIGN * ALIGN;
  }
}
