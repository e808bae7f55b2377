package io.jcolz.loader.batch;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Writes one sample's image into its batch slot, applying the loader's augmentations, which are
 * seeded per sample by (seed, epoch, row) so the result never depends on thread timing. The loader
 * makes one writer per worker thread and closes it when the worker ends.
 *
 * <p>Implementations need not be thread-safe: each instance is used by one worker thread.
 */
public interface SampleWriter extends AutoCloseable {
  /**
   * Writes a stored raw image (uint8 H×W×C, row-major, the stored size) into {@code dst[dstOff
   * ..]}, in the batch's layout and size.
   */
  void writeRaw(
      MemorySegment src, long srcOff, long epoch, long row, MemorySegment dst, long dstOff)
      throws IOException;

  /**
   * Decodes an encoded image (JPEG, PNG …) and writes it into {@code dst[dstOff ..]}, in the
   * batch's layout and size.
   *
   * @param source names the sample in error messages
   */
  void writeEncoded(
      MemorySegment encoded, long epoch, long row, MemorySegment dst, long dstOff, String source)
      throws IOException;

  /** Frees what the writer holds (native decoders). */
  @Override
  default void close() {}
}
