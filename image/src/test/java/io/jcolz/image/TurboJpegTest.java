package io.jcolz.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcolz.image.ImageDecodeException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.IIOImage;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libjpeg-turbo against ImageIO on the same JPEGs. Tests that need the library skip (JUnit
 * assumption) where it is not installed; the absent-library ones run everywhere.
 */
class TurboJpegTest {
  private static final long SEED = 20261122L;
  private static final ImageDecoder IMAGEIO = ImageDecoder.builder().turbo(false).build();
  private static final ImageDecoder TURBO = ImageDecoder.defaults();

  private static void needTurbo() {
    assumeTrue(TurboJpeg.available(), "libturbojpeg not installed: " + TurboJpeg.status());
  }

  /** Mean absolute difference per byte of two equal-length pixel arrays. */
  static double mad(byte[] a, byte[] b) {
    assertEquals(a.length, b.length, "pixel counts differ");
    long s = 0;
    for (int i = 0; i < a.length; i++) {
      s += Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
    }
    return (double) s / a.length;
  }

  private static byte[] imageIoJpeg(RgbImage img, int quality, boolean progressive)
      throws IOException {
    ImageWriter w = ImagePlugins.jdkJpegWriter();
    try {
      ImageWriteParam p = w.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(quality / 100f);
      if (progressive) {
        p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
        w.setOutput(out);
        w.write(
            null,
            new IIOImage(JpegEncoder.wrap(img.pixels(), img.width(), img.height()), null, null),
            p);
      }
      return bytes.toByteArray();
    } finally {
      w.dispose();
    }
  }

  private static byte[] turboJpeg(RgbImage img, int subsampling, int quality) throws Exception {
    try (TurboJpeg.Codec c = TurboJpeg.newCodec()) {
      return c.compress(img.segment(), img.width(), img.height(), subsampling, quality);
    }
  }

  /** The JPEG samples of each kind the tests compare: name, bytes. */
  private static List<Object[]> samples() throws Exception {
    List<Object[]> out = new ArrayList<>();
    RgbImage photo = TestImages.smooth(224, 224, SEED);
    out.add(new Object[] {"photo-like 224 q90 4:2:0 (ImageIO)", imageIoJpeg(photo, 90, false)});
    out.add(new Object[] {"progressive (ImageIO)", imageIoJpeg(photo, 90, true)});
    out.add(new Object[] {"4:4:4 (TurboJPEG)", turboJpeg(photo, TurboJpeg.TJSAMP_444, 90)});
    out.add(new Object[] {"4:2:0 (TurboJPEG)", turboJpeg(photo, TurboJpeg.TJSAMP_420, 75)});
    RgbImage odd = TestImages.smooth(123, 77, SEED + 1);
    out.add(new Object[] {"odd 123x77 4:2:0", imageIoJpeg(odd, 90, false)});
    out.add(new Object[] {"odd 123x77 4:4:4", turboJpeg(odd, TurboJpeg.TJSAMP_444, 90)});
    out.add(
        new Object[] {
          "grayscale",
          TestImages.encode(TestImages.quadrants(70, 50, BufferedImage.TYPE_BYTE_GRAY), "jpeg")
        });
    return out;
  }

  @Test
  void turboAndImageIoDecodeTheSameJpegsAlike() throws Exception {
    needTurbo();
    try (JpegDecoder turbo = new JpegDecoder();
        JpegDecoder imageIo = JpegDecoder.imageIo()) {
      assertTrue(turbo.usesTurbo());
      assertFalse(imageIo.usesTurbo());
      for (Object[] s : samples()) {
        String what = (String) s[0] + " (seed " + SEED + ")";
        byte[] jpeg = (byte[]) s[1];
        RgbImage a = turbo.decode(jpeg);
        RgbImage b = imageIo.decode(jpeg);
        assertEquals(b.width(), a.width(), what);
        assertEquals(b.height(), a.height(), what);
        double d = mad(a.pixels(), b.pixels());
        assertTrue(d <= 0.5, what + ": mean abs difference " + d);
        // the general decoder agrees too (its turbo path against its ImageIO path)
        double g = mad(TURBO.decode(jpeg, what).pixels(), IMAGEIO.decode(jpeg, what).pixels());
        assertTrue(g <= 0.5, what + ": ImageDecoder mean abs difference " + g);
      }
    }
  }

  @Test
  void decodeReusedAndDecodeIntoGiveTheSamePixelsOnAndOffHeap() throws Exception {
    needTurbo();
    byte[] jpeg = imageIoJpeg(TestImages.smooth(96, 64, SEED), 90, false);
    try (JpegDecoder dec = new JpegDecoder();
        Arena arena = Arena.ofConfined()) {
      byte[] expected = dec.decode(jpeg).pixels();
      MemorySegment off = arena.allocate(jpeg.length);
      MemorySegment.copy(jpeg, 0, off, ValueLayout.JAVA_BYTE, 0, jpeg.length);
      JpegDecoder.Decoded r = dec.decodeReused(off);
      assertEquals(96, r.width());
      assertEquals(64, r.height());
      assertTrue(r.pixels().isNative(), "turbo decodes into an off-heap buffer");
      assertArrayEquals(expected, r.pixels().toArray(ValueLayout.JAVA_BYTE));
      JpegDecoder.Decoded again = dec.decodeReused(MemorySegment.ofArray(jpeg));
      assertEquals(r.pixels().address(), again.pixels().address(), "buffer reused");
      MemorySegment dst = arena.allocate(expected.length + 1);
      dec.decodeInto(off, 96, 64, dst);
      assertArrayEquals(expected, dst.asSlice(0, expected.length).toArray(ValueLayout.JAVA_BYTE));
      assertEquals(0, dst.get(ValueLayout.JAVA_BYTE, expected.length), "nothing past the image");
      ImageDecodeException e =
          assertThrows(ImageDecodeException.class, () -> dec.decodeInto(off, 95, 64, dst));
      assertTrue(e.getMessage().contains("expected 95x64"), e.getMessage());
    }
  }

  @Test
  void exifOrientationIsAppliedAsBefore() throws Exception {
    needTurbo();
    byte[] plain = imageIoJpeg(TestImages.smooth(80, 48, SEED), 90, false);
    for (int o = 1; o <= 8; o++) {
      byte[] jpeg = TestImages.withExifOrientation(plain, o, o % 2 == 0);
      RgbImage a = TURBO.decode(jpeg, "o" + o);
      RgbImage b = IMAGEIO.decode(jpeg, "o" + o);
      assertEquals(b.width(), a.width(), "orientation " + o);
      assertEquals(o >= 5 ? 48 : 80, a.width(), "orientation " + o);
      double d = mad(a.pixels(), b.pixels());
      assertTrue(d <= 0.5, "orientation " + o + ": mean abs difference " + d);
      RgbImage ar = TURBO.decodeResized(jpeg, "o" + o, 20, 20, ResizeMode.SHORTER_SIDE_CENTER_CROP);
      RgbImage br =
          IMAGEIO.decodeResized(jpeg, "o" + o, 20, 20, ResizeMode.SHORTER_SIDE_CENTER_CROP);
      assertTrue(mad(ar.pixels(), br.pixels()) <= 1.5, "resized, orientation " + o);
    }
  }

  @Test
  void dctScaleIsTheLargestThatKeepsTwoPixelsPerOutputPixel() {
    needTurbo();
    assertArrayEquals(new int[] {1, 2, 4, 8}, TurboJpeg.denominators());
    ImageDecoder d = ImageDecoder.defaults();
    ResizeMode crop = ResizeMode.SHORTER_SIDE_CENTER_CROP;
    assertEquals(1, d.dctDenominator(224, 224, 1, 224, 224, crop), "same size");
    assertEquals(1, d.dctDenominator(1024, 768, 1, 224, 224, crop), "768/2 < 448");
    assertEquals(2, d.dctDenominator(1600, 1200, 1, 224, 224, crop), "600 >= 448 > 300");
    assertEquals(4, d.dctDenominator(4000, 3000, 1, 224, 224, crop), "750 >= 448 > 375");
    assertEquals(8, d.dctDenominator(8000, 6000, 1, 224, 224, crop), "750 at 1/8");
    // PAD binds on the longer side: 4000 -> 224 needs 448 along x: 1/8 gives 500
    assertEquals(8, d.dctDenominator(4000, 3000, 1, 224, 224, ResizeMode.PAD));
    // a tall output needs more rows: 1600x1200 to 100x400 needs 800 rows: 1/1 (600 at 1/2)
    assertEquals(1, d.dctDenominator(1600, 1200, 1, 100, 400, ResizeMode.STRETCH));
    // EXIF 6 swaps the sides: stored 1200x1600 shows as 1600x1200, same answer as unrotated
    assertEquals(2, d.dctDenominator(1200, 1600, 6, 224, 224, crop));
    assertEquals(1, d.dctDenominator(1600, 1200, 1, 0, 0, null), "no resize: full size");
    ImageDecoder off = ImageDecoder.builder().subsample(false).build();
    assertEquals(1, off.dctDenominator(8000, 6000, 1, 224, 224, crop), "subsampling off");
    ImageDecoder four = ImageDecoder.builder().minOversample(4).build();
    assertEquals(2, four.dctDenominator(4000, 3000, 1, 224, 224, crop), "896 rows needed");
  }

  @Test
  void dctScaledDecodeIsCloseToFullDecodeThenResize() throws Exception {
    needTurbo();
    RgbImage big = TestImages.smooth(1600, 1200, SEED);
    byte[] jpeg = imageIoJpeg(big, 90, false);
    ImageDecoder exact = ImageDecoder.builder().turbo(false).subsample(false).build();
    for (ResizeMode mode : ResizeMode.values()) {
      RgbImage full = exact.decodeResized(jpeg, "big.jpg", 224, 224, mode);
      RgbImage scaled = TURBO.decodeResized(jpeg, "big.jpg", 224, 224, mode);
      RgbImage today = IMAGEIO.decodeResized(jpeg, "big.jpg", 224, 224, mode);
      assertEquals(224, scaled.width());
      double dt = mad(scaled.pixels(), full.pixels());
      double di = mad(today.pixels(), full.pixels());
      assertTrue(dt <= 1.5, mode + ": DCT-scaled vs full decode+resize " + dt);
      assertTrue(dt <= di + 0.5, mode + ": turbo " + dt + " vs ImageIO subsampled " + di);
    }
  }

  @Test
  void brokenButReadableJpegsFallBackToImageIo() throws Exception {
    needTurbo();
    byte[] jpeg = imageIoJpeg(TestImages.smooth(64, 64, SEED), 90, false);
    // two stray bytes before EOI: libjpeg warns ("extraneous bytes"), ImageIO accepts the image
    byte[] stray = Arrays.copyOf(jpeg, jpeg.length + 2);
    System.arraycopy(jpeg, jpeg.length - 2, stray, jpeg.length, 2);
    stray[jpeg.length - 2] = 0x12;
    stray[jpeg.length - 1] = 0x34;
    try (TurboJpeg.Codec c = TurboJpeg.newCodec()) {
      MemorySegment src = c.nativeInput(MemorySegment.ofArray(stray));
      TurboJpeg.Header h = c.header(src);
      TurboJpeg.Failure f =
          assertThrows(
              TurboJpeg.Failure.class,
              () ->
                  c.decompress(
                      src, h.width(), h.height(), MemorySegment.ofArray(new byte[64 * 64 * 3])));
      assertTrue(f.warning(), f.getMessage());
    }
    try (JpegDecoder turbo = new JpegDecoder();
        JpegDecoder imageIo = JpegDecoder.imageIo()) {
      assertArrayEquals(imageIo.decode(stray).pixels(), turbo.decode(stray).pixels());
    }
    assertArrayEquals(
        IMAGEIO.decode(stray, "stray.jpg").pixels(), TURBO.decode(stray, "stray.jpg").pixels());
    // a truncated file ImageIO is told to accept: turbo warns, ImageIO's gray-filled image wins
    byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2);
    ImageDecoder lenient = ImageDecoder.builder().acceptTruncated(true).build();
    ImageDecoder lenientIo = ImageDecoder.builder().acceptTruncated(true).turbo(false).build();
    assertArrayEquals(
        lenientIo.decode(cut, "cut.jpg").pixels(), lenient.decode(cut, "cut.jpg").pixels());
    // CMYK: TurboJPEG would give CMYK, so TwelveMonkeys converts it as before
    byte[] cmyk = CmykJpeg.redGreenBlueWhite();
    assertArrayEquals(
        IMAGEIO.decode(cmyk, "cmyk.jpg").pixels(), TURBO.decode(cmyk, "cmyk.jpg").pixels());
  }

  @Test
  void truncatedAndGarbageJpegsGiveOneClearErrorNamingTheImage() throws Exception {
    byte[] jpeg = imageIoJpeg(TestImages.smooth(64, 64, SEED), 90, false);
    byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2);
    byte[] garbage = new byte[400];
    new java.util.SplittableRandom(SEED).nextBytes(garbage);
    garbage[0] = (byte) 0xFF;
    garbage[1] = (byte) 0xD8;
    garbage[2] = (byte) 0xFF;
    for (ImageDecoder d : List.of(TURBO, IMAGEIO)) {
      ImageDecodeException e =
          assertThrows(ImageDecodeException.class, () -> d.decode(cut, "photos/cut.jpg"));
      assertEquals(Reason.TRUNCATED, e.reason(), e.getMessage());
      assertTrue(e.getMessage().startsWith("photos/cut.jpg"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
      ImageDecodeException g =
          assertThrows(ImageDecodeException.class, () -> d.decode(garbage, "photos/bad.jpg"));
      assertTrue(g.getMessage().startsWith("photos/bad.jpg"), g.getMessage());
      assertFalse(g.getMessage().contains("\n"), "one line: " + g.getMessage());
    }
    try (JpegDecoder dec = new JpegDecoder()) {
      ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> dec.decode(cut));
      assertEquals(Reason.TRUNCATED, e.reason(), e.getMessage());
      assertThrows(
          ImageDecodeException.class, () -> dec.decodeReused(MemorySegment.ofArray(garbage)));
      // the decoder still works after failures
      assertEquals(64, dec.decode(jpeg).width());
    }
  }

  /** Pairs of (sampling factors of each component, quantisation tables) of a baseline JPEG. */
  private static String structure(byte[] d) {
    StringBuilder sb = new StringBuilder();
    int p = 2;
    while (p + 4 <= d.length) {
      int marker = d[p + 1] & 0xFF;
      int len = (d[p + 2] & 0xFF) << 8 | (d[p + 3] & 0xFF);
      if (marker == 0xDB) { // DQT: one or more tables, 8-bit precision
        int q = p + 4;
        while (q < p + 2 + len) {
          int pt = d[q] & 0xFF;
          assertEquals(0, pt >> 4, "8-bit tables");
          sb.append("DQT").append(pt & 15).append('[');
          for (int i = 0; i < 64; i++) {
            sb.append(d[q + 1 + i] & 0xFF).append(i < 63 ? "," : "]");
          }
          q += 65;
        }
      } else if (marker == 0xC0 || marker == 0xC2) {
        int n = d[p + 9] & 0xFF;
        sb.append("SOF").append(Integer.toHexString(marker)).append(':');
        for (int c = 0; c < n; c++) {
          int hv = d[p + 11 + 3 * c] & 0xFF;
          sb.append(hv >> 4).append('x').append(hv & 15).append("/q").append(d[p + 12 + 3 * c]);
          sb.append(' ');
        }
      } else if (marker == 0xDA) {
        break;
      }
      p += 2 + len;
    }
    return sb.toString();
  }

  /** Offset of the first DHT or SOS marker: where the coded data starts. */
  private static int sos(byte[] d) {
    for (int p = 2; p + 4 <= d.length; p += 2 + ((d[p + 2] & 0xFF) << 8 | (d[p + 3] & 0xFF))) {
      int marker = d[p + 1] & 0xFF;
      if (marker == 0xC4 || marker == 0xDA) {
        return p;
      }
    }
    throw new AssertionError("no DHT/SOS marker");
  }

  @Test
  void turboEncodesWithTheSameSubsamplingAndQuantisationAsImageIo() throws Exception {
    needTurbo();
    RgbImage img = TestImages.smooth(224, 160, SEED);
    for (int q : new int[] {10, 50, 75, 90, 95, 100}) {
      try (JpegEncoder turbo = new JpegEncoder(q);
          JpegEncoder imageIo = JpegEncoder.imageIo(q);
          JpegDecoder dec = JpegDecoder.imageIo()) {
        assertTrue(turbo.usesTurbo());
        byte[] a = turbo.encode(img);
        byte[] b = imageIo.encode(img);
        String sa = structure(a);
        assertEquals(structure(b), sa, "quality " + q);
        assertTrue(sa.contains("SOFc0:2x2/q0 1x1/q1 1x1/q1"), "4:2:0 baseline: " + sa);
        byte[] pa = dec.decode(a).pixels();
        byte[] pb = dec.decode(b).pixels();
        double d = mad(pa, pb);
        double psnrA = TestImages.psnr(img.pixels(), pa);
        double psnrB = TestImages.psnr(img.pixels(), pb);
        assertEquals(0.0, d, "quality " + q + ": same DCT, same quantisation, same pixels");
        assertEquals(psnrB, psnrA, 1e-9, "quality " + q);
        if (TurboJpeg.status().contains("TJ_OPTIMIZE=1")) { // optimised Huffman tables as ImageIO
          // the same scan bytes as ImageIO's writer (the JFIF headers differ: version 1.01/1.02)
          assertArrayEquals(
              Arrays.copyOfRange(b, sos(b), b.length),
              Arrays.copyOfRange(a, sos(a), a.length),
              "quality " + q + ": Huffman tables and scan");
        }
        // from an array offset, as pack hands rows
        byte[] shifted = new byte[7 + img.pixels().length];
        System.arraycopy(img.pixels(), 0, shifted, 7, img.pixels().length);
        assertArrayEquals(a, turbo.encode(shifted, 7, 224, 160), "offset 7");
      }
    }
  }

  @Test
  void codecsOnManyThreadsAgree() throws Exception {
    needTurbo();
    byte[] jpeg = imageIoJpeg(TestImages.smooth(128, 96, SEED), 90, false);
    byte[] expected = TURBO.decode(jpeg, "t").pixels();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 4; t++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < 50; i++) {
                        assertArrayEquals(expected, TURBO.decode(jpeg, "t").pixels());
                      }
                    } catch (Throwable e) {
                      errors.add(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    assertTrue(errors.isEmpty(), errors.toString());
  }

  @Test
  void loadReportsAMissingOrDisabledLibraryInOneLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    String[] status = new String[1];
    assertNull(TurboJpeg.load("/nonexistent/libturbojpeg.so.0", null, status, err));
    assertNull(TurboJpeg.load(null, "off", status, err));
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(2, lines.length, Arrays.toString(lines));
    assertTrue(
        lines[0].startsWith(
            "jcolz: libturbojpeg not found (-Djcolz.turbojpeg=/nonexistent/libturbojpeg.so.0: no"
                + " such file); JPEG decoding uses ImageIO (slower). Install: apt-get install"
                + " libturbojpeg0"),
        lines[0]);
    assertEquals(
        "jcolz: libturbojpeg disabled (JCOLZ_TURBOJPEG=off); JPEG decoding uses ImageIO (slower)",
        lines[1]);
  }

  /** Run by {@link #aProcessWithoutTheLibraryUsesImageIoAndSaysSoOnce}: decodes and encodes. */
  public static void main(String[] args) throws Exception {
    byte[] jpeg = Files.readAllBytes(Path.of(args[0]));
    try (JpegDecoder a = new JpegDecoder();
        JpegDecoder b = new JpegDecoder();
        JpegEncoder e = new JpegEncoder(90)) {
      byte[] px = a.decode(jpeg).pixels();
      b.decode(jpeg);
      ImageDecoder.defaults().decodeResized(jpeg, "x.jpg", 32, 32, ResizeMode.PAD);
      e.encode(new RgbImage(8, 8, new byte[8 * 8 * 3]));
      System.out.println(
          "turbo=" + (a.usesTurbo() || e.usesTurbo()) + " sum=" + Arrays.hashCode(px));
    }
  }

  @Test
  void aProcessWithoutTheLibraryUsesImageIoAndSaysSoOnce(@TempDir Path dir) throws Exception {
    byte[] jpeg = imageIoJpeg(TestImages.smooth(48, 40, SEED), 90, false);
    Path file = dir.resolve("a.jpg");
    Files.write(file, jpeg);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-") || a.startsWith("--enable-native-access")) {
        cmd.add(a);
      }
    }
    cmd.addAll(
        List.of(
            "-Xmx128m",
            "-Djava.awt.headless=true",
            "-Djcolz.turbojpeg=" + dir.resolve("no-such-libturbojpeg.so"),
            "-cp",
            System.getProperty("java.class.path"),
            TurboJpegTest.class.getName(),
            file.toString()));
    Process p = new ProcessBuilder(cmd).start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] errBytes = p.getErrorStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String stdout = new String(out, StandardCharsets.UTF_8);
    String stderr = new String(errBytes, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), stderr);
    List<String> notices = stderr.lines().filter(l -> l.contains("libturbojpeg")).toList();
    assertEquals(1, notices.size(), "one notice per process: " + stderr);
    assertTrue(notices.get(0).contains("no-such-libturbojpeg.so: no such file"), notices.get(0));
    int sum;
    try (JpegDecoder io = JpegDecoder.imageIo()) {
      sum = Arrays.hashCode(io.decode(jpeg).pixels());
    }
    assertEquals("turbo=false sum=" + sum, stdout.strip(), "ImageIO's pixels: " + stderr);
  }
}
