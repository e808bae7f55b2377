package io.jcolz.loader.augment;

/**
 * The augmentations a loader applies to every sample, on uint8, seeded per sample by (seed, epoch,
 * row) so results do not depend on thread timing or worker count. Resolved at build time into an
 * {@link Augmentation} of the output size; {@link #of(Augmentation)} gives one directly (its size
 * is then the output size).
 *
 * <p>Immutable and thread-safe.
 *
 * @param horizontalFlip mirror each sample left-right with probability ½
 * @param randomResizedCrop torchvision's RandomResizedCrop with default scale and ratio ranges
 * @param custom an explicit augmentation, or null
 */
public record Augment(boolean horizontalFlip, boolean randomResizedCrop, Augmentation custom) {
  /** No augmentation. */
  public static Augment none() {
    return new Augment(false, false, null);
  }

  /** Random horizontal flip. */
  public static Augment flip() {
    return new Augment(true, false, null);
  }

  /** Random resized crop and random horizontal flip: the usual training transform. */
  public static Augment standard() {
    return new Augment(true, true, null);
  }

  /** Exactly this augmentation (and output size). */
  public static Augment of(Augmentation a) {
    return new Augment(false, false, java.util.Objects.requireNonNull(a));
  }

  /**
   * The name of this augmentation on the command line: {@code none}, {@code flip}, {@code
   * standard}, or {@code crop} (crop without flip) and {@code custom} for the ones no name gives.
   */
  public String id() {
    if (custom != null) {
      return "custom";
    }
    return randomResizedCrop
        ? (horizontalFlip ? "standard" : "crop")
        : horizontalFlip ? "flip" : "none";
  }

  /**
   * The augmentation named {@code id} ({@code none}, {@code flip} or {@code standard}), or empty.
   */
  public static java.util.Optional<Augment> parse(String id) {
    return switch (id.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "none" -> java.util.Optional.of(none());
      case "flip" -> java.util.Optional.of(flip());
      case "standard" -> java.util.Optional.of(standard());
      default -> java.util.Optional.empty();
    };
  }

  /** The augmentation for outputs of {@code width × height}. */
  public Augmentation resolve(int width, int height) {
    if (custom != null) {
      return custom;
    }
    Augmentation.Builder b = Augmentation.builder(width, height);
    if (randomResizedCrop) {
      b.randomResizedCrop();
    }
    if (horizontalFlip) {
      b.horizontalFlip(0.5);
    }
    return b.build();
  }
}
