package io.jcolz.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * Fits an {@link RgbImage} to an exact output size, antialiased, deterministic to the byte.
 *
 * <p>Geometry, for a {@code sw x sh} source and a {@code W x H} output:
 *
 * <ul>
 *   <li>{@link ResizeMode#SHORTER_SIDE_CENTER_CROP}: {@code s = max(W / sw, H / sh)}; the source
 *       box of size {@code W/s x H/s} centred in the source (fractional edges allowed) is resampled
 *       to {@code W x H}. With a square output this is "shorter side to S, centre crop" in one
 *       pass, without resizing pixels that the crop throws away.
 *   <li>{@link ResizeMode#STRETCH}: the whole source is resampled to {@code W x H}.
 *   <li>{@link ResizeMode#PAD}: {@code s = min(W / sw, H / sh)}; the whole source is resampled to
 *       {@code round(sw*s) x round(sh*s)} (at least 1), placed at {@code ((W - w) / 2, (H - h) /
 *       2)} (integer division), on the background colour.
 * </ul>
 *
 * Filtering is {@link ResampleFilter#BILINEAR} unless given; only source pixels inside the box
 * contribute (crop, then resize). A same-size, unscaled axis is an exact copy.
 *
 * <p>Thread-safety: stateless, thread-safe (each call allocates its own scratch).
 */
public final class Resizer {
  /**
   * White, {@code 0xFFFFFF}: the default background for transparency and {@link ResizeMode#PAD}.
   */
  public static final int DEFAULT_BACKGROUND = 0xFFFFFF;

  private Resizer() {}

  /**
   * {@link #resize(RgbImage, int, int, ResizeMode, ResampleFilter, int)} with bilinear filtering,
   * white background.
   */
  public static RgbImage resize(RgbImage src, int width, int height, ResizeMode mode) {
    return resize(src, width, height, mode, ResampleFilter.BILINEAR, DEFAULT_BACKGROUND);
  }

  /**
   * A new {@code width x height} image made from {@code src} by {@code mode}.
   *
   * @param background {@code 0xRRGGBB}, used by {@link ResizeMode#PAD} only
   */
  public static RgbImage resize(
      RgbImage src, int width, int height, ResizeMode mode, ResampleFilter filter, int background) {
    Objects.requireNonNull(src, "src");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(filter, "filter");
    if (width <= 0 || height <= 0 || (long) width * height > RgbImage.MAX_PIXELS) {
      throw new IllegalArgumentException("bad output size " + width + "x" + height);
    }
    byte[] out = new byte[width * height * 3];
    resizeInto(
        new Resampler(),
        src.pixels(),
        src.width(),
        src.height(),
        out,
        width,
        height,
        mode,
        filter,
        background);
    return new RgbImage(width, height, out);
  }

  static void resizeInto(
      Resampler rs,
      byte[] src,
      int sw,
      int sh,
      byte[] out,
      int w,
      int h,
      ResizeMode mode,
      ResampleFilter filter,
      int background) {
    switch (mode) {
      case STRETCH -> rs.resample(src, sw, sh, 0, 0, sw, sh, out, 0, w * 3, w, h, filter);
      case SHORTER_SIDE_CENTER_CROP -> {
        double s = Math.max((double) w / sw, (double) h / sh);
        double bw = Math.min(sw, w / s);
        double bh = Math.min(sh, h / s);
        rs.resample(src, sw, sh, (sw - bw) / 2, (sh - bh) / 2, bw, bh, out, 0, w * 3, w, h, filter);
      }
      case PAD -> {
        double s = Math.min((double) w / sw, (double) h / sh);
        int cw = Math.clamp(Math.round(sw * s), 1, w);
        int ch = Math.clamp(Math.round(sh * s), 1, h);
        int ox = (w - cw) / 2;
        int oy = (h - ch) / 2;
        fill(out, background);
        rs.resample(src, sw, sh, 0, 0, sw, sh, out, (oy * w + ox) * 3, w * 3, cw, ch, filter);
      }
    }
  }

  private static void fill(byte[] out, int rgb) {
    byte r = (byte) (rgb >> 16);
    byte g = (byte) (rgb >> 8);
    byte b = (byte) rgb;
    if (r == g && g == b) {
      Arrays.fill(out, r);
      return;
    }
    for (int i = 0; i < out.length; i += 3) {
      out[i] = r;
      out[i + 1] = g;
      out[i + 2] = b;
    }
  }
}
