package io.jcolz.image;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An {@code ImageInputStream} over bytes already in memory (a heap or off-heap segment): no cache
 * file, no cache copy, seekable both ways. Not thread-safe.
 */
final class SegmentImageInputStream extends ImageInputStreamImpl {
  private final MemorySegment data;
  private final long length;

  SegmentImageInputStream(MemorySegment data) {
    this.data = Objects.requireNonNull(data, "data");
    this.length = data.byteSize();
  }

  @Override
  public int read() {
    bitOffset = 0;
    if (streamPos >= length) {
      return -1;
    }
    return data.get(ValueLayout.JAVA_BYTE, streamPos++) & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    bitOffset = 0;
    if (streamPos >= length) {
      return -1;
    }
    int n = (int) Math.min(len, length - streamPos);
    MemorySegment.copy(data, ValueLayout.JAVA_BYTE, streamPos, b, off, n);
    streamPos += n;
    return n;
  }

  @Override
  public long length() {
    return length;
  }
}
