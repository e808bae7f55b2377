package io.jcolz.loader.batch;

import io.jcolz.image.JpegDecoder;
import io.jcolz.image.PixelLayout;
import io.jcolz.loader.augment.Augmentation;
import io.jcolz.loader.augment.Augmenter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The loader's {@link SampleWriter}: raw images and JPEGs (decoded by {@code io.jcolz.image}'s
 * {@link JpegDecoder}) through the loader's {@link Augmenter} (random resized crop, flip, resize to
 * the output size), with one fast path: a raw or decoded JPEG image already at the output size and
 * no random crop is written by {@link Pixels} (a bulk copy, or a word-wise de-interleave/mirror),
 * the flip coin drawn by the same {@link Augmentation#params} as everywhere else — so raw and JPEG
 * rows of one dataset follow one rule.
 *
 * <p>Not thread-safe: one per worker thread (it owns a JPEG decoder and scratch arrays).
 */
public final class ImageSampleWriter implements SampleWriter {
  private final Augmentation augmentation;
  private final Augmenter augmenter;
  private final long seed;
  private final int storedHeight;
  private final int storedWidth;
  private final int channels;
  private final ImageLayout layout;
  private final PixelLayout pixelLayout;
  private final boolean fastRaw;
  private final long outBytes;
  private JpegDecoder jpeg;

  /**
   * @param augmentation what to do to each sample; its size is the output size
   * @param seed the loader's seed
   * @param storedHeight height of stored raw images (0 if none)
   * @param storedWidth width of stored raw images (0 if none)
   * @param channels channels of stored raw images (3 for RGB; others only at the output size, no
   *     crop)
   */
  public ImageSampleWriter(
      Augmentation augmentation,
      long seed,
      int storedHeight,
      int storedWidth,
      int channels,
      ImageLayout layout) {
    this.augmentation = augmentation;
    this.augmenter = augmentation.newAugmenter();
    this.seed = seed;
    this.storedHeight = storedHeight;
    this.storedWidth = storedWidth;
    this.channels = channels;
    this.layout = layout;
    this.pixelLayout = layout == ImageLayout.NCHW ? PixelLayout.CHW : PixelLayout.HWC;
    this.fastRaw =
        !augmentation.randomResizedCrop()
            && storedHeight == augmentation.height()
            && storedWidth == augmentation.width();
    this.outBytes = 3L * augmentation.width() * augmentation.height();
    if (!fastRaw && storedHeight > 0 && channels != 3) {
      throw new IllegalArgumentException(
          "cropping or resizing needs RGB images, the stored ones have " + channels + " channels");
    }
  }

  @Override
  public void writeRaw(
      MemorySegment src, long srcOff, long epoch, long row, MemorySegment dst, long dstOff) {
    if (fastRaw) {
      boolean flip =
          augmentation.isRandom() || augmentation.flipProbability() >= 1
              ? augmentation.params(seed, epoch, row, storedWidth, storedHeight).flip()
              : false;
      Pixels.write(src, srcOff, storedHeight, storedWidth, channels, flip, layout, dst, dstOff);
      return;
    }
    long n = 3L * storedWidth * storedHeight;
    augmenter.apply(
        src.asSlice(srcOff, n),
        storedWidth,
        storedHeight,
        seed,
        epoch,
        row,
        dst.asSlice(dstOff, outBytes),
        pixelLayout);
  }

  @Override
  public void writeEncoded(
      MemorySegment encoded, long epoch, long row, MemorySegment dst, long dstOff, String source)
      throws IOException {
    if (jpeg == null) {
      jpeg = new JpegDecoder();
    }
    JpegDecoder.Decoded img;
    try {
      img = jpeg.decodeReused(encoded);
    } catch (IOException e) {
      throw new IOException(source + ": " + e.getMessage(), e);
    }
    if (!augmentation.randomResizedCrop()
        && img.width() == augmentation.width()
        && img.height() == augmentation.height()) {
      // already at the output size: the raw fast path (same flip coin as the augmenter)
      boolean flip =
          augmentation.isRandom() || augmentation.flipProbability() >= 1
              ? augmentation.params(seed, epoch, row, img.width(), img.height()).flip()
              : false;
      Pixels.write(img.pixels(), 0, img.height(), img.width(), 3, flip, layout, dst, dstOff);
      return;
    }
    augmenter.apply(
        img.pixels(),
        img.width(),
        img.height(),
        seed,
        epoch,
        row,
        dst.asSlice(dstOff, outBytes),
        pixelLayout);
  }

  @Override
  public void close() {
    if (jpeg != null) {
      jpeg.close();
      jpeg = null;
    }
  }
}
