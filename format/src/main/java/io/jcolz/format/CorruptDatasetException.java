package io.jcolz.format;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A dataset file is damaged, truncated, extended, foreign, or otherwise not what the manifest and
 * the format spec say it should be. The message always names the file and, where they apply, the
 * column, the chunk and the byte offset, and says what was expected and what was found.
 *
 * <p>Instances are immutable and thread-safe.
 */
public class CorruptDatasetException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that already names the location. */
  public CorruptDatasetException(String message) {
    super(message);
  }

  /** Creates an exception with a message that already names the location, keeping the cause. */
  public CorruptDatasetException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code "<file>: <what>"}. */
  public static CorruptDatasetException at(Path file, String what) {
    return new CorruptDatasetException(file + ": " + what);
  }

  /** {@code "<file>: column <c>, chunk <k> at offset <o>: <what>"}. */
  public static CorruptDatasetException atChunk(
      Path file, String column, long chunk, long offset, String what, Throwable cause) {
    return new CorruptDatasetException(
        file + ": column '" + column + "', chunk " + chunk + " at offset " + offset + ": " + what,
        cause);
  }
}
