package io.jcolz.format.column;

import io.jcolz.format.schema.ColumnSpec;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Accumulates the rows of one column's open chunk in the payload layout of FORMAT.md and hands out
 * the finished payload. Values arrive already validated and normalised by {@link
 * io.jcolz.format.Row}.
 *
 * <p>A fixed-width column's payload is handed out without a copy: {@link #seal()} gives away the
 * open chunk's buffer and continues in a spare one, which {@link #recycle} returns once the chunk
 * is written (a 4 MiB image chunk is neither copied nor reallocated under the writer's lock).
 *
 * <p>Not thread-safe: the dataset writer calls it under its append lock; only {@link #recycle} may
 * be called from any thread.
 */
public final class ChunkBuilder {
  private final ColumnSpec spec;
  private final boolean variable;
  private final int unit;
  private byte[] data = new byte[256];
  private int dataLen;
  private int[] offsets = new int[64];
  private int rows;
  private long firstRow;
  private final ConcurrentLinkedQueue<byte[]> spares = new ConcurrentLinkedQueue<>();

  /** Spare payload buffers kept for reuse, at most. */
  private static final int MAX_SPARES = 4;

  /** A builder for {@code spec}'s chunks. */
  public ChunkBuilder(ColumnSpec spec) {
    this.spec = spec;
    this.variable = spec.type().variableLength();
    this.unit = spec.type().offsetUnit();
  }

  /** Rows in the open chunk. */
  public int rows() {
    return rows;
  }

  /** Payload bytes the open chunk would have now. */
  public long payloadBytes() {
    return variable ? 4L * (rows + 1) + dataLen : dataLen;
  }

  /** Payload bytes the open chunk would have with one more row of {@code valueBytes}. */
  public long payloadBytesWith(int valueBytes) {
    return payloadBytes() + valueBytes + (variable ? 4 : 0);
  }

  /** True when the open chunk has reached its row or byte target and must be sealed. */
  public boolean full() {
    return rows >= spec.chunkRows()
        || (spec.chunkBytes() > 0 && payloadBytes() >= spec.chunkBytes());
  }

  /** Appends the fixed-width or byte-string value of the next row. */
  public void addBytes(long row, byte[] value) {
    begin(row);
    put(value, value.length);
    end();
  }

  /** Appends an int32 set (sorted, distinct, in range) as the next row. */
  public void addSet(long row, int[] sorted) {
    begin(row);
    ensure(sorted.length * 4);
    for (int x : sorted) {
      data[dataLen++] = (byte) x;
      data[dataLen++] = (byte) (x >>> 8);
      data[dataLen++] = (byte) (x >>> 16);
      data[dataLen++] = (byte) (x >>> 24);
    }
    end();
  }

  /** Appends a float32 list (already checked finite) as the next row. */
  public void addFloats(long row, float[] values) {
    begin(row);
    ensure(values.length * 4);
    for (float f : values) {
      int x = Float.floatToRawIntBits(f);
      data[dataLen++] = (byte) x;
      data[dataLen++] = (byte) (x >>> 8);
      data[dataLen++] = (byte) (x >>> 16);
      data[dataLen++] = (byte) (x >>> 24);
    }
    end();
  }

  /** Appends a scalar of {@code width} bytes (4 or 8) as the next row, little-endian. */
  public void addScalar(long row, long bits, int width) {
    begin(row);
    ensure(width);
    for (int b = 0; b < width; b++) {
      data[dataLen++] = (byte) (bits >>> (8 * b));
    }
    end();
  }

  private void begin(long row) {
    if (rows == 0) {
      firstRow = row;
    } else if (row != firstRow + rows) {
      throw new IllegalStateException(
          "rows must be added in order: got " + row + ", expected " + (firstRow + rows));
    }
  }

  private void end() {
    rows++;
    if (variable) {
      if (rows + 1 > offsets.length) {
        offsets = Arrays.copyOf(offsets, offsets.length * 2);
      }
      offsets[rows] = dataLen / unit;
    }
  }

  private void put(byte[] value, int len) {
    ensure(len);
    System.arraycopy(value, 0, data, dataLen, len);
    dataLen += len;
  }

  private void ensure(int more) {
    long need = (long) dataLen + more;
    if (need > data.length) {
      long cap = Math.max(need, Math.min((long) data.length * 2, ColumnSpec.MAX_CHUNK_BYTES + 16L));
      data = Arrays.copyOf(data, (int) Math.min(cap, Integer.MAX_VALUE - 16));
    }
  }

  /**
   * Returns the open chunk's payload and starts a new, empty chunk. Must not be called when empty.
   */
  public Sealed seal() {
    if (rows == 0) {
      throw new IllegalStateException("empty chunk");
    }
    byte[] payload;
    int len;
    if (variable) {
      len = 4 * (rows + 1) + dataLen;
      payload = new byte[len];
      for (int i = 0; i <= rows; i++) {
        int o = offsets[i];
        int p = 4 * i;
        payload[p] = (byte) o;
        payload[p + 1] = (byte) (o >>> 8);
        payload[p + 2] = (byte) (o >>> 16);
        payload[p + 3] = (byte) (o >>> 24);
      }
      System.arraycopy(data, 0, payload, 4 * (rows + 1), dataLen);
    } else {
      payload = data;
      len = dataLen;
      byte[] spare = spares.poll();
      data = spare != null ? spare : new byte[Math.max(256, len)];
    }
    Sealed s = new Sealed(firstRow, rows, payload, len);
    rows = 0;
    dataLen = 0;
    if (data.length > (4 << 20) && data.length > 2L * len) {
      data = new byte[Math.max(256, len)];
    }
    return s;
  }

  /**
   * Gives back a sealed chunk's payload once nothing reads it any more (the chunk is written), so
   * the next chunk of a fixed-width column fills it instead of a new buffer. Thread-safe; a payload
   * of a variable-length column, or one beyond the few spares kept, is left to the collector.
   */
  public void recycle(byte[] payload) {
    if (!variable && spares.size() < MAX_SPARES) {
      spares.offer(payload);
    }
  }

  /** A finished chunk payload: {@code rows} rows starting at dataset row {@code firstRow}. */
  public record Sealed(long firstRow, int rows, byte[] payload, int length) {}
}
