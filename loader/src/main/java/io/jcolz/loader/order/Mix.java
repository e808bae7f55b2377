package io.jcolz.loader.order;

/**
 * The loader's only source of randomness: SplitMix64-style mixing of 64-bit words, specified here
 * (not borrowed from {@code java.util.Random} or {@code SplittableRandom}, whose algorithms a JDK
 * may change), so every order and every per-sample augmentation seed is the same on any machine and
 * any JDK.
 *
 * <p>Stateless and thread-safe.
 */
public final class Mix {
  private Mix() {}

  /** The SplitMix64 finaliser: a bijective avalanche of {@code z}. */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A key derived from a seed and a sequence of words (order matters). */
  public static long key(long seed, long... words) {
    long h = mix64(seed + 0x9E3779B97F4A7C15L);
    for (long w : words) {
      h = mix64(h ^ mix64(w + 0x632BE59BD9B4E019L));
    }
    return h;
  }

  /** A key from a seed and two words, without varargs allocation. */
  public static long key(long seed, long a, long b) {
    long h = mix64(seed + 0x9E3779B97F4A7C15L);
    h = mix64(h ^ mix64(a + 0x632BE59BD9B4E019L));
    return mix64(h ^ mix64(b + 0x632BE59BD9B4E019L));
  }

  /** A key from a seed and three words, without varargs allocation. */
  public static long key(long seed, long a, long b, long c) {
    return mix64(key(seed, a, b) ^ mix64(c + 0x632BE59BD9B4E019L));
  }

  /**
   * The per-sample seed that augmentations use for row {@code row} in epoch {@code epoch}: the same
   * whatever thread, worker count or batch the sample lands in.
   */
  public static long sampleSeed(long seed, long epoch, long row) {
    return key(seed ^ 0x5A5A5A5A5A5A5A5AL, epoch, row);
  }
}
