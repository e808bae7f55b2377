package io.jcolz.format.store;

import java.util.Locale;

/**
 * How a {@link ChunkReader} gets a chunk's compressed bytes off the disk. Every mode keeps the
 * compressed bytes off the Java heap, and the decoder checks the CRC32C of whatever bytes it was
 * given, so a corrupt chunk is caught the same way in each.
 *
 * <p>Thread-safety: an enum; immutable.
 */
public enum ReadMode {
  /** Read in place from the file's memory mapping: the page-cache pages fault in one by one. */
  MAP,
  /**
   * The mapping, prefaulted: {@code madvise(MADV_POPULATE_READ)} over the chunk's pages before it
   * is read (Linux 5.14+; {@code MADV_WILLNEED} on older kernels, nothing where there is no
   * madvise), so the kernel reads the chunk in one go instead of one fault per page.
   */
  POPULATE,
  /**
   * An explicit positional read ({@code pread}) of the whole chunk into a pooled, page-aligned
   * off-heap buffer of the reading thread; goes through the page cache.
   */
  PREAD,
  /**
   * {@code O_DIRECT} reads, bypassing the page cache: the block-aligned range around the chunk is
   * read into a block-aligned off-heap buffer. Fails with a clear error on file systems without
   * {@code O_DIRECT} (tmpfs).
   */
  DIRECT;

  /**
   * The mode named {@code s} (case-insensitive: map, populate, pread, direct).
   *
   * @param s the name
   * @return the mode
   * @throws IllegalArgumentException naming the allowed values
   */
  public static ReadMode parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "read mode '" + s + "' is not one of map, populate, pread, direct");
    }
  }

  /**
   * The lower-case name, as {@link #parse} accepts it.
   *
   * @return the name
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
