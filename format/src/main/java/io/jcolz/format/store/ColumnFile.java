package io.jcolz.format.store;

import static io.jcolz.format.store.FileFormat.HEADER_BYTES;
import static io.jcolz.format.store.FileFormat.LE_INT;
import static io.jcolz.format.store.FileFormat.LE_LONG;

import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.schema.ColumnSpec;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A column file mapped into memory: its chunk index, and each chunk's compressed bytes, read in
 * place from the mapping. Opening checks the framing, the footer and index checksums, and the
 * consistency of every index entry; chunk payloads are checked when they are decoded.
 *
 * <pre>
 * ColumnFile   --&gt; Header, ChunkData, ChunkIndex, ColumnFooter
 * ChunkData    --&gt; the compressed chunks back to back, in any row order, no gaps
 * ChunkIndex   --&gt; IndexEntry^ChunkCount, sorted by FirstRow
 * IndexEntry   --&gt; FirstRow:u64, Offset:u64, CompressedLength:u32, DecompressedLength:u32,
 *                  RowCount:u32, Crc32c:u32                                     (32 bytes)
 * ColumnFooter --&gt; IndexOffset:u64, ChunkCount:u64, RowCount:u64, IndexCrc32c:u32, Flags:u32,
 *                  FooterMagic:u32, FooterCrc32c:u32                            (40 bytes)
 * </pre>
 *
 * <p>Immutable and thread-safe; valid while the arena that owns the mapping is open (closing it
 * makes later reads fail with IllegalStateException, never a crash).
 */
public final class ColumnFile {
  /** Bytes per chunk index entry. */
  public static final int ENTRY_BYTES = 32;

  /** Bytes of the column footer. */
  public static final int FOOTER_BYTES = 40;

  private final Path path;
  private final ColumnSpec spec;
  private final MemorySegment file;
  private final MemorySegment index;
  private final int chunkCount;
  private final long rowCount;
  private final long compressedBytes;
  private final long uncompressedBytes;
  private final int fixedChunkRows;

  private ColumnFile(
      Path path,
      ColumnSpec spec,
      MemorySegment file,
      MemorySegment index,
      int chunkCount,
      long rowCount,
      long compressedBytes,
      long uncompressedBytes,
      int fixedChunkRows) {
    this.path = path;
    this.spec = spec;
    this.file = file;
    this.index = index;
    this.chunkCount = chunkCount;
    this.rowCount = rowCount;
    this.compressedBytes = compressedBytes;
    this.uncompressedBytes = uncompressedBytes;
    this.fixedChunkRows = fixedChunkRows;
  }

  /**
   * Validates a mapped column file against what the manifest says of it.
   *
   * @param file the whole file, mapped
   * @param expectedBytes file size recorded in the manifest
   * @param expectedRows dataset row count from the manifest
   */
  public static ColumnFile open(
      Path path,
      ColumnSpec spec,
      MemorySegment file,
      UUID datasetId,
      long expectedBytes,
      long expectedRows)
      throws CorruptDatasetException {
    long size = file.byteSize();
    if (size != expectedBytes) {
      throw CorruptDatasetException.at(
          path,
          "column '"
              + spec.name()
              + "': file is "
              + size
              + " bytes, the manifest says "
              + expectedBytes
              + (size < expectedBytes ? " (file truncated?)" : " (file extended?)"));
    }
    FileFormat.checkFooterMagic(file, path, FOOTER_BYTES);
    long footer = size - FOOTER_BYTES;
    int storedCrc = file.get(LE_INT, size - 4);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    Checksums.update(crc, file.asSlice(0, HEADER_BYTES));
    Checksums.update(crc, file.asSlice(footer, FOOTER_BYTES - 4));
    if ((int) crc.getValue() != storedCrc) {
      throw CorruptDatasetException.at(
          path,
          "column '"
              + spec.name()
              + "': header/footer checksum mismatch: stored 0x"
              + Integer.toHexString(storedCrc)
              + ", computed 0x"
              + Integer.toHexString((int) crc.getValue())
              + " (footer at offset "
              + footer
              + ")");
    }
    UUID id = FileFormat.readHeader(file, path, FileFormat.Kind.COLUMN);
    if (FileFormat.headerVersion(file) < spec.type().sinceVersion()) {
      throw CorruptDatasetException.at(
          path,
          "column '"
              + spec.name()
              + "' is "
              + spec.type().jsonName()
              + " (format version "
              + spec.type().sinceVersion()
              + "), but its header says version "
              + FileFormat.headerVersion(file));
    }
    if (!id.equals(datasetId)) {
      throw CorruptDatasetException.at(
          path,
          "belongs to dataset "
              + id
              + ", not "
              + datasetId
              + " (a column file from another dataset?)");
    }
    long indexOffset = file.get(LE_LONG, footer);
    long chunks = file.get(LE_LONG, footer + 8);
    long rows = file.get(LE_LONG, footer + 16);
    int indexCrc = file.get(LE_INT, footer + 24);
    if (chunks < 0
        || chunks > Integer.MAX_VALUE
        || indexOffset < HEADER_BYTES
        || indexOffset + chunks * ENTRY_BYTES != footer) {
      throw CorruptDatasetException.at(
          path,
          "footer says "
              + chunks
              + " chunks with the index at offset "
              + indexOffset
              + ", which does not end at the footer (offset "
              + footer
              + ")");
    }
    if (rows != expectedRows) {
      throw CorruptDatasetException.at(
          path, "footer says " + rows + " rows, the manifest says " + expectedRows);
    }
    MemorySegment index = file.asSlice(indexOffset, chunks * ENTRY_BYTES);
    int actualIndexCrc = Checksums.crc32c(index);
    if (actualIndexCrc != indexCrc) {
      throw CorruptDatasetException.at(
          path,
          "chunk index checksum mismatch at offset "
              + indexOffset
              + ": stored 0x"
              + Integer.toHexString(indexCrc)
              + ", computed 0x"
              + Integer.toHexString(actualIndexCrc));
    }
    long nextRow = 0;
    long compressed = 0;
    long uncompressed = 0;
    int fixed = 0;
    boolean uniform = true;
    for (int k = 0; k < chunks; k++) {
      long e = (long) k * ENTRY_BYTES;
      long first = index.get(LE_LONG, e);
      long off = index.get(LE_LONG, e + 8);
      long clen = Integer.toUnsignedLong(index.get(LE_INT, e + 16));
      long ulen = Integer.toUnsignedLong(index.get(LE_INT, e + 20));
      long n = Integer.toUnsignedLong(index.get(LE_INT, e + 24));
      String bad = null;
      if (first != nextRow) {
        bad = "first row " + first + ", expected " + nextRow;
      } else if (n == 0 || first + n > rows) {
        bad = n + " rows from row " + first + " overrun the " + rows + " rows of the column";
      } else if (off < HEADER_BYTES || clen == 0 || off + clen > indexOffset) {
        bad =
            clen
                + " bytes at offset "
                + off
                + " fall outside the chunk data ["
                + HEADER_BYTES
                + ", "
                + indexOffset
                + ")";
      } else if (ulen > ColumnSpec.MAX_CHUNK_BYTES) {
        bad =
            "decompressed length "
                + ulen
                + " over the "
                + ColumnSpec.MAX_CHUNK_BYTES
                + "-byte limit";
      } else if (spec.rowBytes() > 0 && ulen != n * spec.rowBytes()) {
        bad =
            "decompressed length "
                + ulen
                + " is not "
                + n
                + " rows × "
                + spec.rowBytes()
                + " bytes";
      } else if (spec.codec() == io.jcolz.format.codec.Codec.NONE && ulen != clen) {
        bad =
            "stored length "
                + clen
                + " differs from decompressed length "
                + ulen
                + " for codec none";
      }
      if (bad != null) {
        throw CorruptDatasetException.at(
            path,
            "column '"
                + spec.name()
                + "', chunk index entry "
                + k
                + " at offset "
                + (indexOffset + e)
                + ": "
                + bad);
      }
      if (k == 0) {
        fixed = (int) n;
      } else if (k < chunks - 1 ? n != fixed : n > fixed) {
        uniform = false; // only the last chunk may be short for row / chunkRows to find a chunk
      }
      nextRow = first + n;
      compressed += clen;
      uncompressed += ulen;
    }
    if (nextRow != rows) {
      throw CorruptDatasetException.at(
          path, "chunks hold " + nextRow + " rows, the footer says " + rows);
    }
    if (HEADER_BYTES + compressed != indexOffset) {
      throw CorruptDatasetException.at(
          path,
          "chunks hold "
              + compressed
              + " bytes but the chunk data spans "
              + (indexOffset - HEADER_BYTES)
              + " bytes");
    }
    checkTiling(path, spec, index, (int) chunks, indexOffset);
    return new ColumnFile(
        path, spec, file, index, (int) chunks, rows, compressed, uncompressed, uniform ? fixed : 0);
  }

  /**
   * Checks that the chunks' stored byte ranges tile the chunk data {@code [32, indexOffset)}
   * exactly: no two overlap and no byte lies outside every chunk (the sum check alone would let an
   * overlap hide a gap). Chunks may appear in any row order. Written in order (one writer thread),
   * this is one pass. Written by several threads, chunks land near their row order, so the ranges
   * are put in offset order by an insertion sort that gives up after 32 moves per chunk on average
   * (then: two full sorts — with every length ≥ 1, the ranges tile [lo, hi) exactly when the sorted
   * starts are lo, e<sub>0</sub>, e<sub>1</sub>, … and the sorted ends e<sub>0</sub>,
   * e<sub>1</sub>, …, hi).
   */
  private static void checkTiling(
      Path path, ColumnSpec spec, MemorySegment index, int chunks, long indexOffset)
      throws CorruptDatasetException {
    long expect = HEADER_BYTES;
    boolean inOrder = true;
    for (int k = 0; k < chunks && inOrder; k++) {
      long e = (long) k * ENTRY_BYTES;
      long off = index.get(LE_LONG, e + 8);
      inOrder = off == expect;
      expect = off + Integer.toUnsignedLong(index.get(LE_INT, e + 16));
    }
    if (inOrder) {
      return; // and expect == indexOffset, by the sum check
    }
    long[] starts = new long[chunks];
    long[] ends = new long[chunks];
    for (int k = 0; k < chunks; k++) {
      long e = (long) k * ENTRY_BYTES;
      starts[k] = index.get(LE_LONG, e + 8);
      ends[k] = starts[k] + Integer.toUnsignedLong(index.get(LE_INT, e + 16));
    }
    if (!sortPairsNearlySorted(starts, ends, 32L * chunks)) {
      java.util.Arrays.sort(starts);
      java.util.Arrays.sort(ends);
    }
    for (int i = 0; i < chunks; i++) {
      long start = starts[i];
      long want = i == 0 ? HEADER_BYTES : ends[i - 1];
      if (start != want) {
        throw CorruptDatasetException.at(
            path,
            "column '"
                + spec.name()
                + "': chunks do not tile the chunk data ["
                + HEADER_BYTES
                + ", "
                + indexOffset
                + "): "
                + (start < want
                    ? "a chunk starting at offset "
                        + start
                        + " overlaps the chunk ending at "
                        + want
                    : "bytes [" + want + ", " + start + ") belong to no chunk"));
      }
    }
  }

  /**
   * Sorts {@code starts} ascending, moving {@code ends} with them, by insertion; false (arrays left
   * in some order, the same pairs) when that takes more than {@code budget} moves.
   */
  private static boolean sortPairsNearlySorted(long[] starts, long[] ends, long budget) {
    for (int i = 1; i < starts.length; i++) {
      long s = starts[i];
      long e = ends[i];
      int j = i;
      while (j > 0 && starts[j - 1] > s) {
        starts[j] = starts[j - 1];
        ends[j] = ends[j - 1];
        j--;
        if (--budget < 0) {
          starts[j] = s;
          ends[j] = e;
          return false;
        }
      }
      starts[j] = s;
      ends[j] = e;
    }
    return true;
  }

  /**
   * Checks the manifest's exact facts about this file ({@code chunks}, {@code compressed_bytes},
   * {@code uncompressed_bytes}; {@code file_bytes} was checked by {@link #open}).
   */
  public void checkManifestEntry(Manifest.ColumnEntry e) throws CorruptDatasetException {
    String field = null;
    long said = 0;
    long is = 0;
    if (e.chunks() != chunkCount) {
      field = "chunks";
      said = e.chunks();
      is = chunkCount;
    } else if (e.compressedBytes() != compressedBytes) {
      field = "compressed_bytes";
      said = e.compressedBytes();
      is = compressedBytes;
    } else if (e.uncompressedBytes() != uncompressedBytes) {
      field = "uncompressed_bytes";
      said = e.uncompressedBytes();
      is = uncompressedBytes;
    }
    if (field != null) {
      throw CorruptDatasetException.at(
          path,
          "column '"
              + spec.name()
              + "': the manifest's "
              + field
              + " is "
              + said
              + ", the file's chunk index gives "
              + is);
    }
  }

  /** Path of the file. */
  public Path path() {
    return path;
  }

  /** The column's spec. */
  public ColumnSpec spec() {
    return spec;
  }

  /** Column name. */
  public String name() {
    return spec.name();
  }

  /** Number of chunks. */
  public int chunkCount() {
    return chunkCount;
  }

  /** Number of rows. */
  public long rowCount() {
    return rowCount;
  }

  /** Sum of the chunks' compressed sizes. */
  public long compressedBytes() {
    return compressedBytes;
  }

  /** Sum of the chunks' decompressed sizes. */
  public long uncompressedBytes() {
    return uncompressedBytes;
  }

  /** Size of the file. */
  public long fileBytes() {
    return file.byteSize();
  }

  /** Dataset row of chunk {@code k}'s first row. */
  public long firstRow(int k) {
    return index.get(LE_LONG, entry(k));
  }

  /** Byte offset of chunk {@code k} in the file. */
  public long offset(int k) {
    return index.get(LE_LONG, entry(k) + 8);
  }

  /** Compressed length of chunk {@code k}. */
  public int compressedLength(int k) {
    return index.get(LE_INT, entry(k) + 16);
  }

  /** Decompressed length of chunk {@code k}. */
  public int decompressedLength(int k) {
    return index.get(LE_INT, entry(k) + 20);
  }

  /** Rows in chunk {@code k}. */
  public int rowCount(int k) {
    return index.get(LE_INT, entry(k) + 24);
  }

  /** Stored CRC32C of chunk {@code k}'s compressed bytes. */
  public int crc32c(int k) {
    return index.get(LE_INT, entry(k) + 28);
  }

  /** The largest decompressed chunk, to size reusable buffers. */
  public int maxDecompressedLength() {
    int max = 0;
    for (int k = 0; k < chunkCount; k++) {
      max = Math.max(max, decompressedLength(k));
    }
    return max;
  }

  /** The largest compressed chunk, to size read buffers. */
  public int maxCompressedLength() {
    int max = 0;
    for (int k = 0; k < chunkCount; k++) {
      max = Math.max(max, compressedLength(k));
    }
    return max;
  }

  /** The compressed bytes of chunk {@code k}, in place in the mapping. */
  public MemorySegment compressed(int k) {
    return file.asSlice(offset(k), compressedLength(k));
  }

  /** The chunk holding dataset row {@code row}. */
  public int chunkOf(long row) {
    if (row < 0 || row >= rowCount) {
      throw new IndexOutOfBoundsException("row " + row + " of " + rowCount);
    }
    if (fixedChunkRows > 0) {
      return (int) (row / fixedChunkRows);
    }
    int lo = 0;
    int hi = chunkCount - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (firstRow(mid) <= row) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private long entry(int k) {
    if (k < 0 || k >= chunkCount) {
      throw new IndexOutOfBoundsException(
          "chunk " + k + " of " + chunkCount + " in column '" + spec.name() + "'");
    }
    return (long) k * ENTRY_BYTES;
  }
}
