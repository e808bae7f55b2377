package io.jcolz.format;

import io.jcolz.format.column.ChunkView;
import io.jcolz.format.index.KeyIndex;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.CollectionManifestFile;
import io.jcolz.format.store.ColumnFile;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileFormat;
import io.jcolz.format.store.Manifest;
import io.jcolz.format.store.ManifestFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;

/**
 * An open, read-only dataset: the manifest, every column file mapped into one shared {@link Arena},
 * and the key index (opened on first lookup). Opening checks the manifest's checksum and, for each
 * column file, its size, header, footer and chunk index; chunk payloads are checked when decoded.
 *
 * <p>A dataset is either a single dataset (format version 1: {@code manifest.jcm} and its files) or
 * a collection (format version 2: {@code collection.jcm} and an ordered list of parts, each a
 * single dataset). Both open the same way and read the same way: rows and chunks are numbered
 * across the whole collection ({@link Column}), a key is found in whichever part holds it, and
 * {@link #parts()} lists the parts (a single dataset is its own one part). Opening a collection
 * also checks each part against the collection manifest: present, same dataset id, same manifest
 * checksum and size, same row count, schema and labels.
 *
 * <p>Read a column's chunks in bulk with {@link #newDecoder()} (one per thread) and {@link
 * #column(String)}, or single values with the {@code read…} methods. {@link #close()} unmaps every
 * file at once; a read racing with close fails with IllegalStateException, never a JVM crash.
 *
 * <p>Thread-safe: any number of threads may read concurrently.
 */
public final class Dataset implements AutoCloseable {
  private final Path dir;
  private final Manifest manifest; // null for a collection
  private final CollectionManifest collection; // null for a single dataset
  private final Arena arena;
  private final List<Column> columns;
  private final List<Part> parts;
  private final KeyIndex[] keyIndexes; // per part; null without a key column
  private final boolean verifyChecksums;
  private final PartialLabels partialLabels;
  private final ConcurrentLinkedQueue<ChunkDecoder> decoders = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  /** Held shared by native reads of the mappings, exclusively by close (see ChunkDecoder). */
  private final ReentrantReadWriteLock guard = new ReentrantReadWriteLock();

  /**
   * One part of an open dataset: a single dataset in its own directory, holding the dataset's rows
   * {@code [firstRow, firstRow + rowCount)}.
   *
   * @param index the part's position, 0-based
   * @param name the part's name ({@code parts/NAME} of a collection; the directory name of a single
   *     dataset)
   * @param path the part's directory
   * @param firstRow the dataset row of the part's row 0
   * @param rowCount the part's rows
   * @param manifest the part's own manifest
   * @param keyMin the smallest key in UTF-8 byte order as the collection records it; null for a
   *     single dataset, a part without rows or a schema without a key column
   * @param keyMax the largest key, or null
   */
  public record Part(
      int index,
      String name,
      Path path,
      long firstRow,
      long rowCount,
      Manifest manifest,
      String keyMin,
      String keyMax) {
    /** Whether the collection's key range of this part admits {@code key}. */
    boolean mayHold(String key) {
      return keyMin != null
          && CollectionManifest.compareKeys(keyMin, key) <= 0
          && CollectionManifest.compareKeys(key, keyMax) <= 0;
    }
  }

  private Dataset(
      Path dir,
      Manifest manifest,
      CollectionManifest collection,
      Arena arena,
      List<Column> columns,
      List<Part> parts,
      KeyIndex[] keyIndexes,
      boolean verifyChecksums) {
    this.dir = dir;
    this.manifest = manifest;
    this.collection = collection;
    this.arena = arena;
    this.columns = columns;
    this.parts = parts;
    this.keyIndexes = keyIndexes;
    this.verifyChecksums = verifyChecksums;
    Schema sc = manifest != null ? manifest.schema() : collection.schema();
    // the manifest was validated on read, so this cannot throw
    this.partialLabels =
        PartialLabels.of(
            sc, manifest != null ? manifest.metadata() : collection.metadata(), dir.toString());
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
    Path cm = DatasetLayout.collectionManifest(dir);
    if (Files.exists(cm)) {
      return openCollection(dir, CollectionManifestFile.read(cm), verifyChecksums);
    }
    Manifest m = ManifestFile.read(DatasetLayout.manifest(dir));
    Part only = new Part(0, String.valueOf(dir.getFileName()), dir, 0, m.rows(), m, null, null);
    return openParts(dir, m, null, m.schema(), List.of(only), verifyChecksums);
  }

  static Dataset openCollection(Path dir, CollectionManifest cm, boolean verifyChecksums)
      throws IOException {
    List<Part> parts = new ArrayList<>();
    long firstRow = 0;
    for (int i = 0; i < cm.parts().size(); i++) {
      CollectionManifest.PartEntry e = cm.parts().get(i);
      Path pdir = DatasetLayout.part(dir, e.name());
      if (!Files.isDirectory(pdir)) {
        throw CorruptDatasetException.at(
            pdir,
            "part "
                + e.name()
                + " is missing (listed in "
                + DatasetLayout.COLLECTION_MANIFEST
                + ")");
      }
      ManifestFile.Checked c;
      try {
        c = ManifestFile.readChecked(DatasetLayout.manifest(pdir));
      } catch (NoSuchFileException nsf) {
        throw CorruptDatasetException.at(
            pdir, "part " + e.name() + " has no " + DatasetLayout.MANIFEST + " (not committed)");
      }
      Manifest m = c.manifest();
      String problem = partProblem(cm, e, c);
      if (problem != null) {
        throw CorruptDatasetException.at(pdir, "part " + e.name() + ": " + problem);
      }
      parts.add(new Part(i, e.name(), pdir, firstRow, m.rows(), m, e.keyMin(), e.keyMax()));
      firstRow += m.rows();
    }
    if (parts.isEmpty()) {
      throw CorruptDatasetException.at(
          DatasetLayout.collectionManifest(dir), "collection lists no parts");
    }
    return openParts(dir, null, cm, cm.schema(), parts, verifyChecksums);
  }

  /** Why part {@code c} does not belong where the collection lists it, or null. */
  private static String partProblem(
      CollectionManifest cm, CollectionManifest.PartEntry e, ManifestFile.Checked c) {
    Manifest m = c.manifest();
    if (!m.datasetId().equals(e.datasetId())) {
      return "dataset id "
          + m.datasetId()
          + " is not the collection's entry "
          + e.datasetId()
          + " (a part from another collection?)";
    }
    if (c.bytes() != e.manifestBytes() || c.crc32c() != e.manifestCrc32c()) {
      return String.format(
          "manifest checksum 0x%08x (%d bytes) differs from the collection's 0x%08x (%d bytes)"
              + " (the part was rewritten?)",
          c.crc32c(), c.bytes(), e.manifestCrc32c(), e.manifestBytes());
    }
    if (m.rows() != e.rows()) {
      return m.rows() + " rows, the collection says " + e.rows();
    }
    if (!sameLogicalSchema(m.schema(), cm.schema())) {
      return "schema " + m.schema() + " differs from the collection's " + cm.schema();
    }
    PartialLabels.Unlisted pu = PartialLabels.of(m.schema(), m.metadata(), "part").unlisted();
    PartialLabels.Unlisted cu =
        PartialLabels.of(cm.schema(), cm.metadata(), "collection").unlisted();
    if (pu != cu) {
      return "metadata "
          + PartialLabels.UNLISTED
          + " is "
          + pu.id()
          + ", the collection's is "
          + cu.id()
          + " (every part of a collection means the same by an unlisted label)";
    }
    if (!m.labels().equals(cm.labels())) {
      return "label vocabulary ("
          + m.labels().size()
          + " names) differs from the collection's ("
          + cm.labels().size()
          + " names)";
    }
    return null;
  }

  /**
   * Same columns (names, types, shapes, cardinalities) and the same key and label columns; codec,
   * level and chunking may differ between parts.
   */
  public static boolean sameLogicalSchema(Schema a, Schema b) {
    if (a.size() != b.size()
        || !a.keyColumn().equals(b.keyColumn())
        || !a.labelColumn().equals(b.labelColumn())) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      ColumnSpec x = a.columns().get(i);
      ColumnSpec y = b.columns().get(i);
      if (!x.name().equals(y.name())
          || x.type() != y.type()
          || !Arrays.equals(x.shape(), y.shape())
          || x.cardinality() != y.cardinality()) {
        return false;
      }
    }
    return true;
  }

  private static Dataset openParts(
      Path dir,
      Manifest single,
      CollectionManifest collection,
      Schema schema,
      List<Part> parts,
      boolean verifyChecksums)
      throws IOException {
    Arena arena = Arena.ofShared();
    boolean success = false;
    try {
      List<Column> cols = new ArrayList<>();
      for (int i = 0; i < schema.size(); i++) {
        ColumnSpec spec = schema.columns().get(i);
        List<ColumnFile> files = new ArrayList<>(parts.size());
        for (Part part : parts) {
          Manifest m = part.manifest();
          files.add(
              mapColumnFile(
                  part.path(), m, m.schema().columns().get(i), m.columns().get(i), arena));
        }
        cols.add(new Column(spec, files));
      }
      KeyIndex[] keys = null;
      if (schema.keyColumn().isPresent()) {
        keys = new KeyIndex[parts.size()];
        for (Part part : parts) {
          Manifest.KeyIndexEntry ke = part.manifest().keyIndex();
          keys[part.index()] = new KeyIndex(part.path().resolve(ke.file()), ke);
          keys[part.index()].checkSize();
        }
      }
      Dataset ds =
          new Dataset(
              dir,
              single,
              collection,
              arena,
              Collections.unmodifiableList(cols),
              List.copyOf(parts),
              keys,
              verifyChecksums);
      success = true;
      return ds;
    } finally {
      if (!success) {
        arena.close();
      }
    }
  }

  private static ColumnFile mapColumnFile(
      Path partDir, Manifest m, ColumnSpec spec, Manifest.ColumnEntry e, Arena arena)
      throws IOException {
    Path p = partDir.resolve(e.file());
    MemorySegment seg;
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
    } catch (NoSuchFileException nsf) {
      throw CorruptDatasetException.at(p, "column '" + spec.name() + "': file is missing");
    } catch (IOException io) {
      throw mapFailure(p, io);
    }
    ColumnFile f = ColumnFile.open(p, spec, seg, m.datasetId(), e.fileBytes(), m.rows());
    f.checkManifestEntry(e);
    return f;
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
    // an AccessDeniedException's message is only the path: say the cause in words
    String why =
        io instanceof java.nio.file.AccessDeniedException
            ? "permission denied"
            : io instanceof java.nio.file.FileSystemException f
                ? (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName())
                : msg.isEmpty() ? io.getClass().getSimpleName() : msg;
    return new IOException(p + ": cannot open: " + why, io);
  }

  /** The dataset directory. */
  public Path path() {
    return dir;
  }

  /**
   * The dataset's id: a single dataset's id (shared by all its files) or a collection's id (in its
   * collection manifest; each part has its own).
   */
  public UUID id() {
    return collection != null ? collection.collectionId() : manifest.datasetId();
  }

  /** Whether this is a collection of parts (format version 2) rather than a single dataset. */
  public boolean isCollection() {
    return collection != null;
  }

  /**
   * The manifest of a single dataset.
   *
   * @throws IllegalStateException this is a collection (see {@link #collectionManifest()} and each
   *     part's {@link Part#manifest()})
   */
  public Manifest manifest() {
    if (manifest == null) {
      throw new IllegalStateException(dir + " is a collection: each part has its own manifest");
    }
    return manifest;
  }

  /**
   * The collection manifest.
   *
   * @throws IllegalStateException this is a single dataset
   */
  public CollectionManifest collectionManifest() {
    if (collection == null) {
      throw new IllegalStateException(dir + " is a single dataset, not a collection");
    }
    return collection;
  }

  /** The parts in row order (a single dataset is its own one part). */
  public List<Part> parts() {
    return parts;
  }

  /** The schema. */
  public Schema schema() {
    return collection != null ? collection.schema() : manifest.schema();
  }

  /** Number of rows. */
  public long rowCount() {
    return collection != null ? collection.rows() : manifest.rows();
  }

  /** The label vocabulary: index → name. */
  public List<String> labels() {
    return collection != null ? collection.labels() : manifest.labels();
  }

  /** Free-form metadata recorded by the writer. */
  public Map<String, String> metadata() {
    return collection != null ? collection.metadata() : manifest.metadata();
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
    long total = collection != null ? Files.size(DatasetLayout.collectionManifest(dir)) : 0;
    for (Part p : parts) {
      total += Files.size(DatasetLayout.manifest(p.path()));
      if (p.manifest().keyIndex() != null) {
        total += p.manifest().keyIndex().fileBytes();
      }
    }
    for (Column c : columns) {
      total += c.fileBytes();
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

  void ensureOpen() {
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
    if (keyIndexes == null) {
      throw new IllegalStateException("dataset " + dir + " has no key column");
    }
    for (Part p : parts) {
      if (collection != null && !p.mayHold(key)) {
        continue;
      }
      OptionalLong local = keyIndexes[p.index()].get(key);
      if (local.isEmpty()) {
        continue;
      }
      long r = local.getAsLong();
      Path file = p.path().resolve(DatasetLayout.KEY_INDEX);
      if (r < 0 || r >= p.rowCount()) {
        throw CorruptDatasetException.at(
            file, "key '" + key + "' maps to row " + r + ", outside [0, " + p.rowCount() + ")");
      }
      long global = p.firstRow() + r;
      String actual = readString(schema().keyColumn().orElseThrow(), global);
      if (!actual.equals(key)) {
        throw CorruptDatasetException.at(
            file, "key '" + key + "' maps to row " + r + ", whose key is '" + actual + "'");
      }
      return OptionalLong.of(global);
    }
    return OptionalLong.empty();
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

  /** A FLOAT32_LIST value, copied. */
  public float[] readFloatList(String column, long row) throws IOException {
    return read(column, row, ChunkView::floatList);
  }

  /**
   * The label convention of this dataset: its label column, whether it stores confidences and
   * verified negatives, and what an unlisted label means (FORMAT.md §10.1).
   */
  public PartialLabels partialLabels() {
    return partialLabels;
  }

  /**
   * The name of the label column, for a caller that needs one.
   *
   * @return the schema's label column
   * @throws IllegalArgumentException the dataset has no label column (the message names it)
   */
  public String labelColumnName() {
    return schema()
        .labelColumn()
        .orElseThrow(() -> new IllegalArgumentException("dataset " + dir + " has no label column"));
  }

  /**
   * A reader of the labels row by row, in place ({@link LabelReader}); for the calling thread.
   *
   * @throws IllegalStateException the dataset has no label column
   */
  public LabelReader labelReader() {
    ensureOpen();
    return new LabelReader(this);
  }

  /**
   * One row's labels, copied: positives (sorted), their confidences (null when the dataset stores
   * none: all 1) and its verified negatives (null when the dataset stores none).
   *
   * @throws IllegalStateException the dataset has no label column
   */
  public PartialLabels.RowLabels readLabels(long row) throws IOException {
    try (LabelReader r = labelReader()) {
      r.seek(row);
      return new PartialLabels.RowLabels(
          r.positives().toArray(FileFormat.LE_INT),
          r.confidences() == null ? null : r.confidences().toArray(FileFormat.LE_FLOAT),
          r.negatives() == null ? null : r.negatives().toArray(FileFormat.LE_INT));
    }
  }

  /**
   * Checks everything: every chunk of every column (checksum, decompression, structure — even when
   * the dataset was opened without checksum checks), the key index's size and checksum, and that
   * every key maps to its own row. Keeps going past problems so all of them are named. The checks
   * live in {@link DatasetVerifier}.
   *
   * @param threads worker threads for chunk checks (≥ 1)
   * @param progress receives compressed bytes as they are checked (may be null)
   */
  public VerifyReport verify(int threads, LongConsumer progress) throws IOException {
    return DatasetVerifier.verify(this, threads, progress);
  }

  /** Part {@code p}'s key index, or null without a key column (for {@link DatasetVerifier}). */
  KeyIndex keyIndex(Part p) {
    return keyIndexes == null ? null : keyIndexes[p.index()];
  }

  /** Unmaps every file and closes the key indexes. Idempotent. */
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
      if (keyIndexes != null) {
        for (KeyIndex k : keyIndexes) {
          k.close();
        }
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
}
