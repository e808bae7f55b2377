package io.jcolz.format.codec;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Decompresses chunk payloads from off-heap memory (a memory-mapped file) into off-heap memory,
 * with one reused Zstd context; no compressed byte is copied onto the Java heap.
 *
 * <p>Not thread-safe: use one per thread, and {@link #close()} it to free the native context.
 */
public final class ChunkDecompressor implements AutoCloseable {
  private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();

  /**
   * Decompresses {@code src} (one chunk, at most 2 GiB) into {@code dst}, which must be exactly the
   * decompressed size, and returns the number of bytes written.
   *
   * @throws ZstdException when the input is not a valid frame or does not fit {@code dst}
   */
  public int decompress(Codec codec, MemorySegment src, MemorySegment dst) {
    if (codec == Codec.NONE) {
      if (src.byteSize() != dst.byteSize()) {
        return (int) Math.min(src.byteSize(), Integer.MAX_VALUE);
      }
      MemorySegment.copy(src, 0, dst, 0, src.byteSize());
      return (int) src.byteSize();
    }
    ByteBuffer in = src.asByteBuffer();
    ByteBuffer out = dst.asByteBuffer();
    return ctx.decompressDirectByteBuffer(out, 0, out.capacity(), in, 0, in.capacity());
  }

  @Override
  public void close() {
    ctx.close();
  }
}
