package io.jcolz.image;

import static io.jcolz.image.TestImages.QUADRANTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.jcolz.image.ImageDecodeException.Reason;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {
  /**
   * {@code fit} on an image ImageIO already decoded gives the pixels {@code decodeResized} gives
   * for its PNG: alpha over white, the same subsampling (here k = 1 and k = 10) and resize, for
   * RGBA and transparent-palette images and every resize mode.
   */
  @Test
  void fitOfADecodedPngEqualsDecodeResizedOfItsBytes() throws Exception {
    SplittableRandom r = new SplittableRandom(26);
    BufferedImage argb = new BufferedImage(700, 300, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < argb.getHeight(); y++) {
      for (int x = 0; x < argb.getWidth(); x++) {
        argb.setRGB(x, y, (x * 255 / 699) << 24 | r.nextInt(1 << 24));
      }
    }
    byte[] cmap = new byte[4];
    IndexColorModel icm =
        new IndexColorModel(
            2,
            4,
            new byte[] {0, (byte) 200, 10, 90},
            cmap,
            cmap,
            new byte[] {0, (byte) 255, 80, 0});
    BufferedImage palette = new BufferedImage(90, 40, BufferedImage.TYPE_BYTE_BINARY, icm);
    for (int y = 0; y < palette.getHeight(); y++) {
      for (int x = 0; x < palette.getWidth(); x++) {
        palette.getRaster().setSample(x, y, 0, r.nextInt(4));
      }
    }
    ImageDecoder d = ImageDecoder.defaults();
    for (BufferedImage src : new BufferedImage[] {argb, palette}) {
      byte[] png = TestImages.encode(src, "png");
      BufferedImage decoded = ImageIO.read(new java.io.ByteArrayInputStream(png));
      for (ResizeMode mode : ResizeMode.values()) {
        for (int side : new int[] {32, 150}) {
          String what = src.getWidth() + "x" + src.getHeight() + " " + mode + " " + side;
          RgbImage want = d.decodeResized(png, "png", side, side, mode);
          RgbImage got = d.fit(decoded, "decoded", side, side, mode);
          assertTrue(Arrays.equals(want.pixels(), got.pixels()), what + " (seed 26)");
        }
      }
    }
  }

  private static final ImageDecoder DECODER = ImageDecoder.defaults();

  @TempDir Path dir;

  /** Checks the quadrant centres of a decoded 32x32 (or other) quadrant pattern. */
  private static void assertQuadrants(RgbImage img, int tolerance, String what) {
    int w = img.width();
    int h = img.height();
    int[][] at = {{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}};
    for (int q = 0; q < 4; q++) {
      int d = TestImages.diff(img, at[q][0], at[q][1], QUADRANTS[q]);
      assertTrue(
          d <= tolerance,
          what
              + ": quadrant "
              + q
              + " is 0x"
              + Integer.toHexString(img.rgb(at[q][0], at[q][1]))
              + ", expected 0x"
              + Integer.toHexString(QUADRANTS[q])
              + " (diff "
              + d
              + ")");
    }
  }

  private RgbImage decodeFile(String name, byte[] data) throws IOException {
    Path f = dir.resolve(name);
    Files.write(f, data);
    RgbImage fromFile = DECODER.decode(f);
    RgbImage fromBytes = DECODER.decode(data, name);
    assertTrue(
        Arrays.equals(fromFile.pixels(), fromBytes.pixels()),
        "file and byte paths agree for " + name);
    return fromFile;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "png:rgb",
        "png:rgba",
        "png:gray",
        "png:palette",
        "jpeg:rgb",
        "jpeg:gray",
        "bmp:rgb",
        "bmp:palette",
        "tiff:rgb",
        "tiff:rgba",
        "gif:palette"
      })
  void everyFormatAndColourTypeDecodesToRgb(String spec) throws IOException {
    String format = spec.split(":")[0];
    String kind = spec.split(":")[1];
    int type =
        switch (kind) {
          case "rgb" -> BufferedImage.TYPE_3BYTE_BGR;
          case "rgba" -> BufferedImage.TYPE_4BYTE_ABGR;
          case "gray" -> BufferedImage.TYPE_BYTE_GRAY;
          default -> BufferedImage.TYPE_BYTE_INDEXED;
        };
    BufferedImage src = TestImages.quadrants(32, 32, type);
    if (kind.equals("gray")) { // the expected values are the gray levels themselves
      RgbImage img = decodeFile("a." + format, TestImages.encode(src, format));
      for (int q = 0; q < 4; q++) {
        int x = q % 2 == 0 ? 8 : 24;
        int y = q < 2 ? 8 : 24;
        int g = src.getRaster().getSample(x, y, 0);
        assertTrue(
            TestImages.diff(img, x, y, g << 16 | g << 8 | g) <= (format.equals("jpeg") ? 3 : 0),
            spec + " gray " + g + " came back as 0x" + Integer.toHexString(img.rgb(x, y)));
      }
      return;
    }
    int tol =
        format.equals("jpeg") ? 12 : kind.equals("palette") ? 40 : 0; // default palettes quantise
    RgbImage img = decodeFile("a." + format, TestImages.encode(src, format));
    assertEquals(32, img.width());
    assertEquals(32, img.height());
    assertQuadrants(img, tol, spec);
  }

  @Test
  void grayAlphaPngCompositesOverWhite() throws IOException {
    ComponentColorModel cm =
        new ComponentColorModel(
            ColorSpace.getInstance(ColorSpace.CS_GRAY),
            true,
            false,
            Transparency.TRANSLUCENT,
            DataBuffer.TYPE_BYTE);
    WritableRaster r = cm.createCompatibleWritableRaster(4, 1);
    int[][] ga = {{0, 255}, {100, 0}, {0, 128}, {200, 255}};
    for (int x = 0; x < 4; x++) {
      r.setPixel(x, 0, ga[x]);
    }
    RgbImage img =
        decodeFile("ga.png", TestImages.encode(new BufferedImage(cm, r, false, null), "png"));
    assertEquals(0x000000, img.rgb(0, 0), "opaque black");
    assertEquals(0xFFFFFF, img.rgb(1, 0), "transparent is the background");
    int half = (255 * 127 + 127) / 255; // 0 * 128 + 255 * 127, rounded
    assertEquals(half << 16 | half << 8 | half, img.rgb(2, 0), "half alpha over white");
    assertEquals(0xC8C8C8, img.rgb(3, 0), "opaque gray 200 stays 200 (no gamma change)");
  }

  @Test
  void rgbaAndPaletteTransparencyCompositeOverTheConfiguredBackground() throws IOException {
    BufferedImage rgba = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    rgba.setRGB(0, 0, 0x00FF0000); // fully transparent red
    rgba.setRGB(1, 0, 0x80FF0000); // half red
    byte[] png = TestImages.encode(rgba, "png");
    RgbImage white = DECODER.decode(png, "rgba.png");
    assertEquals(0xFFFFFF, white.rgb(0, 0));
    int c = (255 * 0x80 + 255 * (255 - 0x80) + 127) / 255;
    int bgPart = (255 * (255 - 0x80) + 127) / 255;
    assertEquals(c << 16 | bgPart << 8 | bgPart, white.rgb(1, 0));
    RgbImage black = ImageDecoder.builder().background(0x000000).build().decode(png, "rgba.png");
    assertEquals(0x000000, black.rgb(0, 0));
    assertEquals(((255 * 0x80 + 127) / 255) << 16, black.rgb(1, 0));

    IndexColorModel icm =
        new IndexColorModel(
            8,
            2,
            new byte[] {(byte) 255, 0},
            new byte[] {0, 0},
            new byte[] {0, (byte) 255},
            0); // index 0 is transparent
    BufferedImage pal = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
    pal.getRaster().setSample(0, 0, 0, 0);
    pal.getRaster().setSample(1, 0, 0, 1);
    RgbImage p = decodeFile("pal.png", TestImages.encode(pal, "png"));
    assertEquals(0xFFFFFF, p.rgb(0, 0), "transparent palette entry");
    assertEquals(0x0000FF, p.rgb(1, 0));
  }

  @Test
  void sixteenBitPngsRoundTo8Bits() throws IOException {
    ComponentColorModel cm =
        new ComponentColorModel(
            ColorSpace.getInstance(ColorSpace.CS_sRGB),
            false,
            false,
            Transparency.OPAQUE,
            DataBuffer.TYPE_USHORT);
    WritableRaster r = cm.createCompatibleWritableRaster(2, 1);
    r.setPixel(0, 0, new int[] {65535, 0, 32896}); // 32896 = 128 * 257
    r.setPixel(1, 0, new int[] {257 * 10, 257 * 200 + 100, 300});
    RgbImage img =
        decodeFile("rgb16.png", TestImages.encode(new BufferedImage(cm, r, false, null), "png"));
    assertEquals(0xFF0080, img.rgb(0, 0));
    assertEquals(0x0AC801, img.rgb(1, 0));

    BufferedImage gray16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
    gray16.getRaster().setSample(0, 0, 0, 65535);
    gray16.getRaster().setSample(1, 0, 0, 257 * 77);
    RgbImage g = decodeFile("gray16.png", TestImages.encode(gray16, "png"));
    assertEquals(0xFFFFFF, g.rgb(0, 0));
    assertEquals(0x4D4D4D, g.rgb(1, 0));
  }

  @Test
  void pnmGrayAndRgbIncluding16Bit() throws IOException {
    RgbImage rgb =
        decodeFile("a.ppm", TestImages.pnm(2, 1, true, 255, new int[] {10, 20, 30, 255, 0, 128}));
    assertEquals(0x0A141E, rgb.rgb(0, 0));
    assertEquals(0xFF0080, rgb.rgb(1, 0));
    RgbImage gray = decodeFile("a.pgm", TestImages.pnm(2, 1, false, 255, new int[] {7, 250}));
    assertEquals(0x070707, gray.rgb(0, 0));
    assertEquals(0xFAFAFA, gray.rgb(1, 0));
    RgbImage wide =
        decodeFile("w.ppm", TestImages.pnm(1, 1, true, 65535, new int[] {65535, 0, 257 * 128}));
    assertEquals(0xFF0080, wide.rgb(0, 0));
  }

  @Test
  void cmykJpegDecodesToRgb() throws IOException {
    byte[] cmyk = CmykJpeg.redGreenBlueWhite();
    RgbImage img = decodeFile("cmyk.jpg", cmyk);
    assertEquals(32, img.width());
    assertQuadrantsLoose(img);
  }

  /** CMYK goes through a colour profile: only the hue family is checked. */
  private static void assertQuadrantsLoose(RgbImage img) {
    int[] tl = channels(img.rgb(8, 8));
    int[] tr = channels(img.rgb(24, 8));
    int[] bl = channels(img.rgb(8, 24));
    int[] br = channels(img.rgb(24, 24));
    assertTrue(tl[0] > 150 && tl[1] < 110 && tl[2] < 110, "red " + Arrays.toString(tl));
    assertTrue(tr[1] > 100 && tr[0] < 110 && tr[2] < 130, "green " + Arrays.toString(tr));
    assertTrue(bl[2] > 100 && bl[0] < 110, "blue " + Arrays.toString(bl));
    assertTrue(br[0] > 200 && br[1] > 200 && br[2] > 200, "white " + Arrays.toString(br));
  }

  private static int[] channels(int rgb) {
    return new int[] {rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF};
  }

  /**
   * Stored 64x32 quadrants (TL red, TR green, BL blue, BR cream) tagged with each EXIF orientation;
   * the expected displayed quadrants are derived by hand from the EXIF specification.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void exifOrientationIsApplied(int orientation) throws IOException {
    int red = 0;
    int green = 1;
    int blue = 2;
    int cream = 3;
    int[][] expected = { // displayed TL, TR, BL, BR
      {red, green, blue, cream}, // 1 normal
      {green, red, cream, blue}, // 2 mirror horizontal
      {cream, blue, green, red}, // 3 rotate 180
      {blue, cream, red, green}, // 4 mirror vertical
      {red, blue, green, cream}, // 5 transpose
      {blue, red, cream, green}, // 6 rotate 90 clockwise
      {cream, green, blue, red}, // 7 transverse
      {green, cream, red, blue}, // 8 rotate 90 counter-clockwise
    };
    byte[] plain =
        TestImages.encode(TestImages.quadrants(64, 32, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
    for (boolean little : new boolean[] {true, false}) {
      byte[] tagged = TestImages.withExifOrientation(plain, orientation, little);
      RgbImage img = decodeFile("o" + orientation + ".jpg", tagged);
      boolean swap = orientation >= 5;
      assertEquals(swap ? 32 : 64, img.width(), "width, orientation " + orientation);
      assertEquals(swap ? 64 : 32, img.height(), "height, orientation " + orientation);
      int w = img.width();
      int h = img.height();
      int[][] at = {{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}};
      for (int q = 0; q < 4; q++) {
        int want = QUADRANTS[expected[orientation - 1][q]];
        assertTrue(
            TestImages.diff(img, at[q][0], at[q][1], want) <= 12,
            "orientation "
                + orientation
                + (little ? " II" : " MM")
                + " quadrant "
                + q
                + ": got 0x"
                + Integer.toHexString(img.rgb(at[q][0], at[q][1]))
                + " want 0x"
                + Integer.toHexString(want));
      }
      // the resized path sees the displayed image too
      RgbImage small = DECODER.decodeResized(tagged, "o.jpg", w / 2, h / 2, ResizeMode.STRETCH);
      int want = QUADRANTS[expected[orientation - 1][0]];
      assertTrue(
          TestImages.diff(small, w / 8, h / 8, want) <= 12, "resized, orientation " + orientation);
    }
  }

  @Test
  void exifParserIgnoresGarbage() {
    SplittableRandom rnd = new SplittableRandom(7);
    byte[] plain =
        TestImages.encode(TestImages.quadrants(16, 16, BufferedImage.TYPE_3BYTE_BGR), "jpeg");
    byte[] tagged = TestImages.withExifOrientation(plain, 6, true);
    for (int i = 0; i < 2000; i++) {
      byte[] b = Arrays.copyOf(tagged, 2 + rnd.nextInt(60));
      b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
      int o = ExifOrientation.read(b, 0, b.length);
      assertTrue(o >= 1 && o <= 8);
    }
    assertEquals(6, ExifOrientation.read(tagged, 0, tagged.length));
    assertEquals(1, ExifOrientation.read(plain, 0, plain.length));
  }

  @Test
  void emptyFile() throws IOException {
    Path f = Files.write(dir.resolve("empty.jpg"), new byte[0]);
    assertReason(Reason.EMPTY_FILE, f);
  }

  @Test
  void textFileNamedJpg() throws IOException {
    Path f = Files.writeString(dir.resolve("notes.jpg"), "hello, this is not a picture\n");
    assertReason(Reason.NOT_AN_IMAGE, f);
  }

  @Test
  void truncatedJpegAndPng() throws IOException {
    RgbImage big = TestImages.smooth(256, 256, 1);
    byte[] jpeg;
    try (JpegEncoder enc = new JpegEncoder(90)) {
      jpeg = enc.encode(big);
    }
    assertReason(
        Reason.TRUNCATED,
        Files.write(dir.resolve("half.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2)));
    // accepting truncation gives an image (gray at the bottom) instead
    RgbImage partial =
        ImageDecoder.builder()
            .acceptTruncated(true)
            .build()
            .decode(Arrays.copyOf(jpeg, jpeg.length / 2), "half.jpg");
    assertEquals(256, partial.height());
    // only the EOI marker missing: all pixel data is there, accepted
    RgbImage noEoi = DECODER.decode(Arrays.copyOf(jpeg, jpeg.length - 2), "noeoi.jpg");
    assertEquals(256, noEoi.width());

    byte[] png = TestImages.encode(big.toBufferedImage(), "png");
    assertReason(
        Reason.TRUNCATED, Files.write(dir.resolve("half.png"), Arrays.copyOf(png, png.length / 2)));
  }

  @Test
  void oneByOneIsValid() throws IOException {
    BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_3BYTE_BGR);
    one.setRGB(0, 0, 0x336699);
    for (String format : new String[] {"png", "jpeg", "bmp"}) {
      RgbImage img = decodeFile("one." + format, TestImages.encode(one, format));
      assertEquals(1, img.width());
      assertEquals(1, img.height());
      assertTrue(TestImages.diff(img, 0, 0, 0x336699) <= 8, format);
      RgbImage up =
          DECODER.decodeResized(
              TestImages.encode(one, format), "one", 5, 3, ResizeMode.SHORTER_SIDE_CENTER_CROP);
      assertEquals(5, up.width());
      assertEquals(3, up.height());
    }
    ImageDecodeException e =
        assertThrows(
            ImageDecodeException.class,
            () ->
                ImageDecoder.builder()
                    .minSide(2)
                    .build()
                    .decode(TestImages.encode(one, "png"), "one.png"));
    assertEquals(Reason.TOO_SMALL, e.reason());
  }

  @Test
  void decompressionBombIsRefusedFromTheHeader() throws IOException {
    // decoded whole, 400 MP is over the decoded-pixel limit (subsampled it would be in, and this
    // data-less file would then be truncated: see theDecompressionBombGuardHolds...)
    Path png = Files.write(dir.resolve("bomb.png"), TestImages.pngHeaderOnly(20000, 20000));
    ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DECODER.decode(png));
    assertEquals(Reason.TOO_LARGE, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("20000x20000"), e.getMessage());
    // over the source guard (2^31 pixels) it is refused whether subsampled or not
    assertReason(
        Reason.TOO_LARGE,
        Files.write(dir.resolve("bomb2.png"), TestImages.pngHeaderOnly(50000, 50000)));
    // refused before any pixel buffer exists: the raster alone would be 1.2 GB
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    assertThrows(ImageDecodeException.class, () -> DECODER.decode(png));
    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
    assertTrue(allocated < 16 << 20, "refusing the bomb allocated " + allocated + " bytes");
    byte[] jpeg =
        TestImages.patchJpegSize(
            TestImages.encode(TestImages.quadrants(16, 16, BufferedImage.TYPE_3BYTE_BGR), "jpeg"),
            60000,
            60000);
    assertReason(Reason.TOO_LARGE, Files.write(dir.resolve("bomb.jpg"), jpeg));
    // a lower limit refuses smaller images; the limit is inclusive
    byte[] small =
        TestImages.encode(TestImages.quadrants(100, 100, BufferedImage.TYPE_3BYTE_BGR), "png");
    assertEquals(
        Reason.TOO_LARGE,
        assertThrows(
                ImageDecodeException.class,
                () -> ImageDecoder.builder().maxPixels(9999).build().decode(small, "s.png"))
            .reason());
    assertEquals(
        100, ImageDecoder.builder().maxPixels(10000).build().decode(small, "s.png").width());
  }

  /** Bytes the current thread allocates on the heap while {@code r} runs. */
  private static long allocated(ThrowingRunnable r) throws Exception {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    r.run();
    return mx.getCurrentThreadAllocatedBytes() - before;
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void hugePngIsDecodedSubsampledWithTheHeapBoundByTheDecodedSize() throws Exception {
    // 108 MP: over the 100 MP decoded-pixel limit, so it was refused before subsampling counted
    int w = 12000;
    int h = 9000;
    Path png = Files.write(dir.resolve("huge.png"), TestImages.largeQuadrantPng(w, h));
    assertTrue(Files.size(png) < 4 << 20, "the test file stays small: " + Files.size(png));
    RgbImage[] out = new RgbImage[1];
    long bytes =
        allocated(
            () -> out[0] = DECODER.decodeResized(png, 64, 48, ResizeMode.SHORTER_SIDE_CENTER_CROP));
    assertEquals(64, out[0].width());
    assertEquals(48, out[0].height());
    for (int q = 0; q < 4; q++) { // the quadrant colours survive, away from the seams
      int x = q % 2 == 0 ? 8 : 56;
      int y = q < 2 ? 6 : 42;
      assertTrue(
          TestImages.diff(out[0], x, y, QUADRANTS[q]) <= 2,
          "quadrant " + q + ": " + Integer.toHexString(out[0].rgb(x, y)));
    }
    // a full decode would allocate 12000 x 9000 x (3 raster + 3 RGB) = 648 MB; the file is read
    // once (< 4 MB) and the subsampled image (1/93: 129 x 97) is small
    assertTrue(bytes < 24L << 20, "decoding the huge PNG allocated " + bytes + " bytes");
    // decoded whole it is over the decoded-pixel limit, refused from the header
    long refused =
        allocated(
            () -> {
              ImageDecodeException e =
                  assertThrows(ImageDecodeException.class, () -> DECODER.decode(png));
              assertEquals(Reason.TOO_LARGE, e.reason());
              assertTrue(e.getMessage().contains("12000x9000"), e.getMessage());
            });
    assertTrue(refused < 16L << 20, "refusing allocated " + refused + " bytes");
  }

  @Test
  void hugeSequentialJpegIsDecodedSubsampledButAProgressiveOneIsRefused() throws Exception {
    Path jpg = Files.write(dir.resolve("huge.jpg"), TestImages.largeGrayJpeg(12000, 9000));
    RgbImage[] out = new RgbImage[1];
    long bytes = allocated(() -> out[0] = DECODER.decodeResized(jpg, 32, 32, ResizeMode.STRETCH));
    assertEquals(32, out[0].width());
    for (int i = 0; i < out[0].pixels().length; i++) {
      assertEquals(128, out[0].pixels()[i] & 0xFF, "pixel byte " + i);
    }
    assertTrue(bytes < 24L << 20, "decoding the huge JPEG allocated " + bytes + " bytes");
    // libjpeg buffers a progressive JPEG whole: its source must be within the decoded limit
    BufferedImage small = TestImages.quadrants(64, 64, BufferedImage.TYPE_3BYTE_BGR);
    byte[] progressive;
    javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        javax.imageio.stream.ImageOutputStream o = ImageIO.createImageOutputStream(b)) {
      javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
      param.setProgressiveMode(javax.imageio.ImageWriteParam.MODE_DEFAULT);
      writer.setOutput(o);
      writer.write(null, new javax.imageio.IIOImage(small, null, null), param);
      o.flush();
      progressive = b.toByteArray();
    } finally {
      writer.dispose();
    }
    assertEquals(0xC2, JpegFrame.sofMarker(progressive));
    Path big =
        Files.write(dir.resolve("prog.jpg"), TestImages.patchJpegSize(progressive, 12000, 9000));
    ImageDecodeException e =
        assertThrows(
            ImageDecodeException.class,
            () -> DECODER.decodeResized(big, 32, 32, ResizeMode.STRETCH));
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertTrue(e.getMessage().contains("progressive"), e.getMessage());
  }

  @Test
  void theDecompressionBombGuardHoldsWhereSubsamplingWouldOtherwiseLetAFileIn() throws Exception {
    // 10^10 pixels claimed by a 60-byte file: over the 2^31 source guard even at 64 x 64
    Path bomb = Files.write(dir.resolve("bomb.png"), TestImages.pngHeaderOnly(100000, 100000));
    long bytes =
        allocated(
            () -> {
              ImageDecodeException e =
                  assertThrows(
                      ImageDecodeException.class,
                      () -> DECODER.decodeResized(bomb, 64, 64, ResizeMode.STRETCH));
              assertEquals(Reason.TOO_LARGE, e.reason());
              assertTrue(e.getMessage().contains("100000x100000"), e.getMessage());
              assertTrue(e.getMessage().contains("decompression-bomb"), e.getMessage());
            });
    assertTrue(bytes < 16L << 20, "refusing the bomb allocated " + bytes + " bytes");
    // under the guard, a header with no data behind it fails as what it is, cheaply
    Path cut = Files.write(dir.resolve("cut.png"), TestImages.pngHeaderOnly(40000, 40000));
    long cutBytes =
        allocated(
            () -> {
              ImageDecodeException e =
                  assertThrows(
                      ImageDecodeException.class,
                      () -> DECODER.decodeResized(cut, 64, 64, ResizeMode.STRETCH));
              assertTrue(
                  e.reason() == Reason.TRUNCATED || e.reason() == Reason.CORRUPT, e.getMessage());
            });
    assertTrue(cutBytes < 16L << 20, "the cut file allocated " + cutBytes + " bytes");
    // a lower guard is honoured; the decoded-size limit counts the subsampled image
    assertEquals(
        Reason.TOO_LARGE,
        assertThrows(
                ImageDecodeException.class,
                () ->
                    ImageDecoder.builder()
                        .maxSourcePixels(1_000_000)
                        .build()
                        .decodeResized(cut, 64, 64, ResizeMode.STRETCH))
            .reason());
    byte[] png =
        TestImages.encode(TestImages.quadrants(1000, 1000, BufferedImage.TYPE_3BYTE_BGR), "png");
    ImageDecoder tight = ImageDecoder.builder().maxPixels(10_000).build();
    assertEquals( // 1/10: 100 x 100 decoded
        50, tight.decodeResized(png, "p.png", 50, 50, ResizeMode.STRETCH).width());
    ImageDecodeException e =
        assertThrows( // 1/2: 500 x 500 decoded
            ImageDecodeException.class,
            () -> tight.decodeResized(png, "p.png", 200, 200, ResizeMode.STRETCH));
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertTrue(e.getMessage().contains("decodes at 1/2 to 500x500"), e.getMessage());
  }

  @Test
  void fitKeepsThePixelLimitOfAFileDecode() throws IOException {
    BufferedImage big = TestImages.quadrants(1000, 1000, BufferedImage.TYPE_3BYTE_BGR);
    ImageDecoder tight = ImageDecoder.builder().maxPixels(10_000).build();
    assertEquals( // 1/10: 100 x 100 kept
        50, tight.fit(big, "big", 50, 50, ResizeMode.STRETCH).width());
    ImageDecodeException e =
        assertThrows( // 1/2: 500 x 500 kept
            ImageDecodeException.class, () -> tight.fit(big, "big", 200, 200, ResizeMode.STRETCH));
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertTrue(
        e.getMessage().contains("big") && e.getMessage().contains("500x500"), e.getMessage());
    ImageDecoder whole = ImageDecoder.builder().maxPixels(10_000).subsample(false).build();
    assertEquals(
        Reason.TOO_LARGE,
        assertThrows(
                ImageDecodeException.class, () -> whole.fit(big, "big", 50, 50, ResizeMode.STRETCH))
            .reason());
  }

  @Test
  void fileSizeLimit() throws IOException {
    Path f =
        Files.write(
            dir.resolve("big.png"),
            TestImages.encode(TestImages.quadrants(64, 64, BufferedImage.TYPE_3BYTE_BGR), "png"));
    ImageDecodeException e =
        assertThrows(
            ImageDecodeException.class,
            () -> ImageDecoder.builder().maxFileBytes(10).build().decode(f));
    assertEquals(Reason.TOO_LARGE, e.reason());
  }

  @Test
  void unreadableFiles() throws IOException {
    assertReason(Reason.UNREADABLE, dir.resolve("missing.png"));
    assertReason(Reason.UNREADABLE, Files.createDirectory(dir.resolve("folder.png")));
    Path loop = dir.resolve("loop.png");
    Files.createSymbolicLink(loop, loop);
    assertReason(Reason.UNREADABLE, loop);

    Path f =
        Files.write(
            dir.resolve("secret.png"),
            TestImages.encode(TestImages.quadrants(8, 8, BufferedImage.TYPE_3BYTE_BGR), "png"));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
    assumeFalse(
        Files.isReadable(f),
        "running as root: chmod 000 does not stop reads, permission check skipped");
    assertReason(Reason.UNREADABLE, f);
  }

  @Test
  void messagesAreOneLineNamingFileAndReason() throws IOException {
    Path f = Files.writeString(dir.resolve("bad.jpg"), "line1\nline2");
    ImageDecodeException e = assertReason(Reason.NOT_AN_IMAGE, f);
    assertTrue(e.getMessage().startsWith(f + ": not an image"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    ImageDecodeException multi = new ImageDecodeException("x", Reason.CORRUPT, "a\nb\r\nc");
    assertEquals("x: corrupt (a b c)", multi.getMessage());
  }

  /**
   * Truncations and byte flips of valid files of every format: the result is an image or an
   * ImageDecodeException, never another exception or error.
   */
  @Test
  void damagedFilesNeverThrowAnythingElse() {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom rnd = new SplittableRandom(seed);
    BufferedImage src = TestImages.quadrants(24, 20, BufferedImage.TYPE_3BYTE_BGR);
    byte[][] files = {
      TestImages.encode(src, "jpeg"),
      TestImages.encode(src, "png"),
      TestImages.encode(src, "bmp"),
      TestImages.encode(src, "tiff"),
      TestImages.encode(src, "gif"),
      TestImages.pnm(2, 2, true, 255, new int[12]),
      CmykJpeg.redGreenBlueWhite()
    };
    for (int i = 0; i < 400; i++) {
      byte[] b = files[i % files.length];
      b = rnd.nextBoolean() ? Arrays.copyOf(b, rnd.nextInt(b.length)) : b.clone();
      int flips = rnd.nextInt(4);
      for (int k = 0; k < flips && b.length > 0; k++) {
        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
      }
      try {
        RgbImage img = DECODER.decodeResized(b, "fuzz", 8, 8, ResizeMode.PAD);
        assertEquals(8, img.width());
      } catch (ImageDecodeException expected) {
        assertFalse(expected.getMessage().contains("\n"));
      } catch (Throwable t) {
        fail("seed " + seed + " iteration " + i + ": " + t, t);
      }
    }
  }

  @Test
  void subsamplingKeepsAtLeastTwiceTheOutputResolution() {
    ImageDecoder d = ImageDecoder.defaults();
    assertEquals(6, d.subsamplingFactor(5120, 2880, 224, 224, ResizeMode.SHORTER_SIDE_CENTER_CROP));
    assertEquals(6, d.subsamplingFactor(2880, 5120, 224, 224, ResizeMode.SHORTER_SIDE_CENTER_CROP));
    assertEquals(
        11,
        d.subsamplingFactor(
            5120, 2880, 224, 224, ResizeMode.PAD)); // longer side binds: 5120/11 = 465 >= 448
    assertEquals(1, d.subsamplingFactor(400, 400, 224, 224, ResizeMode.STRETCH));
    assertEquals(1, d.subsamplingFactor(100, 100, 224, 224, ResizeMode.STRETCH));
    assertEquals(
        1,
        ImageDecoder.builder()
            .subsample(false)
            .build()
            .subsamplingFactor(5120, 2880, 224, 224, ResizeMode.PAD));
    for (int w = 224; w < 6000; w += 97) {
      for (ResizeMode m : ResizeMode.values()) {
        int k = d.subsamplingFactor(w, 3 * w / 4, 224, 224, m);
        double s =
            m == ResizeMode.PAD
                ? Math.min(224.0 / w, 224.0 / (3 * w / 4))
                : Math.max(224.0 / w, 224.0 / (3 * w / 4));
        assertTrue(
            k == 1 || 1.0 / (s * k) >= 2.0, "k " + k + " leaves less than 2x at " + w + " " + m);
        assertTrue(1.0 / (s * (k + 1)) < 2.0, "k " + k + " is not the largest at " + w + " " + m);
      }
    }
  }

  @Test
  void subsampledDecodeIsCloseToTheFullDecode() throws IOException {
    RgbImage big = TestImages.smooth(1600, 1200, 3);
    byte[] jpeg;
    try (JpegEncoder enc = new JpegEncoder(95)) {
      jpeg = enc.encode(big);
    }
    RgbImage fast =
        DECODER.decodeResized(jpeg, "big.jpg", 200, 200, ResizeMode.SHORTER_SIDE_CENTER_CROP);
    RgbImage full =
        ImageDecoder.builder()
            .subsample(false)
            .build()
            .decodeResized(jpeg, "big.jpg", 200, 200, ResizeMode.SHORTER_SIDE_CENTER_CROP);
    RgbImage ref = Resizer.resize(big, 200, 200, ResizeMode.SHORTER_SIDE_CENTER_CROP);
    double p = TestImages.psnr(fast.pixels(), full.pixels());
    assertTrue(p > 30, "subsampled vs full decode PSNR " + p);
    assertTrue(TestImages.psnr(full.pixels(), ref.pixels()) > 30);
  }

  private ImageDecodeException assertReason(Reason reason, Path f) {
    ImageDecodeException e =
        assertThrows(ImageDecodeException.class, () -> DECODER.decode(f), f.toString());
    assertEquals(reason, e.reason(), e.getMessage());
    assertEquals(f.toString(), e.source());
    ImageDecodeException e2 =
        assertThrows(
            ImageDecodeException.class,
            () -> DECODER.decodeResized(f, 16, 16, ResizeMode.SHORTER_SIDE_CENTER_CROP),
            f.toString());
    assertEquals(reason, e2.reason(), e2.getMessage());
    return e;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
