package io.jcolz.format;

import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One row's values, set column by column and then passed to {@link DatasetWriter#append}. Values
 * are checked as they are set (tensor size, set range), so a bad value fails at the setter that
 * received it, naming the column. A row may be reused after {@code append} returns: the writer
 * copies what it needs. Byte arrays are not copied by the setters: do not change them until the row
 * has been appended.
 *
 * <p>Not thread-safe: one row per appending thread.
 */
public final class Row {
  private final Schema schema;
  private final Object[] refs;
  private final long[] prims;
  private final boolean[] present;

  Row(Schema schema) {
    this.schema = schema;
    this.refs = new Object[schema.size()];
    this.prims = new long[schema.size()];
    this.present = new boolean[schema.size()];
  }

  /** The schema this row follows. */
  public Schema schema() {
    return schema;
  }

  /** Forgets every value. */
  public Row clear() {
    Arrays.fill(refs, null);
    Arrays.fill(present, false);
    return this;
  }

  private int col(String name, ColumnType... types) {
    int i = schema.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("no column '" + name + "'");
    }
    ColumnType t = schema.columns().get(i).type();
    for (ColumnType ok : types) {
      if (t == ok) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "column '" + name + "' is " + t.jsonName() + ", not " + Arrays.toString(types));
  }

  /** Sets a UINT8_TENSOR value: exactly {@code rowBytes} bytes, row-major. */
  public Row setTensor(String column, byte[] value) {
    int i = col(column, ColumnType.UINT8_TENSOR);
    ColumnSpec s = schema.columns().get(i);
    if (value.length != s.rowBytes()) {
      throw new IllegalArgumentException(
          "column '"
              + column
              + "': tensor of "
              + value.length
              + " bytes, shape "
              + Arrays.toString(s.shape())
              + " needs "
              + s.rowBytes());
    }
    return put(i, value);
  }

  /** Sets a UINT8_TENSOR value from off-heap memory (copied now). */
  public Row setTensor(String column, MemorySegment value) {
    return setTensor(column, value.toArray(ValueLayout.JAVA_BYTE));
  }

  /** Sets a BYTES value. */
  public Row setBytes(String column, byte[] value) {
    int i = col(column, ColumnType.BYTES);
    checkLength(column, value.length);
    return put(i, value);
  }

  /** Sets a STRING value. */
  public Row setString(String column, String value) {
    int i = col(column, ColumnType.STRING);
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    checkLength(column, utf8.length);
    prims[i] = 0;
    refs[i] = new StringValue(value, utf8);
    present[i] = true;
    return this;
  }

  /** Sets an INT32_SET value: any order, duplicates dropped, each in {@code [0, cardinality)}. */
  public Row setSet(String column, int... values) {
    int i = col(column, ColumnType.INT32_SET);
    int card = schema.columns().get(i).cardinality();
    int[] v = values.clone();
    Arrays.sort(v);
    int n = 0;
    for (int x : v) {
      if (x < 0 || x >= card) {
        throw new IllegalArgumentException(
            "column '" + column + "': value " + x + " outside [0, " + card + ")");
      }
      if (n == 0 || v[n - 1] != x) {
        v[n++] = x;
      }
    }
    checkLength(column, 4L * n);
    return put(i, n == v.length ? v : Arrays.copyOf(v, n));
  }

  /**
   * Sets a FLOAT32_LIST value: finite numbers, kept in the order given (copied now).
   *
   * @throws IllegalArgumentException a value is NaN or infinite
   */
  public Row setFloatList(String column, float... values) {
    int i = col(column, ColumnType.FLOAT32_LIST);
    for (int j = 0; j < values.length; j++) {
      if (!Float.isFinite(values[j])) {
        throw new IllegalArgumentException(
            "column '" + column + "': value " + j + " is " + values[j] + ", not a finite number");
      }
    }
    checkLength(column, 4L * values.length);
    return put(i, values.clone());
  }

  /**
   * Sets the labels of a dataset with partial labels (FORMAT.md §10.1, {@link PartialLabels}): the
   * label column, and {@value PartialLabels#CONFIDENCE} and {@value PartialLabels#NEGATIVES} where
   * the schema has them. The positives may come in any order; each confidence belongs to the
   * positive at the same index and is stored in the order of the sorted set.
   *
   * @param positives label indices, distinct
   * @param confidences one per positive, each in (0, 1]; null = all 1 (a schema without a
   *     confidence column accepts only null or all 1)
   * @param negatives verified negatives, disjoint from {@code positives}; null = none (a schema
   *     without a negatives column accepts only null or none)
   * @throws IllegalArgumentException any rule broken (the message says which); nothing is set
   */
  public Row setLabels(int[] positives, float[] confidences, int[] negatives) {
    String label =
        schema
            .labelColumn()
            .orElseThrow(() -> new IllegalArgumentException("the schema has no label column"));
    boolean hasConf = schema.indexOf(PartialLabels.CONFIDENCE) >= 0;
    boolean hasNeg = schema.indexOf(PartialLabels.NEGATIVES) >= 0;
    int n = positives.length;
    if (confidences != null && confidences.length != n) {
      throw new IllegalArgumentException(confidences.length + " confidences for " + n + " labels");
    }
    Integer[] order = new Integer[n];
    for (int j = 0; j < n; j++) {
      order[j] = j;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(positives[a], positives[b]));
    int[] sorted = new int[n];
    float[] conf = new float[n];
    for (int j = 0; j < n; j++) {
      sorted[j] = positives[order[j]];
      conf[j] = confidences == null ? 1f : confidences[order[j]];
      if (j > 0 && sorted[j] == sorted[j - 1]) {
        throw new IllegalArgumentException("label " + sorted[j] + " is listed twice");
      }
    }
    int card = schema.column(label).cardinality();
    int[] neg = negatives == null ? new int[0] : negatives.clone();
    Arrays.sort(neg);
    for (int j = 0; j < neg.length; j++) {
      if (neg[j] < 0 || neg[j] >= card || (j > 0 && neg[j] == neg[j - 1])) {
        throw new IllegalArgumentException(
            "verified negative "
                + neg[j]
                + (neg[j] < 0 || neg[j] >= card
                    ? " outside [0, " + card + ")"
                    : " is listed twice"));
      }
    }
    String problem = PartialLabels.rowProblem(sorted, conf, neg);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    if (!hasConf) {
      for (float c : conf) {
        if (c != 1f) {
          throw new IllegalArgumentException(
              "confidence "
                  + c
                  + " given, but the schema has no '"
                  + PartialLabels.CONFIDENCE
                  + "' column");
        }
      }
    }
    if (!hasNeg && neg.length > 0) {
      throw new IllegalArgumentException(
          neg.length
              + " verified negatives given, but the schema has no '"
              + PartialLabels.NEGATIVES
              + "' column");
    }
    setSet(label, sorted);
    if (hasConf) {
      put(schema.indexOf(PartialLabels.CONFIDENCE), conf);
    }
    if (hasNeg) {
      put(schema.indexOf(PartialLabels.NEGATIVES), neg);
    }
    return this;
  }

  /** Sets an INT32 value. */
  public Row setInt32(String column, int value) {
    return putPrim(col(column, ColumnType.INT32), value);
  }

  /** Sets an INT64 value. */
  public Row setInt64(String column, long value) {
    return putPrim(col(column, ColumnType.INT64), value);
  }

  /** Sets a FLOAT32 value. */
  public Row setFloat32(String column, float value) {
    return putPrim(col(column, ColumnType.FLOAT32), Float.floatToRawIntBits(value));
  }

  private static void checkLength(String column, long len) {
    if (len > ColumnSpec.MAX_CHUNK_BYTES - 8) {
      throw new IllegalArgumentException(
          "column '"
              + column
              + "': value of "
              + len
              + " bytes over the "
              + (ColumnSpec.MAX_CHUNK_BYTES - 8)
              + "-byte limit");
    }
  }

  private Row put(int i, Object v) {
    refs[i] = v;
    present[i] = true;
    return this;
  }

  private Row putPrim(int i, long v) {
    prims[i] = v;
    refs[i] = null;
    present[i] = true;
    return this;
  }

  void checkComplete() {
    for (int i = 0; i < present.length; i++) {
      if (!present[i]) {
        throw new IllegalArgumentException(
            "column '" + schema.columns().get(i).name() + "' has no value in this row");
      }
    }
  }

  /** Decompressed bytes the value of column {@code i} adds to a chunk (without its offset). */
  int valueBytes(int i) {
    Object r = refs[i];
    if (r instanceof byte[] b) {
      return b.length;
    }
    if (r instanceof StringValue s) {
      return s.utf8.length;
    }
    if (r instanceof int[] v) {
      return 4 * v.length;
    }
    if (r instanceof float[] v) {
      return 4 * v.length;
    }
    return schema.columns().get(i).type().scalarWidth();
  }

  Object ref(int i) {
    return refs[i] instanceof StringValue s ? s.utf8 : refs[i];
  }

  long prim(int i) {
    return prims[i];
  }

  String string(int i) {
    return ((StringValue) refs[i]).value;
  }

  private record StringValue(String value, byte[] utf8) {}
}
