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
    return switch (mode) {
      case MAP, POPULATE -> {
        MemorySegment src = file.compressed(k);
        if (mode == ReadMode.POPULATE) {
          MappedPages.populate(src);
        }
        yield src;
      }
      case PREAD, DIRECT -> readInto(file, k, buffer(spanBytes(file, k), alignmentOf(file)));
    };
  }

  /**
   * Reads the compressed bytes of chunk {@code k} of {@code file} into {@code buffer}, for a reader
   * of mode {@link ReadMode#PREAD} or {@link ReadMode#DIRECT} (a caller's pooled buffer: reads
   * ahead). The buffer must hold the chunk (for DIRECT, the block-aligned span around it) and start
   * at a multiple of the alignment; {@link #bufferBytes} and {@link #alignment(ColumnFile,
   * ReadMode)} of the column's files give a buffer that fits every chunk.
   *
   * @return the chunk's {@code file.compressedLength(k)} bytes, a slice of {@code buffer}
   * @throws IOException the file cannot be opened or read, or ends before the chunk does
   * @throws IllegalArgumentException the buffer is too small or misaligned, or the mode maps
   */
  public MemorySegment readInto(ColumnFile file, int k, MemorySegment buffer) throws IOException {
    long offset = file.offset(k);
    int length = file.compressedLength(k);
    long span = spanBytes(file, k);
    long align = alignmentOf(file);
    if (mapped() || buffer.byteSize() < span || buffer.address() % align != 0) {
      throw new IllegalArgumentException(
          mode.label()
              + " read of "
              + span
              + " bytes into a buffer of "
              + buffer.byteSize()
              + " at 0x"
              + Long.toHexString(buffer.address())
              + " (alignment "
              + align
              + ")");
    }
    if (mode == ReadMode.PREAD) {
      MemorySegment dst = buffer.asSlice(0, length);
      readFully(channel(file.path()), dst, offset, file.path());
      return dst;
    }
    long start = offset & -align;
    long got = readUpTo(channel(file.path()), buffer.asSlice(0, span), start, align);
    if (got < offset + length - start) {
      throw new IOException(
          file.path() + ": chunk " + k + " at offset " + offset + " ends past the file's end");
    }
    return buffer.asSlice(offset - start, length);
  }

  /**
   * Advises the kernel that chunk {@code k} of {@code file} will be read soon, for a reader of a
   * mapped mode (reads ahead): {@link ReadMode#MAP} asks for the pages with {@code MADV_WILLNEED}
   * (the kernel reads them into the page cache in the background), {@link ReadMode#POPULATE}
   * prefaults them ({@link MappedPages#populate}, which returns once they are read). The caller
   * holds the mapping open for the call. A no-op in the other modes.
   */
  public void advise(ColumnFile file, int k) {
    if (mode == ReadMode.MAP) {
      MappedPages.willNeed(file.compressed(k));
    } else if (mode == ReadMode.POPULATE) {
      MappedPages.populate(file.compressed(k));
    }
  }

  /** Bytes of buffer a read of chunk {@code k} needs (the block-aligned span for DIRECT). */
  private long spanBytes(ColumnFile file, int k) throws IOException {
    long offset = file.offset(k);
    int length = file.compressedLength(k);
    if (mode != ReadMode.DIRECT) {
      return length;
    }
    long block = blockSize(file.path());
    return ((offset + length + block - 1) & -block) - (offset & -block);
  }

  /** The alignment a read buffer for {@code file} needs: its block for DIRECT, else a page. */
  private long alignmentOf(ColumnFile file) throws IOException {
    return mode == ReadMode.DIRECT ? blockSize(file.path()) : PAGE;
  }

  /**
   * Bytes of one read buffer that fits every chunk of {@code file} in {@code mode}, in whole pages:
   * the largest compressed chunk for {@link ReadMode#PREAD}, plus one block at each end for {@link
   * ReadMode#DIRECT}; 0 for the mapped modes, which read in place.
   *
   * @throws IOException the file's block size cannot be read (DIRECT)
   */
  public static long bufferBytes(ColumnFile file, ReadMode mode) throws IOException {
    long max = file.maxCompressedLength();
    return switch (mode) {
      case MAP, POPULATE -> 0;
      case PREAD -> roundUp(Math.max(1, max), PAGE);
      case DIRECT -> {
        long block = fileBlockSize(file.path());
        yield roundUp(roundUp(max, block) + block, PAGE);
      }
    };
  }

  /**
   * The alignment of a read buffer for {@code file} in {@code mode}: the file system's block for
   * {@link ReadMode#DIRECT} (a power of two, at least a page), else a page.
   *
   * @throws IOException the file's block size cannot be read (DIRECT)
   */
  public static long alignment(ColumnFile file, ReadMode mode) throws IOException {
    return mode == ReadMode.DIRECT ? fileBlockSize(file.path()) : PAGE;
  }

  private static long roundUp(long n, long to) {
    return (n + to - 1) / to * to;
  }

  /** This reader's buffer of at least {@code bytes}, in whole pages; not grown beyond the need. */
  private MemorySegment buffer(long bytes, long alignment) {
    if (buffer == null || buffer.byteSize() < bytes || buffer.address() % alignment != 0) {
      if (arena != null) {
        arena.close();
      }
      arena = Arena.ofShared();
      buffer = arena.allocate(roundUp(bytes, PAGE), Math.max(alignment, PAGE));
    }
    return buffer;
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
      b = fileBlockSize(path);
      blockSizes.put(path, b);
    }
    return b;
  }

  private static long fileBlockSize(Path path) throws IOException {
    long size = Files.getFileStore(path).getBlockSize();
    return Math.max(PAGE, Long.highestOneBit(Math.max(1, size)));
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
