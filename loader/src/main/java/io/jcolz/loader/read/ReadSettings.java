package io.jcolz.loader.read;

import io.jcolz.format.store.ReadMode;
import io.jcolz.loader.Loader;

/**
 * How a loader is to read its chunks, as a user states it: a {@link ReadMode} or the automatic
 * choice ({@link ReadModeChoice}), and the read-ahead depth or its default. The one place the
 * command-line words ({@code --read-mode auto|map|populate|pread|direct}, {@code --read-ahead N})
 * become loader settings, for every command that streams a dataset.
 *
 * <p>Thread-safety: immutable.
 *
 * @param mode the mode asked for, or null for the automatic choice
 * @param readAhead chunks read ahead at most (0 = off), or -1 for {@link
 *     ReadAhead#defaultDepth(int)}
 */
public record ReadSettings(ReadMode mode, int readAhead) {
  /** The automatic mode and the default depth. */
  public static final ReadSettings AUTO = new ReadSettings(null, -1);

  /**
   * @throws IllegalArgumentException if {@code readAhead} is outside -1..{@link
   *     ReadAhead#MAX_DEPTH}
   */
  public ReadSettings {
    if (readAhead < -1 || readAhead > ReadAhead.MAX_DEPTH) {
      throw new IllegalArgumentException(
          "read ahead must be in 0.."
              + ReadAhead.MAX_DEPTH
              + " chunks (0 = off), got "
              + readAhead);
    }
  }

  /**
   * Parses the command-line words.
   *
   * @param mode auto, map, populate, pread or direct (case-insensitive)
   * @param readAhead the depth, or null for the default
   * @return the settings
   * @throws IllegalArgumentException naming the allowed values
   */
  public static ReadSettings parse(String mode, Integer readAhead) {
    ReadMode m;
    if (mode.trim().equalsIgnoreCase("auto")) {
      m = null;
    } else {
      try {
        m = ReadMode.parse(mode);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "read mode '" + mode + "' is not one of auto, map, populate, pread, direct");
      }
    }
    return new ReadSettings(m, readAhead == null ? -1 : readAhead);
  }

  /**
   * Sets these on {@code builder}: the mode when one was asked for (the builder's default is the
   * automatic choice), the depth when not the default.
   *
   * @param builder a loader builder
   * @return {@code builder}
   */
  public Loader.Builder applyTo(Loader.Builder builder) {
    if (mode != null) {
      builder.readMode(mode);
    }
    return readAhead >= 0 ? builder.readAhead(readAhead) : builder;
  }

  /**
   * The mode's word: {@code auto} or the mode's {@link ReadMode#label()}.
   *
   * @return the word
   */
  public String modeLabel() {
    return mode == null ? "auto" : mode.label();
  }
}
