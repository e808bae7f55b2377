package io.jcolz.loader;

/**
 * The augmentations a loader applies to every sample, on uint8, seeded per sample by (seed, epoch,
 * row) so results do not depend on thread timing or worker count.
 *
 * <p>Immutable and thread-safe.
 *
 * @param horizontalFlip mirror each sample left-right with probability ½
 */
public record Augment(boolean horizontalFlip) {
  /** No augmentation. */
  public static Augment none() {
    return new Augment(false);
  }

  /** Random horizontal flip. */
  public static Augment flip() {
    return new Augment(true);
  }
}
