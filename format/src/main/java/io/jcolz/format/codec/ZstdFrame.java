package io.jcolz.format.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The one shape of Zstd frame a jcolz chunk may hold (FORMAT.md §4.2): exactly one Zstandard frame
 * (RFC 8878, magic {@code 28 B5 2F FD}) that fills the chunk's stored bytes, whose header records
 * the content size, equal to the chunk's decompressed length, with no dictionary id and no content
 * checksum (the chunk's CRC32C covers the frame). Skippable frames, a second frame or trailing
 * bytes are refused.
 *
 * <p>The check reads the frame header and walks the 3-byte block headers (a few reads per 128 KiB
 * block); it decompresses nothing, so it runs before every decompression.
 *
 * <p>Stateless and thread-safe.
 */
public final class ZstdFrame {
  /** The Zstandard frame magic number, {@code 0xFD2FB528} (bytes {@code 28 B5 2F FD}). */
  public static final int MAGIC = 0xFD2FB528;

  private static final ValueLayout.OfInt LE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

  private ZstdFrame() {}

  /**
   * What is wrong with {@code frame} as a chunk's stored bytes that must decompress to {@code
   * decompressedLength} bytes, or null when it is the one allowed shape.
   */
  public static String problem(MemorySegment frame, long decompressedLength) {
    long size = frame.byteSize();
    if (size < 6) {
      return "stored bytes (" + size + ") are too short for a Zstd frame";
    }
    int magic = frame.get(LE_INT, 0);
    if (magic != MAGIC) {
      return (magic & 0xFFFFFFF0) == 0x184D2A50
          ? "stored bytes start with a skippable Zstd frame; one Zstd frame expected"
          : String.format("stored bytes do not start with the Zstd frame magic (0x%08x)", magic);
    }
    int fhd = u8(frame, 4);
    int fcsFlag = fhd >>> 6;
    boolean singleSegment = (fhd & 0x20) != 0;
    boolean checksum = (fhd & 0x04) != 0;
    int dictFlag = fhd & 0x03;
    if ((fhd & 0x08) != 0) {
      return "Zstd frame header sets the reserved bit";
    }
    if (checksum) {
      return "Zstd frame carries a content checksum; jcolz frames have none (the chunk's CRC32C"
          + " covers the frame)";
    }
    if (dictFlag != 0) {
      return "Zstd frame names a dictionary; jcolz frames use none";
    }
    if (fcsFlag == 0 && !singleSegment) {
      return "Zstd frame header does not record the content size";
    }
    long pos = 5 + (singleSegment ? 0 : 1);
    int fcsBytes = fcsFlag == 0 ? 1 : 1 << fcsFlag;
    if (pos + fcsBytes > size) {
      return "Zstd frame header runs past the stored bytes";
    }
    long contentSize = 0;
    for (int i = fcsBytes - 1; i >= 0; i--) {
      contentSize = contentSize << 8 | u8(frame, pos + i);
    }
    if (fcsBytes == 2) {
      contentSize += 256;
    }
    if (contentSize != decompressedLength) {
      return "Zstd frame records a content size of "
          + Long.toUnsignedString(contentSize)
          + " bytes, the index says "
          + decompressedLength;
    }
    pos += fcsBytes;
    while (true) {
      if (pos + 3 > size) {
        return "Zstd frame ends inside a block header at byte " + pos + " of " + size;
      }
      int bh = u8(frame, pos) | u8(frame, pos + 1) << 8 | u8(frame, pos + 2) << 16;
      boolean last = (bh & 1) != 0;
      int type = (bh >>> 1) & 3;
      long blockSize = bh >>> 3;
      if (type == 3) {
        return "Zstd frame holds a block of the reserved type at byte " + pos;
      }
      pos += 3 + (type == 1 ? 1 : blockSize); // RLE blocks store one byte
      if (pos > size) {
        return "Zstd frame's blocks run past the stored bytes (" + size + ")";
      }
      if (last) {
        break;
      }
    }
    if (pos != size) {
      return "stored bytes continue for "
          + (size - pos)
          + " bytes after the Zstd frame ends (a second frame or trailing bytes); one frame"
          + " expected";
    }
    return null;
  }

  private static int u8(MemorySegment s, long at) {
    return s.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
  }
}
