package io.jcolz.bench;

import java.util.SplittableRandom;

/**
 * Deterministic image-like pixels for benchmarks that must run without any corpus: a few smooth
 * low-frequency colour waves plus sensor-like noise, so that Zstd sees roughly the redundancy of
 * real photographs (ratio ≈ 1.3–2 on raw RGB) rather than zeros or white noise.
 *
 * <p>Stateless and thread-safe.
 */
public final class SyntheticImages {
  private SyntheticImages() {}

  /** An H×W×3 RGB image for {@code id}. */
  public static byte[] rgb(long id, int h, int w) {
    SplittableRandom r = new SplittableRandom(id * 0x9E3779B97F4A7C15L + 17);
    double[][] waves = new double[3][6];
    for (double[] c : waves) {
      for (int i = 0; i < c.length; i++) {
        c[i] = r.nextDouble();
      }
    }
    byte[] out = new byte[h * w * 3];
    int p = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int ch = 0; ch < 3; ch++) {
          double[] c = waves[ch];
          double v =
              128
                  + 60 * Math.sin(c[0] * 6 * x / w + c[1] * 6)
                  + 50 * Math.cos(c[2] * 6 * y / h + c[3] * 6)
                  + 20 * Math.sin((c[4] * x + c[5] * y) * 12.0 / (w + h))
                  + r.nextGaussian() * 4;
          out[p++] = (byte) Math.max(0, Math.min(255, (int) v));
        }
      }
    }
    return out;
  }

  /** 1–6 distinct label indices below {@code labels}, Zipf-ish (low indices more frequent). */
  public static int[] labels(long id, int labels) {
    SplittableRandom r = new SplittableRandom(id * 31 + 5);
    int n = 1 + r.nextInt(6);
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      v[i] = (int) Math.min(labels - 1, Math.floor(Math.pow(labels, r.nextDouble())) - 1);
    }
    return v;
  }
}
