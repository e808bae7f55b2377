package io.jcolz.format.testing;

/**
 * Test seeds: fixed by default so runs are repeatable, overridable with {@code -Djcolz.seed=N} to
 * explore. Every assertion message in a seeded test starts with {@link #tag(long)} so a failure can
 * be reproduced.
 */
public final class Seeds {
  private Seeds() {}

  /** The base seed of this run. */
  public static long base() {
    return Long.getLong("jcolz.seed", 20261122L);
  }

  /** The i-th derived seed. */
  public static long derive(long base, long i) {
    long z = base + i * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** "[seed=N] " for assertion messages; rerun with -Djcolz.seed=N. */
  public static String tag(long seed) {
    return "[seed=" + seed + ", rerun with -Djcolz.seed=" + base() + "] ";
  }
}
