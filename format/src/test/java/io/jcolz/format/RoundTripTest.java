package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.schema.Schema;
import io.jcolz.format.testing.Checks;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round-trip properties over random schemas, chunkings, codecs, levels and thread counts. */
class RoundTripTest {
  @TempDir Path tmp;

  @Test
  void randomSchemasRoundTrip() throws Exception {
    long base = Seeds.base();
    for (int iter = 0; iter < 24; iter++) {
      long seed = Seeds.derive(base, iter);
      String msg = Seeds.tag(seed);
      SplittableRandom r = new SplittableRandom(seed);
      Schema schema = RandomDatasets.randomSchema(r);
      int rows = r.nextInt(10) == 0 ? 0 : r.nextInt(1500);
      int threads = 1 + r.nextInt(4);
      Path dir = tmp.resolve("ds" + iter);
      writeConcurrently(dir, schema, seed, rows, threads);
      try (Dataset ds = Dataset.open(dir)) {
        assertEquals(rows, ds.rowCount(), msg);
        assertEquals(schema, ds.schema(), msg);
        assertEquals(
            RandomDatasets.vocabulary(schema.column("labels").cardinality()), ds.labels(), msg);
        assertEquals("v", ds.metadata().get("k"), msg);
        Checks.assertContent(ds, seed, msg);
        Checks.assertRandomAccess(ds, seed, 40, msg);
        assertFalse(ds.rowOf("no such key").isPresent(), msg);
        VerifyReport rep = ds.verify(2, null);
        assertTrue(rep.ok(), msg + rep.problems());
        assertEquals(rows, rep.keysChecked(), msg);
      }
      try (var files = Files.list(tmp)) {
        assertEquals(iter + 1, files.count(), msg + "temporary directories left behind");
      }
    }
  }

  /**
   * Appends rows 0..rows-1 (logical ids) from several threads with no coordination: row numbers
   * follow lock order, chunks are compressed and written by whichever thread sealed them, out of
   * order. The checks map each row back to its logical id through its key.
   */
  static void writeConcurrently(Path dir, Schema schema, long seed, int rows, int threads)
      throws Exception {
    AtomicLong next = new AtomicLong();
    try (DatasetWriter w =
        DatasetWriter.create(
            dir, schema, DatasetWriter.Options.defaults().withExpectedRows(rows))) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          fs.add(
              pool.submit(
                  () -> {
                    Row row = w.newRow();
                    for (long i; (i = next.getAndIncrement()) < rows; ) {
                      w.append(RandomDatasets.fill(row.clear(), seed, i));
                    }
                    return null;
                  }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      w.labels(RandomDatasets.vocabulary(schema.column("labels").cardinality()));
      w.putMetadata("k", "v");
    }
  }
}
