package io.jcolz.format;

import com.github.luben.zstd.ZstdException;
import io.jcolz.format.codec.ChunkDecompressor;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.codec.ZstdFrame;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.store.Checksums;
import io.jcolz.format.store.ChunkReader;
import io.jcolz.format.store.ColumnFile;
import io.jcolz.format.store.MappedPages;
import io.jcolz.format.store.ReadMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Turns a column's chunk into a {@link ChunkView}: checks the chunk's CRC32C (unless the dataset
 * was opened without), decompresses it from the mapped file straight into off-heap memory with a
 * reused Zstd context (after checking that the stored bytes are the one Zstd frame shape the format
 * allows, {@link ZstdFrame}), and checks the payload's structure. Every failure is a {@link
 * CorruptDatasetException} naming the file, column, chunk and offset.
 *
 * <p>Not thread-safe: one decoder per thread (each holds a native Zstd context and a scratch
 * buffer). Close it to free both.
 */
public final class ChunkDecoder implements AutoCloseable {
  private final ChunkDecompressor zstd = new ChunkDecompressor();
  private final boolean verifyChecksums;
  private final Dataset owner;
  private Arena scratchArena;
  private MemorySegment scratch;
  private boolean releasePages;
  private ChunkReader reader = new ChunkReader(ReadMode.MAP);
  private long readNanos;

  /**
   * @param owner the dataset whose mappings are read; native code (zstd, CRC32C) reads them only
   *     while holding the dataset's read guard, so closing the dataset cannot unmap memory under it
   *     (null when the caller owns the mapping and the decoder's whole lifetime)
   */
  ChunkDecoder(boolean verifyChecksums, Dataset owner) {
    this.verifyChecksums = verifyChecksums;
    this.owner = owner;
  }

  /**
   * Streaming mode: after {@link #decodeInto} has decompressed a chunk, drop the chunk's compressed
   * pages from the process's resident set ({@link MappedPages}; they stay in the page cache). For
   * readers that visit each chunk about once per pass, such as the loader's workers, so that
   * streaming a dataset larger than memory does not grow the process's RSS with file pages. Off by
   * default; chunks stored with codec NONE are read in place and never released.
   *
   * @return this decoder
   */
  public ChunkDecoder releaseMappedPages(boolean release) {
    this.releasePages = release;
    return this;
  }

  /**
   * How compressed chunks are read off the disk ({@link ReadMode}; {@link ReadMode#MAP} by
   * default). Every mode checks the CRC32C of the bytes it read, and none copies them onto the
   * heap; with {@link ReadMode#PREAD} and {@link ReadMode#DIRECT}, a chunk stored with codec NONE
   * is returned from the decoder's read buffer (valid until the next call), not in place.
   *
   * @param mode the read mode
   * @return this decoder
   */
  public ChunkDecoder readMode(ReadMode mode) {
    if (mode != reader.mode()) {
      reader.close();
      reader = new ChunkReader(mode);
    }
    return this;
  }

  /**
   * The read mode ({@link #readMode(ReadMode)}).
   *
   * @return the mode
   */
  public ReadMode readMode() {
    return reader.mode();
  }

  /**
   * Decodes chunk {@code k} of {@code column} (the column's chunk numbering, over every part of the
   * dataset) into this decoder's scratch buffer (grown as needed). The view's rows are dataset
   * rows. The view is valid until the next call on this decoder or its close. Chunks stored with
   * codec NONE are returned in place, without a copy.
   */
  public ChunkView decode(Column column, int k) throws CorruptDatasetException {
    int p = column.partOfChunk(k);
    return decode(column.files().get(p), column.chunkInFile(k), column.partFirstRow(p));
  }

  /**
   * Decodes chunk {@code k} of {@code column} into {@code dst}, whose size must be at least {@link
   * Column#decompressedLength(int)}; the view covers exactly that prefix, its rows are dataset
   * rows, and it lives as long as {@code dst}.
   */
  public ChunkView decodeInto(Column column, int k, MemorySegment dst)
      throws CorruptDatasetException {
    int p = column.partOfChunk(k);
    return decodeInto(
        column.files().get(p), column.chunkInFile(k), column.partFirstRow(p), dst, null);
  }

  /**
   * Reads chunk {@code k} of {@code column} ahead of its decode, in this decoder's {@link
   * #readMode}: with {@link ReadMode#PREAD} and {@link ReadMode#DIRECT}, its compressed bytes into
   * {@code buffer} (off-heap, at least {@link ChunkReader#bufferBytes} of the chunk's file and
   * aligned to {@link ChunkReader#alignment(ColumnFile, ReadMode)}), returned for {@link
   * #decodeInto(Column, int, MemorySegment, MemorySegment)}; with {@link ReadMode#MAP} and {@link
   * ReadMode#POPULATE}, the kernel is told to read its pages ({@link ChunkReader#advise}) and null
   * is returned. Nothing is checked yet: the decode checks the CRC32C of the bytes it is given.
   *
   * @param buffer where the bytes go (ignored by the mapped modes; may be null there)
   * @return the chunk's compressed bytes in {@code buffer}, or null for the mapped modes
   * @throws CorruptDatasetException the read failed (naming file, column, chunk and offset)
   */
  public MemorySegment prefetch(Column column, int k, MemorySegment buffer)
      throws CorruptDatasetException {
    ColumnFile file = column.files().get(column.partOfChunk(k));
    int kf = column.chunkInFile(k);
    enter();
    try {
      if (reader.mapped()) {
        reader.advise(file, kf);
        return null;
      }
      return reader.readInto(file, kf, buffer);
    } catch (IOException e) {
      throw readFailed(file, kf, e);
    } finally {
      exit();
    }
  }

  /**
   * Decodes chunk {@code k} of {@code column} into {@code dst} as {@link #decodeInto(Column, int,
   * MemorySegment)}, from the compressed bytes {@link #prefetch} read ahead (null: read them now).
   * The CRC32C of those bytes is checked as for any read.
   *
   * @throws IllegalArgumentException {@code prefetched} is not the chunk's length
   */
  public ChunkView decodeInto(Column column, int k, MemorySegment prefetched, MemorySegment dst)
      throws CorruptDatasetException {
    int p = column.partOfChunk(k);
    if (prefetched != null && prefetched.byteSize() != column.compressedLength(k)) {
      throw new IllegalArgumentException(
          prefetched.byteSize()
              + " bytes read ahead for chunk "
              + k
              + " of column '"
              + column.name()
              + "', which has "
              + column.compressedLength(k));
    }
    return decodeInto(
        column.files().get(p), column.chunkInFile(k), column.partFirstRow(p), dst, prefetched);
  }

  /**
   * Nanoseconds this decoder spent getting compressed bytes off the disk for its decodes: explicit
   * reads (pread, direct) and prefaulting (populate). Map-mode page faults happen inside the
   * decompression and are not counted; nor are reads {@link #prefetch} did ahead.
   *
   * @return the total since the decoder was made
   */
  public long readNanos() {
    return readNanos;
  }

  /**
   * Decodes chunk {@code k} of one column file, as {@link #decode(Column, int)}; the view's rows
   * are rows of that file (its dataset's rows, for a single dataset).
   */
  public ChunkView decode(ColumnFile file, int k) throws CorruptDatasetException {
    return decode(file, k, 0);
  }

  /**
   * Decodes chunk {@code k} of one column file into {@code dst}, as {@link #decode(ColumnFile,
   * int)}.
   */
  public ChunkView decodeInto(ColumnFile file, int k, MemorySegment dst)
      throws CorruptDatasetException {
    return decodeInto(file, k, 0, dst, null);
  }

  private ChunkView decode(ColumnFile column, int k, long rowBase) throws CorruptDatasetException {
    if (column.spec().codec() == Codec.NONE) {
      MemorySegment src = guardedCheck(column, k);
      return ChunkView.wrap(
          column.spec(),
          column.path(),
          k,
          column.offset(k),
          rowBase + column.firstRow(k),
          column.rowCount(k),
          src);
    }
    int len = column.decompressedLength(k);
    if (scratch == null || scratch.byteSize() < len) {
      if (scratchArena != null) {
        scratchArena.close();
      }
      scratchArena = Arena.ofShared();
      long cap =
          Math.max(
              len,
              scratch == null
                  ? 0
                  : Math.min(
                      2 * scratch.byteSize(), io.jcolz.format.schema.ColumnSpec.MAX_CHUNK_BYTES));
      scratch = scratchArena.allocate(Math.max(cap, 64), 64);
    }
    return decodeInto(column, k, rowBase, scratch.asSlice(0, len), null);
  }

  private ChunkView decodeInto(
      ColumnFile column, int k, long rowBase, MemorySegment dst, MemorySegment prefetched)
      throws CorruptDatasetException {
    int len = column.decompressedLength(k);
    if (dst.byteSize() < len) {
      throw new IllegalArgumentException(
          "destination of " + dst.byteSize() + " bytes for a chunk of " + len);
    }
    MemorySegment out = dst.asSlice(0, len);
    int n;
    enter();
    try {
      MemorySegment src = checked(column, k, prefetched);
      if (column.spec().codec() == Codec.ZSTD) {
        String bad = ZstdFrame.problem(src, len);
        if (bad != null) {
          throw CorruptDatasetException.atChunk(
              column.path(), column.name(), k, column.offset(k), bad, null);
        }
      }
      n = zstd.decompress(column.spec().codec(), src, out);
      if (releasePages && reader.mapped()) {
        MappedPages.release(src); // under the read guard: the mapping cannot go away meanwhile
      }
    } catch (ZstdException e) {
      throw CorruptDatasetException.atChunk(
          column.path(),
          column.name(),
          k,
          column.offset(k),
          "cannot decompress " + column.compressedLength(k) + " bytes: " + e.getMessage(),
          e);
    } finally {
      exit();
    }
    if (n != len) {
      throw CorruptDatasetException.atChunk(
          column.path(),
          column.name(),
          k,
          column.offset(k),
          "decompressed to " + n + " bytes, the index says " + len,
          null);
    }
    return ChunkView.wrap(
        column.spec(),
        column.path(),
        k,
        column.offset(k),
        rowBase + column.firstRow(k),
        column.rowCount(k),
        out);
  }

  private void enter() {
    if (owner != null) {
      owner.enterRead();
    }
  }

  private void exit() {
    if (owner != null) {
      owner.exitRead();
    }
  }

  private MemorySegment guardedCheck(ColumnFile column, int k) throws CorruptDatasetException {
    enter();
    try {
      return checked(column, k, null);
    } finally {
      exit();
    }
  }

  private MemorySegment checked(ColumnFile column, int k, MemorySegment prefetched)
      throws CorruptDatasetException {
    MemorySegment src = prefetched;
    if (src == null) {
      long t0 = System.nanoTime();
      try {
        src = reader.read(column, k);
      } catch (CorruptDatasetException e) {
        throw e;
      } catch (IOException e) {
        throw readFailed(column, k, e);
      } finally {
        readNanos += System.nanoTime() - t0;
      }
    }
    if (verifyChecksums) {
      int crc = Checksums.crc32c(src);
      if (crc != column.crc32c(k)) {
        throw CorruptDatasetException.atChunk(
            column.path(),
            column.name(),
            k,
            column.offset(k),
            "checksum mismatch over "
                + src.byteSize()
                + " bytes: stored 0x"
                + Integer.toHexString(column.crc32c(k))
                + ", computed 0x"
                + Integer.toHexString(crc),
            null);
      }
    }
    return src;
  }

  private CorruptDatasetException readFailed(ColumnFile column, int k, IOException e) {
    return CorruptDatasetException.atChunk(
        column.path(),
        column.name(),
        k,
        column.offset(k),
        reader.mode().label() + " read failed: " + e.getMessage(),
        e);
  }

  @Override
  public void close() {
    zstd.close();
    reader.close();
    if (scratchArena != null) {
      scratchArena.close();
      scratchArena = null;
      scratch = null;
    }
  }
}
