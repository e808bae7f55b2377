package io.jcolz.format;

import io.jcolz.format.codec.ChunkCompressor;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.column.ChunkBuilder;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.index.KeyIndexWriter;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.Checksums;
import io.jcolz.format.store.ColumnFile;
import io.jcolz.format.store.ColumnFileWriter;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileTrees;
import io.jcolz.format.store.Manifest;
import io.jcolz.format.store.ManifestFile;
import io.jcolz.format.store.SiblingLayout;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * Writes a new dataset. Rows are appended from any number of threads; row numbers are given in the
 * order appends take the writer's lock. Everything goes into a hidden temporary directory next to
 * the target ({@code .NAME.tmp-UUID}); {@link #close()} finishes every file, forces it to disk,
 * writes the manifest last and renames the directory onto the target in one atomic step. So a crash
 * at any point leaves either no dataset at the target (and a temporary directory that never opens
 * as the target) or the complete one.
 *
 * <p>Flush and close semantics: there is no partial flush — nothing is visible at the target before
 * {@code close()} returns. {@code close()} commits; if it throws, nothing was committed and the
 * temporary directory is removed. {@link #abort()} discards everything. A failed append (an I/O
 * error while writing a chunk) poisons the writer: later appends and {@code close()} rethrow it. A
 * rejected row (a bad value, a duplicate key) does not.
 *
 * <p>Compression runs in the appending threads, outside the lock, one Zstd context per thread
 * (pooled), so N appending threads compress N chunks at once.
 *
 * <p>Measured codec ({@link Options#withAutoCodec}): a column declared {@link Codec#ZSTD} has its
 * first chunk compressed with Zstd, and is stored with {@link Codec#NONE} instead when Zstd saves
 * less than the given share of that chunk's bytes (photo-like pixels: about 10%). The choice is a
 * pure function of the first chunk's bytes, so the same rows give the same files; it is recorded as
 * the column's codec in the manifest. Later chunks of the column wait for it (only those sealed
 * while the first is being compressed).
 *
 * <p>Thread-safe.
 */
public final class DatasetWriter implements AutoCloseable {
  private enum State {
    OPEN,
    COMMITTING,
    COMMITTED,
    FAILED,
    ABORTED
  }

  private final Path target;
  private final Path tmp;
  private final Schema schema;
  private final Options options;
  private final UUID id = UUID.randomUUID();
  private final ColumnFileWriter[] files;
  private final ChunkBuilder[] builders;
  private final List<ConcurrentLinkedQueue<ChunkCompressor>> compressors = new ArrayList<>();
  private final Choice[] choices;
  private final int keyColumn;

  /** The label, confidence and negatives columns whose rows are checked together, or -1. */
  private final int labelColumn;

  private final int confidenceColumn;
  private final int negativesColumn;
  private KeyIndexWriter keys;
  private final Object lock = new Object();
  private State state = State.OPEN;
  private long rows;
  private long keyBytes;
  private int inFlight;

  /** How long an abort waits for chunk writes in flight on other threads. */
  private static final long ABORT_WAIT_NANOS = 30_000_000_000L;

  private Throwable failure;
  private List<String> labels = List.of();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /**
   * Options of a writer. Immutable and thread-safe; build with {@link #defaults()} and the withers.
   */
  public record Options(
      boolean overwrite,
      long expectedRows,
      double averageKeyBytes,
      String createdBy,
      double autoCodecMinSaving) {
    /** No overwrite, unknown row count, 48-byte keys, every column's declared codec. */
    public static Options defaults() {
      return new Options(false, 0, 48, "jcolz", 0);
    }

    /** Replace an existing dataset at the target on commit. */
    public Options withOverwrite(boolean o) {
      return new Options(o, expectedRows, averageKeyBytes, createdBy, autoCodecMinSaving);
    }

    /** Expected rows: sizes the key index (a wrong guess costs one rebuild at commit). */
    public Options withExpectedRows(long n) {
      return new Options(overwrite, n, averageKeyBytes, createdBy, autoCodecMinSaving);
    }

    /** Expected mean key length in UTF-8 bytes. */
    public Options withAverageKeyBytes(double b) {
      return new Options(overwrite, expectedRows, b, createdBy, autoCodecMinSaving);
    }

    /** Software name recorded in the manifest. */
    public Options withCreatedBy(String s) {
      return new Options(overwrite, expectedRows, averageKeyBytes, s, autoCodecMinSaving);
    }

    /**
     * Measure each Zstd column's codec on its first chunk: store the column with {@link Codec#NONE}
     * when Zstd makes that chunk less than {@code minSaving} (a share, e.g. 0.10) smaller; 0 keeps
     * every column's declared codec.
     */
    public Options withAutoCodec(double minSaving) {
      if (!(minSaving >= 0 && minSaving < 1)) {
        throw new IllegalArgumentException("auto codec saving must be in [0, 1), got " + minSaving);
      }
      return new Options(overwrite, expectedRows, averageKeyBytes, createdBy, minSaving);
    }
  }

  /**
   * A column's codec as measured on its first chunk ({@link Options#withAutoCodec}). {@code codec}
   * is set once, before {@code decided} opens; null after it opened means the first chunk failed.
   */
  private static final class Choice {
    final CountDownLatch decided = new CountDownLatch(1);
    volatile Codec codec;
    boolean firstSealed; // under the writer's lock
  }

  private DatasetWriter(Path target, Schema schema, Options options) throws IOException {
    this.target = target.toAbsolutePath().normalize();
    this.schema = schema;
    this.options = options;
    Path parent = this.target.getParent();
    if (Files.exists(this.target) && !options.overwrite()) {
      throw new FileAlreadyExistsException(
          this.target.toString(), null, "a file or dataset is already there");
    }
    Files.createDirectories(parent);
    this.tmp = SiblingLayout.temporary(this.target, id);
    Files.createDirectory(tmp);
    boolean success = false;
    files = new ColumnFileWriter[schema.size()];
    builders = new ChunkBuilder[schema.size()];
    choices = new Choice[schema.size()];
    try {
      Files.createDirectory(tmp.resolve(DatasetLayout.COLUMNS));
      for (int i = 0; i < schema.size(); i++) {
        ColumnSpec spec = schema.columns().get(i);
        files[i] =
            new ColumnFileWriter(tmp.resolve(DatasetLayout.columnFile(spec.name())), spec, id);
        builders[i] = new ChunkBuilder(spec);
        compressors.add(new ConcurrentLinkedQueue<>());
        if (options.autoCodecMinSaving() > 0 && spec.codec() == Codec.ZSTD) {
          choices[i] = new Choice();
        }
      }
      keyColumn = schema.keyColumn().map(schema::indexOf).orElse(-1);
      PartialLabels partial = PartialLabels.of(schema, Map.of(), target.toString());
      boolean checked = partial.hasConfidence() || partial.hasNegatives();
      labelColumn = checked ? schema.indexOf(partial.labelColumn().orElseThrow()) : -1;
      confidenceColumn = partial.hasConfidence() ? schema.indexOf(PartialLabels.CONFIDENCE) : -1;
      negativesColumn = partial.hasNegatives() ? schema.indexOf(PartialLabels.NEGATIVES) : -1;
      if (keyColumn >= 0) {
        long expected = options.expectedRows() > 0 ? options.expectedRows() : 65536;
        keys =
            new KeyIndexWriter(
                tmp.resolve(DatasetLayout.KEY_INDEX), expected, options.averageKeyBytes());
      }
      success = true;
    } finally {
      if (!success) {
        closeQuietly();
        deleteRecursively(tmp);
      }
    }
  }

  /** Starts a dataset at {@code target} (which must not exist) with default options. */
  public static DatasetWriter create(Path target, Schema schema) throws IOException {
    return new DatasetWriter(target, schema, Options.defaults());
  }

  /** Starts a dataset at {@code target}. */
  public static DatasetWriter create(Path target, Schema schema, Options options)
      throws IOException {
    return new DatasetWriter(target, schema, options);
  }

  /** The directory the dataset will be committed to. */
  public Path target() {
    return target;
  }

  /** The hidden directory the files are written in until commit. */
  public Path temporaryDirectory() {
    return tmp;
  }

  /** The schema. */
  public Schema schema() {
    return schema;
  }

  /** A new, empty row for this schema (one per appending thread; reusable). */
  public Row newRow() {
    return new Row(schema);
  }

  /** Rows appended so far. */
  public long rowCount() {
    synchronized (lock) {
      return rows;
    }
  }

  /**
   * Sets the label vocabulary (index → name); its size must equal the label column's cardinality.
   */
  public void labels(List<String> vocabulary) {
    synchronized (lock) {
      labels = List.copyOf(vocabulary);
    }
  }

  /** Records a free-form metadata pair in the manifest. */
  public void putMetadata(String key, String value) {
    if (key.equals(PartialLabels.UNLISTED)) {
      PartialLabels.of(schema, Map.of(key, value), target.toString()); // refuses a bad value now
    }
    synchronized (lock) {
      metadata.put(key, value);
    }
  }

  /**
   * Appends {@code row} and returns its row number.
   *
   * @throws IllegalArgumentException a value is missing; the row is not written
   * @throws DuplicateKeyException the key is already in the dataset; the row is not written
   * @throws IOException writing a chunk failed; the writer is now failed
   */
  public long append(Row row) throws IOException {
    return append(row, null);
  }

  /**
   * As {@link #append(Row)}, and runs {@code afterNumbered} once the row has its number and its
   * values are copied into the open chunks — under the writer's lock, before a chunk the row
   * completes is compressed. So a caller can hand rows over in a fixed order from many threads
   * (release its own ordering lock in {@code afterNumbered}) and still compress in parallel. It
   * must be quick and must not append. Not run when the row is rejected.
   */
  public long append(Row row, Runnable afterNumbered) throws IOException {
    if (row.schema() != schema) {
      throw new IllegalArgumentException("row was made for another schema");
    }
    row.checkComplete();
    if (labelColumn >= 0) {
      String problem =
          PartialLabels.rowProblem(
              (int[]) row.ref(labelColumn),
              confidenceColumn < 0 ? null : (float[]) row.ref(confidenceColumn),
              negativesColumn < 0 ? null : (int[]) row.ref(negativesColumn));
      if (problem != null) {
        throw new IllegalArgumentException("row not written: " + problem);
      }
    }
    List<Object[]> sealed = null;
    long n;
    synchronized (lock) {
      ensureOpen();
      n = rows;
      if (keyColumn >= 0) {
        String key = row.string(keyColumn);
        long prev = keys.putIfAbsent(key, n);
        if (prev >= 0) {
          throw new DuplicateKeyException(schema.columns().get(keyColumn).name(), key, prev);
        }
        keyBytes += row.valueBytes(keyColumn);
      }
      for (int c = 0; c < builders.length; c++) {
        ChunkBuilder b = builders[c];
        if (b.rows() > 0 && b.payloadBytesWith(row.valueBytes(c)) > ColumnSpec.MAX_CHUNK_BYTES) {
          sealed = seal(c, sealed);
        }
        add(c, b, n, row);
        if (b.full()) {
          sealed = seal(c, sealed);
        }
      }
      rows = n + 1;
      if (afterNumbered != null) {
        afterNumbered.run();
      }
    }
    if (sealed != null) {
      writeSealed(sealed);
    }
    return n;
  }

  private void add(int c, ChunkBuilder b, long n, Row row) {
    ColumnType t = schema.columns().get(c).type();
    switch (t) {
      case UINT8_TENSOR, BYTES, STRING -> b.addBytes(n, (byte[]) row.ref(c));
      case INT32_SET -> b.addSet(n, (int[]) row.ref(c));
      case FLOAT32_LIST -> b.addFloats(n, (float[]) row.ref(c));
      case INT32, FLOAT32 -> b.addScalar(n, row.prim(c), 4);
      case INT64 -> b.addScalar(n, row.prim(c), 8);
    }
  }

  /** Under the lock: takes column c's open chunk for writing. */
  private List<Object[]> seal(int c, List<Object[]> sealed) {
    if (sealed == null) {
      sealed = new ArrayList<>(2);
    }
    boolean first = false;
    if (choices[c] != null && !choices[c].firstSealed) {
      choices[c].firstSealed = true;
      first = true;
    }
    sealed.add(new Object[] {c, builders[c].seal(), first});
    inFlight++;
    return sealed;
  }

  private void writeSealed(List<Object[]> sealed) throws IOException {
    try {
      for (Object[] s : sealed) {
        int c = (Integer) s[0];
        ChunkBuilder.Sealed chunk = (ChunkBuilder.Sealed) s[1];
        Choice choice = choices[c];
        if (choice == null) {
          ColumnSpec spec = schema.columns().get(c);
          writeChunk(c, chunk, spec.codec(), spec.level());
        } else if ((Boolean) s[2]) {
          writeFirstChunk(c, chunk, choice);
        } else {
          writeChunk(c, chunk, awaitChoice(c, choice), schema.columns().get(c).level());
        }
        builders[c].recycle(chunk.payload()); // written: its buffer can hold a later chunk
      }
    } catch (IOException | RuntimeException | Error e) {
      synchronized (lock) {
        if (failure == null) {
          failure = e;
        }
        if (state == State.OPEN) {
          state = State.FAILED;
        }
      }
      throw e;
    } finally {
      synchronized (lock) {
        inFlight -= sealed.size();
        lock.notifyAll();
      }
    }
  }

  private void writeChunk(int c, ChunkBuilder.Sealed chunk, Codec codec, int level)
      throws IOException {
    if (codec == Codec.NONE) {
      files[c].writeChunk(
          chunk.firstRow(), chunk.rows(), chunk.length(), chunk.payload(), chunk.length());
      return;
    }
    ChunkCompressor z = compressors.get(c).poll();
    if (z == null) {
      z = new ChunkCompressor(codec, level);
    }
    try {
      int len = z.compress(chunk.payload(), chunk.length());
      files[c].writeChunk(chunk.firstRow(), chunk.rows(), chunk.length(), z.buffer(), len);
    } finally {
      z.trim();
      compressors.get(c).offer(z);
    }
  }

  /** Compresses a measured column's first chunk, decides the column's codec and writes it. */
  private void writeFirstChunk(int c, ChunkBuilder.Sealed chunk, Choice choice) throws IOException {
    try {
      ChunkCompressor z = compressors.get(c).poll();
      if (z == null) {
        z = new ChunkCompressor(Codec.ZSTD, schema.columns().get(c).level());
      }
      try {
        int len = z.compress(chunk.payload(), chunk.length());
        Codec codec = keepsZstd(len, chunk.length()) ? Codec.ZSTD : Codec.NONE;
        if (codec == Codec.ZSTD) {
          files[c].writeChunk(chunk.firstRow(), chunk.rows(), chunk.length(), z.buffer(), len);
        } else {
          files[c].writeChunk(
              chunk.firstRow(), chunk.rows(), chunk.length(), chunk.payload(), chunk.length());
        }
        choice.codec = codec;
      } finally {
        z.trim();
        compressors.get(c).offer(z);
      }
    } finally {
      choice.decided.countDown();
    }
  }

  /** Whether Zstd's {@code stored} bytes of a {@code length}-byte chunk save enough to keep it. */
  private boolean keepsZstd(long stored, long length) {
    return stored <= (1 - options.autoCodecMinSaving()) * length;
  }

  private Codec awaitChoice(int c, Choice choice) throws IOException {
    try {
      choice.decided.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(
          "interrupted while column '" + schema.columns().get(c).name() + "' chose its codec");
    }
    Codec codec = choice.codec;
    if (codec == null) {
      throw new IOException(
          "column '" + schema.columns().get(c).name() + "': writing its first chunk failed");
    }
    return codec;
  }

  /**
   * The schema as written: the declared one, with each measured column's chosen codec (a column
   * whose first chunk is not written yet keeps its declared codec). Final once {@link #close()} has
   * committed.
   */
  public Schema writtenSchema() {
    Schema.Builder b = Schema.builder();
    for (int c = 0; c < schema.size(); c++) {
      ColumnSpec spec = schema.columns().get(c);
      Codec chosen = choices[c] == null ? null : choices[c].codec;
      b.column(chosen == null ? spec : spec.withCodec(chosen, spec.level()));
    }
    schema.keyColumn().ifPresent(b::keyColumn);
    schema.labelColumn().ifPresent(b::labelColumn);
    return b.build();
  }

  private void ensureOpen() throws IOException {
    switch (state) {
      case OPEN -> {}
      case FAILED ->
          throw new IOException("writer for " + target + " failed earlier: " + failure, failure);
      default ->
          throw new IllegalStateException(
              "writer for " + target + " is " + state.name().toLowerCase());
    }
  }

  /**
   * Commits: writes the remaining partial chunks, the chunk indexes, the key index and the
   * manifest, forces them to disk and renames the temporary directory onto the target. Waits for
   * appends in progress. If anything fails, nothing is committed, the temporary directory is
   * removed and the cause is thrown. Calling it again after a commit does nothing.
   */
  @Override
  public void close() throws IOException {
    List<Object[]> sealed = null;
    synchronized (lock) {
      if (state == State.COMMITTED || state == State.ABORTED) {
        return;
      }
      if (state == State.FAILED) {
        abortLocked();
        throw new IOException(
            "nothing committed to " + target + ": an append failed: " + failure, failure);
      }
      state = State.COMMITTING;
      for (int c = 0; c < builders.length; c++) {
        if (builders[c].rows() > 0) {
          sealed = seal(c, sealed);
        }
      }
    }
    try {
      if (sealed != null) {
        writeSealed(sealed);
      }
      synchronized (lock) {
        while (inFlight > 0) {
          lock.wait();
        }
        if (failure != null) {
          throw new IOException("an append failed: " + failure, failure);
        }
      }
      commit();
      synchronized (lock) {
        state = State.COMMITTED;
        closeQuietly();
      }
    } catch (IOException | RuntimeException | Error | InterruptedException e) {
      synchronized (lock) {
        abortLocked();
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while committing " + target);
      }
      if (e instanceof IOException io) {
        throw new IOException("nothing committed to " + target + ": " + io.getMessage(), io);
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw (Error) e;
    }
  }

  private void commit() throws IOException {
    Schema s = writtenSchema();
    if (s.labelColumn().isPresent() && !labels.isEmpty()) {
      int card = s.column(s.labelColumn().get()).cardinality();
      if (labels.size() != card) {
        throw new IllegalStateException(
            "label vocabulary has "
                + labels.size()
                + " names, label column '"
                + s.labelColumn().get()
                + "' has cardinality "
                + card);
      }
    }
    List<Manifest.ColumnEntry> entries = new ArrayList<>();
    for (int c = 0; c < files.length; c++) {
      ColumnFileWriter f = files[c];
      long chunks = f.chunkCount();
      long compressed = f.compressedBytes();
      long uncompressed = f.uncompressedBytes();
      long size = f.finish(rows);
      entries.add(
          new Manifest.ColumnEntry(
              DatasetLayout.columnFile(s.columns().get(c).name()),
              size,
              chunks,
              compressed,
              uncompressed));
    }
    Manifest.KeyIndexEntry ki = null;
    if (keyColumn >= 0) {
      ki = finishKeyIndex(entries.get(keyColumn));
    }
    Manifest m =
        new Manifest(
            id,
            rows,
            s,
            labels,
            metadata,
            entries,
            ki,
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
            options.createdBy());
    ManifestFile.write(tmp.resolve(DatasetLayout.MANIFEST), m);
    fsyncDirectory(tmp.resolve(DatasetLayout.COLUMNS));
    fsyncDirectory(tmp);
    Path parent = target.getParent();
    Path old = null;
    if (Files.exists(target)) {
      if (!options.overwrite()) {
        throw new FileAlreadyExistsException(
            target.toString(), null, "appeared while writing; not replaced");
      }
      old = SiblingLayout.old(target, id);
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory(parent);
    if (old != null) {
      deleteRecursively(old);
    }
  }

  /**
   * Closes the key map. Chronicle Map cannot shrink, so a map created for a size far from the row
   * count (more than 2× too small or 4× too large) is rebuilt at its exact size from the finished
   * key column.
   */
  private Manifest.KeyIndexEntry finishKeyIndex(Manifest.ColumnEntry keyEntry) throws IOException {
    String column = schema.columns().get(keyColumn).name();
    long expected = keys.expectedEntries();
    keys.close();
    Path file = tmp.resolve(DatasetLayout.KEY_INDEX);
    if (rows > 2 * expected || (expected > 1024 && rows < expected / 4)) {
      Files.delete(file);
      double avg = rows == 0 ? 16 : (double) keyBytes / rows;
      try (KeyIndexWriter exact = new KeyIndexWriter(file, rows, avg);
          Arena arena = Arena.ofConfined();
          FileChannel ch = FileChannel.open(tmp.resolve(keyEntry.file()), StandardOpenOption.READ);
          ChunkDecoder dec = new ChunkDecoder(true, null)) {
        MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        ColumnFile keysColumn =
            ColumnFile.open(
                tmp.resolve(keyEntry.file()),
                writtenSchema().columns().get(keyColumn),
                seg,
                id,
                keyEntry.fileBytes(),
                rows);
        for (int k = 0; k < keysColumn.chunkCount(); k++) {
          ChunkView v = dec.decode(keysColumn, k);
          for (int i = 0; i < v.rowCount(); i++) {
            exact.putIfAbsent(v.string(i), v.firstRow() + i);
          }
        }
      }
    }
    long size = Files.size(file);
    int crc;
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      crc = Checksums.crc32c(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena));
      ch.force(true);
    }
    return new Manifest.KeyIndexEntry(DatasetLayout.KEY_INDEX, column, rows, size, crc);
  }

  /** Discards everything written; the target is untouched. Safe to call more than once. */
  public void abort() {
    synchronized (lock) {
      if (state != State.COMMITTED) {
        abortLocked();
      }
    }
  }

  private void abortLocked() {
    state = State.ABORTED; // no new chunk is sealed from here on
    // Chunks other threads are writing still land in tmp: deleting it under them can leave a file
    // created after the walk, and with it the directory (seen as a leftover .part-*.tmp-* after a
    // failed pack). Their writes end either way (a failed first chunk releases its waiters), so
    // wait for them, bounded so that a stuck disk cannot hang an abort.
    long deadline = System.nanoTime() + ABORT_WAIT_NANOS;
    boolean interrupted = false;
    while (inFlight > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        lock.wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    closeQuietly();
    deleteRecursively(tmp);
  }

  private void closeQuietly() {
    for (ColumnFileWriter f : files) {
      if (f != null) {
        try {
          f.close();
        } catch (IOException ignored) {
          // discarding anyway
        }
      }
    }
    if (keys != null) {
      keys.close();
    }
    for (ConcurrentLinkedQueue<ChunkCompressor> q : compressors) {
      for (ChunkCompressor z; (z = q.poll()) != null; ) {
        z.close();
      }
    }
  }

  private static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Deletes {@code dir} as far as it can: a leftover temporary copy never opens as the target. */
  private static void deleteRecursively(Path dir) {
    try {
      FileTrees.deleteRecursively(dir);
    } catch (IOException e) {
      // best effort: the next run's leftover sweep removes what is left
    }
  }
}
