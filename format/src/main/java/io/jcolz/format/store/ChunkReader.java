package io.jcolz.format.store;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Gets the compressed bytes of one chunk of a {@link ColumnFile} in one {@link ReadMode}: in place
 * in the mapping ({@link ReadMode#MAP}, {@link ReadMode#POPULATE}) or copied by the kernel into a
 * pooled off-heap buffer ({@link ReadMode#PREAD}, {@link ReadMode#DIRECT}). Nothing is copied onto
 * the Java heap; the caller checks the CRC32C of the returned bytes.
 *
 * <p>Not thread-safe: one reader per thread (each holds its buffer and its open file channels). The
 * segment {@link #read} returns is valid until the next call or {@link #close()}; for the mapped
 * modes, only while the column file stays mapped.
 */
public final class ChunkReader implements AutoCloseable {
  private static final long PAGE = 4096;

  private final ReadMode mode;
  private final Map<Path, FileChannel> channels = new HashMap<>();
  private final Map<Path, Long> blockSizes = new HashMap<>();
  private Arena arena;
  private MemorySegment buffer;

  /**
   * @param mode how chunks are read
   */
  public ChunkReader(ReadMode mode) {
    this.mode = mode;
  }

  /**
   * The mode this reader reads in.
   *
   * @return the mode
   */
  public ReadMode mode() {
    return mode;
  }

  /**
   * True when {@link #read} returns a slice of the file's mapping (not a private copy).
   *
   * @return whether the bytes are read in place
   */
  public boolean mapped() {
    return mode == ReadMode.MAP || mode == ReadMode.POPULATE;
  }

  /**
   * The compressed bytes of chunk {@code k} of {@code file}.
   *
   * @param file the column file
   * @param k the chunk, in the file's numbering
   * @return exactly {@code file.compressedLength(k)} bytes, off-heap
   * @throws IOException if the file cannot be opened or read, or ends before the chunk does
   */
  public MemorySegment read(ColumnFile file, int k) throws IOException {
    long offset = file.offset(k);
    int length = file.compressedLength(k);
    switch (mode) {
      case MAP -> {
        return file.compressed(k);
      }
      case POPULATE -> {
        MemorySegment src = file.compressed(k);
        MappedPages.populate(src);
        return src;
      }
      case PREAD -> {
        MemorySegment dst = buffer(length, PAGE);
        readFully(channel(file.path()), dst, offset, file.path());
        return dst;
      }
      case DIRECT -> {
        long block = blockSize(file.path());
        long start = offset & -block;
        long end = (offset + length + block - 1) & -block;
        MemorySegment dst = buffer(end - start, block);
        long got = readUpTo(channel(file.path()), dst.asSlice(0, end - start), start, block);
        if (got < offset + length - start) {
          throw new IOException(
              file.path() + ": chunk " + k + " at offset " + offset + " ends past the file's end");
        }
        return dst.asSlice(offset - start, length);
      }
      default -> throw new AssertionError(mode);
    }
  }

  private MemorySegment buffer(long bytes, long alignment) {
    if (buffer == null || buffer.byteSize() < bytes || buffer.address() % alignment != 0) {
      if (arena != null) {
        arena.close();
      }
      long cap = Math.max(bytes, buffer == null ? 0 : buffer.byteSize() * 2);
      cap = (cap + PAGE - 1) & -PAGE;
      arena = Arena.ofShared();
      buffer = arena.allocate(cap, Math.max(alignment, PAGE));
    }
    return buffer.asSlice(0, bytes);
  }

  private FileChannel channel(Path path) throws IOException {
    FileChannel ch = channels.get(path);
    if (ch == null) {
      OpenOption[] options =
          mode == ReadMode.DIRECT
              ? new OpenOption[] {
                StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT
              }
              : new OpenOption[] {StandardOpenOption.READ};
      try {
        ch = FileChannel.open(path, options);
      } catch (IOException | UnsupportedOperationException e) {
        throw new IOException(
            path + ": cannot open for " + mode.label() + " reads: " + e.getMessage(), e);
      }
      channels.put(path, ch);
    }
    return ch;
  }

  private long blockSize(Path path) throws IOException {
    Long b = blockSizes.get(path);
    if (b == null) {
      long size = Files.getFileStore(path).getBlockSize();
      b = Math.max(PAGE, Long.highestOneBit(Math.max(1, size)));
      blockSizes.put(path, b);
    }
    return b;
  }

  private static void readFully(FileChannel ch, MemorySegment dst, long position, Path path)
      throws IOException {
    if (readUpTo(ch, dst, position, 1) < dst.byteSize()) {
      throw new IOException(
          path
              + ": "
              + dst.byteSize()
              + " bytes at offset "
              + position
              + " end past the file's end");
    }
  }

  /**
   * Reads into {@code dst} from {@code position} until it is full or the file ends; a read that
   * stops off a multiple of {@code block} is the file's end (O_DIRECT can only go on from a block
   * boundary).
   */
  private static long readUpTo(FileChannel ch, MemorySegment dst, long position, long block)
      throws IOException {
    ByteBuffer bb = dst.asByteBuffer();
    long done = 0;
    while (bb.hasRemaining()) {
      int n = ch.read(bb, position + done);
      if (n < 0) {
        break;
      }
      done += n;
      if (done % block != 0) {
        break;
      }
    }
    return done;
  }

  /** Closes the open channels and frees the buffer. */
  @Override
  public void close() {
    for (FileChannel ch : channels.values()) {
      try {
        ch.close();
      } catch (IOException e) {
        // read-only: nothing was left to flush
      }
    }
    channels.clear();
    if (arena != null) {
      arena.close();
      arena = null;
      buffer = null;
    }
  }
}
