package io.jcolz.format.store;

import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.FormatVersionException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;

/**
 * The framing shared by every file jcolz writes itself: a 32-byte header and a footer that ends in
 * a magic number and a CRC32C. All integers are little-endian. See FORMAT.md, "Header" and
 * "Footers".
 *
 * <pre>
 * Header (32 bytes) --&gt; Magic[8], Kind[4], Version:u32, DatasetId[16]
 *   Magic     = 89 4A 43 4F 4C 5A 0D 0A  ("\x89JCOLZ\r\n")
 *   Kind      = "MNFT" (manifest) | "COLM" (column file) | "CLCT" (collection manifest), 4 ASCII
 *               bytes
 *   Version   = the version that introduced the kind: 1 for MNFT and COLM, 2 for CLCT; or 3 where
 *               the file holds what version 3 added (partial labels, a float32_list column)
 *               (readers accept {@link Kind#version()} .. {@link #VERSION_CURRENT})
 *   DatasetId = the dataset's UUID, 16 bytes, most significant byte first
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class FileFormat {
  /** First format version (that of the oldest kinds, {@code MNFT} and {@code COLM}). */
  public static final int VERSION_START = 1;

  /**
   * Version this build writes. The versions a reader accepts are per kind: [{@link Kind#version()},
   * {@link #VERSION_CURRENT}], from the version that introduced the kind ({@link #VERSION_START}
   * for {@code MNFT} and {@code COLM}, 2 for {@code CLCT}); see {@link #readHeader}.
   */
  public static final int VERSION_CURRENT = 3;

  /** Header length in bytes. */
  public static final int HEADER_BYTES = 32;

  /** The 8 magic bytes that start every jcolz file. */
  public static final byte[] MAGIC = {(byte) 0x89, 'J', 'C', 'O', 'L', 'Z', '\r', '\n'};

  /** Footer magic: the bytes "JEND" read as a little-endian u32. */
  public static final int FOOTER_MAGIC = 'J' | 'E' << 8 | 'N' << 16 | 'D' << 24;

  /** Little-endian unaligned int32. */
  public static final ValueLayout.OfInt LE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Little-endian unaligned int64. */
  public static final ValueLayout.OfLong LE_LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Little-endian unaligned float32. */
  public static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** The kinds of framed files. */
  public enum Kind {
    /** manifest.jcm, version 1 */
    MANIFEST("MNFT", 1),
    /** columns/NAME.col, version 1 */
    COLUMN("COLM", 1),
    /** collection.jcm, version 2 */
    COLLECTION("CLCT", 2);

    final byte[] tag;
    final int version;

    Kind(String tag, int version) {
      this.tag = tag.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      this.version = version;
    }

    /** The 4 ASCII letters of this kind, as in the header. */
    public String tag() {
      return new String(tag, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * The version written in this kind's header (the format version that introduced it), and the
     * lowest a reader accepts for this kind.
     */
    public int version() {
      return version;
    }
  }

  private FileFormat() {}

  /**
   * Writes a header for {@code kind}, marked with the kind's own version, at offset 0 of {@code
   * dst}.
   */
  public static void writeHeader(MemorySegment dst, Kind kind, UUID datasetId) {
    writeHeader(dst, kind, kind.version, datasetId);
  }

  /**
   * Writes a header for {@code kind} marked {@code version} (from the kind's own version to {@link
   * #VERSION_CURRENT}: a file holding what a later version added carries that version, so that
   * older readers refuse it) at offset 0 of {@code dst}.
   */
  public static void writeHeader(MemorySegment dst, Kind kind, int version, UUID datasetId) {
    if (version < kind.version || version > VERSION_CURRENT) {
      throw new IllegalArgumentException("version " + version + " for kind " + kind.tag());
    }
    MemorySegment.copy(MemorySegment.ofArray(MAGIC), 0, dst, 0, 8);
    MemorySegment.copy(MemorySegment.ofArray(kind.tag), 0, dst, 8, 4);
    dst.set(LE_INT, 12, version);
    dst.set(
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN),
        16,
        datasetId.getMostSignificantBits());
    dst.set(
        ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN),
        24,
        datasetId.getLeastSignificantBits());
  }

  /**
   * Checks magic, kind and version of the header at offset 0 of {@code file} and returns the
   * dataset id it carries. A kind's accepted versions are [{@link Kind#version()}, {@link
   * #VERSION_CURRENT}]: from the version that introduced it (a {@code CLCT} file marked version 1
   * is refused as too old: collections did not exist in version 1). The header's bytes are covered
   * by the footer checksum, which the caller checks.
   */
  public static UUID readHeader(MemorySegment file, Path path, Kind kind)
      throws CorruptDatasetException {
    if (file.byteSize() < HEADER_BYTES) {
      throw CorruptDatasetException.at(
          path,
          "file is "
              + file.byteSize()
              + " bytes, shorter than the "
              + HEADER_BYTES
              + "-byte header (file truncated?)");
    }
    byte[] magic = file.asSlice(0, 8).toArray(ValueLayout.JAVA_BYTE);
    if (!Arrays.equals(magic, MAGIC)) {
      throw CorruptDatasetException.at(
          path,
          "not a jcolz file: header magic is "
              + hex(magic)
              + ", expected "
              + hex(MAGIC)
              + " at offset 0");
    }
    byte[] tag = file.asSlice(8, 4).toArray(ValueLayout.JAVA_BYTE);
    if (!Arrays.equals(tag, kind.tag)) {
      throw CorruptDatasetException.at(
          path,
          "file kind is " + printable(tag) + ", expected " + printable(kind.tag) + " at offset 8");
    }
    int version = file.get(LE_INT, 12);
    if (version < kind.version || version > VERSION_CURRENT) {
      throw new FormatVersionException(path, version, kind.version, VERSION_CURRENT);
    }
    long msb = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 16);
    long lsb = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 24);
    return new UUID(msb, lsb);
  }

  /** The Version field of a header that {@link #readHeader} accepted. */
  public static int headerVersion(MemorySegment file) {
    return file.get(LE_INT, 12);
  }

  /**
   * Checks that the file ends in a footer of {@code footerBytes} whose last 8 bytes are the footer
   * magic and a CRC32C, and that the CRC matches {@code crcOver} (the bytes the kind's footer
   * covers). Tells a short file from a long one where it can.
   */
  static void checkFooterMagic(MemorySegment file, Path path, int footerBytes)
      throws CorruptDatasetException {
    long size = file.byteSize();
    if (size < HEADER_BYTES + footerBytes) {
      throw CorruptDatasetException.at(
          path,
          "file is "
              + size
              + " bytes, shorter than header + footer ("
              + (HEADER_BYTES + footerBytes)
              + " bytes) (file truncated?)");
    }
    int magic = file.get(LE_INT, size - 8);
    if (magic != FOOTER_MAGIC) {
      throw CorruptDatasetException.at(
          path,
          "footer magic is 0x"
              + Integer.toHexString(magic)
              + ", expected 0x"
              + Integer.toHexString(FOOTER_MAGIC)
              + " at offset "
              + (size - 8)
              + " (file truncated, extended or overwritten?)");
    }
  }

  static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x & 0xff));
    }
    return sb.toString();
  }

  private static String printable(byte[] b) {
    StringBuilder sb = new StringBuilder("'");
    for (byte x : b) {
      sb.append(x >= 32 && x < 127 ? (char) x : '?');
    }
    return sb.append('\'').toString();
  }
}
