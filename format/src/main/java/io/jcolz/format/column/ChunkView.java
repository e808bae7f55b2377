package io.jcolz.format.column;

import static io.jcolz.format.store.FileFormat.LE_FLOAT;
import static io.jcolz.format.store.FileFormat.LE_INT;
import static io.jcolz.format.store.FileFormat.LE_LONG;

import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A decompressed chunk of one column: typed, zero-copy access to its rows. Row indices passed to
 * the accessors are relative to the chunk ({@code 0 .. rowCount()-1}); {@link #firstRow()} maps
 * them to dataset rows.
 *
 * <p>Payload layouts (FORMAT.md, "Chunk payloads"): tensors and scalars are {@code rowCount ×
 * rowBytes} bytes; BYTES, STRING, INT32_SET and FLOAT32_LIST start with {@code rowCount+1} u32
 * offsets (bytes for BYTES/STRING, elements for the other two) followed by the values.
 *
 * <p>A view is valid as long as the memory it was decoded into: for views from {@link
 * io.jcolz.format.ChunkDecoder#decode}, until that decoder's next decode or close. Views are
 * immutable and may be read from several threads while their memory is live.
 */
public final class ChunkView {
  private final ColumnSpec spec;
  private final int chunk;
  private final long firstRow;
  private final int rowCount;
  private final MemorySegment payload;
  private final long dataBase;

  private ChunkView(
      ColumnSpec spec, int chunk, long firstRow, int rowCount, MemorySegment payload) {
    this.spec = spec;
    this.chunk = chunk;
    this.firstRow = firstRow;
    this.rowCount = rowCount;
    this.payload = payload;
    this.dataBase = spec.type().variableLength() ? 4L * (rowCount + 1) : 0;
  }

  /**
   * Wraps a decompressed payload after checking its structure: the size of fixed-width payloads,
   * the offsets of variable-length ones (start at 0, never decrease, end at the payload's end), and
   * for int32 sets that each row is strictly increasing and within {@code [0, cardinality)}, for
   * float32 lists that every value is finite.
   *
   * @param file for messages
   * @param offset the chunk's byte offset in {@code file}, for messages
   */
  public static ChunkView wrap(
      ColumnSpec spec,
      Path file,
      int chunk,
      long offset,
      long firstRow,
      int rowCount,
      MemorySegment payload)
      throws CorruptDatasetException {
    ChunkView v = new ChunkView(spec, chunk, firstRow, rowCount, payload);
    String problem = v.structureProblem();
    if (problem != null) {
      throw CorruptDatasetException.atChunk(file, spec.name(), chunk, offset, problem, null);
    }
    return v;
  }

  private String structureProblem() {
    long size = payload.byteSize();
    ColumnType type = spec.type();
    if (!type.variableLength()) {
      long expected = (long) rowCount * spec.rowBytes();
      return size == expected
          ? null
          : "decompressed payload is "
              + size
              + " bytes, expected "
              + rowCount
              + " rows × "
              + spec.rowBytes();
    }
    if (size < dataBase) {
      return "decompressed payload is "
          + size
          + " bytes, too short for "
          + (rowCount + 1)
          + " offsets";
    }
    int unit = type.offsetUnit();
    long dataLen = size - dataBase;
    int prev = payload.get(LE_INT, 0);
    if (prev != 0) {
      return "first row offset is " + prev + ", expected 0";
    }
    for (int i = 1; i <= rowCount; i++) {
      int o = payload.get(LE_INT, 4L * i);
      if (o < prev) {
        return "row offset " + i + " is " + o + ", less than the previous " + prev;
      }
      prev = o;
    }
    if ((long) prev * unit != dataLen) {
      return "row offsets end at "
          + ((long) prev * unit)
          + " bytes of values, payload has "
          + dataLen;
    }
    if (type == ColumnType.INT32_SET) {
      int card = spec.cardinality();
      for (int i = 0; i < rowCount; i++) {
        int from = payload.get(LE_INT, 4L * i);
        int to = payload.get(LE_INT, 4L * (i + 1));
        int last = -1;
        for (int j = from; j < to; j++) {
          int x = payload.get(LE_INT, dataBase + 4L * j);
          if (x <= last || x >= card) {
            return "row "
                + i
                + " holds value "
                + x
                + (x >= card ? " outside [0, " + card + ")" : " out of order");
          }
          last = x;
        }
      }
    }
    if (type == ColumnType.FLOAT32_LIST) {
      for (int j = 0; j < prev; j++) {
        float f = payload.get(LE_FLOAT, dataBase + 4L * j);
        if (!Float.isFinite(f)) {
          return "value " + j + " of the chunk is " + f + ", not a finite number";
        }
      }
    }
    return null;
  }

  /** The column's spec. */
  public ColumnSpec spec() {
    return spec;
  }

  /** Chunk number within the column file it was read from (for messages). */
  public int chunk() {
    return chunk;
  }

  /** Dataset row of this chunk's row 0. */
  public long firstRow() {
    return firstRow;
  }

  /** Rows in this chunk. */
  public int rowCount() {
    return rowCount;
  }

  /** The whole decompressed payload. */
  public MemorySegment payload() {
    return payload;
  }

  private void check(int i, ColumnType... types) {
    if (i < 0 || i >= rowCount) {
      throw new IndexOutOfBoundsException("row " + i + " of a chunk with " + rowCount + " rows");
    }
    for (ColumnType t : types) {
      if (spec.type() == t) {
        return;
      }
    }
    throw new IllegalStateException("column '" + spec.name() + "' is " + spec.type().jsonName());
  }

  /** Row {@code i} of a UINT8_TENSOR column: {@code rowBytes} bytes, row-major. */
  public MemorySegment tensor(int i) {
    check(i, ColumnType.UINT8_TENSOR);
    long rb = spec.rowBytes();
    return payload.asSlice(i * rb, rb);
  }

  /** Row {@code i} of a BYTES or STRING column. */
  public MemorySegment bytes(int i) {
    check(i, ColumnType.BYTES, ColumnType.STRING);
    int from = payload.get(LE_INT, 4L * i);
    int to = payload.get(LE_INT, 4L * (i + 1));
    return payload.asSlice(dataBase + from, to - from);
  }

  /** Row {@code i} of a BYTES or STRING column, copied into a new array. */
  public byte[] byteArray(int i) {
    return bytes(i).toArray(ValueLayout.JAVA_BYTE);
  }

  /** Row {@code i} of a STRING column. */
  public String string(int i) {
    check(i, ColumnType.STRING);
    return new String(byteArray(i), StandardCharsets.UTF_8);
  }

  /** Number of values in row {@code i} of an INT32_SET column. */
  public int setSize(int i) {
    check(i, ColumnType.INT32_SET);
    return valueCount(i);
  }

  /** Values of row {@code i} of an INT32_SET column: {@code setSize(i)} little-endian int32. */
  public MemorySegment setValues(int i) {
    check(i, ColumnType.INT32_SET);
    return values(i);
  }

  /** Values of row {@code i} of an INT32_SET column, sorted ascending, in a new array. */
  public int[] set(int i) {
    MemorySegment s = setValues(i);
    int[] out = new int[(int) (s.byteSize() / 4)];
    for (int j = 0; j < out.length; j++) {
      out[j] = s.get(LE_INT, 4L * j);
    }
    return out;
  }

  /** Number of values in row {@code i} of a FLOAT32_LIST column. */
  public int listSize(int i) {
    check(i, ColumnType.FLOAT32_LIST);
    return valueCount(i);
  }

  /**
   * Values of row {@code i} of a FLOAT32_LIST column: {@code listSize(i)} little-endian float32, in
   * place (no copy).
   */
  public MemorySegment listValues(int i) {
    check(i, ColumnType.FLOAT32_LIST);
    return values(i);
  }

  /** Values in row {@code i} of a checked INT32_SET or FLOAT32_LIST column (4 bytes each). */
  private int valueCount(int i) {
    return payload.get(LE_INT, 4L * (i + 1)) - payload.get(LE_INT, 4L * i);
  }

  /** Row {@code i}'s 4-byte values in a checked INT32_SET or FLOAT32_LIST column, in place. */
  private MemorySegment values(int i) {
    int from = payload.get(LE_INT, 4L * i);
    int to = payload.get(LE_INT, 4L * (i + 1));
    return payload.asSlice(dataBase + 4L * from, 4L * (to - from));
  }

  /** Values of row {@code i} of a FLOAT32_LIST column, in a new array. */
  public float[] floatList(int i) {
    MemorySegment s = listValues(i);
    float[] out = new float[(int) (s.byteSize() / 4)];
    for (int j = 0; j < out.length; j++) {
      out[j] = s.get(LE_FLOAT, 4L * j);
    }
    return out;
  }

  /**
   * For INT32_SET and FLOAT32_LIST: the index, among the chunk's values, of row {@code i}'s first
   * value; row {@code i} holds values {@code [valuesFrom(i), valuesFrom(i + 1))}, and {@code i} may
   * be {@code rowCount()}. With {@link #setValueAt} and {@link #listValueAt}, a reader walks rows
   * without creating a slice per row (the loader's hot path).
   */
  public int valuesFrom(int i) {
    if (i < 0 || i > rowCount) {
      throw new IndexOutOfBoundsException("row " + i + " of a chunk with " + rowCount + " rows");
    }
    ColumnType t = spec.type();
    if (t != ColumnType.INT32_SET && t != ColumnType.FLOAT32_LIST) {
      throw new IllegalStateException("column '" + spec.name() + "' is " + t.jsonName());
    }
    return payload.get(LE_INT, 4L * i);
  }

  /** Value {@code j} of the chunk's values ({@link #valuesFrom}) of an INT32_SET column. */
  public int setValueAt(int j) {
    if (spec.type() != ColumnType.INT32_SET) {
      throw new IllegalStateException("column '" + spec.name() + "' is " + spec.type().jsonName());
    }
    return payload.get(LE_INT, dataBase + 4L * j);
  }

  /** Value {@code j} of the chunk's values ({@link #valuesFrom}) of a FLOAT32_LIST column. */
  public float listValueAt(int j) {
    if (spec.type() != ColumnType.FLOAT32_LIST) {
      throw new IllegalStateException("column '" + spec.name() + "' is " + spec.type().jsonName());
    }
    return payload.get(LE_FLOAT, dataBase + 4L * j);
  }

  /** Row {@code i} of an INT32 column. */
  public int int32(int i) {
    check(i, ColumnType.INT32);
    return payload.get(LE_INT, 4L * i);
  }

  /** Row {@code i} of an INT64 column. */
  public long int64(int i) {
    check(i, ColumnType.INT64);
    return payload.get(LE_LONG, 8L * i);
  }

  /** Row {@code i} of a FLOAT32 column. */
  public float float32(int i) {
    check(i, ColumnType.FLOAT32);
    return payload.get(LE_FLOAT, 4L * i);
  }
}
