package io.jcolz.image;

import io.jcolz.image.ImageDecodeException.Reason;
import java.awt.image.BufferedImage;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;

/**
 * Decodes JPEG bytes (as written by {@link JpegEncoder}: YCbCr or gray, baseline or progressive) to
 * 8-bit HWC RGB, straight into a caller's buffer where possible. This is the loader's decoder for
 * the {@code jpeg} storage mode.
 *
 * <p>It decodes with libjpeg-turbo ({@link TurboJpeg}) when the library is installed: an off-heap
 * input (a decompressed chunk) is read in place and an off-heap destination written in place. What
 * TurboJPEG refuses or only reads with a warning (truncated data, 12-bit, CMYK, broken files) is
 * decoded again by the JDK's (libjpeg) ImageIO reader, whose result or error is then the answer;
 * without the library every image goes that way. The ImageIO reader reads from the segment without
 * copying it and writes RGB directly into the destination array (or into a reused scratch array
 * that is then bulk-copied to an off-heap destination).
 *
 * <p>EXIF orientation is <em>not</em> applied (stored data has none); use {@link ImageDecoder} for
 * files from the outside world. CMYK/YCCK JPEGs are not supported here ({@link
 * Reason#UNSUPPORTED}). Truncated data is {@link Reason#TRUNCATED}.
 *
 * <p>Thread-safety: not thread-safe. Use one decoder per worker thread and {@link #close()} it.
 */
public final class JpegDecoder implements AutoCloseable {
  private final TurboJpeg.Codec turbo;
  private ImageReader reader;
  private ImageReadParam param;
  private final boolean[] truncated = new boolean[1];
  private final StringBuilder warning = new StringBuilder();
  private byte[] scratch = new byte[0];
  private BufferedImage scratchImage;
  private MemorySegment reused = MemorySegment.NULL;
  private boolean closed;

  /** A decoder that uses libjpeg-turbo when it is installed, ImageIO otherwise. */
  public JpegDecoder() {
    this(true);
  }

  private JpegDecoder(boolean useTurbo) {
    turbo = useTurbo ? TurboJpeg.newCodec() : null;
  }

  /**
   * A decoder that always uses the JDK's ImageIO reader, as without libjpeg-turbo (for benchmarks
   * and comparisons).
   */
  public static JpegDecoder imageIo() {
    return new JpegDecoder(false);
  }

  /** Whether this decoder tries libjpeg-turbo first. */
  public boolean usesTurbo() {
    return turbo != null;
  }

  /**
   * Pixels decoded into a buffer the decoder reuses: {@code width * height * 3} bytes of HWC RGB,
   * valid until the next call on the decoder or its {@link JpegDecoder#close()}.
   *
   * @param pixels the RGB bytes (off-heap when libjpeg-turbo decoded them)
   * @param width the image width
   * @param height the image height
   */
  public record Decoded(MemorySegment pixels, int width, int height) {}

  private ImageReader reader() {
    if (reader == null) {
      reader = ImagePlugins.jdkJpegReader();
      param = reader.getDefaultReadParam();
      reader.addIIOReadWarningListener(
          (src, w) -> {
            if (w != null && w.toLowerCase(Locale.ROOT).contains("premature end")) {
              truncated[0] = true;
            }
            if (warning.length() < 200) {
              warning.append(w).append(' ');
            }
          });
    }
    return reader;
  }

  /**
   * The header of {@code jpeg} read by TurboJPEG when it can decode the image to RGB, else null
   * (then ImageIO is asked).
   */
  private TurboJpeg.Header turboHeader(MemorySegment src) {
    try {
      TurboJpeg.Header h = turbo.header(src);
      if (h.rgbDecodable()
          && h.width() > 0
          && h.height() > 0
          && (long) h.width() * h.height() <= RgbImage.MAX_PIXELS) {
        return h;
      }
    } catch (TurboJpeg.Failure e) {
      // ImageIO decides
    }
    return null;
  }

  /**
   * Decodes {@code jpeg} into this decoder's reused buffer (off-heap with libjpeg-turbo): the
   * loader's hot path, with no copy of the input and no per-image allocation.
   *
   * @throws ImageDecodeException if the data is not a decodable JPEG
   */
  public Decoded decodeReused(MemorySegment jpeg) throws ImageDecodeException {
    precheck(jpeg);
    if (turbo != null) {
      MemorySegment src = turbo.nativeInput(jpeg);
      TurboJpeg.Header h = turboHeader(src);
      if (h != null) {
        long n = 3L * h.width() * h.height();
        if (reused.byteSize() < n) {
          reused = Arena.ofAuto().allocate(Math.max(n, 2 * reused.byteSize()), 64);
        }
        try {
          turbo.decompress(src, h.width(), h.height(), reused);
          return new Decoded(reused.asSlice(0, n), h.width(), h.height());
        } catch (TurboJpeg.Failure e) {
          // decoded again by ImageIO below
        }
      }
    }
    RgbImage img = decodeImageIo(jpeg);
    return new Decoded(img.segment(), img.width(), img.height());
  }

  /** Decodes {@code jpeg} into a new image. */
  public RgbImage decode(MemorySegment jpeg) throws ImageDecodeException {
    precheck(jpeg);
    if (turbo != null) {
      MemorySegment src = turbo.nativeInput(jpeg);
      TurboJpeg.Header h = turboHeader(src);
      if (h != null) {
        byte[] out = new byte[h.width() * h.height() * 3];
        try {
          turbo.decompress(src, h.width(), h.height(), MemorySegment.ofArray(out));
          return new RgbImage(h.width(), h.height(), out);
        } catch (TurboJpeg.Failure e) {
          // decoded again by ImageIO below
        }
      }
    }
    return decodeImageIo(jpeg);
  }

  private RgbImage decodeImageIo(MemorySegment jpeg) throws ImageDecodeException {
    int[] size = open(jpeg);
    byte[] out = new byte[size[0] * size[1] * 3];
    read(JpegEncoder.wrap(out, size[0], size[1]), size[0], size[1]);
    return new RgbImage(size[0], size[1], out);
  }

  /** Decodes {@code jpeg} into a new image. */
  public RgbImage decode(byte[] jpeg) throws ImageDecodeException {
    return decode(MemorySegment.ofArray(jpeg));
  }

  /**
   * Decodes {@code jpeg}, which must be exactly {@code width x height}, into the first {@code width
   * * height * 3} bytes of {@code dst} as HWC RGB. {@code dst} may be on or off heap. With
   * libjpeg-turbo an off-heap {@code dst} is written in place, a heap one through a reused off-heap
   * buffer and one bulk copy; with ImageIO a heap segment that starts at index 0 of a {@code
   * byte[]} is written in place, any other through a reused scratch array and one bulk copy.
   *
   * @throws ImageDecodeException if the data is not a decodable JPEG of exactly that size
   * @throws IndexOutOfBoundsException if {@code dst} is smaller than {@code width * height * 3}
   */
  public void decodeInto(MemorySegment jpeg, int width, int height, MemorySegment dst)
      throws ImageDecodeException {
    Objects.requireNonNull(dst, "dst");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("bad size " + width + "x" + height);
    }
    long n = (long) width * height * 3;
    Objects.checkFromIndexSize(0, n, dst.byteSize());
    precheck(jpeg);
    if (turbo != null) {
      MemorySegment src = turbo.nativeInput(jpeg);
      TurboJpeg.Header h = turboHeader(src);
      if (h != null && h.width() == width && h.height() == height) {
        try {
          turbo.decompress(src, width, height, dst);
          return;
        } catch (TurboJpeg.Failure e) {
          // decoded again by ImageIO below
        }
      }
    }
    int[] size = open(jpeg);
    if (size[0] != width || size[1] != height) {
      throw fail(
          Reason.CORRUPT,
          "JPEG is " + size[0] + "x" + size[1] + ", expected " + width + "x" + height,
          null);
    }
    if (!dst.isNative()
        && dst.address() == 0
        && dst.heapBase().orElse(null) instanceof byte[] array) {
      read(JpegEncoder.wrap(array, width, height), width, height); // in place, no copy
      return;
    }
    if (scratchImage == null
        || scratchImage.getWidth() != width
        || scratchImage.getHeight() != height) {
      if (scratch.length < n) {
        scratch = new byte[(int) n];
      }
      scratchImage = JpegEncoder.wrap(scratch, width, height);
    }
    read(scratchImage, width, height);
    MemorySegment.copy(scratch, 0, dst, ValueLayout.JAVA_BYTE, 0, (int) n);
  }

  private void precheck(MemorySegment jpeg) throws ImageDecodeException {
    if (closed) {
      throw new IllegalStateException("decoder is closed");
    }
    Objects.requireNonNull(jpeg, "jpeg");
    if (jpeg.byteSize() == 0) {
      throw fail(Reason.EMPTY_FILE, "0 bytes", null);
    }
    if (jpeg.byteSize() < 3
        || (jpeg.get(ValueLayout.JAVA_BYTE, 0) & 0xFF) != 0xFF
        || (jpeg.get(ValueLayout.JAVA_BYTE, 1) & 0xFF) != 0xD8) {
      throw fail(Reason.NOT_AN_IMAGE, "no JPEG start-of-image marker", null);
    }
  }

  private int[] open(MemorySegment jpeg) throws ImageDecodeException {
    precheck(jpeg);
    ImageReader reader = reader();
    truncated[0] = false;
    warning.setLength(0);
    try {
      reader.setInput(new SegmentImageInputStream(jpeg), true, true);
      int w = reader.getWidth(0);
      int h = reader.getHeight(0);
      if (w <= 0 || h <= 0 || (long) w * h > RgbImage.MAX_PIXELS) {
        throw fail(Reason.CORRUPT, "header says " + w + "x" + h, null);
      }
      return new int[] {w, h};
    } catch (ImageDecodeException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw fail(reasonOf(e), String.valueOf(e.getMessage()), e);
    }
  }

  private void read(BufferedImage dst, int width, int height) throws ImageDecodeException {
    ImageReader reader = reader();
    try {
      param.setDestination(dst);
      reader.read(0, param);
    } catch (IOException | RuntimeException e) {
      String m = String.valueOf(e.getMessage());
      Reason r = reasonOf(e);
      if (m.contains("Unsupported")
          || m.contains("Invalid argument to native readImage")
          || m.contains("Incompatible color conversion")
          || m.contains("bands differ")) {
        r = Reason.UNSUPPORTED; // CMYK/YCCK (4 components), 12-bit, ...
      }
      throw fail(r, m, e);
    } finally {
      param.setDestination(null);
      reader.setInput(null);
    }
    if (truncated[0]) {
      throw fail(Reason.TRUNCATED, "JPEG data ends early: " + warning.toString().strip(), null);
    }
  }

  private static Reason reasonOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EOFException) {
        return Reason.TRUNCATED;
      }
    }
    return Reason.CORRUPT;
  }

  private static ImageDecodeException fail(Reason reason, String detail, Throwable cause) {
    return new ImageDecodeException("jpeg bytes", reason, detail, cause);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (reader != null) {
        reader.dispose();
      }
      if (turbo != null) {
        turbo.close();
      }
      reused = MemorySegment.NULL;
    }
  }
}
