package io.jcolz.format;

import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.store.ColumnFile;
import java.nio.file.Path;
import java.util.List;

/**
 * One column of an open {@link Dataset}, as readers see it: its chunks numbered {@code 0 ..
 * chunkCount()-1} and its rows numbered {@code 0 .. rowCount()-1} across the whole dataset. A
 * single dataset's column is one {@link ColumnFile}; a collection's column is the same column of
 * each part, one file after another, so chunk {@code k} of the column is some chunk of some part's
 * file and row {@code r} is row {@code r − firstRow(part)} of that part. Readers (the loader, the
 * tools) address chunks and rows only through this type, so they work unchanged on both.
 *
 * <p>Chunk numbers here are global; a {@link CorruptDatasetException} still names the part's file
 * and the chunk's number inside that file, which is what a user can look at.
 *
 * <p>Immutable and thread-safe; valid while its dataset is open.
 */
public final class Column {
  private final ColumnSpec spec;
  private final ColumnFile[] files;

  /** firstChunk[p] = global number of file p's chunk 0; firstChunk[files] = chunkCount. */
  private final int[] firstChunk;

  /** firstRow[p] = global row of file p's row 0; firstRow[files] = rowCount. */
  private final long[] firstRow;

  private final long compressedBytes;
  private final long uncompressedBytes;
  private final int maxDecompressedLength;

  /**
   * Rows per chunk when every chunk but the very last has that many (so chunk = row / n), else 0.
   */
  private final int fixedChunkRows;

  Column(ColumnSpec spec, List<ColumnFile> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("column '" + spec.name() + "' has no file");
    }
    this.spec = spec;
    this.files = parts.toArray(ColumnFile[]::new);
    this.firstChunk = new int[files.length + 1];
    this.firstRow = new long[files.length + 1];
    long chunks = 0;
    long rows = 0;
    long compressed = 0;
    long uncompressed = 0;
    int max = 0;
    for (int p = 0; p < files.length; p++) {
      firstChunk[p] = (int) chunks;
      firstRow[p] = rows;
      chunks += files[p].chunkCount();
      rows += files[p].rowCount();
      compressed += files[p].compressedBytes();
      uncompressed += files[p].uncompressedBytes();
      max = Math.max(max, files[p].maxDecompressedLength());
      if (chunks > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "column '" + spec.name() + "' has over 2^31 - 1 chunks across its parts");
      }
    }
    firstChunk[files.length] = (int) chunks;
    firstRow[files.length] = rows;
    this.compressedBytes = compressed;
    this.uncompressedBytes = uncompressed;
    this.maxDecompressedLength = max;
    this.fixedChunkRows = uniformChunkRows();
  }

  private int uniformChunkRows() {
    int chunks = firstChunk[files.length];
    if (chunks == 0) {
      return 0;
    }
    int n = files[0].rowCount(0);
    for (int p = 0; p < files.length; p++) {
      ColumnFile f = files[p];
      for (int k = 0; k < f.chunkCount(); k++) {
        boolean last = p == files.length - 1 && k == f.chunkCount() - 1;
        if (last ? f.rowCount(k) > n : f.rowCount(k) != n) {
          return 0;
        }
      }
    }
    return n;
  }

  /** The column's spec. */
  public ColumnSpec spec() {
    return spec;
  }

  /** Column name. */
  public String name() {
    return spec.name();
  }

  /** Number of chunks, over every part. */
  public int chunkCount() {
    return firstChunk[files.length];
  }

  /** Number of rows, over every part. */
  public long rowCount() {
    return firstRow[files.length];
  }

  /** Sum of the chunks' stored sizes. */
  public long compressedBytes() {
    return compressedBytes;
  }

  /** Sum of the chunks' decompressed sizes. */
  public long uncompressedBytes() {
    return uncompressedBytes;
  }

  /** Total size of the column's files. */
  public long fileBytes() {
    long n = 0;
    for (ColumnFile f : files) {
      n += f.fileBytes();
    }
    return n;
  }

  /** The largest decompressed chunk, to size reusable buffers. */
  public int maxDecompressedLength() {
    return maxDecompressedLength;
  }

  /** The largest compressed chunk, to size read buffers (computed on each call). */
  public int maxCompressedLength() {
    int max = 0;
    for (ColumnFile f : files) {
      max = Math.max(max, f.maxCompressedLength());
    }
    return max;
  }

  /** The files of this column, one per part, in row order. */
  public List<ColumnFile> files() {
    return List.of(files);
  }

  /** The part holding chunk {@code k}. */
  public int partOfChunk(int k) {
    if (k < 0 || k >= chunkCount()) {
      throw new IndexOutOfBoundsException(
          "chunk " + k + " of " + chunkCount() + " in column '" + spec.name() + "'");
    }
    if (files.length == 1) {
      return 0;
    }
    int lo = 0;
    int hi = files.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (firstChunk[mid] <= k) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo; // the last part starting at or before k: an empty part never is one
  }

  /** The file holding chunk {@code k}. */
  public ColumnFile file(int k) {
    return files[partOfChunk(k)];
  }

  /** The number of chunk {@code k} inside {@link #file(int)}. */
  public int chunkInFile(int k) {
    return k - firstChunk[partOfChunk(k)];
  }

  /** Path of the file holding chunk {@code k} (for messages). */
  public Path path(int k) {
    return file(k).path();
  }

  /** Dataset row of chunk {@code k}'s first row. */
  public long firstRow(int k) {
    int p = partOfChunk(k);
    return firstRow[p] + files[p].firstRow(k - firstChunk[p]);
  }

  /** Rows in chunk {@code k}. */
  public int rowCount(int k) {
    int p = partOfChunk(k);
    return files[p].rowCount(k - firstChunk[p]);
  }

  /** Byte offset of chunk {@code k} in {@link #file(int)} (for messages). */
  public long offset(int k) {
    int p = partOfChunk(k);
    return files[p].offset(k - firstChunk[p]);
  }

  /** Stored length of chunk {@code k}. */
  public int compressedLength(int k) {
    int p = partOfChunk(k);
    return files[p].compressedLength(k - firstChunk[p]);
  }

  /** Decompressed length of chunk {@code k}. */
  public int decompressedLength(int k) {
    int p = partOfChunk(k);
    return files[p].decompressedLength(k - firstChunk[p]);
  }

  /** The chunk holding dataset row {@code row}. */
  public int chunkOf(long row) {
    if (row < 0 || row >= rowCount()) {
      throw new IndexOutOfBoundsException("row " + row + " of " + rowCount());
    }
    if (fixedChunkRows > 0) {
      return (int) (row / fixedChunkRows);
    }
    int p = partOfRow(row);
    return firstChunk[p] + files[p].chunkOf(row - firstRow[p]);
  }

  /** The part holding dataset row {@code row}. */
  int partOfRow(long row) {
    int lo = 0;
    int hi = files.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (firstRow[mid] <= row) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** The global row of part {@code p}'s first row. */
  long partFirstRow(int p) {
    return firstRow[p];
  }

  @Override
  public String toString() {
    return "Column["
        + spec.name()
        + ", "
        + rowCount()
        + " rows, "
        + chunkCount()
        + " chunks in "
        + files.length
        + (files.length == 1 ? " file]" : " files]");
  }
}
