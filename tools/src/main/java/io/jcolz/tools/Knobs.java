package io.jcolz.tools;

import io.jcolz.format.MachineLimits;

/**
 * The bounds every command checks its numeric options against before it does any work, so that a
 * value out of range is refused with one line and exit 2 (never started: 10,000 threads, a batch
 * that cannot fit memory, a run of 10^308 seconds). Worker and thread counts are bounded by {@link
 * MachineLimits#maxThreads()}; a batch's memory is bounded again, against the dataset's image size,
 * by the loader ({@link io.jcolz.loader.LoaderConfig}). Every bound refuses, none clamps: a run
 * does what was asked or nothing (README, "Command-line conventions").
 *
 * <p>Stateless and thread-safe.
 */
final class Knobs {
  /** Most samples per batch any command accepts (the loader's memory check may refuse fewer). */
  static final int MAX_BATCH = 1 << 16;

  /** Longest timed run of {@code bench}, in seconds: a day. */
  static final double MAX_SECONDS = 86_400;

  /** Largest peak learning rate {@code train} takes: above it every optimizer diverges. */
  static final double MAX_LEARNING_RATE = 100;

  /** Largest L2 weight decay {@code train} takes: above it the weights are driven to zero. */
  static final double MAX_WEIGHT_DECAY = 1;

  private Knobs() {}

  /** A number in {@code [min, max]}. */
  static double within(String flag, double v, double min, double max) {
    if (!(v >= min && v <= max)) {
      throw new Main.UsageException(flag + " must be in [" + min + ", " + max + "], got " + v);
    }
    return v;
  }

  /** A number in {@code [0, 1)}. */
  static double fraction(String flag, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new Main.UsageException(flag + " must be at least 0 and below 1, got " + v);
    }
    return v;
  }

  /** A finite number at most {@code max} (its lower bound is checked where it is used). */
  static double atMost(String flag, double v, double max) {
    if (Double.isNaN(v) || v > max) {
      throw new Main.UsageException(flag + " must be at most " + max + ", got " + v);
    }
    return v;
  }

  /** A worker or thread count: 1..{@link MachineLimits#maxThreads()}. */
  static int threads(String flag, int n) {
    String bad = MachineLimits.checkThreads(flag, n);
    if (bad != null) {
      throw new Main.UsageException(bad);
    }
    return n;
  }

  /** A batch size: 1..{@link #MAX_BATCH}. */
  static int batch(String flag, int b) {
    return range(flag, b, 1, MAX_BATCH);
  }

  /** An integer in {@code min..max}. */
  static int range(String flag, long v, long min, long max) {
    if (v < min || v > max) {
      throw new Main.UsageException(flag + " must be in " + min + ".." + max + ", got " + v);
    }
    return (int) v;
  }

  /** A duration in seconds: finite, above 0, at most {@link #MAX_SECONDS}. */
  static double seconds(String flag, double s) {
    if (!(s > 0) || s > MAX_SECONDS) {
      throw new Main.UsageException(
          flag
              + " must be a number of seconds above 0 and at most "
              + (long) MAX_SECONDS
              + ", got "
              + s);
    }
    return s;
  }
}
