package io.jcolz.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * An 8-bit RGB image: {@code height} rows of {@code width} pixels of 3 bytes (R, G, B), row-major,
 * no padding ("HWC"). Pixel {@code (x, y)} channel {@code c} is at index {@code (y * width + x) * 3
 * + c}.
 *
 * <p>The pixel array is shared, not copied: {@link #pixels()} returns the backing array. This is
 * the fast path for handing decoded pixels to a column writer; callers that keep an image must not
 * mutate the array afterwards.
 *
 * <p>Thread-safety: not thread-safe while anyone writes to the array; safe to share between threads
 * once no one does (publish it safely, e.g. through a concurrent queue).
 */
public final class RgbImage {
  /** The largest pixel count whose RGB bytes fit one Java array. */
  public static final long MAX_PIXELS = (Integer.MAX_VALUE - 8) / 3;

  private final int width;
  private final int height;
  private final byte[] pixels;

  /**
   * Wraps {@code pixels} (not copied).
   *
   * @throws IllegalArgumentException if a side is not positive or {@code pixels.length != width *
   *     height * 3}
   */
  public RgbImage(int width, int height, byte[] pixels) {
    Objects.requireNonNull(pixels, "pixels");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "image sides must be positive, got " + width + "x" + height);
    }
    if ((long) width * height > MAX_PIXELS || pixels.length != width * height * 3) {
      throw new IllegalArgumentException(
          "pixel array has "
              + pixels.length
              + " bytes, expected "
              + ((long) width * height * 3)
              + " for "
              + width
              + "x"
              + height
              + " RGB");
    }
    this.width = width;
    this.height = height;
    this.pixels = pixels;
  }

  /** A new black image. */
  public static RgbImage allocate(int width, int height) {
    if (width <= 0 || height <= 0 || (long) width * height > MAX_PIXELS) {
      throw new IllegalArgumentException("bad image size " + width + "x" + height);
    }
    return new RgbImage(width, height, new byte[width * height * 3]);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** The backing array, {@code width * height * 3} bytes, HWC RGB (not a copy). */
  public byte[] pixels() {
    return pixels;
  }

  /** The backing array as a heap segment (not a copy). */
  public MemorySegment segment() {
    return MemorySegment.ofArray(pixels);
  }

  /** Pixel {@code (x, y)} as {@code 0xRRGGBB}. */
  public int rgb(int x, int y) {
    Objects.checkIndex(x, width);
    Objects.checkIndex(y, height);
    int i = (y * width + x) * 3;
    return (pixels[i] & 0xFF) << 16 | (pixels[i + 1] & 0xFF) << 8 | (pixels[i + 2] & 0xFF);
  }

  /**
   * A {@code TYPE_3BYTE_BGR} copy, e.g. for {@code ImageIO.write(img.toBufferedImage(), "png",
   * file)}.
   */
  public BufferedImage toBufferedImage() {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    byte[] bgr = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < bgr.length; i += 3) {
      bgr[i] = pixels[i + 2];
      bgr[i + 1] = pixels[i + 1];
      bgr[i + 2] = pixels[i];
    }
    return out;
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
