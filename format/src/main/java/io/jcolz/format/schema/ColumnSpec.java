package io.jcolz.format.schema;

import io.jcolz.format.codec.Codec;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Declares one column: its name, value type, shape (tensors) or cardinality (int32 sets), and how
 * it is cut into chunks and compressed.
 *
 * <p>Chunking: a chunk is closed when it holds {@link #chunkRows()} rows, or, if {@link
 * #chunkBytes()} is positive, as soon as its decompressed payload reaches that many bytes —
 * whichever comes first. Every chunk holds at least one row. A decompressed chunk must stay under
 * {@link #MAX_CHUNK_BYTES}.
 *
 * <p>Immutable and thread-safe. Use the static factories and the {@code with…} methods.
 */
public final class ColumnSpec {
  /** Largest decompressed chunk payload (1 GiB): keeps every size an int and buffers sane. */
  public static final int MAX_CHUNK_BYTES = 1 << 30;

  /** Default target of decompressed bytes per chunk for tensors and variable-length columns. */
  public static final int DEFAULT_CHUNK_BYTES = 4 << 20;

  /** Default Zstd level: fast to write, decompression speed does not depend on it. */
  public static final int DEFAULT_LEVEL = 3;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");

  private final String name;
  private final ColumnType type;
  private final int[] shape;
  private final int cardinality;
  private final Codec codec;
  private final int level;
  private final int chunkRows;
  private final int chunkBytes;

  private ColumnSpec(
      String name,
      ColumnType type,
      int[] shape,
      int cardinality,
      Codec codec,
      int level,
      int chunkRows,
      int chunkBytes) {
    this.name = Objects.requireNonNull(name, "name");
    this.type = Objects.requireNonNull(type, "type");
    this.shape = shape.clone();
    this.cardinality = cardinality;
    this.codec = Objects.requireNonNull(codec, "codec");
    this.level = level;
    this.chunkRows = chunkRows;
    this.chunkBytes = chunkBytes;
    validate();
  }

  /** A fixed-shape uint8 tensor per row, e.g. {@code uint8Tensor("image", 224, 224, 3)}. */
  public static ColumnSpec uint8Tensor(String name, int... shape) {
    long rowBytes = 1;
    for (int d : shape) {
      rowBytes *= Math.max(d, 1);
    }
    int rows = (int) Math.max(1, Math.min(65536, DEFAULT_CHUNK_BYTES / Math.max(rowBytes, 1)));
    return new ColumnSpec(
        name, ColumnType.UINT8_TENSOR, shape, 0, Codec.ZSTD, DEFAULT_LEVEL, rows, 0);
  }

  /** A variable-length byte string per row (encoded images). */
  public static ColumnSpec bytes(String name) {
    return new ColumnSpec(
        name,
        ColumnType.BYTES,
        new int[0],
        0,
        Codec.ZSTD,
        DEFAULT_LEVEL,
        65536,
        DEFAULT_CHUNK_BYTES);
  }

  /** A UTF-8 string per row (keys). */
  public static ColumnSpec string(String name) {
    return new ColumnSpec(
        name,
        ColumnType.STRING,
        new int[0],
        0,
        Codec.ZSTD,
        DEFAULT_LEVEL,
        1024,
        DEFAULT_CHUNK_BYTES);
  }

  /**
   * A set of distinct int32 in {@code [0, cardinality)} per row (label indices). Stored sorted, CSR
   * within a chunk.
   */
  public static ColumnSpec int32Set(String name, int cardinality) {
    return new ColumnSpec(
        name,
        ColumnType.INT32_SET,
        new int[0],
        cardinality,
        Codec.ZSTD,
        DEFAULT_LEVEL,
        8192,
        DEFAULT_CHUNK_BYTES);
  }

  /**
   * A list of finite float32 per row (e.g. the confidences of a row's labels), CSR within a chunk;
   * format version 3.
   */
  public static ColumnSpec float32List(String name) {
    return new ColumnSpec(
        name,
        ColumnType.FLOAT32_LIST,
        new int[0],
        0,
        Codec.ZSTD,
        DEFAULT_LEVEL,
        8192,
        DEFAULT_CHUNK_BYTES);
  }

  /** A scalar column of {@code INT32}, {@code INT64} or {@code FLOAT32}. */
  public static ColumnSpec scalar(String name, ColumnType type) {
    if (type.scalarWidth() < 0) {
      throw new IllegalArgumentException(
          "column '" + name + "': " + type + " is not a scalar type");
    }
    return new ColumnSpec(name, type, new int[0], 0, Codec.ZSTD, DEFAULT_LEVEL, 65536, 0);
  }

  /** Reconstructs a spec read from a manifest; validates every field. */
  public static ColumnSpec of(
      String name,
      ColumnType type,
      int[] shape,
      int cardinality,
      Codec codec,
      int level,
      int chunkRows,
      int chunkBytes) {
    return new ColumnSpec(name, type, shape, cardinality, codec, level, chunkRows, chunkBytes);
  }

  /** This spec with another codec and level. The level is ignored by {@link Codec#NONE}. */
  public ColumnSpec withCodec(Codec newCodec, int newLevel) {
    return new ColumnSpec(
        name, type, shape, cardinality, newCodec, newLevel, chunkRows, chunkBytes);
  }

  /** This spec with a maximum number of rows per chunk. */
  public ColumnSpec withChunkRows(int rows) {
    return new ColumnSpec(name, type, shape, cardinality, codec, level, rows, chunkBytes);
  }

  /** This spec closing chunks once they reach {@code bytes} decompressed bytes (0: rows only). */
  public ColumnSpec withChunkBytes(int bytes) {
    return new ColumnSpec(name, type, shape, cardinality, codec, level, chunkRows, bytes);
  }

  private void validate() {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "column name '" + name + "' must match " + NAME.pattern() + " (it names a file)");
    }
    if (type == ColumnType.UINT8_TENSOR) {
      if (shape.length == 0 || shape.length > 8) {
        throw new IllegalArgumentException(
            "column '" + name + "': tensor shape needs 1 to 8 dimensions");
      }
      long bytes = 1;
      for (int d : shape) {
        if (d <= 0) {
          throw new IllegalArgumentException(
              "column '" + name + "': tensor dimension " + d + " must be > 0");
        }
        bytes *= d;
        if (bytes > MAX_CHUNK_BYTES) {
          throw new IllegalArgumentException(
              "column '" + name + "': tensor row over " + MAX_CHUNK_BYTES + " bytes");
        }
      }
    } else if (shape.length != 0) {
      throw new IllegalArgumentException("column '" + name + "': only uint8 tensors have a shape");
    }
    if (type == ColumnType.INT32_SET) {
      if (cardinality <= 0) {
        throw new IllegalArgumentException(
            "column '" + name + "': int32 set needs a cardinality > 0");
      }
    } else if (cardinality != 0) {
      throw new IllegalArgumentException(
          "column '" + name + "': only int32 sets have a cardinality");
    }
    if (codec == Codec.ZSTD && (level < -7 || level > 22)) {
      throw new IllegalArgumentException(
          "column '" + name + "': zstd level " + level + " outside [-7, 22]");
    }
    if (chunkRows <= 0) {
      throw new IllegalArgumentException(
          "column '" + name + "': chunk rows " + chunkRows + " must be > 0");
    }
    if (chunkBytes < 0 || chunkBytes > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException(
          "column '"
              + name
              + "': chunk bytes "
              + chunkBytes
              + " outside [0, "
              + MAX_CHUNK_BYTES
              + "]");
    }
    if (type == ColumnType.UINT8_TENSOR && (long) chunkRows * rowBytes() > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException(
          "column '"
              + name
              + "': "
              + chunkRows
              + " rows of "
              + rowBytes()
              + " bytes exceed the chunk limit of "
              + MAX_CHUNK_BYTES
              + " bytes");
    }
  }

  /** Column name: also the column file's base name. */
  public String name() {
    return name;
  }

  /** Value type. */
  public ColumnType type() {
    return type;
  }

  /** Tensor shape (a copy); empty for other types. */
  public int[] shape() {
    return shape.clone();
  }

  /** Bytes per row for tensors and scalars; -1 for variable-length types. */
  public int rowBytes() {
    if (type == ColumnType.UINT8_TENSOR) {
      int b = 1;
      for (int d : shape) {
        b *= d;
      }
      return b;
    }
    return type.scalarWidth();
  }

  /** Exclusive upper bound of int32 set values; 0 for other types. */
  public int cardinality() {
    return cardinality;
  }

  /** Chunk codec. */
  public Codec codec() {
    return codec;
  }

  /** Zstd level used when writing (informational when reading). */
  public int level() {
    return level;
  }

  /** Maximum rows per chunk. */
  public int chunkRows() {
    return chunkRows;
  }

  /** Target decompressed bytes per chunk, or 0 when chunks are cut by row count only. */
  public int chunkBytes() {
    return chunkBytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ColumnSpec c
        && name.equals(c.name)
        && type == c.type
        && Arrays.equals(shape, c.shape)
        && cardinality == c.cardinality
        && codec == c.codec
        && level == c.level
        && chunkRows == c.chunkRows
        && chunkBytes == c.chunkBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name, type, Arrays.hashCode(shape), cardinality, codec, level, chunkRows, chunkBytes);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name).append(' ').append(type.jsonName());
    if (shape.length > 0) {
      sb.append(Arrays.toString(shape));
    }
    if (cardinality > 0) {
      sb.append(" of ").append(cardinality);
    }
    sb.append(" (").append(codec.jsonName());
    if (codec == Codec.ZSTD) {
      sb.append(' ').append(level);
    }
    sb.append(", ").append(chunkRows).append(" rows");
    if (chunkBytes > 0) {
      sb.append(" or ").append(chunkBytes).append(" B");
    }
    return sb.append(" per chunk)").toString();
  }
}
