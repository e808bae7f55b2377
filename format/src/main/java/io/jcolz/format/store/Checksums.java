package io.jcolz.format.store;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli) over memory segments of any size. CRC32C is hardware-accelerated by the JDK
 * on x86-64 and AArch64.
 *
 * <p>Stateless and thread-safe.
 */
public final class Checksums {
  private static final long SLICE = 1L << 30;

  private Checksums() {}

  /** CRC32C of all bytes of {@code segment}. */
  public static int crc32c(MemorySegment segment) {
    CRC32C crc = new CRC32C();
    update(crc, segment);
    return (int) crc.getValue();
  }

  /** Adds {@code segment}'s bytes to {@code crc}, in slices a ByteBuffer can address. */
  public static void update(CRC32C crc, MemorySegment segment) {
    long size = segment.byteSize();
    for (long off = 0; off < size; off += SLICE) {
      ByteBuffer bb = segment.asSlice(off, Math.min(SLICE, size - off)).asByteBuffer();
      crc.update(bb);
    }
  }

  /** CRC32C of {@code len} bytes of a heap array. */
  public static int crc32c(byte[] bytes, int off, int len) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, off, len);
    return (int) crc.getValue();
  }
}
