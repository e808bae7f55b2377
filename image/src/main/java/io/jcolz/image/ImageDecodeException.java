package io.jcolz.image;

import java.io.IOException;
import java.util.Objects;

/**
 * An input image that cannot be turned into pixels, with a machine-readable {@link Reason}.
 *
 * <p>The message is always one line of the form {@code <source>: <reason> (<detail>)}, for example
 * {@code photos/a.jpg: truncated (image data ends early: Premature end of JPEG file)}, so that a
 * tool can print it as is and count skips by {@link #reason()}. Failures inside ImageIO plugins
 * (including their {@code RuntimeException}s) are wrapped in this type with the original as the
 * {@linkplain #getCause() cause}; nothing else escapes the decoders except an {@link
 * java.io.InterruptedIOException} when the calling thread is interrupted.
 *
 * <p>Thread-safety: immutable, thread-safe.
 */
public final class ImageDecodeException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why an input was refused. Stable names: tools print and count them. */
  public enum Reason {
    /** The file has zero bytes. */
    EMPTY_FILE("empty file"),
    /** The file could not be read: permissions, missing, not a regular file, I/O error. */
    UNREADABLE("unreadable"),
    /** No installed ImageIO reader recognises the content (e.g. a text file named .jpg). */
    NOT_AN_IMAGE("not an image"),
    /** A reader recognises the format but cannot decode this variant of it. */
    UNSUPPORTED("unsupported image"),
    /** The data ends before the image does (partial download, cut file). */
    TRUNCATED("truncated"),
    /** The data is malformed in a way the reader cannot recover from. */
    CORRUPT("corrupt"),
    /** The header announces more pixels (or the file has more bytes) than the configured limit. */
    TOO_LARGE("too large"),
    /** The image is smaller than the configured minimum side (off by default: 1x1 is valid). */
    TOO_SMALL("too small");

    private final String label;

    Reason(String label) {
      this.label = label;
    }

    /** Lower-case words for messages, e.g. {@code "not an image"}. */
    public String label() {
      return label;
    }
  }

  private final String source;
  private final Reason reason;
  private final String detail;

  /**
   * @param source what was being decoded: a path or a caller-chosen name; never null
   * @param reason why it failed; never null
   * @param detail extra words (may be empty); line breaks are flattened to keep the message one
   *     line
   * @param cause the underlying exception, or null
   */
  public ImageDecodeException(String source, Reason reason, String detail, Throwable cause) {
    super(message(source, reason, detail), cause);
    this.source = Objects.requireNonNull(source, "source");
    this.reason = Objects.requireNonNull(reason, "reason");
    this.detail = oneLine(detail == null ? "" : detail);
  }

  /** Same as {@code new ImageDecodeException(source, reason, detail, null)}. */
  public ImageDecodeException(String source, Reason reason, String detail) {
    this(source, reason, detail, null);
  }

  /** The path or name of the input that failed. */
  public String source() {
    return source;
  }

  /** Why it failed. */
  public Reason reason() {
    return reason;
  }

  /** The detail words of the message, possibly empty. */
  public String detail() {
    return detail;
  }

  private static String message(String source, Reason reason, String detail) {
    String d = oneLine(detail == null ? "" : detail);
    return oneLine(String.valueOf(source))
        + ": "
        + (reason == null ? "?" : reason.label())
        + (d.isEmpty() ? "" : " (" + d + ")");
  }

  static String oneLine(String s) {
    String t = s.replaceAll("[\\r\\n\\t]+", " ").strip();
    return t.length() > 500 ? t.substring(0, 500) + "..." : t;
  }
}
