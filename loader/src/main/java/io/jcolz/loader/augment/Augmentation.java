package io.jcolz.loader.augment;

import io.jcolz.image.ResampleFilter;
import io.jcolz.image.RgbImage;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * What to do to each training sample: an immutable, seeded description of random resized crop and
 * horizontal flip on 8-bit RGB, applied by an {@link Augmenter}.
 *
 * <h2>Determinism</h2>
 *
 * The parameters of a sample are a pure function of {@code (seed, epoch, row)} and the source size
 * ({@link #params}): a {@link SplittableRandom} seeded with {@link #sampleSeed}. Which thread runs
 * a sample, and when, never changes its pixels; the same arguments give the same bytes on any
 * machine (resampling is integer arithmetic, see {@link ResampleFilter}).
 *
 * <h2>Random resized crop</h2>
 *
 * torchvision's {@code RandomResizedCrop.get_params}: up to 10 tries of area fraction {@code
 * uniform(minScale, maxScale)} and aspect {@code exp(uniform(log minRatio, log maxRatio))}, {@code
 * w = round(sqrt(area * aspect))}, {@code h = round(sqrt(area / aspect))} (round half to even, as
 * Python), accepted when {@code 0 < w <= W} and {@code 0 < h <= H}, then the top-left corner
 * uniform over the valid positions; after 10 failures a centre crop clamped to the ratio range. The
 * crop is resampled to the output size with an antialiased filter (default bilinear, like
 * torchvision with {@code antialias=True}). Defaults: scale (0.08, 1), ratio (3/4, 4/3). Random
 * draws happen in that order, then one draw for the flip (when its probability is neither 0 nor 1).
 *
 * <h2>Without random crop</h2>
 *
 * The source is used whole when its size equals the output; otherwise the largest centred box with
 * the output's aspect ratio (integer pixels) is resized to the output, i.e. "shorter side to S,
 * centre crop" (the validation transform). Flip still applies if its probability is set.
 *
 * <p>Thread-safety: immutable, thread-safe. The {@link Augmenter}s it makes are not.
 */
public final class Augmentation {
  /** torchvision's default area fraction range. */
  public static final double DEFAULT_MIN_SCALE = 0.08;

  public static final double DEFAULT_MAX_SCALE = 1.0;

  /** torchvision's default aspect ratio range. */
  public static final double DEFAULT_MIN_RATIO = 3.0 / 4.0;

  public static final double DEFAULT_MAX_RATIO = 4.0 / 3.0;

  private final int width;
  private final int height;
  private final boolean randomCrop;
  private final double minScale;
  private final double maxScale;
  private final double logMinRatio;
  private final double logMaxRatio;
  private final double minRatio;
  private final double maxRatio;
  private final double flipProbability;
  private final ResampleFilter filter;

  private Augmentation(Builder b) {
    this.width = b.width;
    this.height = b.height;
    this.randomCrop = b.randomCrop;
    this.minScale = b.minScale;
    this.maxScale = b.maxScale;
    this.minRatio = b.minRatio;
    this.maxRatio = b.maxRatio;
    this.logMinRatio = Math.log(b.minRatio);
    this.logMaxRatio = Math.log(b.maxRatio);
    this.flipProbability = b.flipProbability;
    this.filter = b.filter;
  }

  /** A builder for {@code width x height} outputs: no crop, no flip until asked. */
  public static Builder builder(int width, int height) {
    return new Builder(width, height);
  }

  /** No randomness: copy when sizes match, else shorter side + centre crop. */
  public static Augmentation none(int width, int height) {
    return builder(width, height).build();
  }

  /**
   * The usual training transform: random resized crop with torchvision defaults, flip with p = 0.5.
   */
  public static Augmentation standard(int width, int height) {
    return builder(width, height).randomResizedCrop().horizontalFlip(0.5).build();
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public boolean randomResizedCrop() {
    return randomCrop;
  }

  public double flipProbability() {
    return flipProbability;
  }

  public ResampleFilter filter() {
    return filter;
  }

  /** A new per-thread executor of this augmentation. */
  public Augmenter newAugmenter() {
    return new Augmenter(this);
  }

  /** Whether sample parameters ever depend on the seed. */
  public boolean isRandom() {
    return randomCrop || (flipProbability > 0 && flipProbability < 1);
  }

  /**
   * The seed of the random stream of one sample: a SplitMix64-style hash of the three values, so
   * nearby rows and epochs get unrelated streams.
   */
  public static long sampleSeed(long seed, long epoch, long row) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    h = mix(h ^ (epoch * 0xC2B2AE3D27D4EB4FL + 0x165667B19E3779F9L));
    return mix(h ^ (row * 0xD6E8FEB86659FD93L + 0x27D4EB2F165667C5L));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * The crop box (in source pixels) and flip of sample {@code (seed, epoch, row)} for a source of
   * {@code srcWidth x srcHeight}. Pure: same arguments, same result.
   */
  public Params params(long seed, long epoch, long row, int srcWidth, int srcHeight) {
    if (srcWidth <= 0 || srcHeight <= 0) {
      throw new IllegalArgumentException("bad source size " + srcWidth + "x" + srcHeight);
    }
    SplittableRandom rng = isRandom() ? new SplittableRandom(sampleSeed(seed, epoch, row)) : null;
    int x;
    int y;
    int w;
    int h;
    if (randomCrop) {
      int[] box = randomBox(rng, srcWidth, srcHeight);
      x = box[0];
      y = box[1];
      w = box[2];
      h = box[3];
    } else if (srcWidth == width && srcHeight == height) {
      x = 0;
      y = 0;
      w = srcWidth;
      h = srcHeight;
    } else {
      w = (int) Math.min(srcWidth, Math.max(1, Math.round((double) srcHeight * width / height)));
      h = (int) Math.min(srcHeight, Math.max(1, Math.round((double) srcWidth * height / width)));
      x = (srcWidth - w) / 2;
      y = (srcHeight - h) / 2;
    }
    boolean flip =
        flipProbability >= 1 || (flipProbability > 0 && rng.nextDouble() < flipProbability);
    return new Params(x, y, w, h, flip);
  }

  private int[] randomBox(SplittableRandom rng, int srcW, int srcH) {
    double area = (double) srcW * srcH;
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * uniform(rng, minScale, maxScale);
      double aspect = Math.exp(uniform(rng, logMinRatio, logMaxRatio));
      int w = (int) Math.rint(Math.sqrt(target * aspect));
      int h = (int) Math.rint(Math.sqrt(target / aspect));
      if (w > 0 && w <= srcW && h > 0 && h <= srcH) {
        int top = rng.nextInt(srcH - h + 1);
        int left = rng.nextInt(srcW - w + 1);
        return new int[] {left, top, w, h};
      }
    }
    double inRatio = (double) srcW / srcH;
    int w;
    int h;
    if (inRatio < minRatio) {
      w = srcW;
      h = (int) Math.min(srcH, Math.max(1, Math.rint(w / minRatio)));
    } else if (inRatio > maxRatio) {
      h = srcH;
      w = (int) Math.min(srcW, Math.max(1, Math.rint(h * maxRatio)));
    } else {
      w = srcW;
      h = srcH;
    }
    return new int[] {(srcW - w) / 2, (srcH - h) / 2, w, h};
  }

  private static double uniform(SplittableRandom rng, double lo, double hi) {
    return lo == hi ? lo : lo + (hi - lo) * rng.nextDouble();
  }

  @Override
  public String toString() {
    return "Augmentation["
        + width
        + "x"
        + height
        + (randomCrop
            ? ", randomResizedCrop(scale "
                + minScale
                + ".."
                + maxScale
                + ", ratio "
                + minRatio
                + ".."
                + maxRatio
                + ")"
            : "")
        + (flipProbability > 0 ? ", flip p=" + flipProbability : "")
        + ", "
        + filter
        + "]";
  }

  /**
   * The random choices for one sample: the source box {@code [x, x+width) x [y, y+height)} that is
   * resized to the output, and whether the output is mirrored left-right.
   */
  public record Params(int x, int y, int width, int height, boolean flip) {
    public Params {
      if (x < 0 || y < 0 || width <= 0 || height <= 0) {
        throw new IllegalArgumentException("bad crop " + width + "x" + height + "+" + x + "+" + y);
      }
    }
  }

  /** Builder for {@link Augmentation}. Not thread-safe. */
  public static final class Builder {
    private final int width;
    private final int height;
    private boolean randomCrop;
    private double minScale = DEFAULT_MIN_SCALE;
    private double maxScale = DEFAULT_MAX_SCALE;
    private double minRatio = DEFAULT_MIN_RATIO;
    private double maxRatio = DEFAULT_MAX_RATIO;
    private double flipProbability;
    private ResampleFilter filter = ResampleFilter.BILINEAR;

    private Builder(int width, int height) {
      if (width <= 0 || height <= 0 || (long) width * height > RgbImage.MAX_PIXELS) {
        throw new IllegalArgumentException("bad output size " + width + "x" + height);
      }
      this.width = width;
      this.height = height;
    }

    /** Random resized crop with torchvision's defaults: scale (0.08, 1), ratio (3/4, 4/3). */
    public Builder randomResizedCrop() {
      return randomResizedCrop(
          DEFAULT_MIN_SCALE, DEFAULT_MAX_SCALE, DEFAULT_MIN_RATIO, DEFAULT_MAX_RATIO);
    }

    /**
     * Random resized crop with area fraction in [minScale, maxScale] and aspect in [minRatio,
     * maxRatio].
     */
    public Builder randomResizedCrop(
        double minScale, double maxScale, double minRatio, double maxRatio) {
      if (!(minScale > 0) || !(minScale <= maxScale) || !(maxScale <= 1)) {
        throw new IllegalArgumentException(
            "need 0 < minScale <= maxScale <= 1, got " + minScale + ", " + maxScale);
      }
      if (!(minRatio > 0) || !(minRatio <= maxRatio) || Double.isInfinite(maxRatio)) {
        throw new IllegalArgumentException(
            "need 0 < minRatio <= maxRatio < inf, got " + minRatio + ", " + maxRatio);
      }
      this.randomCrop = true;
      this.minScale = minScale;
      this.maxScale = maxScale;
      this.minRatio = minRatio;
      this.maxRatio = maxRatio;
      return this;
    }

    /** Mirror left-right with this probability (0 = never, the default; 1 = always). */
    public Builder horizontalFlip(double probability) {
      if (!(probability >= 0 && probability <= 1)) {
        throw new IllegalArgumentException(
            "flip probability must be in [0, 1], got " + probability);
      }
      this.flipProbability = probability;
      return this;
    }

    /** Resampling filter (default {@link ResampleFilter#BILINEAR}). */
    public Builder filter(ResampleFilter filter) {
      this.filter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    public Augmentation build() {
      return new Augmentation(this);
    }
  }
}
