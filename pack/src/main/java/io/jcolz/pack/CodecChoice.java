package io.jcolz.pack;

import java.util.Locale;
import java.util.Optional;

/**
 * How {@link Packer} chooses each column's chunk codec ({@code --codec}). Thread-safe (an enum).
 */
public enum CodecChoice {
  /**
   * Per part and column, by measurement: the column's first chunk is compressed with Zstd at the
   * pack's level, and the column is stored with codec {@code none} when that saves less than {@link
   * #AUTO_MIN_SAVING} of its bytes (photo-like pixels, JPEGs), else with Zstd. Deterministic: the
   * same rows give the same choice.
   */
  AUTO,
  /** Zstd at the pack's level for every column (the codec of every pack before {@code auto}). */
  ZSTD,
  /** Codec {@code none} for every column: nothing to decompress, largest files. */
  NONE;

  /** {@link #AUTO} keeps Zstd for a column only when it saves at least this share of its bytes. */
  public static final double AUTO_MIN_SAVING = 0.10;

  /** Lower-case name, as on the command line and in the pack plan. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The choice named {@code id} (any case), or empty. */
  public static Optional<CodecChoice> parse(String id) {
    for (CodecChoice c : values()) {
      if (c.id().equalsIgnoreCase(id.trim())) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
