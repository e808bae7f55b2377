package io.jcolz.format.schema;

import java.util.Locale;

/**
 * The value type of a column, which fixes the layout of a decompressed chunk (see FORMAT.md, "Chunk
 * payloads").
 *
 * <p>Thread-safe (an enum).
 */
public enum ColumnType {
  /** Fixed-shape unsigned 8-bit tensor per row (e.g. H×W×C pixels), row-major. */
  UINT8_TENSOR(-1),
  /** Variable-length byte string per row (e.g. an encoded JPEG). */
  BYTES(-1),
  /** Variable-length UTF-8 string per row (e.g. a key). */
  STRING(-1),
  /** Sorted set of distinct non-negative int32 per row (e.g. label indices), CSR in a chunk. */
  INT32_SET(-1),
  /** One little-endian int32 per row. */
  INT32(4),
  /** One little-endian int64 per row. */
  INT64(8),
  /** One little-endian IEEE-754 float32 per row. */
  FLOAT32(4),
  /**
   * A list of finite float32 per row (e.g. one confidence per label of the row's label set), CSR in
   * a chunk like {@link #INT32_SET}; format version 3.
   */
  FLOAT32_LIST(-1);

  private final int scalarWidth;

  ColumnType(int scalarWidth) {
    this.scalarWidth = scalarWidth;
  }

  /** Bytes per row of a scalar type, or -1 for tensors and variable-length types. */
  public int scalarWidth() {
    return scalarWidth;
  }

  /**
   * True for BYTES, STRING, INT32_SET and FLOAT32_LIST, whose chunks start with a row-offset array.
   */
  public boolean variableLength() {
    return this == BYTES || this == STRING || this == INT32_SET || this == FLOAT32_LIST;
  }

  /** Bytes one unit of a row-offset counts: 4 for INT32_SET and FLOAT32_LIST, else 1. */
  public int offsetUnit() {
    return this == INT32_SET || this == FLOAT32_LIST ? 4 : 1;
  }

  /** The format version that introduced this type: 3 for FLOAT32_LIST, else 1. */
  public int sinceVersion() {
    return this == FLOAT32_LIST ? 3 : 1;
  }

  /** Lower-case name as written in the manifest. */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a manifest name, or throws IllegalArgumentException. */
  public static ColumnType fromJsonName(String name) {
    for (ColumnType t : values()) {
      if (t.jsonName().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown column type '" + name + "'");
  }
}
