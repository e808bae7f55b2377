package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.codec.Codec;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.ColumnFile;
import io.jcolz.format.testing.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DatasetWriter.Options#withAutoCodec}: a Zstd column whose first chunk Zstd cannot shrink
 * by the given share is stored with codec none; the choice is the manifest's, the rows are intact,
 * and chunks sealed while the first is being measured wait for it.
 */
class AutoCodecTest {
  @TempDir Path tmp;

  static final int PX = 48 * 48 * 3;

  static Schema schema(int chunkRows) {
    return Schema.builder()
        .column(ColumnSpec.string("key").withChunkRows(16))
        .keyColumn("key")
        .column(ColumnSpec.uint8Tensor("image", 48, 48, 3).withChunkRows(chunkRows))
        .column(ColumnSpec.int32Set("labels", 100).withChunkRows(32))
        .labelColumn("labels")
        .build();
  }

  /** Noise (Zstd saves nothing) or a gradient (Zstd saves most), per row. */
  static byte[] pixels(Random r, boolean noise, int row) {
    byte[] b = new byte[PX];
    if (noise) {
      r.nextBytes(b);
    } else {
      for (int i = 0; i < PX; i++) {
        b[i] = (byte) ((i / 3 % 48) + row);
      }
    }
    return b;
  }

  static Codec[] fileCodecs(Dataset ds, String column) {
    List<ColumnFile> files = ds.column(column).files();
    Codec[] out = new Codec[files.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = files.get(i).spec().codec();
    }
    return out;
  }

  private Dataset write(
      Path dir, long seed, int rows, int chunkRows, int noiseFrom, double minSaving)
      throws Exception {
    Random r = new Random(seed);
    DatasetWriter.Options opts = DatasetWriter.Options.defaults().withAutoCodec(minSaving);
    try (DatasetWriter w = DatasetWriter.create(dir, schema(chunkRows), opts)) {
      Row row = w.newRow();
      for (int i = 0; i < rows; i++) {
        row.setString("key", "k" + i);
        row.setTensor("image", pixels(r, i >= noiseFrom, i));
        row.setSet("labels", new int[] {i % 100});
        w.append(row);
      }
    }
    return Dataset.open(dir);
  }

  @Test
  void incompressiblePixelsAreStoredWithCodecNoneAndCompressibleColumnsKeepZstd() throws Exception {
    long seed = Seeds.base();
    try (Dataset ds = write(tmp.resolve("noise"), seed, 50, 8, 0, 0.10)) {
      assertEquals(Codec.NONE, ds.schema().column("image").codec(), Seeds.tag(seed));
      assertEquals(Codec.ZSTD, ds.schema().column("key").codec(), Seeds.tag(seed));
      assertEquals(Codec.ZSTD, ds.schema().column("labels").codec(), Seeds.tag(seed));
      assertEquals(
          ds.column("image").uncompressedBytes(),
          ds.column("image").compressedBytes(),
          "codec none stores every chunk as is " + Seeds.tag(seed));
      assertTrue(ds.verify(1, n -> {}).ok(), Seeds.tag(seed));
      Random r = new Random(seed);
      for (int i = 0; i < 50; i++) {
        assertArrayEquals(pixels(r, true, i), ds.readTensor("image", i), "row " + i);
        assertEquals("k" + i, ds.readString("key", i));
      }
    }
    try (Dataset ds = write(tmp.resolve("smooth"), seed, 50, 8, 50, 0.10)) {
      assertEquals(Codec.ZSTD, ds.schema().column("image").codec(), Seeds.tag(seed));
      assertTrue(ds.column("image").compressedBytes() < ds.column("image").uncompressedBytes() / 4);
    }
  }

  @Test
  void theFirstChunkDecidesForTheWholeColumnAndOffKeepsTheDeclaredCodec() throws Exception {
    long seed = Seeds.base();
    // first chunk (8 rows) smooth, the rest noise: the column stays Zstd, every chunk Zstd frames
    try (Dataset ds = write(tmp.resolve("mixed"), seed, 40, 8, 8, 0.10)) {
      assertEquals(Codec.ZSTD, ds.schema().column("image").codec(), Seeds.tag(seed));
      assertTrue(ds.verify(1, n -> {}).ok());
    }
    // first chunk noise, later smooth: none for all, also the chunks Zstd would have shrunk
    Random r = new Random(seed);
    Path dir = tmp.resolve("noise-first");
    try (DatasetWriter w =
        DatasetWriter.create(
            dir, schema(8), DatasetWriter.Options.defaults().withAutoCodec(0.10))) {
      Row row = w.newRow();
      for (int i = 0; i < 40; i++) {
        row.setString("key", "k" + i).setTensor("image", pixels(r, i < 8, i));
        row.setSet("labels", new int[0]);
        w.append(row);
      }
    }
    try (Dataset ds = Dataset.open(dir)) {
      assertEquals(Codec.NONE, ds.schema().column("image").codec());
      assertEquals(ds.column("image").uncompressedBytes(), ds.column("image").compressedBytes());
    }
    // off (0): the declared codec whatever the bytes
    try (Dataset ds = write(tmp.resolve("off"), seed, 20, 8, 0, 0)) {
      assertEquals(Codec.ZSTD, ds.schema().column("image").codec());
    }
    assertThrows(
        IllegalArgumentException.class, () -> DatasetWriter.Options.defaults().withAutoCodec(1));
  }

  @Test
  void chunksSealedByManyThreadsWhileTheFirstIsMeasuredFollowItsChoice() throws Exception {
    manyThreads(0.10, Codec.NONE, "auto");
  }

  /**
   * Also the plain Zstd path: sealed buffers are recycled only once written (every byte checked).
   */
  @Test
  void recycledChunkBuffersNeverLeakIntoAnotherChunkUnderManyThreads() throws Exception {
    manyThreads(0, Codec.ZSTD, "zstd");
  }

  private void manyThreads(double minSaving, Codec expected, String name) throws Exception {
    long seed = Seeds.base();
    java.util.Map<String, byte[]> written = new java.util.concurrent.ConcurrentHashMap<>();
    int threads = 6;
    int perThread = 40;
    Path dir = tmp.resolve("threads-" + name);
    AtomicReference<Throwable> error = new AtomicReference<>();
    try (DatasetWriter w =
        DatasetWriter.create(
            dir, schema(1), DatasetWriter.Options.defaults().withAutoCodec(minSaving))) {
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        ts.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      Random r = new Random(Seeds.derive(seed, id));
                      Row row = w.newRow();
                      try {
                        for (int i = 0; i < perThread; i++) {
                          byte[] px = new byte[PX];
                          r.nextBytes(px);
                          px[0] = (byte) id;
                          px[1] = (byte) i;
                          written.put(id + "/" + i, px.clone());
                          row.setString("key", id + "/" + i).setTensor("image", px);
                          row.setSet("labels", new int[] {id});
                          w.append(row);
                        }
                      } catch (Throwable e) {
                        error.compareAndSet(null, e);
                      }
                    }));
      }
      for (Thread t : ts) {
        t.join();
      }
    }
    assertEquals(null, error.get(), Seeds.tag(seed));
    try (Dataset ds = Dataset.open(dir)) {
      assertEquals(threads * perThread, ds.rowCount());
      assertEquals(expected, ds.schema().column("image").codec(), Seeds.tag(seed));
      assertEquals(threads * perThread, ds.column("image").chunkCount());
      assertTrue(ds.verify(2, n -> {}).ok(), Seeds.tag(seed));
      for (long row = 0; row < ds.rowCount(); row++) {
        String[] k = ds.readString("key", row).split("/");
        byte[] px = ds.readTensor("image", row);
        assertArrayEquals(
            written.get(ds.readString("key", row)), px, "row " + row + " " + Seeds.tag(seed));
        assertArrayEquals(new int[] {Integer.parseInt(k[0])}, ds.readSet("labels", row));
      }
    }
    assertTrue(Files.exists(dir.resolve("manifest.jcm")));
  }
}
