package io.jcolz.loader.batch;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The built-in {@link SampleWriter} for raw (pre-decoded) images stored at the batch's size: a
 * copy into the batch layout, mirrored left-right with probability ½ when {@code flip} is on (the
 * coin is bit 0 of the sample seed). Encoded images are not handled here: they need the JPEG
 * decode and resize of {@code io.jcolz.loader.image}.
 *
 * <p>Not thread-safe (stateless, but one per worker by contract).
 */
public final class RawSampleWriter implements SampleWriter {
  private final int height;
  private final int width;
  private final int channels;
  private final ImageLayout layout;
  private final boolean flip;

  /** A writer of H×W×C images into {@code layout}, flipping half of them when {@code flip}. */
  public RawSampleWriter(int height, int width, int channels, ImageLayout layout, boolean flip) {
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.layout = layout;
    this.flip = flip;
  }

  /** Whether the sample with this seed is mirrored (when flipping is on). */
  public static boolean flips(long sampleSeed) {
    return (sampleSeed & 1) != 0;
  }

  @Override
  public void writeRaw(MemorySegment src, long srcOff, long sampleSeed, MemorySegment dst, long dstOff) {
    Pixels.write(src, srcOff, height, width, channels, flip && flips(sampleSeed), layout, dst, dstOff);
  }

  @Override
  public void writeEncoded(MemorySegment encoded, long sampleSeed, MemorySegment dst, long dstOff, String source)
      throws IOException {
    throw new IOException(source + ": encoded image of " + encoded.byteSize() + " bytes, but this loader has no "
        + "image decoder (raw-only SampleWriter); configure Loader.Builder.sampleWriter with a decoding one");
  }
}
