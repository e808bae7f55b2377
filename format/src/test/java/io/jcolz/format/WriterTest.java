package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriterTest {
  @TempDir Path tmp;

  static Schema schema() {
    return Schema.builder()
        .column(ColumnSpec.string("key").withChunkRows(3))
        .keyColumn("key")
        .column(ColumnSpec.int32Set("labels", 10).withChunkRows(4))
        .labelColumn("labels")
        .build();
  }

  private List<Path> entries() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.toList();
    }
  }

  @Test
  void afterNumberedRunsOnceTheRowIsNumberedSoCallersCanOrderAppendsAcrossThreads()
      throws Exception {
    Path ds = tmp.resolve("ordered");
    int rows = 400;
    int threads = 4;
    java.util.concurrent.atomic.AtomicInteger turn =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Throwable> error =
        new java.util.concurrent.atomic.AtomicReference<>();
    try (DatasetWriter w = DatasetWriter.create(ds, schema())) {
      List<Thread> ts = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        ts.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      Row row = w.newRow();
                      try {
                        for (int i = first; i < rows; i += threads) {
                          while (turn.get() != i) {
                            Thread.onSpinWait();
                          }
                          int mine = i;
                          long n =
                              w.append(
                                  row.setString("key", "k" + i).setSet("labels", i % 10),
                                  () -> {
                                    assertEquals(
                                        mine,
                                        w.rowCount()
                                            - 1); // reentrant: the writer's lock is held here
                                    turn.incrementAndGet();
                                  });
                          assertEquals(i, n);
                        }
                      } catch (Throwable e) {
                        error.compareAndSet(null, e);
                        turn.set(Integer.MIN_VALUE / 2);
                      }
                    }));
      }
      for (Thread t : ts) {
        t.join();
      }
    }
    if (error.get() != null) {
      throw new AssertionError(error.get());
    }
    try (Dataset d = Dataset.open(ds)) {
      for (int i = 0; i < rows; i++) {
        assertEquals("k" + i, d.readString("key", i));
      }
    }
  }

  @Test
  void duplicateKeyIsRejectedNamingTheKeyAndWriterStaysUsable() throws IOException {
    Path ds = tmp.resolve("ds");
    try (DatasetWriter w = DatasetWriter.create(ds, schema())) {
      Row row = w.newRow();
      w.append(row.setString("key", "a/owl.png").setSet("labels", 1, 2));
      w.append(row.setString("key", "b.png").setSet("labels", 3));
      DuplicateKeyException e =
          assertThrows(
              DuplicateKeyException.class,
              () -> w.append(row.setString("key", "a/owl.png").setSet("labels", 9)));
      assertTrue(e.getMessage().contains("'a/owl.png'"), e.getMessage());
      assertEquals(0, e.existingRow());
      assertEquals(2, w.append(row.setString("key", "c.png").setSet("labels")));
    }
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(3, d.rowCount());
      assertArrayEquals(new int[] {1, 2}, d.readSet("labels", 0));
      assertArrayEquals(new int[0], d.readSet("labels", 2));
      assertEquals(2, d.rowOf("c.png").orElseThrow());
    }
  }

  @Test
  void badValuesFailAtTheSetterNamingTheColumn() throws IOException {
    Schema s =
        Schema.builder()
            .column(ColumnSpec.uint8Tensor("image", 2, 2, 3))
            .column(ColumnSpec.int32Set("labels", 5))
            .build();
    try (DatasetWriter w = DatasetWriter.create(tmp.resolve("ds"), s)) {
      Row row = w.newRow();
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> row.setTensor("image", new byte[11]));
      assertTrue(
          e.getMessage().contains("'image'") && e.getMessage().contains("12"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> row.setSet("labels", 1, 5));
      assertTrue(
          e.getMessage().contains("'labels'") && e.getMessage().contains("5"), e.getMessage());
      row.setTensor("image", new byte[12]);
      e = assertThrows(IllegalArgumentException.class, () -> w.append(row));
      assertTrue(e.getMessage().contains("'labels' has no value"), e.getMessage());
      assertEquals(0, w.rowCount());
    }
  }

  @Test
  void nothingIsVisibleBeforeCloseAndCloseCommits() throws IOException {
    Path ds = tmp.resolve("ds");
    DatasetWriter w = DatasetWriter.create(ds, schema());
    w.append(w.newRow().setString("key", "x").setSet("labels", 1));
    assertFalse(Files.exists(ds));
    assertThrows(NoSuchFileException.class, () -> Dataset.open(ds));
    assertTrue(Files.isDirectory(w.temporaryDirectory()));
    w.close();
    w.close(); // idempotent
    assertEquals(List.of(ds), entries());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(1, d.rowCount());
    }
  }

  @Test
  void abortLeavesNothing() throws IOException {
    Path ds = tmp.resolve("ds");
    DatasetWriter w = DatasetWriter.create(ds, schema());
    for (int i = 0; i < 20; i++) {
      w.append(w.newRow().setString("key", "k" + i).setSet("labels", i % 10));
    }
    w.abort();
    w.close(); // after abort: nothing happens
    assertEquals(List.of(), entries());
    assertThrows(
        IllegalStateException.class,
        () -> w.append(w.newRow().setString("key", "z").setSet("labels")));
  }

  @Test
  void existingTargetIsRefusedUnlessOverwrite() throws IOException {
    Path ds = RandomDatasets.write(tmp.resolve("ds"), schema(), Seeds.base(), 10);
    assertThrows(FileAlreadyExistsException.class, () -> DatasetWriter.create(ds, schema()));
    try (DatasetWriter w =
        DatasetWriter.create(ds, schema(), DatasetWriter.Options.defaults().withOverwrite(true))) {
      w.append(w.newRow().setString("key", "only").setSet("labels", 4));
      try (Dataset old = Dataset.open(ds)) {
        assertEquals(10, old.rowCount(), "old dataset intact until commit");
      }
    }
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(1, d.rowCount());
      assertEquals(0, d.rowOf("only").orElseThrow());
    }
    assertEquals(List.of(ds), entries(), "old copy and temporary directory removed");
  }

  @Test
  void vocabularyMustMatchLabelCardinality() throws IOException {
    Path ds = tmp.resolve("ds");
    DatasetWriter w = DatasetWriter.create(ds, schema());
    w.append(w.newRow().setString("key", "x").setSet("labels", 1));
    w.labels(List.of("only", "three", "names"));
    IllegalStateException e = assertThrows(IllegalStateException.class, w::close);
    assertTrue(e.getMessage().contains("cardinality 10"), e.getMessage());
    assertEquals(List.of(), entries(), "failed commit leaves nothing");
  }

  @Test
  void keyIndexIsRebuiltWhenTheSizeGuessWasFarOff() throws IOException {
    Path small = tmp.resolve("small");
    Path big = tmp.resolve("big");
    Schema s = Schema.builder().column(ColumnSpec.string("key")).keyColumn("key").build();
    // guessed 1,000,000 for 100 keys, and 1,024 for 5,000 keys
    for (Object[] c : new Object[][] {{small, 1_000_000L, 100}, {big, 1024L, 5000}}) {
      try (DatasetWriter w =
          DatasetWriter.create(
              (Path) c[0], s, DatasetWriter.Options.defaults().withExpectedRows((Long) c[1]))) {
        Row row = w.newRow();
        for (int i = 0; i < (Integer) c[2]; i++) {
          w.append(row.setString("key", "photos/" + i + ".jpg"));
        }
      }
      try (Dataset d = Dataset.open((Path) c[0])) {
        assertTrue(d.verify(1, null).ok());
        assertEquals(
            (Integer) c[2] - 1, d.rowOf("photos/" + ((Integer) c[2] - 1) + ".jpg").orElseThrow());
      }
    }
    assertTrue(Files.size(small.resolve("keys.cmap")) < 1 << 20, "100 keys take under 1 MiB");
  }

  @Test
  void datasetWithoutKeysOrRowsWorks() throws IOException {
    Schema s = Schema.builder().column(ColumnSpec.uint8Tensor("image", 8, 8, 3)).build();
    Path ds = tmp.resolve("empty");
    DatasetWriter.create(ds, s).close();
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(0, d.rowCount());
      assertEquals(0, d.column("image").chunkCount());
      assertThrows(IllegalStateException.class, () -> d.rowOf("x"));
      assertTrue(d.verify(1, null).ok());
    }
  }
}
