package io.jcolz.format.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Damage that a checksum must catch: bits flipped in place in a file, nothing fixed up (compare
 * {@link ChunkPatch}, which fixes the checksums). Stateless and thread-safe.
 */
public final class Damage {
  private Damage() {}

  /**
   * XORs the byte at {@code offset} of {@code file} with {@code mask}, in place.
   *
   * @throws IOException if the file cannot be read or written there
   */
  public static void xorByte(Path file, long offset, int mask) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      if (ch.read(one, offset) != 1) {
        throw new IOException(file + ": no byte at offset " + offset);
      }
      one.put(0, (byte) (one.get(0) ^ mask));
      ch.write(one.flip(), offset);
    }
  }
}
