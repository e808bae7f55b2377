package io.jcolz.format;

import io.jcolz.format.column.ChunkView;
import io.jcolz.format.index.KeyIndex;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.store.ColumnFile;
import io.jcolz.format.store.DatasetLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Checks a whole open dataset or collection, apart from the reader (as Lucene keeps {@code
 * CheckIndex} apart from its readers): what {@link Dataset#verify} and {@code jcolz verify} run.
 *
 * <p>Stateless and thread-safe; one call checks with its own worker threads and decoders, while
 * other threads may read the same dataset.
 */
public final class DatasetVerifier {
  private DatasetVerifier() {}

  /**
   * Checks everything: every chunk of every column (checksum, decompression, structure — even when
   * the dataset was opened without checksum checks), the key index's size and checksum, and that
   * every key maps to its own row. Keeps going past problems so all of them are named.
   *
   * @param threads worker threads for chunk checks (≥ 1)
   * @param progress receives compressed bytes as they are checked (may be null)
   */
  public static VerifyReport verify(Dataset ds, int threads, LongConsumer progress)
      throws IOException {
    ds.ensureOpen();
    List<VerifyReport.Problem> problems = Collections.synchronizedList(new ArrayList<>());
    AtomicLong chunks = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    List<ColumnFile> files = new ArrayList<>();
    List<int[]> work = new ArrayList<>();
    for (Column c : ds.columns()) {
      for (ColumnFile f : c.files()) {
        for (int k = 0; k < f.chunkCount(); k++) {
          work.add(new int[] {files.size(), k});
        }
        files.add(f);
      }
    }
    AtomicLong next = new AtomicLong();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, threads),
            r -> {
              Thread t = new Thread(r, "jcolz-verify");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < Math.max(1, threads); t++) {
        futures.add(
            pool.submit(
                () -> {
                  try (ChunkDecoder d = new ChunkDecoder(true, ds)) {
                    for (long w; (w = next.getAndIncrement()) < work.size(); ) {
                      int[] ck = work.get((int) w);
                      ColumnFile col = files.get(ck[0]);
                      try {
                        d.decode(col, ck[1]);
                      } catch (CorruptDatasetException e) {
                        problems.add(
                            new VerifyReport.Problem(
                                col.path().toString(),
                                col.name(),
                                ck[1],
                                col.offset(ck[1]),
                                e.getMessage()));
                      }
                      chunks.incrementAndGet();
                      bytes.addAndGet(col.compressedLength(ck[1]));
                      if (progress != null) {
                        progress.accept(col.compressedLength(ck[1]));
                      }
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("verify interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } finally {
      pool.shutdownNow();
      try {
        pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    problems.sort(
        java.util.Comparator.comparing(VerifyReport.Problem::file)
            .thenComparingLong(VerifyReport.Problem::chunk));
    if (ds.partialLabels().hasConfidence() || ds.partialLabels().hasNegatives()) {
      verifyLabels(ds, problems);
    }
    long keys = 0;
    for (Dataset.Part p : ds.parts()) {
      if (ds.keyIndex(p) != null) {
        keys += verifyKeys(ds, p, problems);
      }
    }
    return new VerifyReport(problems, chunks.get(), bytes.get(), keys);
  }

  /**
   * Checks the rules between the label columns row by row (FORMAT.md §10.1): as many confidences as
   * positives, each in (0, 1]; no verified negative that is a positive. Names the first 20 bad
   * rows, with the column and chunk that hold the bad values.
   */
  private static void verifyLabels(Dataset ds, List<VerifyReport.Problem> problems) {
    try (LabelReader r = ds.labelReader()) {
      verifyLabels(ds, r, problems);
    }
  }

  /** As {@link #verifyLabels(Dataset, List)} with reader {@code r} (the seam for tests). */
  static void verifyLabels(Dataset ds, LabelReader r, List<VerifyReport.Problem> problems) {
    int reported = 0;
    for (long row = 0; row < ds.rowCount(); row++) {
      try {
        r.seek(row);
      } catch (CorruptDatasetException e) {
        // the chunk pass already named the damaged chunk: skip its rows rather than decode it
        // again for each of them
        Column bad = r.column(r.failedColumn());
        int k = bad.chunkOf(row);
        row = bad.firstRow(k) + bad.rowCount(k) - 1;
        continue;
      }
      String problem = r.problem();
      if (problem != null && reported++ < 20) {
        // a confidence problem lies in the confidence column, else it is a negative's
        int which = PartialLabels.rowProblem(r.positives(), r.confidences(), null) != null ? 1 : 2;
        Column col = r.column(which);
        int k = r.chunk(which);
        problems.add(
            new VerifyReport.Problem(
                col.path(k).toString(),
                col.name(),
                k,
                col.offset(k),
                "row " + row + ": " + problem));
      }
    }
  }

  /**
   * Checks part {@code p}'s key index (size, CRC32C, every key → its own row) and, in a collection,
   * that every key lies in the part's key range (else lookups would miss it).
   */
  private static long verifyKeys(Dataset ds, Dataset.Part p, List<VerifyReport.Problem> problems)
      throws IOException {
    Path file = p.path().resolve(DatasetLayout.KEY_INDEX);
    KeyIndex index = ds.keyIndex(p);
    try {
      index.checkIntegrity();
    } catch (CorruptDatasetException e) {
      problems.add(new VerifyReport.Problem(file.toString(), null, -1, -1, e.getMessage()));
      return 0;
    }
    ColumnFile keys = ds.column(ds.schema().keyColumn().orElseThrow()).files().get(p.index());
    long checked = 0;
    int reported = 0;
    try (ChunkDecoder d = new ChunkDecoder(true, ds)) {
      for (int k = 0; k < keys.chunkCount(); k++) {
        ChunkView v;
        try {
          v = d.decode(keys, k);
        } catch (CorruptDatasetException e) {
          continue; // already reported with the chunks
        }
        for (int i = 0; i < v.rowCount(); i++) {
          String key = v.string(i);
          OptionalLong r = index.get(key);
          long expected = v.firstRow() + i;
          String problem = null;
          if (r.isEmpty() || r.getAsLong() != expected) {
            problem =
                r.isEmpty() ? " is missing from the key index" : " maps to row " + r.getAsLong();
          } else if (ds.isCollection() && !p.mayHold(key)) {
            problem =
                " lies outside the part's key range ["
                    + p.keyMin()
                    + ", "
                    + p.keyMax()
                    + "] in "
                    + DatasetLayout.COLLECTION_MANIFEST;
          }
          if (problem != null) {
            if (reported++ < 20) {
              problems.add(
                  new VerifyReport.Problem(
                      file.toString(),
                      null,
                      -1,
                      -1,
                      "key '" + key + "' of row " + expected + problem));
            }
          } else {
            checked++;
          }
        }
      }
    } catch (CorruptDatasetException e) {
      problems.add(new VerifyReport.Problem(file.toString(), null, -1, -1, e.getMessage()));
    }
    return checked;
  }
}
