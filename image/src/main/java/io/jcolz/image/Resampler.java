package io.jcolz.image;

import java.util.Arrays;

/**
 * Separable, antialiased resampling of 8-bit RGB (HWC) images in fixed point. The arithmetic is
 * integer after the weights are computed (in strict IEEE double), so results are identical on every
 * JVM and platform. Holds reusable scratch buffers: not thread-safe, keep one per thread.
 */
public final class Resampler {
  private static final int BITS = 22;
  private static final int HALF = 1 << (BITS - 1);

  private int[] xStart = new int[0];
  private int[] xCount = new int[0];
  private int[] xWeight = new int[0];
  private int[] yStart = new int[0];
  private int[] yCount = new int[0];
  private int[] yWeight = new int[0];
  private byte[] tmp = new byte[0];
  private int[] acc = new int[0];

  /**
   * Resamples the box {@code [bx, bx+bw) x [by, by+bh)} (source pixel units, may be fractional) of
   * {@code src} ({@code srcW x srcH} RGB) to {@code dstW x dstH} pixels written at {@code
   * dst[dstOff + y * dstStride + x * 3 + c]}. Only pixels inside the box (rounded outwards)
   * contribute, so the result equals "crop, then resize".
   */
  public void resample(
      byte[] src,
      int srcW,
      int srcH,
      double bx,
      double by,
      double bw,
      double bh,
      byte[] dst,
      int dstOff,
      int dstStride,
      int dstW,
      int dstH,
      ResampleFilter filter) {
    if (dstW <= 0 || dstH <= 0 || !(bw > 0) || !(bh > 0)) {
      throw new IllegalArgumentException(
          "bad resample " + bw + "x" + bh + " -> " + dstW + "x" + dstH);
    }
    int xTaps = coefficients(srcW, bx, bw, dstW, filter, true);
    int yTaps = coefficients(srcH, by, bh, dstH, filter, false);
    int y0 = yStart[0];
    int y1 = yStart[dstH - 1] + yCount[dstH - 1];
    for (int i = 0; i < dstH; i++) {
      y0 = Math.min(y0, yStart[i]);
      y1 = Math.max(y1, yStart[i] + yCount[i]);
    }
    int rows = y1 - y0;
    int rowBytes = dstW * 3;
    if (tmp.length < rows * rowBytes) {
      tmp = new byte[rows * rowBytes];
    }
    horizontal(src, srcW, y0, rows, dstW, xTaps);
    vertical(y0, rowBytes, dst, dstOff, dstStride, dstH, yTaps);
  }

  private void horizontal(byte[] src, int srcW, int y0, int rows, int dstW, int taps) {
    int[] st = xStart;
    int[] cn = xCount;
    int[] wt = xWeight;
    byte[] t = tmp;
    int q = 0;
    for (int r = 0; r < rows; r++) {
      int row = (y0 + r) * srcW * 3;
      for (int x = 0; x < dstW; x++) {
        int n = cn[x];
        int wo = x * taps;
        int p = row + st[x] * 3;
        int a0 = HALF;
        int a1 = HALF;
        int a2 = HALF;
        for (int k = 0; k < n; k++) {
          int w = wt[wo + k];
          a0 += (src[p] & 0xFF) * w;
          a1 += (src[p + 1] & 0xFF) * w;
          a2 += (src[p + 2] & 0xFF) * w;
          p += 3;
        }
        t[q] = clip(a0);
        t[q + 1] = clip(a1);
        t[q + 2] = clip(a2);
        q += 3;
      }
    }
  }

  private void vertical(
      int y0, int rowBytes, byte[] dst, int dstOff, int dstStride, int dstH, int taps) {
    if (acc.length < rowBytes) {
      acc = new int[rowBytes];
    }
    int[] a = acc;
    byte[] t = tmp;
    for (int y = 0; y < dstH; y++) {
      int n = yCount[y];
      int wo = y * taps;
      Arrays.fill(a, 0, rowBytes, HALF);
      for (int k = 0; k < n; k++) {
        int w = yWeight[wo + k];
        int row = (yStart[y] + k - y0) * rowBytes;
        for (int i = 0; i < rowBytes; i++) {
          a[i] += (t[row + i] & 0xFF) * w;
        }
      }
      int o = dstOff + y * dstStride;
      for (int i = 0; i < rowBytes; i++) {
        dst[o + i] = clip(a[i]);
      }
    }
  }

  private static byte clip(int acc) {
    int v = acc >> BITS;
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }

  /** Fills the start/count/weight tables of one axis; returns the weight stride (max taps). */
  private int coefficients(
      int inSize, double in0, double inLen, int outSize, ResampleFilter f, boolean xAxis) {
    double scale = inLen / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = f.support * filterScale;
    int lo = Math.max(0, (int) Math.floor(in0));
    int hi = Math.min(inSize, (int) Math.ceil(in0 + inLen));
    if (hi <= lo) {
      throw new IllegalArgumentException(
          "resample box [" + in0 + ", " + (in0 + inLen) + ") outside 0.." + inSize);
    }
    int taps = (int) Math.ceil(2 * support) + 2;
    int[] st = new int[outSize];
    int[] cn = new int[outSize];
    int[] wt = new int[outSize * taps];
    double[] w = new double[taps];
    double inv = 1.0 / filterScale;
    for (int i = 0; i < outSize; i++) {
      double center = in0 + (i + 0.5) * scale;
      int min = Math.max((int) Math.floor(center - support + 0.5), lo);
      int max = Math.min((int) Math.floor(center + support + 0.5), hi);
      max = Math.min(max, min + taps);
      double total = 0;
      for (int k = 0; k < max - min; k++) {
        w[k] = f.eval((min + k - center + 0.5) * inv);
        total += w[k];
      }
      if (!(total > 0)) { // degenerate (box filter on an exact half-pixel boundary): nearest pixel
        min = Math.clamp((long) Math.floor(center), lo, hi - 1);
        max = min + 1;
        w[0] = 1;
        total = 1;
      }
      st[i] = min;
      cn[i] = max - min;
      for (int k = 0; k < max - min; k++) {
        wt[i * taps + k] = (int) Math.round(w[k] / total * (1 << BITS));
      }
    }
    if (xAxis) {
      xStart = st;
      xCount = cn;
      xWeight = wt;
    } else {
      yStart = st;
      yCount = cn;
      yWeight = wt;
    }
    return taps;
  }
}
