package io.jcolz.format;

/**
 * A row was appended whose key is already in the dataset being written. The row is not written; the
 * writer stays usable.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class DuplicateKeyException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final long existingRow;

  /** Creates an exception naming the key and the row that already holds it. */
  public DuplicateKeyException(String column, String key, long existingRow) {
    super("duplicate key in column '" + column + "': '" + key + "' is already row " + existingRow);
    this.key = key;
    this.existingRow = existingRow;
  }

  /** The duplicated key. */
  public String key() {
    return key;
  }

  /** The row that already holds the key. */
  public long existingRow() {
    return existingRow;
  }
}
