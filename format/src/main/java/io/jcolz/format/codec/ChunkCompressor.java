package io.jcolz.format.codec;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.util.Arrays;

/**
 * Compresses chunk payloads with one codec and level, reusing one Zstd context and one output
 * buffer across calls (zstd-jni: "one such context is required for each thread").
 *
 * <p>Not thread-safe: use one per thread, and {@link #close()} it to free the native context.
 */
public final class ChunkCompressor implements AutoCloseable {
  private final Codec codec;
  private final ZstdCompressCtx ctx;
  private byte[] out = new byte[0];

  /** A compressor for {@code codec} at {@code level} (ignored for NONE). */
  public ChunkCompressor(Codec codec, int level) {
    this.codec = codec;
    if (codec == Codec.ZSTD) {
      ctx = new ZstdCompressCtx();
      ctx.setLevel(level);
      ctx.setChecksum(false); // every chunk carries a CRC32C of its compressed bytes instead
      ctx.setContentSize(true);
    } else {
      ctx = null;
    }
  }

  /** The codec. */
  public Codec codec() {
    return codec;
  }

  /**
   * Compresses {@code src[0, len)}. The result is {@code buffer()[0, returned)}, valid until the
   * next call. For NONE the input array itself is returned through {@link #buffer()}.
   */
  public int compress(byte[] src, int len) {
    if (codec == Codec.NONE) {
      out = src;
      return len;
    }
    int bound = (int) Math.min(Integer.MAX_VALUE - 16, Zstd.compressBound(len));
    if (out.length < bound) {
      out = new byte[bound];
    }
    return ctx.compressByteArray(out, 0, out.length, src, 0, len);
  }

  /** The output of the last {@link #compress} call. */
  public byte[] buffer() {
    return out;
  }

  /** Drops a large output buffer so an idle pooled compressor does not pin memory. */
  public void trim() {
    if (out.length > (16 << 20)) {
      out = Arrays.copyOf(out, 0);
    }
  }

  @Override
  public void close() {
    if (ctx != null) {
      ctx.close();
    }
  }
}
