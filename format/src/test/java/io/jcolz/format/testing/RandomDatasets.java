package io.jcolz.format.testing;

import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.Schema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Test helper shared with downstream modules (test-jar): random schemas and rows whose values are a
 * pure function of (seed, row), so any reader can recompute what a row must hold.
 */
public final class RandomDatasets {
  private RandomDatasets() {}

  /**
   * A schema with one column of every type, random chunking and codecs, a key and a label column.
   */
  public static Schema randomSchema(SplittableRandom r) {
    Schema.Builder b = Schema.builder();
    b.column(tune(r, ColumnSpec.string("key"))).keyColumn("key");
    int h = 1 + r.nextInt(6);
    int w = 1 + r.nextInt(6);
    b.column(tune(r, ColumnSpec.uint8Tensor("image", h, w, 3)));
    b.column(tune(r, ColumnSpec.int32Set("labels", 1 + r.nextInt(200)))).labelColumn("labels");
    if (r.nextBoolean()) {
      b.column(tune(r, ColumnSpec.bytes("jpeg")));
    }
    if (r.nextBoolean()) {
      b.column(tune(r, ColumnSpec.scalar("i32", ColumnType.INT32)));
    }
    if (r.nextBoolean()) {
      b.column(tune(r, ColumnSpec.scalar("i64", ColumnType.INT64)));
    }
    if (r.nextBoolean()) {
      b.column(tune(r, ColumnSpec.scalar("f32", ColumnType.FLOAT32)));
    }
    if (r.nextInt(3) == 0) {
      b.column(tune(r, ColumnSpec.float32List("scores"))); // format version 3
    }
    return b.build();
  }

  private static ColumnSpec tune(SplittableRandom r, ColumnSpec s) {
    s = s.withChunkRows(1 + r.nextInt(r.nextBoolean() ? 8 : 300));
    if (s.type().variableLength() && r.nextBoolean()) {
      s = s.withChunkBytes(1 + r.nextInt(4096));
    }
    return r.nextInt(4) == 0
        ? s.withCodec(Codec.NONE, 0)
        : s.withCodec(Codec.ZSTD, 1 + r.nextInt(19));
  }

  /** Deterministic values of a row. */
  public static SplittableRandom rowRandom(long seed, long row) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + row);
  }

  /** The key of a row. */
  public static String key(long seed, long row) {
    return "img/" + (row % 7) + "/ü-" + row + "-" + Long.toHexString(seed & 0xffff) + ".jpg";
  }

  /**
   * The values of {@code row}: column name → byte[] (tensor, bytes), String, int[] (a set, sorted
   * and distinct), Integer, Long, Float or float[] (a float32 list).
   */
  public static Map<String, Object> values(Schema schema, long seed, long row) {
    SplittableRandom r = rowRandom(seed, row);
    Map<String, Object> v = new LinkedHashMap<>();
    for (ColumnSpec c : schema.columns()) {
      switch (c.type()) {
        case STRING -> v.put(c.name(), key(seed, row));
        case UINT8_TENSOR -> {
          byte[] b = new byte[c.rowBytes()];
          for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : i); // compressible but not constant
          }
          v.put(c.name(), b);
        }
        case BYTES -> {
          byte[] b = new byte[r.nextInt(5) == 0 ? 0 : r.nextInt(300)];
          for (int i = 0; i < b.length; i++) {
            b[i] = (byte) r.nextInt(256);
          }
          v.put(c.name(), b);
        }
        case INT32_SET -> {
          int n = r.nextInt(Math.min(6, c.cardinality() + 1));
          TreeSet<Integer> set = new TreeSet<>();
          for (int i = 0; i < n; i++) {
            set.add(r.nextInt(c.cardinality()));
          }
          v.put(c.name(), set.stream().mapToInt(Integer::intValue).toArray());
        }
        case INT32 -> v.put(c.name(), r.nextInt());
        case INT64 -> v.put(c.name(), r.nextLong());
        case FLOAT32 -> v.put(c.name(), (float) r.nextGaussian());
        case FLOAT32_LIST -> {
          float[] f = new float[r.nextInt(6)];
          for (int i = 0; i < f.length; i++) {
            f[i] = (float) r.nextGaussian() * 1e3f;
          }
          v.put(c.name(), f);
        }
      }
    }
    return v;
  }

  /**
   * Fills {@code out} with {@link #values} of {@code row}; sets are given unsorted, with a
   * duplicate.
   */
  public static Row fill(Row out, long seed, long row) {
    for (Map.Entry<String, Object> e : values(out.schema(), seed, row).entrySet()) {
      String c = e.getKey();
      switch (out.schema().column(c).type()) {
        case STRING -> out.setString(c, (String) e.getValue());
        case UINT8_TENSOR -> out.setTensor(c, (byte[]) e.getValue());
        case BYTES -> out.setBytes(c, (byte[]) e.getValue());
        case INT32_SET -> {
          int[] s = (int[]) e.getValue();
          int[] messy = new int[s.length * 2];
          for (int i = 0; i < s.length; i++) {
            messy[i] = s[s.length - 1 - i];
            messy[s.length + i] = s[i];
          }
          out.setSet(c, messy);
        }
        case INT32 -> out.setInt32(c, (Integer) e.getValue());
        case INT64 -> out.setInt64(c, (Long) e.getValue());
        case FLOAT32 -> out.setFloat32(c, (Float) e.getValue());
        case FLOAT32_LIST -> out.setFloatList(c, (float[]) e.getValue());
      }
    }
    return out;
  }

  /** Writes {@code rows} rows of {@code schema} to {@code dir} with one thread. */
  public static Path write(Path dir, Schema schema, long seed, int rows) throws IOException {
    try (DatasetWriter w = DatasetWriter.create(dir, schema)) {
      Row row = w.newRow();
      for (int i = 0; i < rows; i++) {
        w.append(fill(row.clear(), seed, i));
      }
      schema.labelColumn().ifPresent(l -> w.labels(vocabulary(schema.column(l).cardinality())));
    }
    return dir;
  }

  /** Label names {@code label-0 ..}. */
  public static List<String> vocabulary(int n) {
    List<String> v = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      v.add("label-" + i);
    }
    return v;
  }

  /** UTF-8 bytes. */
  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Arrays.toString helper for messages. */
  public static String str(int[] v) {
    return Arrays.toString(v);
  }
}
