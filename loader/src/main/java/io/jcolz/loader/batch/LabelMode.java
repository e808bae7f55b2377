package io.jcolz.loader.batch;

/** How a batch carries its labels. Thread-safe (an enum). */
public enum LabelMode {
  /** A dense {@code float32 [B, L]} multi-hot matrix: 1.0 where the sample has the label. */
  MULTI_HOT,
  /**
   * The sparse list of {@code (row-in-batch, label)} pairs as {@code int32 [P, 2]}, sorted by row
   * then label, for the GPU to scatter: about 8 bytes per positive label instead of {@code 4L}
   * bytes per sample.
   */
  SPARSE,
  /** No labels. */
  NONE
}
