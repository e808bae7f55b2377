package io.jcolz.pack;

import io.jcolz.image.ImageDecodeException;
import java.util.Locale;

/**
 * Why an input file was not packed. {@link #key()} is the stable name used in the {@code
 * skipped_by_reason} JSON object; {@link #label()} the words of the one-line message.
 *
 * <p>Immutable and thread-safe.
 */
public enum SkipReason {
  /** Zero bytes. */
  EMPTY_FILE("empty file"),
  /** Permission denied, vanished, a broken symlink, an I/O error, not a regular file. */
  UNREADABLE("unreadable"),
  /** No image reader recognises the content (a text file named .jpg). */
  NOT_AN_IMAGE("not an image"),
  /** A reader recognises the format but not this variant. */
  UNSUPPORTED("unsupported image"),
  /** The data ends before the image does. */
  TRUNCATED("truncated"),
  /** Malformed data. */
  CORRUPT("corrupt"),
  /**
   * More pixels (or bytes) than a limit: a decompression bomb (over 2^31 source pixels) is refused
   * from its header, and so is an image that would decode to more than 100 MP even subsampled.
   */
  TOO_LARGE("too large"),
  /** Shorter side below {@code --min-side}. */
  TOO_SMALL("too small"),
  /** A symbolic link that loops (to itself or to a folder above it). */
  SYMLINK_LOOP("symlink loop"),
  /**
   * A file name that is not valid in the JVM's file-name encoding (not UTF-8): its key could not
   * name it.
   */
  BAD_NAME("bad file name"),
  /** Two files map to the same key. */
  DUPLICATE_KEY("duplicate key");

  private final String label;

  SkipReason(String label) {
    this.label = label;
  }

  /** Lower-case words, e.g. {@code "not an image"}. */
  public String label() {
    return label;
  }

  /** The JSON key, e.g. {@code "not_an_image"}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The skip reason of a decoder refusal. */
  public static SkipReason of(ImageDecodeException.Reason r) {
    return switch (r) {
      case EMPTY_FILE -> EMPTY_FILE;
      case UNREADABLE -> UNREADABLE;
      case NOT_AN_IMAGE -> NOT_AN_IMAGE;
      case UNSUPPORTED -> UNSUPPORTED;
      case TRUNCATED -> TRUNCATED;
      case CORRUPT -> CORRUPT;
      case TOO_LARGE -> TOO_LARGE;
      case TOO_SMALL -> TOO_SMALL;
    };
  }
}
