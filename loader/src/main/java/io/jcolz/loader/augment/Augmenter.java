package io.jcolz.loader.augment;

import io.jcolz.image.PixelLayout;
import io.jcolz.image.Resampler;
import io.jcolz.image.RgbImage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Applies an {@link Augmentation} to 8-bit HWC RGB sources and writes each result into its slot of
 * a batch buffer, in {@link PixelLayout#HWC} (for NHWC batches) or {@link PixelLayout#CHW} (for
 * NCHW batches).
 *
 * <p>Sources and destinations are {@link MemorySegment}s, on or off heap: a decoded chunk, a mapped
 * file slice, {@code MemorySegment.ofArray(bytes)}. The destination is the sample's slot, {@link
 * PixelLayout#slot(MemorySegment, long, int, int)}; exactly {@code 3 * width * height} bytes of it
 * are written. Work happens in reused heap scratch arrays and reaches the destination through one
 * bulk copy, so a steady-state call allocates nothing.
 *
 * <p>Thread-safety: not thread-safe (it owns scratch buffers). Make one per worker thread with
 * {@link Augmentation#newAugmenter()}; the results do not depend on which thread runs a sample.
 */
public final class Augmenter {
  private final Augmentation spec;
  private final Resampler resampler = new Resampler();
  private byte[] crop = new byte[0];
  private byte[] hwc = new byte[0];
  private byte[] out = new byte[0];

  Augmenter(Augmentation spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  public Augmentation augmentation() {
    return spec;
  }

  /**
   * Augments sample {@code (seed, epoch, row)}: draws its {@linkplain Augmentation#params
   * parameters}, then {@linkplain #apply(MemorySegment, int, int, Augmentation.Params,
   * MemorySegment, PixelLayout) applies} them.
   *
   * @param src {@code srcWidth x srcHeight} HWC RGB pixels (at least {@code 3*srcWidth*srcHeight}
   *     bytes)
   * @param dst the sample's slot: at least {@code 3 * width * height} bytes of the output size
   * @return the parameters used (for logging or tests)
   */
  public Augmentation.Params apply(
      MemorySegment src,
      int srcWidth,
      int srcHeight,
      long seed,
      long epoch,
      long row,
      MemorySegment dst,
      PixelLayout layout) {
    Augmentation.Params p = spec.params(seed, epoch, row, srcWidth, srcHeight);
    apply(src, srcWidth, srcHeight, p, dst, layout);
    return p;
  }

  /**
   * Crops {@code p}'s box from {@code src}, resizes it to the output size, mirrors it if asked,
   * writes it to {@code dst}.
   */
  public void apply(
      MemorySegment src,
      int srcWidth,
      int srcHeight,
      Augmentation.Params p,
      MemorySegment dst,
      PixelLayout layout) {
    Objects.requireNonNull(p, "params");
    checkSource(src, srcWidth, srcHeight);
    if ((long) p.x() + p.width() > srcWidth || (long) p.y() + p.height() > srcHeight) {
      throw new IllegalArgumentException(
          "crop " + p + " outside the " + srcWidth + "x" + srcHeight + " source");
    }
    int w = spec.width();
    int h = spec.height();
    checkDestination(dst, w, h, layout);
    if (p.width() == w && p.height() == h && p.width() == srcWidth && p.height() == srcHeight) {
      copy(src, w, h, p.flip(), dst, layout);
      return;
    }
    int cropBytes = p.width() * p.height() * 3;
    crop = grow(crop, cropBytes);
    int rowBytes = p.width() * 3;
    if (p.width() == srcWidth) {
      MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) p.y() * rowBytes, crop, 0, cropBytes);
    } else {
      for (int r = 0; r < p.height(); r++) {
        long from = ((long) (p.y() + r) * srcWidth + p.x()) * 3;
        MemorySegment.copy(src, ValueLayout.JAVA_BYTE, from, crop, r * rowBytes, rowBytes);
      }
    }
    hwc = grow(hwc, w * h * 3);
    resampler.resample(
        crop,
        p.width(),
        p.height(),
        0,
        0,
        p.width(),
        p.height(),
        hwc,
        0,
        w * 3,
        w,
        h,
        spec.filter());
    store(hwc, w, h, p.flip(), dst, layout);
  }

  /**
   * The no-resize path: copies {@code width x height} HWC pixels to {@code dst} in {@code layout},
   * mirrored left-right if {@code flip}. HWC without flip is one bulk copy.
   */
  public void copy(
      MemorySegment src,
      int width,
      int height,
      boolean flip,
      MemorySegment dst,
      PixelLayout layout) {
    checkSource(src, width, height);
    checkDestination(dst, width, height, layout);
    int n = width * height * 3;
    if (layout == PixelLayout.HWC && !flip) {
      MemorySegment.copy(src, 0, dst, 0, n);
      return;
    }
    hwc = grow(hwc, n);
    MemorySegment.copy(src, ValueLayout.JAVA_BYTE, 0, hwc, 0, n);
    store(hwc, width, height, flip, dst, layout);
  }

  private void store(byte[] s, int w, int h, boolean flip, MemorySegment dst, PixelLayout layout) {
    int n = w * h * 3;
    if (layout == PixelLayout.HWC && !flip) {
      MemorySegment.copy(s, 0, dst, ValueLayout.JAVA_BYTE, 0, n);
      return;
    }
    out = grow(out, n);
    byte[] t = out;
    if (layout == PixelLayout.HWC) {
      int rowBytes = w * 3;
      for (int y = 0; y < h; y++) {
        int row = y * rowBytes;
        int sp = row + rowBytes - 3;
        for (int dp = row; dp < row + rowBytes; dp += 3, sp -= 3) {
          t[dp] = s[sp];
          t[dp + 1] = s[sp + 1];
          t[dp + 2] = s[sp + 2];
        }
      }
    } else {
      int plane = w * h;
      int g = plane;
      int b = 2 * plane;
      for (int y = 0; y < h; y++) {
        int d = y * w;
        if (flip) {
          int sp = (d + w - 1) * 3;
          for (int x = 0; x < w; x++, sp -= 3) {
            t[d + x] = s[sp];
            t[g + d + x] = s[sp + 1];
            t[b + d + x] = s[sp + 2];
          }
        } else {
          int sp = d * 3;
          for (int x = 0; x < w; x++, sp += 3) {
            t[d + x] = s[sp];
            t[g + d + x] = s[sp + 1];
            t[b + d + x] = s[sp + 2];
          }
        }
      }
    }
    MemorySegment.copy(t, 0, dst, ValueLayout.JAVA_BYTE, 0, n);
  }

  private static void checkSource(MemorySegment src, int w, int h) {
    Objects.requireNonNull(src, "src");
    if (w <= 0 || h <= 0 || (long) w * h > RgbImage.MAX_PIXELS) {
      throw new IllegalArgumentException("bad source size " + w + "x" + h);
    }
    if (src.byteSize() < 3L * w * h) {
      throw new IllegalArgumentException(
          "source has "
              + src.byteSize()
              + " bytes, a "
              + w
              + "x"
              + h
              + " RGB image needs "
              + 3L * w * h);
    }
  }

  private static void checkDestination(MemorySegment dst, int w, int h, PixelLayout layout) {
    Objects.requireNonNull(dst, "dst");
    Objects.requireNonNull(layout, "layout");
    if (dst.byteSize() < 3L * w * h) {
      throw new IllegalArgumentException(
          "destination slot has "
              + dst.byteSize()
              + " bytes, a "
              + w
              + "x"
              + h
              + " RGB sample needs "
              + 3L * w * h);
    }
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("destination segment is read-only");
    }
  }

  private static byte[] grow(byte[] a, int n) {
    return a.length >= n ? a : new byte[n];
  }
}
