package io.jcolz.format.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.schema.ColumnSpec;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;

/** Assertions that an open dataset holds exactly what {@link RandomDatasets#values} says. */
public final class Checks {
  private Checks() {}

  /** Reads every chunk of every column through a decoder and compares each value. */
  public static void assertContent(Dataset ds, long seed, String msg) throws IOException {
    long[] ids = logicalIds(ds);
    try (ChunkDecoder d = ds.newDecoder()) {
      for (Column col : ds.columns()) {
        long seen = 0;
        for (int k = 0; k < col.chunkCount(); k++) {
          ChunkView v = d.decode(col, k);
          assertEquals(seen, v.firstRow(), msg + col.name() + " chunk " + k);
          for (int i = 0; i < v.rowCount(); i++) {
            long row = v.firstRow() + i;
            Object want = RandomDatasets.values(ds.schema(), seed, ids[(int) row]).get(col.name());
            assertValue(col.spec(), v, i, want, msg + col.name() + " row " + row);
          }
          seen += v.rowCount();
        }
        assertEquals(ds.rowCount(), seen, msg + col.name() + " rows");
      }
    }
  }

  /** Compares one decoded value with the expected one. */
  public static void assertValue(ColumnSpec spec, ChunkView v, int i, Object want, String msg) {
    switch (spec.type()) {
      case STRING -> assertEquals(want, v.string(i), msg);
      case UINT8_TENSOR ->
          assertArrayEquals((byte[]) want, v.tensor(i).toArray(ValueLayout.JAVA_BYTE), msg);
      case BYTES -> assertArrayEquals((byte[]) want, v.byteArray(i), msg);
      case INT32_SET -> assertArrayEquals((int[]) want, v.set(i), msg);
      case INT32 -> assertEquals(want, v.int32(i), msg);
      case INT64 -> assertEquals(want, v.int64(i), msg);
      case FLOAT32 ->
          assertEquals(
              Float.floatToRawIntBits((Float) want), Float.floatToRawIntBits(v.float32(i)), msg);
      case FLOAT32_LIST -> assertArrayEquals((float[]) want, v.floatList(i), msg);
    }
  }

  /** Random access by row through the dataset's read methods, for a sample of rows. */
  public static void assertRandomAccess(Dataset ds, long seed, int samples, String msg)
      throws IOException {
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    for (int s = 0; s < samples && ds.rowCount() > 0; s++) {
      long row = r.nextLong(ds.rowCount());
      long id = logicalId(ds, row);
      Map<String, Object> want = RandomDatasets.values(ds.schema(), seed, id);
      for (ColumnSpec c : ds.schema().columns()) {
        Object w = want.get(c.name());
        String m = msg + c.name() + " row " + row;
        switch (c.type()) {
          case STRING -> assertEquals(w, ds.readString(c.name(), row), m);
          case UINT8_TENSOR -> assertArrayEquals((byte[]) w, ds.readTensor(c.name(), row), m);
          case BYTES -> assertArrayEquals((byte[]) w, ds.readBytes(c.name(), row), m);
          case INT32_SET -> assertArrayEquals((int[]) w, ds.readSet(c.name(), row), m);
          case INT32 -> assertEquals(w, ds.readInt32(c.name(), row), m);
          case INT64 -> assertEquals(w, ds.readInt64(c.name(), row), m);
          case FLOAT32 -> assertEquals((Float) w, ds.readFloat32(c.name(), row), m);
          case FLOAT32_LIST -> assertArrayEquals((float[]) w, ds.readFloatList(c.name(), row), m);
        }
      }
      if (ds.schema().keyColumn().isPresent()) {
        assertEquals(
            row,
            ds.rowOf(RandomDatasets.key(seed, id)).orElse(-1),
            m(msg, "key lookup of row " + row));
      }
    }
  }

  /**
   * The logical id whose values row {@code row} holds: parsed from its key when the dataset has one
   * (rows appended from several threads land in lock order), else the row itself.
   */
  public static long logicalId(Dataset ds, long row) throws IOException {
    if (ds.schema().keyColumn().isEmpty()) {
      return row;
    }
    String key = ds.readString(ds.schema().keyColumn().get(), row);
    int a = key.indexOf("ü-") + 2;
    return Long.parseLong(key.substring(a, key.indexOf('-', a)));
  }

  /** {@link #logicalId} of every row, reading the key column once. */
  public static long[] logicalIds(Dataset ds) throws IOException {
    long[] ids = new long[(int) ds.rowCount()];
    if (ds.schema().keyColumn().isEmpty()) {
      for (int i = 0; i < ids.length; i++) {
        ids[i] = i;
      }
      return ids;
    }
    Column keys = ds.column(ds.schema().keyColumn().get());
    try (ChunkDecoder d = ds.newDecoder()) {
      for (int k = 0; k < keys.chunkCount(); k++) {
        ChunkView v = d.decode(keys, k);
        for (int i = 0; i < v.rowCount(); i++) {
          String key = v.string(i);
          int a = key.indexOf("ü-") + 2;
          ids[(int) v.firstRow() + i] = Long.parseLong(key.substring(a, key.indexOf('-', a)));
        }
      }
    }
    return ids;
  }

  private static String m(String a, String b) {
    return a + b;
  }

  /**
   * Opens {@code dir}, reads every chunk, looks {@code key} up and verifies: some step must report
   * the damage done to {@code damaged} with a {@link io.jcolz.format.CorruptDatasetException}
   * naming the file (or its part directory), never another exception, never silently.
   */
  public static void assertDamageDetected(Path dir, Path damaged, String what, String key) {
    String name = damaged.getFileName().toString();
    String part = damaged.getParent().getFileName().toString();
    String partOfColumn =
        damaged.getParent().getParent() == null
            ? part
            : damaged.getParent().getParent().getFileName().toString();
    java.util.function.Predicate<String> names =
        m -> m.contains(name) || m.contains(part + "/") || m.contains(partOfColumn + "/");
    try (Dataset ds = Dataset.open(dir)) {
      try (ChunkDecoder d = ds.newDecoder()) {
        for (Column c : ds.columns()) {
          for (int k = 0; k < c.chunkCount(); k++) {
            d.decode(c, k).rowCount();
          }
        }
      }
      ds.rowOf(key);
      io.jcolz.format.VerifyReport rep = ds.verify(1, null);
      if (rep.ok()) {
        org.junit.jupiter.api.Assertions.fail(
            damaged + " " + what + ": not detected by open, read or verify");
      }
      org.junit.jupiter.api.Assertions.assertTrue(
          rep.problems().stream()
              .anyMatch(p -> p.file().endsWith(dir.relativize(damaged).toString())),
          name + " " + what + ": verify blamed another file: " + rep.problems());
    } catch (io.jcolz.format.CorruptDatasetException e) {
      org.junit.jupiter.api.Assertions.assertTrue(
          names.test(e.getMessage()),
          damaged + " " + what + ": message does not name the file: " + e.getMessage());
    } catch (Throwable t) {
      org.junit.jupiter.api.Assertions.assertInstanceOf(
          io.jcolz.format.CorruptDatasetException.class,
          t,
          damaged + " " + what + ": wrong exception type");
    }
  }
}
