package io.jcolz.image;

import java.lang.foreign.MemorySegment;

/**
 * Byte order of one RGB uint8 sample in a batch buffer. A batch of {@code B} samples is {@code [B,
 * H, W, 3]} (NHWC: each sample {@link #HWC}) or {@code [B, 3, H, W]} (NCHW: each sample {@link
 * #CHW}); in both, sample {@code i} occupies bytes {@code [i * 3*H*W, (i+1) * 3*H*W)}, see {@link
 * #slot}.
 *
 * <p>Thread-safety: an enum, thread-safe.
 */
public enum PixelLayout {
  /**
   * Row-major pixels, channels interleaved: byte {@code (y * W + x) * 3 + c}. The layout of {@link
   * RgbImage}.
   */
  HWC,
  /**
   * Channel planes: byte {@code c * H * W + y * W + x}. What PyTorch models take (after a float
   * conversion).
   */
  CHW;

  /** Bytes of one {@code width x height} RGB sample, in either layout. */
  public static long sampleBytes(int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("bad size " + width + "x" + height);
    }
    return 3L * width * height;
  }

  /** The slice of {@code batch} holding sample {@code index} of {@code width x height}. */
  public static MemorySegment slot(MemorySegment batch, long index, int width, int height) {
    long n = sampleBytes(width, height);
    if (index < 0) {
      throw new IndexOutOfBoundsException("negative sample index " + index);
    }
    return batch.asSlice(Math.multiplyExact(index, n), n);
  }
}
