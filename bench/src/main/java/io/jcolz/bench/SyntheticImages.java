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
  /**
   * Row {@code id}'s partial labels (format version 3, for a dataset whose unlisted labels are
   * unknown): the distinct labels of {@link #labels(long, int)} as positives, each with a
   * confidence in (0.5, 1], and 1 to 8 other labels as verified negatives (Open Images verifies
   * about as many negatives as positives per image); a pure function of (id, labels).
   *
   * @param id the row
   * @param labels the vocabulary size, at least 2
   * @return the row's labels
   */
  public static io.jcolz.format.schema.PartialLabels.RowLabels partialLabels(long id, int labels) {
    int[] pos = java.util.Arrays.stream(labels(id, labels)).distinct().sorted().toArray();
    SplittableRandom r = new SplittableRandom(id * 37 + 11);
    float[] conf = new float[pos.length];
    for (int i = 0; i < conf.length; i++) {
      conf[i] = (float) (1 - 0.5 * r.nextDouble());
    }
    int want = Math.min(labels - pos.length, 1 + r.nextInt(8));
    int[] neg = new int[want];
    int n = 0;
    while (n < want) {
      int c = r.nextInt(labels);
      boolean taken = java.util.Arrays.binarySearch(pos, c) >= 0;
      for (int i = 0; i < n && !taken; i++) {
        taken = neg[i] == c;
      }
      if (!taken) {
        neg[n++] = c;
      }
    }
    return new io.jcolz.format.schema.PartialLabels.RowLabels(pos, conf, neg);
  }

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
