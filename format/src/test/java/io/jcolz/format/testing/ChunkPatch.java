package io.jcolz.format.testing;

import io.jcolz.format.store.Checksums;
import io.jcolz.format.store.FileFormat;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Damage that every checksum still vouches for: rewrites bytes of a stored chunk and then fixes the
 * chunk's CRC32C, the index CRC32C and the footer CRC32C (FORMAT.md §4), so that only the structure
 * and row rules can catch it.
 */
public final class ChunkPatch {
  private ChunkPatch() {}

  /**
   * Sets the little-endian int32 at {@code payloadOffset} of chunk 0 of column file {@code file}
   * (stored with codec {@code none}, so stored bytes are the payload) and fixes the checksums.
   */
  public static void setInt(Path file, int payloadOffset, int value) throws IOException {
    byte[] b = Files.readAllBytes(file);
    MemorySegment s = MemorySegment.ofArray(b);
    long size = b.length;
    long footer = size - 40;
    long indexOffset = s.get(FileFormat.LE_LONG, footer);
    long chunkOffset = s.get(FileFormat.LE_LONG, indexOffset + 8);
    int stored = s.get(FileFormat.LE_INT, indexOffset + 16);
    s.set(FileFormat.LE_INT, chunkOffset + payloadOffset, value);
    s.set(FileFormat.LE_INT, indexOffset + 28, Checksums.crc32c(s.asSlice(chunkOffset, stored)));
    long chunks = s.get(FileFormat.LE_LONG, footer + 8);
    s.set(FileFormat.LE_INT, footer + 24, Checksums.crc32c(s.asSlice(indexOffset, 32 * chunks)));
    fixFooter(b);
    Files.write(file, b);
  }

  /** Sets a column file's header Version and fixes its footer CRC32C. */
  public static void setColumnVersion(Path file, int version) throws IOException {
    byte[] b = Files.readAllBytes(file);
    MemorySegment.ofArray(b).set(FileFormat.LE_INT, 12, version);
    fixFooter(b);
    Files.write(file, b);
  }

  /** FooterCrc32c = CRC32C of the 32 header bytes and the first 36 footer bytes. */
  private static void fixFooter(byte[] b) {
    byte[] hf = new byte[68];
    System.arraycopy(b, 0, hf, 0, 32);
    System.arraycopy(b, b.length - 40, hf, 32, 36);
    MemorySegment.ofArray(b)
        .set(FileFormat.LE_INT, b.length - 4, Checksums.crc32c(MemorySegment.ofArray(hf)));
  }
}
