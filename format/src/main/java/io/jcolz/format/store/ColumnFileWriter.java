package io.jcolz.format.store;

import static io.jcolz.format.store.FileFormat.HEADER_BYTES;
import static io.jcolz.format.store.FileFormat.LE_INT;
import static io.jcolz.format.store.FileFormat.LE_LONG;

import io.jcolz.format.schema.ColumnSpec;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Writes one column file (layout in {@link ColumnFile}): the header on creation, chunks as they are
 * finished — from any thread, in any row order, each at a position reserved under a short lock and
 * then written without it — and the sorted chunk index and footer on {@link #finish}.
 *
 * <h2>Early write-back</h2>
 *
 * Every 64 MiB of chunks, a virtual thread ({@code jcolz-flush}, one at a time per file, gone when
 * its flush returns) calls {@code force(false)} on the file, so the kernel writes the column out
 * while packing goes on instead of all at once in {@link #finish}'s {@code force(true)} (a pack's
 * commit waited ≈ 150 ms for a 300 MB part; BENCHMARKS.md, "Packing"). It only starts the
 * write-back early: {@link #finish} still forces the whole file before it returns, waits for a
 * flush in flight first, and throws if any early flush failed — after a failed fsync Linux may
 * report the next one as a success although the pages were dropped, so such a failure must not be
 * forgotten.
 *
 * <p>Thread-safe.
 */
public final class ColumnFileWriter implements Closeable {
  private final Path path;
  private final ColumnSpec spec;
  private final UUID datasetId;
  private final FileChannel channel;
  private final List<long[]> entries = new ArrayList<>();
  private long end = HEADER_BYTES;
  private long uncompressed;
  private final long flushBytes;
  private long unflushed; // guarded by this
  private Thread flush; // guarded by this: the early flush (a virtual thread), or null
  private volatile IOException flushFailure;

  /** Bytes of chunks between two early flushes. */
  static final long FLUSH_BYTES = 64L << 20;

  /** Creates the file (which must not exist) and writes its header. */
  public ColumnFileWriter(Path path, ColumnSpec spec, UUID datasetId) throws IOException {
    this(path, spec, datasetId, FLUSH_BYTES);
  }

  /** With another early-flush interval (tests). */
  ColumnFileWriter(Path path, ColumnSpec spec, UUID datasetId, long flushBytes) throws IOException {
    this.flushBytes = flushBytes;
    this.path = path;
    this.spec = spec;
    this.datasetId = datasetId;
    this.channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    writeFully(ByteBuffer.wrap(header()), 0);
  }

  private byte[] header() {
    byte[] h = new byte[HEADER_BYTES];
    FileFormat.Kind kind = FileFormat.Kind.COLUMN;
    FileFormat.writeHeader(
        MemorySegment.ofArray(h),
        kind,
        Math.max(kind.version(), spec.type().sinceVersion()),
        datasetId);
    return h;
  }

  /** The file being written. */
  public Path path() {
    return path;
  }

  /**
   * Appends one compressed chunk.
   *
   * @param firstRow dataset row of the chunk's first row
   * @param rows rows in the chunk
   * @param decompressedLength payload size before compression
   * @param compressed {@code compressed[0, length)} is written
   */
  public void writeChunk(
      long firstRow, int rows, int decompressedLength, byte[] compressed, int length)
      throws IOException {
    CRC32C crc = new CRC32C();
    crc.update(compressed, 0, length);
    long pos;
    synchronized (this) {
      pos = end;
      end += length;
      uncompressed += decompressedLength;
      entries.add(
          new long[] {firstRow, pos, length, decompressedLength, rows, (int) crc.getValue()});
      unflushed += length;
      if (unflushed >= flushBytes && (flush == null || !flush.isAlive()) && channel.isOpen()) {
        unflushed = 0; // this chunk may miss this flush: finish() forces everything anyway
        flush = Thread.ofVirtual().name("jcolz-flush").start(this::flushEarly);
      }
    }
    writeFully(ByteBuffer.wrap(compressed, 0, length), pos);
  }

  private void flushEarly() {
    try {
      channel.force(false);
    } catch (ClosedChannelException closed) {
      // aborted (close) or finished: nothing to keep
    } catch (IOException e) {
      flushFailure = e;
    }
  }

  /**
   * Writes the chunk index and footer, forces the file to disk and closes it. Call after every
   * {@link #writeChunk} has returned.
   *
   * @return the file's size
   */
  public synchronized long finish(long rowCount) throws IOException {
    awaitFlush();
    entries.sort(Comparator.comparingLong(e -> e[0]));
    long expect = 0;
    for (long[] e : entries) {
      if (e[0] != expect) {
        throw new IllegalStateException(
            "column '" + spec.name() + "': chunks do not tile the rows at row " + expect);
      }
      expect += e[4];
    }
    if (expect != rowCount) {
      throw new IllegalStateException(
          "column '" + spec.name() + "': chunks hold " + expect + " of " + rowCount + " rows");
    }
    long indexOffset = end;
    int n = entries.size();
    MemorySegment tail =
        MemorySegment.ofArray(new byte[n * ColumnFile.ENTRY_BYTES + ColumnFile.FOOTER_BYTES]);
    for (int k = 0; k < n; k++) {
      long[] e = entries.get(k);
      long o = (long) k * ColumnFile.ENTRY_BYTES;
      tail.set(LE_LONG, o, e[0]);
      tail.set(LE_LONG, o + 8, e[1]);
      tail.set(LE_INT, o + 16, (int) e[2]);
      tail.set(LE_INT, o + 20, (int) e[3]);
      tail.set(LE_INT, o + 24, (int) e[4]);
      tail.set(LE_INT, o + 28, (int) e[5]);
    }
    long f = (long) n * ColumnFile.ENTRY_BYTES;
    tail.set(LE_LONG, f, indexOffset);
    tail.set(LE_LONG, f + 8, n);
    tail.set(LE_LONG, f + 16, rowCount);
    tail.set(LE_INT, f + 24, Checksums.crc32c(tail.asSlice(0, f)));
    tail.set(LE_INT, f + 28, 0);
    tail.set(LE_INT, f + 32, FileFormat.FOOTER_MAGIC);
    CRC32C crc = new CRC32C();
    crc.update(header());
    Checksums.update(crc, tail.asSlice(f, ColumnFile.FOOTER_BYTES - 4));
    tail.set(LE_INT, f + 36, (int) crc.getValue());
    writeFully(tail.asByteBuffer(), indexOffset);
    channel.force(true);
    long size = indexOffset + tail.byteSize();
    channel.close();
    return size;
  }

  /** Chunks written so far. */
  public synchronized int chunkCount() {
    return entries.size();
  }

  /** Compressed bytes written so far. */
  public synchronized long compressedBytes() {
    return end - HEADER_BYTES;
  }

  /** Decompressed bytes of the chunks written so far. */
  public synchronized long uncompressedBytes() {
    return uncompressed;
  }

  /** Waits for the early flush in flight, if any; throws if an early flush failed. */
  private void awaitFlush() throws IOException {
    if (flush != null) {
      try {
        flush.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(path + ": interrupted waiting for a flush");
      }
    }
    IOException failed = flushFailure;
    if (failed != null) {
      throw new IOException(path + ": writing to disk failed: " + failed.getMessage(), failed);
    }
  }

  private void writeFully(ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      pos += channel.write(buf, pos);
    }
  }

  /** Closes the file without finishing it (on abort). */
  @Override
  public void close() throws IOException {
    channel.close();
  }
}
