package io.jcolz.image;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import javax.imageio.IIOImage;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.plugins.jpeg.JPEGImageWriteParam;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Encodes 8-bit RGB pixels to baseline JFIF JPEG bytes at a fixed quality: YCbCr with 4:2:0 chroma
 * subsampling, the libjpeg quality scaling of the standard tables (so quality {@code q} means the
 * same quantisation in both encoders), no EXIF. With libjpeg-turbo installed ({@link TurboJpeg}) it
 * encodes with {@code tjCompress2} (standard Huffman tables: TurboJPEG 2.x cannot optimise them
 * without a process-wide environment variable, so files are a few percent larger, pixels the same);
 * without it, through the JDK's (libjpeg) ImageIO writer with optimised Huffman tables. Bytes
 * written by this class decode with {@link JpegDecoder}.
 *
 * <p>Thread-safety: not thread-safe. It keeps one ImageIO writer and its buffers; use one encoder
 * per thread (for example in a {@code ThreadLocal}) and {@link #close()} it when done.
 */
public final class JpegEncoder implements AutoCloseable {
  static final ColorModel RGB_MODEL =
      new ComponentColorModel(
          ColorSpace.getInstance(ColorSpace.CS_sRGB),
          new int[] {8, 8, 8},
          false,
          false,
          Transparency.OPAQUE,
          DataBuffer.TYPE_BYTE);

  private final int quality;
  private final TurboJpeg.Codec turbo;
  private ImageWriter writer;
  private ImageWriteParam param;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
  private byte[] scratch = new byte[0];
  private boolean closed;

  /**
   * @param quality 1 (smallest) .. 100 (best), as in libjpeg / PIL; 90 is a common choice for
   *     training data
   */
  public JpegEncoder(int quality) {
    this(quality, true);
  }

  private JpegEncoder(int quality, boolean useTurbo) {
    if (quality < 1 || quality > 100) {
      throw new IllegalArgumentException("JPEG quality must be in 1..100, got " + quality);
    }
    this.quality = quality;
    this.turbo = useTurbo ? TurboJpeg.newCodec() : null;
  }

  /** An encoder that always uses the JDK's ImageIO writer, as without libjpeg-turbo. */
  public static JpegEncoder imageIo(int quality) {
    return new JpegEncoder(quality, false);
  }

  /** Whether this encoder uses libjpeg-turbo. */
  public boolean usesTurbo() {
    return turbo != null;
  }

  private ImageWriter writer() {
    if (writer == null) {
      writer = ImagePlugins.jdkJpegWriter();
      param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality / 100f);
      if (param instanceof JPEGImageWriteParam jp) {
        jp.setOptimizeHuffmanTables(true);
      }
    }
    return writer;
  }

  public int quality() {
    return quality;
  }

  /** The JPEG bytes of {@code image}. */
  public byte[] encode(RgbImage image) {
    return encode(image.pixels(), 0, image.width(), image.height());
  }

  /**
   * The JPEG bytes of the {@code width x height} HWC RGB pixels at {@code rgb[offset ..]}.
   *
   * @throws IllegalArgumentException if the array is too short or a side is not in 1..65535
   */
  public byte[] encode(byte[] rgb, int offset, int width, int height) {
    if (closed) {
      throw new IllegalStateException("encoder is closed");
    }
    Objects.requireNonNull(rgb, "rgb");
    if (width <= 0 || height <= 0 || width > 65535 || height > 65535) {
      throw new IllegalArgumentException(
          "JPEG sides must be in 1..65535, got " + width + "x" + height);
    }
    Objects.checkFromIndexSize(
        offset, Math.multiplyExact(Math.multiplyExact(width, height), 3), rgb.length);
    int n = width * height * 3;
    if (turbo != null) {
      try {
        return turbo.compress(
            MemorySegment.ofArray(rgb).asSlice(offset, n),
            width,
            height,
            TurboJpeg.TJSAMP_420,
            quality);
      } catch (TurboJpeg.Failure e) {
        // not expected for valid pixels; ImageIO below gives the answer
      }
    }
    ImageWriter writer = writer();
    byte[] pixels = rgb;
    if (offset != 0) { // Raster fast paths ignore a DataBuffer offset (JDK bug): copy instead
      if (scratch.length < n) {
        scratch = new byte[n];
      }
      System.arraycopy(rgb, offset, scratch, 0, n);
      pixels = scratch;
    }
    BufferedImage img = wrap(pixels, width, height);
    bytes.reset();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(img, null, null), param);
      writer.setOutput(null);
    } catch (IOException e) { // only a bug can cause this with in-memory streams
      throw new UncheckedIOException("JPEG encoding failed for " + width + "x" + height, e);
    }
    return bytes.toByteArray();
  }

  /**
   * A BufferedImage over the first {@code width * height * 3} bytes of {@code rgb} (no copy).
   * Always at array offset 0: {@code ByteInterleavedRaster.setRect} ignores a DataBuffer offset.
   */
  static BufferedImage wrap(byte[] rgb, int width, int height) {
    DataBufferByte db = new DataBufferByte(rgb, width * height * 3);
    PixelInterleavedSampleModel sm =
        new PixelInterleavedSampleModel(
            DataBuffer.TYPE_BYTE, width, height, 3, width * 3, new int[] {0, 1, 2});
    WritableRaster raster = Raster.createWritableRaster(sm, db, null);
    return new BufferedImage(RGB_MODEL, raster, false, null);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (writer != null) {
        writer.dispose();
      }
      if (turbo != null) {
        turbo.close();
      }
    }
  }
}
