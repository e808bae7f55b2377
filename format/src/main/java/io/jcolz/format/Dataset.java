package io.jcolz.format;

import io.jcolz.format.column.ChunkView;
import io.jcolz.format.index.KeyIndex;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.ColumnFile;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.Manifest;
import io.jcolz.format.store.ManifestFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;

/**
 * An open, read-only dataset: the manifest, every column file mapped into one shared {@link Arena},
 * and the key index (opened on first lookup). Opening checks the manifest's checksum and, for each
 * column file, its size, header, footer and chunk index; chunk payloads are checked when decoded.
 *
 * <p>Read a column's chunks in bulk with {@link #newDecoder()} (one per thread) and {@link
 * #column(String)}, or single values with the {@code read…} methods. {@link #close()} unmaps every
 * file at once; a read racing with close fails with IllegalStateException, never a JVM crash.
 *
 * <p>Thread-safe: any number of threads may read concurrently.
 */
public final class Dataset implements AutoCloseable {
  private final Path dir;
  private final Manifest manifest;
  private final Arena arena;
  private final List<Column> columns;
  private final KeyIndex keyIndex;
  private final boolean verifyChecksums;
  private final ConcurrentLinkedQueue<ChunkDecoder> decoders = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  /** Held shared by native reads of the mappings, exclusively by close (see ChunkDecoder). */
  private final ReentrantReadWriteLock guard = new ReentrantReadWriteLock();

  private Dataset(
      Path dir,
      Manifest manifest,
      Arena arena,
      List<Column> columns,
      KeyIndex keyIndex,
      boolean verifyChecksums) {
    this.dir = dir;
    this.manifest = manifest;
    this.arena = arena;
    this.columns = columns;
    this.keyIndex = keyIndex;
    this.verifyChecksums = verifyChecksums;
  }

  /** Opens the dataset in directory {@code dir}, checking chunk checksums on every decode. */
  public static Dataset open(Path dir) throws IOException {
    return open(dir, true);
  }

  /**
   * Opens the dataset in directory {@code dir}.
   *
   * @param verifyChecksums check each chunk's CRC32C whenever it is decoded (cheap next to
   *     decompression; turn off only where the storage is trusted and every cycle counts)
   * @throws CorruptDatasetException a file is damaged, truncated or foreign (the message says
   *     which)
   * @throws FormatVersionException a file is from a newer or older format
   * @throws NoSuchFileException {@code dir} is not a dataset
   */
  public static Dataset open(Path dir, boolean verifyChecksums) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "not a jcolz dataset directory");
    }
    Manifest m = ManifestFile.read(DatasetLayout.manifest(dir));
    Arena arena = Arena.ofShared();
    boolean success = false;
    try {
      List<Column> cols = new ArrayList<>();
      for (int i = 0; i < m.schema().size(); i++) {
        ColumnSpec spec = m.schema().columns().get(i);
        Manifest.ColumnEntry e = m.columns().get(i);
        Path p = dir.resolve(e.file());
        MemorySegment seg;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
          seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException nsf) {
          throw CorruptDatasetException.at(p, "column '" + spec.name() + "': file is missing");
        } catch (IOException io) {
          throw mapFailure(p, io);
        }
        cols.add(
            new Column(
                spec,
                List.of(ColumnFile.open(p, spec, seg, m.datasetId(), e.fileBytes(), m.rows()))));
      }
      KeyIndex ki = null;
      if (m.keyIndex() != null) {
        ki = new KeyIndex(dir.resolve(m.keyIndex().file()), m.keyIndex());
        ki.checkSize();
      }
      Dataset ds =
          new Dataset(dir, m, arena, Collections.unmodifiableList(cols), ki, verifyChecksums);
      success = true;
      return ds;
    } finally {
      if (!success) {
        arena.close();
      }
    }
  }

  private static IOException mapFailure(Path p, IOException io) {
    String msg = io.getMessage() == null ? "" : io.getMessage();
    if (msg.contains("Map failed") || io.getCause() instanceof OutOfMemoryError) {
      return new IOException(
          p
              + ": cannot map the file ("
              + msg
              + "); review 'ulimit -v' and "
              + "'sysctl vm.max_map_count' — memory mapping needs address space for the whole dataset",
          io);
    }
    return new IOException(p + ": cannot open: " + msg, io);
  }

  /** The dataset directory. */
  public Path path() {
    return dir;
  }

  /** The dataset's id, shared by all its files. */
  public UUID id() {
    return manifest.datasetId();
  }

  /** The manifest as read. */
  public Manifest manifest() {
    return manifest;
  }

  /** The schema. */
  public Schema schema() {
    return manifest.schema();
  }

  /** Number of rows. */
  public long rowCount() {
    return manifest.rows();
  }

  /** The label vocabulary: index → name. */
  public List<String> labels() {
    return manifest.labels();
  }

  /** Free-form metadata recorded by the writer. */
  public Map<String, String> metadata() {
    return manifest.metadata();
  }

  /** Whether decoders check chunk checksums. */
  public boolean verifiesChecksums() {
    return verifyChecksums;
  }

  /** The mapped column by name. */
  public Column column(String name) {
    return columns.get(schema().indexOf(schema().column(name).name()));
  }

  /** The mapped columns, in schema order. */
  public List<Column> columns() {
    return columns;
  }

  /** Total bytes of the dataset's files on disk. */
  public long diskBytes() throws IOException {
    long total = Files.size(DatasetLayout.manifest(dir));
    for (Column c : columns) {
      total += c.fileBytes();
    }
    if (manifest.keyIndex() != null) {
      total += manifest.keyIndex().fileBytes();
    }
    return total;
  }

  /** A new chunk decoder for the calling thread. Close it when done (the dataset does not). */
  public ChunkDecoder newDecoder() {
    ensureOpen();
    return new ChunkDecoder(verifyChecksums, this);
  }

  void enterRead() {
    guard.readLock().lock();
    if (closed) {
      guard.readLock().unlock();
      throw new IllegalStateException("dataset " + dir + " is closed");
    }
  }

  void exitRead() {
    guard.readLock().unlock();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("dataset " + dir + " is closed");
    }
  }

  /**
   * The row holding {@code key}, looked up in the key index and confirmed against the key column (a
   * damaged index cannot return another row's data).
   *
   * @throws IllegalStateException the dataset has no key column
   */
  public OptionalLong rowOf(String key) throws IOException {
    ensureOpen();
    if (keyIndex == null) {
      throw new IllegalStateException("dataset " + dir + " has no key column");
    }
    OptionalLong row = keyIndex.get(key);
    if (row.isPresent()) {
      long r = row.getAsLong();
      String keyColumn = schema().keyColumn().orElseThrow();
      if (r < 0 || r >= rowCount()) {
        throw CorruptDatasetException.at(
            dir.resolve(DatasetLayout.KEY_INDEX),
            "key '" + key + "' maps to row " + r + ", outside [0, " + rowCount() + ")");
      }
      String actual = readString(keyColumn, r);
      if (!actual.equals(key)) {
        throw CorruptDatasetException.at(
            dir.resolve(DatasetLayout.KEY_INDEX),
            "key '" + key + "' maps to row " + r + ", whose key is '" + actual + "'");
      }
    }
    return row;
  }

  /** A functional read of one row from a decoded chunk. */
  @FunctionalInterface
  private interface RowReader<T> {
    T read(ChunkView chunk, int i);
  }

  private <T> T read(String column, long row, RowReader<T> reader) throws IOException {
    ensureOpen();
    Column c = column(column);
    int k = c.chunkOf(row);
    ChunkDecoder d = decoders.poll();
    if (d == null) {
      d = new ChunkDecoder(verifyChecksums, this);
    }
    try {
      ChunkView v = d.decode(c, k);
      return reader.read(v, (int) (row - v.firstRow()));
    } finally {
      if (closed) {
        d.close();
      } else {
        decoders.offer(d);
      }
    }
  }

  /** A UINT8_TENSOR value, copied. */
  public byte[] readTensor(String column, long row) throws IOException {
    return read(
        column, row, (v, i) -> v.tensor(i).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
  }

  /** A BYTES value, copied. */
  public byte[] readBytes(String column, long row) throws IOException {
    return read(column, row, ChunkView::byteArray);
  }

  /** A STRING value. */
  public String readString(String column, long row) throws IOException {
    return read(column, row, ChunkView::string);
  }

  /** An INT32_SET value, sorted. */
  public int[] readSet(String column, long row) throws IOException {
    return read(column, row, ChunkView::set);
  }

  /** An INT32 value. */
  public int readInt32(String column, long row) throws IOException {
    return read(column, row, ChunkView::int32);
  }

  /** An INT64 value. */
  public long readInt64(String column, long row) throws IOException {
    return read(column, row, ChunkView::int64);
  }

  /** A FLOAT32 value. */
  public float readFloat32(String column, long row) throws IOException {
    return read(column, row, ChunkView::float32);
  }

  /**
   * Checks everything: every chunk of every column (checksum, decompression, structure — even when
   * the dataset was opened without checksum checks), the key index's size and checksum, and that
   * every key maps to its own row. Keeps going past problems so all of them are named.
   *
   * @param threads worker threads for chunk checks (≥ 1)
   * @param progress receives compressed bytes as they are checked (may be null)
   */
  public VerifyReport verify(int threads, LongConsumer progress) throws IOException {
    ensureOpen();
    List<VerifyReport.Problem> problems = Collections.synchronizedList(new ArrayList<>());
    AtomicLong chunks = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    List<ColumnFile> files = new ArrayList<>();
    List<int[]> work = new ArrayList<>();
    for (Column c : columns) {
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
                  try (ChunkDecoder d = new ChunkDecoder(true, this)) {
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
    long keys = 0;
    if (keyIndex != null) {
      keys = verifyKeys(problems);
    }
    return new VerifyReport(problems, chunks.get(), bytes.get(), keys);
  }

  private long verifyKeys(List<VerifyReport.Problem> problems) throws IOException {
    Path file = dir.resolve(DatasetLayout.KEY_INDEX);
    try {
      keyIndex.checkIntegrity();
    } catch (CorruptDatasetException e) {
      problems.add(new VerifyReport.Problem(file.toString(), null, -1, -1, e.getMessage()));
      return 0;
    }
    Column keys = column(schema().keyColumn().orElseThrow());
    long checked = 0;
    int reported = 0;
    try (ChunkDecoder d = new ChunkDecoder(true, this)) {
      for (int k = 0; k < keys.chunkCount(); k++) {
        ChunkView v;
        try {
          v = d.decode(keys, k);
        } catch (CorruptDatasetException e) {
          continue; // already reported with the chunks
        }
        for (int i = 0; i < v.rowCount(); i++) {
          String key = v.string(i);
          OptionalLong r = keyIndex.get(key);
          long expected = v.firstRow() + i;
          if (r.isEmpty() || r.getAsLong() != expected) {
            if (reported++ < 20) {
              problems.add(
                  new VerifyReport.Problem(
                      file.toString(),
                      null,
                      -1,
                      -1,
                      "key '"
                          + key
                          + "' of row "
                          + expected
                          + (r.isEmpty()
                              ? " is missing from the key index"
                              : " maps to row " + r.getAsLong())));
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

  /** Unmaps every file and closes the key index. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    guard.writeLock().lock(); // waits for native reads in progress; later ones see closed
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (ChunkDecoder d; (d = decoders.poll()) != null; ) {
        d.close();
      }
      if (keyIndex != null) {
        keyIndex.close();
      }
      arena.close();
    } finally {
      guard.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "Dataset[" + dir + ", " + rowCount() + " rows, " + schema() + "]";
  }

  static UncheckedIOException unchecked(IOException e) {
    return new UncheckedIOException(e);
  }
}
