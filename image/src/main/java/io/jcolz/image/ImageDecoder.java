package io.jcolz.image;

import io.jcolz.image.ImageDecodeException.Reason;
import java.awt.image.BufferedImage;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;

/**
 * Decodes image files of any format ImageIO can read (with the TwelveMonkeys plugins: JPEG
 * including CMYK/YCCK and slightly broken files, PNG, TIFF, WebP, BMP, PNM, GIF) to 8-bit RGB
 * {@link RgbImage}s, optionally fitted to an exact size on the way.
 *
 * <h2>Conventions</h2>
 *
 * <ul>
 *   <li><b>Colour:</b> palette, gray, gray+alpha, RGB, RGBA, 16-bit and CMYK inputs all become
 *       3-channel 8-bit RGB. Gray is replicated (no gamma change); 16-bit is rounded to 8 bits;
 *       embedded ICC profiles of RGB images are not applied (values are taken as sRGB, as PIL
 *       does).
 *   <li><b>Alpha</b> is composited over the {@linkplain Builder#background background}, white
 *       ({@code 0xFFFFFF}) by default: {@code round((c*a + bg*(255-a)) / 255)}.
 *   <li><b>Orientation:</b> the EXIF orientation tag of JPEG files (all 8 values) is applied, so
 *       pixels come out as a viewer shows them; sizes and limits refer to the displayed image.
 *       Orientation stored in other formats (TIFF, PNG eXIf, WebP) is ignored.
 *   <li><b>Memory and decompression bombs:</b> the width and height are read from the header before
 *       any pixel is decoded. Two limits apply. The image as decoded (after {@linkplain
 *       #decodeResized(Path, int, int, ResizeMode) subsampling}) may have at most {@linkplain
 *       Builder#maxPixels max pixels} (default {@value #DEFAULT_MAX_PIXELS}): that is what is
 *       allocated. The source may be much larger where its reader streams rows and keeps only the
 *       subsampled ones (PNG, interlaced or not, and sequential JPEG): then only the {@linkplain
 *       Builder#maxSourcePixels source pixel limit} (default {@value #DEFAULT_MAX_SOURCE_PIXELS},
 *       2^31, about 46,000 x 46,000) bounds it, as a guard against files that claim absurd sizes
 *       and would take minutes to inflate. Other formats (progressive JPEG, TIFF, WebP, GIF, BMP,
 *       PNM) are decoded whole by their readers, so their source must be within max pixels. Over a
 *       limit is {@link Reason#TOO_LARGE}, refused without allocating the image. A 10,562 x 16,000
 *       PNG packed at 224 px thus decodes at 1/23 (459 x 696) and costs the inflating time of its
 *       169 MP but only that small image in memory. Files over {@linkplain Builder#maxFileBytes max
 *       file bytes} are refused before being read. Peak heap per call is about the file size plus
 *       {@code decoded pixels x (decoded bytes per pixel + 3)} plus two source rows: up to ~0.8 GB
 *       at the default limit for an 8-bit RGBA image decoded whole; size thread counts and {@code
 *       -Xmx} accordingly (or lower the limit).
 *   <li><b>Size:</b> a 1x1 image is valid. {@linkplain Builder#minSide A minimum side} can be set;
 *       smaller images are then {@link Reason#TOO_SMALL}.
 *   <li><b>Truncation:</b> a JPEG whose data ends early (ImageIO would fill the rest with gray) is
 *       {@link Reason#TRUNCATED} unless {@linkplain Builder#acceptTruncated accepted}; a missing
 *       EOI marker after complete data and other recoverable JPEG warnings are accepted.
 *   <li><b>Subsampling</b> (only in the {@code decodeResized} methods): when the output is much
 *       smaller than the image, every k-th pixel (the centre of each k x k block) is decoded, where
 *       k is the largest integer that still leaves at least {@linkplain Builder#minOversample
 *       oversample} (default 2) source pixels per output pixel along the binding axis; the
 *       antialiased resize then works on that. A 5120x2880 photo to 224x224 decodes at 854x480 (k =
 *       6).
 * </ul>
 *
 * <h2>libjpeg-turbo</h2>
 *
 * When {@link TurboJpeg} finds {@code libturbojpeg.so.0}, JPEGs (YCbCr, RGB and gray, 8-bit) are
 * decoded by it, with DCT-domain scaling (1/2, 1/4 or 1/8) in place of subsampling where the output
 * is small enough (the same at-least-{@linkplain Builder#minOversample oversample} rule), EXIF
 * orientation applied and the same limits; the resize that follows is the same. Anything it
 * refuses, reads only with a warning (truncated or slightly broken data), or a limit would refuse
 * goes through ImageIO as without the library, which then gives the pixels or the error.
 *
 * <h2>Failures</h2>
 *
 * Every problem with an input is an {@link ImageDecodeException} naming the input and a {@link
 * Reason}; plugin runtime exceptions are wrapped, never thrown raw. The only other exception is
 * {@link InterruptedIOException} when the calling thread is interrupted while reading a file.
 *
 * <p>Thread-safety: immutable and thread-safe; every call uses its own ImageIO reader. Calls on
 * many threads run in parallel.
 */
public final class ImageDecoder {
  /** Default limit on decoded pixels: 100 megapixels. */
  public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

  /**
   * Default limit on the source pixels of a streamed (subsampled) decode: 2^31, the decompression
   * bomb guard.
   */
  public static final long DEFAULT_MAX_SOURCE_PIXELS = 1L << 31;

  /** Default file size limit: 1 GiB. */
  public static final long DEFAULT_MAX_FILE_BYTES = 1L << 30;

  /** Default subsampling margin: keep at least 2 source pixels per output pixel. */
  public static final double DEFAULT_MIN_OVERSAMPLE = 2.0;

  private static final ImageDecoder DEFAULTS = builder().build();

  private final long maxPixels;
  private final long maxSourcePixels;
  private final long maxFileBytes;
  private final int minSide;
  private final int background;
  private final ResampleFilter filter;
  private final boolean subsample;
  private final double minOversample;
  private final boolean acceptTruncated;
  private final boolean turbo;

  private ImageDecoder(Builder b) {
    this.maxPixels = b.maxPixels;
    this.maxSourcePixels = b.maxSourcePixels;
    this.maxFileBytes = b.maxFileBytes;
    this.minSide = b.minSide;
    this.background = b.background;
    this.filter = b.filter;
    this.subsample = b.subsample;
    this.minOversample = b.minOversample;
    this.acceptTruncated = b.acceptTruncated;
    this.turbo = b.turbo;
    ImagePlugins.ensureRegistered();
  }

  /** A decoder with every default (100 MP limit, white background, bilinear, subsampling on). */
  public static ImageDecoder defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The full image at its own size, orientation applied. */
  public RgbImage decode(Path file) throws ImageDecodeException, InterruptedIOException {
    String name = file.toString();
    return decodeBytes(readFile(file, name), name, 0, 0, null);
  }

  /**
   * The full image encoded in {@code data}, orientation applied.
   *
   * @param name how failures name the input (a key or path)
   */
  public RgbImage decode(byte[] data, String name) throws ImageDecodeException {
    return decodeBytes(data, name, 0, 0, null);
  }

  /**
   * The image fitted to exactly {@code width x height} by {@code mode}, subsampled while decoding
   * where it pays.
   */
  public RgbImage decodeResized(Path file, int width, int height, ResizeMode mode)
      throws ImageDecodeException, InterruptedIOException {
    checkTarget(width, height, mode);
    String name = file.toString();
    return decodeBytes(readFile(file, name), name, width, height, mode);
  }

  /** As {@link #decodeResized(Path, int, int, ResizeMode)} for bytes in memory. */
  public RgbImage decodeResized(byte[] data, String name, int width, int height, ResizeMode mode)
      throws ImageDecodeException {
    checkTarget(width, height, mode);
    return decodeBytes(data, name, width, height, mode);
  }

  /**
   * An image another library already decoded (a DJL {@code Image}'s {@link BufferedImage}), fitted
   * as {@link #decodeResized(byte[], String, int, int, ResizeMode)} fits a file: read every k-th
   * pixel by the same subsampling rule (the pixels an ImageIO decode with that subsampling keeps),
   * alpha composited over the background, then resized. For a PNG decoded by ImageIO this gives the
   * pixels {@code decodeResized} gives for the file; a JPEG decoded elsewhere lacks EXIF
   * orientation and libjpeg-turbo's DCT scaling, so it may differ slightly: pass the file or its
   * bytes where that matters.
   *
   * @param name how failures name the input
   * @throws ImageDecodeException the image is over the pixel limit or below the minimum side
   */
  public RgbImage fit(BufferedImage image, String name, int width, int height, ResizeMode mode)
      throws ImageDecodeException {
    Objects.requireNonNull(image, "image");
    checkTarget(width, height, mode);
    int w = image.getWidth();
    int h = image.getHeight();
    if (Math.min(w, h) < minSide) {
      throw new ImageDecodeException(
          name, Reason.TOO_SMALL, w + "x" + h + " is below the minimum side of " + minSide);
    }
    int k = subsamplingFactor(w, h, width, height, mode);
    checkDecodedPixels(name, "image", w, h, k);
    BufferedImage kept = image;
    if (k > 1) {
      int off = (k - 1) / 2;
      int sw = ceilDiv(w, k);
      int sh = ceilDiv(h, k);
      kept =
          new BufferedImage(
              image.getColorModel(),
              image.getRaster().createCompatibleWritableRaster(sw, sh),
              image.isAlphaPremultiplied(),
              null);
      java.awt.image.Raster src = image.getRaster();
      java.awt.image.WritableRaster dst = kept.getRaster();
      Object pixel = null;
      for (int y = 0; y < sh; y++) {
        for (int x = 0; x < sw; x++) {
          pixel = src.getDataElements(off + x * k, off + y * k, pixel);
          dst.setDataElements(x, y, pixel);
        }
      }
    }
    RgbImage rgb =
        new RgbImage(kept.getWidth(), kept.getHeight(), RgbConverter.toRgb(kept, background));
    if (rgb.width() == width && rgb.height() == height) {
      return rgb;
    }
    return Resizer.resize(rgb, width, height, mode, filter, background);
  }

  /**
   * Refuses ({@link Reason#TOO_LARGE}) a {@code w x h} image whose pixels kept at subsampling
   * {@code k} are over max pixels.
   */
  private void checkDecodedPixels(String name, String format, int w, int h, int k)
      throws ImageDecodeException {
    long pixels = (long) w * h;
    long decoded = (long) ceilDiv(w, k) * ceilDiv(h, k);
    if (decoded > maxPixels) {
      throw new ImageDecodeException(
          name,
          Reason.TOO_LARGE,
          k == 1
              ? String.format(
                  Locale.ROOT,
                  "%s %dx%d = %.1f MP exceeds the limit of %.1f MP",
                  format,
                  w,
                  h,
                  pixels / 1e6,
                  maxPixels / 1e6)
              : String.format(
                  Locale.ROOT,
                  "%s %dx%d decodes at 1/%d to %dx%d = %.1f MP, over the limit of %.1f MP",
                  format,
                  w,
                  h,
                  k,
                  ceilDiv(w, k),
                  ceilDiv(h, k),
                  decoded / 1e6,
                  maxPixels / 1e6));
    }
  }

  private static void checkTarget(int width, int height, ResizeMode mode) {
    Objects.requireNonNull(mode, "mode");
    if (width <= 0 || height <= 0 || (long) width * height > RgbImage.MAX_PIXELS) {
      throw new IllegalArgumentException("bad output size " + width + "x" + height);
    }
  }

  /**
   * The subsampling step for a {@code w x h} (displayed) image fitted to {@code tw x th}: the
   * largest k with at least {@code minOversample} decoded pixels per output pixel along the axis
   * that needs the most resolution; 1 when disabled or not shrinking enough.
   */
  int subsamplingFactor(int w, int h, int tw, int th, ResizeMode mode) {
    if (!subsample || mode == null) {
      return 1;
    }
    double sx = (double) tw / w;
    double sy = (double) th / h;
    double scale = mode == ResizeMode.PAD ? Math.min(sx, sy) : Math.max(sx, sy);
    double k = Math.floor(1.0 / (scale * minOversample));
    return (int) Math.clamp(k, 1, Math.min(w, h));
  }

  private byte[] readFile(Path file, String name)
      throws ImageDecodeException, InterruptedIOException {
    Objects.requireNonNull(file, "file");
    try {
      BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
      if (!attrs.isRegularFile()) {
        throw new ImageDecodeException(
            name, Reason.UNREADABLE, attrs.isDirectory() ? "is a directory" : "not a regular file");
      }
      if (attrs.size() > maxFileBytes) {
        throw new ImageDecodeException(
            name,
            Reason.TOO_LARGE,
            attrs.size() + " bytes exceeds the file size limit of " + maxFileBytes);
      }
      byte[] data = Files.readAllBytes(file);
      if (data.length > maxFileBytes) {
        throw new ImageDecodeException(
            name,
            Reason.TOO_LARGE,
            data.length + " bytes exceeds the file size limit of " + maxFileBytes);
      }
      return data;
    } catch (ClosedByInterruptException e) {
      InterruptedIOException ie = new InterruptedIOException("interrupted reading " + name);
      ie.initCause(e);
      throw ie;
    } catch (InterruptedIOException | ImageDecodeException e) {
      throw e;
    } catch (AccessDeniedException e) {
      throw new ImageDecodeException(name, Reason.UNREADABLE, "permission denied", e);
    } catch (NoSuchFileException e) {
      throw new ImageDecodeException(name, Reason.UNREADABLE, "no such file", e);
    } catch (IOException | OutOfMemoryError e) {
      // OutOfMemoryError here is "Required array size too large" for a file near 2 GiB
      throw new ImageDecodeException(name, Reason.UNREADABLE, describe(e), e);
    }
  }

  private RgbImage decodeBytes(byte[] data, String name, int tw, int th, ResizeMode mode)
      throws ImageDecodeException {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(name, "name");
    if (data.length == 0) {
      throw new ImageDecodeException(name, Reason.EMPTY_FILE, "0 bytes");
    }
    RgbImage img = decodePixels(data, name, tw, th, mode);
    if (mode == null) {
      return img;
    }
    if (img.width() == tw && img.height() == th) {
      return img;
    }
    return Resizer.resize(img, tw, th, mode, filter, background);
  }

  private RgbImage decodePixels(byte[] data, String name, int tw, int th, ResizeMode mode)
      throws ImageDecodeException {
    RgbImage fast = decodeTurbo(data, tw, th, mode);
    if (fast != null) {
      return fast;
    }
    try (SegmentImageInputStream in = new SegmentImageInputStream(MemorySegment.ofArray(data))) {
      ImageReader reader = findReader(in, name);
      try {
        return read(reader, in, data, name, tw, th, mode);
      } finally {
        reader.dispose();
      }
    } catch (ImageDecodeException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw classify(name, e);
    } catch (StackOverflowError e) { // deeply nested/looping structures in crafted files
      throw new ImageDecodeException(name, Reason.CORRUPT, "structure too deeply nested", e);
    }
  }

  /**
   * The JPEG in {@code data} decoded by libjpeg-turbo, at the largest DCT scale 1/d (d = 1, 2, 4,
   * 8) that still leaves {@linkplain Builder#minOversample oversample} decoded pixels per output
   * pixel, orientation applied; null when the library is absent, the data is not a JPEG it decodes
   * to RGB without any warning, or any limit would refuse the image. Then the ImageIO path decides
   * (its pixels or its error), exactly as without the library.
   */
  private RgbImage decodeTurbo(byte[] data, int tw, int th, ResizeMode mode) {
    if (data.length < 3
        || (data[0] & 0xFF) != 0xFF
        || (data[1] & 0xFF) != 0xD8
        || (data[2] & 0xFF) != 0xFF) {
      return null;
    }
    TurboJpeg.Codec codec = turbo ? TurboJpeg.local() : null;
    if (codec == null) {
      return null;
    }
    MemorySegment src = codec.nativeInput(MemorySegment.ofArray(data));
    TurboJpeg.Header hd;
    try {
      hd = codec.header(src);
    } catch (TurboJpeg.Failure e) {
      return null;
    }
    int w = hd.width();
    int h = hd.height();
    long pixels = (long) w * h;
    if (!hd.rgbDecodable()
        || w <= 0
        || h <= 0
        || pixels > maxSourcePixels
        || (pixels > maxPixels && !JpegFrame.sequential(data))
        || Math.min(w, h) < minSide) {
      return null;
    }
    int orientation = ExifOrientation.read(data, 0, data.length);
    int d = dctDenominator(w, h, orientation, tw, th, mode);
    int sw = TurboJpeg.scaled(w, d);
    int sh = TurboJpeg.scaled(h, d);
    if ((long) sw * sh > maxPixels) {
      return null;
    }
    byte[] px = new byte[sw * sh * 3];
    try {
      codec.decompress(src, sw, sh, MemorySegment.ofArray(px));
    } catch (TurboJpeg.Failure e) {
      return null;
    }
    return ExifOrientation.apply(new RgbImage(sw, sh, px), orientation);
  }

  /**
   * The DCT scaling denominator (1, 2, 4 or 8) for a stored {@code w x h} JPEG with EXIF {@code
   * orientation} fitted to {@code tw x th} by {@code mode}: the largest that keeps at least
   * {@linkplain Builder#minOversample oversample} decoded pixels per output pixel along the axis
   * that needs the most resolution (the rule {@link #subsamplingFactor} follows); 1 when
   * subsampling is off or no resize is asked for.
   */
  int dctDenominator(int w, int h, int orientation, int tw, int th, ResizeMode mode) {
    if (!subsample || mode == null) {
      return 1;
    }
    boolean swap = ExifOrientation.swapsSides(orientation);
    double sx = (double) tw / (swap ? h : w); // displayed sides
    double sy = (double) th / (swap ? w : h);
    double scale = mode == ResizeMode.PAD ? Math.min(sx, sy) : Math.max(sx, sy);
    double need = scale * minOversample; // decoded pixels kept per source pixel
    return TurboJpeg.denominatorFor(w, h, w * need, h * need);
  }

  private static ImageReader findReader(SegmentImageInputStream in, String name)
      throws ImageDecodeException {
    Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
    if (!readers.hasNext()) {
      throw new ImageDecodeException(
          name, Reason.NOT_AN_IMAGE, "no image reader recognises its first bytes");
    }
    ImageReader r = readers.next();
    while (readers.hasNext()) {
      readers.next().dispose();
    }
    return r;
  }

  private RgbImage read(
      ImageReader reader,
      SegmentImageInputStream in,
      byte[] data,
      String name,
      int tw,
      int th,
      ResizeMode mode)
      throws IOException {
    String format = reader.getFormatName().toLowerCase(Locale.ROOT);
    List<String> warnings = new ArrayList<>(2);
    reader.addIIOReadWarningListener((src, w) -> warnings.add(w));
    reader.setInput(in, true, true);
    int w = reader.getWidth(0);
    int h = reader.getHeight(0);
    if (w <= 0 || h <= 0) {
      throw new ImageDecodeException(name, Reason.CORRUPT, "header says " + w + "x" + h);
    }
    long pixels = (long) w * h;
    if (pixels > maxSourcePixels) {
      throw new ImageDecodeException(
          name,
          Reason.TOO_LARGE,
          String.format(
              Locale.ROOT,
              "%s %dx%d = %.1f MP exceeds the decompression-bomb limit of %.1f MP",
              format,
              w,
              h,
              pixels / 1e6,
              maxSourcePixels / 1e6));
    }
    boolean jpeg = format.equals("jpeg") || format.equals("jpg");
    boolean streamed = format.equals("png") || (jpeg && JpegFrame.sequential(data));
    if (pixels > maxPixels && !streamed) {
      throw new ImageDecodeException(
          name,
          Reason.TOO_LARGE,
          String.format(
              Locale.ROOT,
              "%s %dx%d = %.1f MP exceeds the limit of %.1f MP (%s is decoded at full size)",
              format,
              w,
              h,
              pixels / 1e6,
              maxPixels / 1e6,
              jpeg ? "a progressive JPEG" : format));
    }
    if (Math.min(w, h) < minSide) {
      throw new ImageDecodeException(
          name,
          Reason.TOO_SMALL,
          format + " " + w + "x" + h + " is below the minimum side of " + minSide);
    }
    int orientation = jpeg ? ExifOrientation.read(data, 0, data.length) : 1;
    boolean swap = ExifOrientation.swapsSides(orientation);
    int k = subsamplingFactor(swap ? h : w, swap ? w : h, tw, th, mode);
    checkDecodedPixels(name, format, w, h, k);
    ImageReadParam param = reader.getDefaultReadParam();
    if (k > 1) {
      param.setSourceSubsampling(k, k, (k - 1) / 2, (k - 1) / 2);
    }
    BufferedImage img = reader.read(0, param);
    if (!acceptTruncated) {
      for (String warning : warnings) {
        if (warning != null && warning.toLowerCase(Locale.ROOT).contains("premature end")) {
          throw new ImageDecodeException(
              name, Reason.TRUNCATED, format + " data ends early: " + String.join("; ", warnings));
        }
      }
    }
    RgbImage rgb =
        new RgbImage(img.getWidth(), img.getHeight(), RgbConverter.toRgb(img, background));
    return ExifOrientation.apply(rgb, orientation);
  }

  /**
   * Decoded pixels along a side of {@code n} source pixels read every {@code k}-th from offset
   * {@code (k - 1) / 2}.
   */
  private static int ceilDiv(int n, int k) {
    int off = (k - 1) / 2;
    return Math.max(1, (n - off + k - 1) / k);
  }

  private static ImageDecodeException classify(String name, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EOFException) {
        return new ImageDecodeException(name, Reason.TRUNCATED, describe(e), e);
      }
      if (t instanceof UnsupportedOperationException) {
        return new ImageDecodeException(name, Reason.UNSUPPORTED, describe(e), e);
      }
      String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (t instanceof IIOException && (m.contains("unsupported") || m.contains("not supported"))) {
        return new ImageDecodeException(name, Reason.UNSUPPORTED, describe(e), e);
      }
    }
    return new ImageDecodeException(name, Reason.CORRUPT, describe(e), e);
  }

  private static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
      String m = t.getMessage();
      String part = t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
      if (!sb.isEmpty()) {
        sb.append(" <- ");
      }
      sb.append(part);
      if (t.getCause() == t) {
        break;
      }
    }
    return sb.toString();
  }

  /** The limit on decoded pixels. */
  public long maxPixels() {
    return maxPixels;
  }

  /** The limit on source pixels of a streamed decode (the decompression-bomb guard). */
  public long maxSourcePixels() {
    return maxSourcePixels;
  }

  public int background() {
    return background;
  }

  /** Builder for {@link ImageDecoder}. Not thread-safe; the decoder it builds is. */
  public static final class Builder {
    private long maxPixels = DEFAULT_MAX_PIXELS;
    private long maxSourcePixels = DEFAULT_MAX_SOURCE_PIXELS;
    private long maxFileBytes = DEFAULT_MAX_FILE_BYTES;
    private int minSide = 1;
    private int background = Resizer.DEFAULT_BACKGROUND;
    private ResampleFilter filter = ResampleFilter.BILINEAR;
    private boolean subsample = true;
    private double minOversample = DEFAULT_MIN_OVERSAMPLE;
    private boolean acceptTruncated;
    private boolean turbo = true;

    private Builder() {}

    /**
     * Whether libjpeg-turbo ({@link TurboJpeg}) may decode JPEGs when it is installed (default
     * true); false decodes every JPEG with ImageIO, as without the library (baselines, tests).
     */
    public Builder turbo(boolean turbo) {
      this.turbo = turbo;
      return this;
    }

    /**
     * Refuse images that would decode to more than this many pixels (1 .. {@link
     * RgbImage#MAX_PIXELS}): after subsampling for streamed formats, the header's size for the
     * others.
     */
    public Builder maxPixels(long maxPixels) {
      if (maxPixels < 1 || maxPixels > RgbImage.MAX_PIXELS) {
        throw new IllegalArgumentException(
            "maxPixels must be in 1.." + RgbImage.MAX_PIXELS + ", got " + maxPixels);
      }
      this.maxPixels = maxPixels;
      return this;
    }

    /**
     * Refuse images whose header announces more than this many pixels even where they would be
     * decoded subsampled (the decompression-bomb guard; at least 1, default {@value
     * ImageDecoder#DEFAULT_MAX_SOURCE_PIXELS}).
     */
    public Builder maxSourcePixels(long maxSourcePixels) {
      if (maxSourcePixels < 1) {
        throw new IllegalArgumentException(
            "maxSourcePixels must be at least 1, got " + maxSourcePixels);
      }
      this.maxSourcePixels = maxSourcePixels;
      return this;
    }

    /** Refuse files larger than this many bytes (1 .. 2^31 - 9). */
    public Builder maxFileBytes(long maxFileBytes) {
      if (maxFileBytes < 1 || maxFileBytes > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("maxFileBytes must be in 1.." + (Integer.MAX_VALUE - 8));
      }
      this.maxFileBytes = maxFileBytes;
      return this;
    }

    /** Refuse images whose shorter side is below this (default 1: every image is accepted). */
    public Builder minSide(int minSide) {
      if (minSide < 1) {
        throw new IllegalArgumentException("minSide must be >= 1, got " + minSide);
      }
      this.minSide = minSide;
      return this;
    }

    /** Background {@code 0xRRGGBB} for transparency and {@link ResizeMode#PAD}; default white. */
    public Builder background(int rgb) {
      if ((rgb & ~0xFFFFFF) != 0) {
        throw new IllegalArgumentException(
            "background must be 0xRRGGBB, got 0x" + Integer.toHexString(rgb));
      }
      this.background = rgb;
      return this;
    }

    /**
     * Resampling filter of the {@code decodeResized} methods; default {@link
     * ResampleFilter#BILINEAR}.
     */
    public Builder filter(ResampleFilter filter) {
      this.filter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /** Whether {@code decodeResized} may subsample while decoding (default true). */
    public Builder subsample(boolean subsample) {
      this.subsample = subsample;
      return this;
    }

    /** Minimum decoded pixels per output pixel when subsampling (>= 1, default 2). */
    public Builder minOversample(double factor) {
      if (!(factor >= 1.0) || Double.isInfinite(factor)) {
        throw new IllegalArgumentException(
            "minOversample must be a finite number >= 1, got " + factor);
      }
      this.minOversample = factor;
      return this;
    }

    /**
     * Accept JPEGs whose data ends early (the missing part is gray). Default false: {@link
     * Reason#TRUNCATED}.
     */
    public Builder acceptTruncated(boolean accept) {
      this.acceptTruncated = accept;
      return this;
    }

    public ImageDecoder build() {
      return new ImageDecoder(this);
    }
  }
}
