package io.jcolz.format;

import java.nio.file.Path;

/**
 * A file carries a format version outside the range this build of jcolz reads. Extends {@link
 * CorruptDatasetException} because a damaged version field looks the same to a reader: the message
 * says which of the two it most likely is.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class FormatVersionException extends CorruptDatasetException {
  private static final long serialVersionUID = 1L;

  private final int actual;
  private final int min;
  private final int max;

  /** Creates an exception for {@code file} whose header says {@code actual}. */
  public FormatVersionException(Path file, int actual, int min, int max) {
    super(describe(file, actual, min, max));
    this.actual = actual;
    this.min = min;
    this.max = max;
  }

  private static String describe(Path file, int actual, int min, int max) {
    if (actual > max) {
      return file
          + ": format version "
          + actual
          + " is newer than this jcolz supports (max "
          + max
          + "); upgrade jcolz, or the file is corrupt";
    }
    return file
        + ": format version "
        + actual
        + " is older than this jcolz supports (min "
        + min
        + "); repack the dataset, or the file is corrupt";
  }

  /** The version found in the file. */
  public int actual() {
    return actual;
  }

  /** True when the file is newer than this build reads. */
  public boolean tooNew() {
    return actual > max;
  }

  /** Oldest version this build reads. */
  public int min() {
    return min;
  }

  /** Newest version this build reads. */
  public int max() {
    return max;
  }
}
