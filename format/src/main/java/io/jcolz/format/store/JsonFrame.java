package io.jcolz.format.store;

import static io.jcolz.format.store.FileFormat.HEADER_BYTES;
import static io.jcolz.format.store.FileFormat.LE_INT;
import static io.jcolz.format.store.FileFormat.LE_LONG;

import io.jcolz.format.CorruptDatasetException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The framing of the JSON files (manifest, collection manifest): the common header, UTF-8 JSON, and
 * a 16-byte footer.
 *
 * <pre>
 * JsonFile   --&gt; Header, Json, JsonFooter
 * JsonFooter --&gt; JsonLength:u64, FooterMagic:u32, Crc32c:u32   (the CRC32C covers every byte of
 *                the file before it)
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
final class JsonFrame {
  /** Bytes of the footer. */
  static final int FOOTER_BYTES = 16;

  /** Files larger than this are refused before reading (a damaged size cannot exhaust memory). */
  static final long MAX_BYTES = 256L << 20;

  /**
   * A file as read and checked.
   *
   * @param id the header's id
   * @param json the JSON bytes
   * @param bytes the file's size
   * @param crc32c the footer's CRC32C (which covers every byte before it)
   * @param version the header's Version
   */
  record Read(UUID id, byte[] json, long bytes, int crc32c, int version) {}

  private JsonFrame() {}

  /**
   * Writes a framed file at {@code path} (which must not exist), its header marked {@code version},
   * and forces it to disk.
   */
  static int write(Path path, FileFormat.Kind kind, int version, UUID id, byte[] json)
      throws IOException {
    MemorySegment buf = MemorySegment.ofArray(new byte[HEADER_BYTES + json.length + FOOTER_BYTES]);
    FileFormat.writeHeader(buf, kind, version, id);
    MemorySegment.copy(MemorySegment.ofArray(json), 0, buf, HEADER_BYTES, json.length);
    long f = HEADER_BYTES + json.length;
    buf.set(LE_LONG, f, json.length);
    buf.set(LE_INT, f + 8, FileFormat.FOOTER_MAGIC);
    int crc = Checksums.crc32c(buf.asSlice(0, f + 12));
    buf.set(LE_INT, f + 12, crc);
    try (FileChannel ch =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer bb = buf.asByteBuffer();
      while (bb.hasRemaining()) {
        ch.write(bb);
      }
      ch.force(true);
    }
    return crc;
  }

  /**
   * Reads {@code path} and checks its size limit, footer magic, checksum, header (magic, kind,
   * version) and JSON length.
   *
   * @param what the file's role in messages ("manifest", "collection manifest")
   * @param missing the message when the file does not exist
   */
  static Read read(Path path, FileFormat.Kind kind, String what, String missing)
      throws IOException {
    long size;
    try {
      size = Files.size(path);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(path.toString(), null, missing);
    }
    if (size > MAX_BYTES) {
      throw CorruptDatasetException.at(
          path, what + " is " + size + " bytes, over the " + MAX_BYTES + "-byte limit");
    }
    MemorySegment file = MemorySegment.ofArray(Files.readAllBytes(path));
    FileFormat.checkFooterMagic(file, path, FOOTER_BYTES);
    size = file.byteSize();
    int stored = file.get(LE_INT, size - 4);
    int actual = Checksums.crc32c(file.asSlice(0, size - 4));
    if (stored != actual) {
      throw CorruptDatasetException.at(
          path,
          what
              + " checksum mismatch: stored 0x"
              + Integer.toHexString(stored)
              + ", computed 0x"
              + Integer.toHexString(actual));
    }
    UUID id = FileFormat.readHeader(file, path, kind);
    long jsonLength = file.get(LE_LONG, size - FOOTER_BYTES);
    if (jsonLength != size - HEADER_BYTES - FOOTER_BYTES) {
      throw CorruptDatasetException.at(
          path,
          "footer says "
              + jsonLength
              + " bytes of JSON, the file holds "
              + (size - HEADER_BYTES - FOOTER_BYTES));
    }
    byte[] json = file.asSlice(HEADER_BYTES, jsonLength).toArray(ValueLayout.JAVA_BYTE);
    return new Read(id, json, size, stored, FileFormat.headerVersion(file));
  }
}
