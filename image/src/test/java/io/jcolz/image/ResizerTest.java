package io.jcolz.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ResizerTest {
  /** Three vertical bands of width {@code band}: red | green | blue, height {@code h}. */
  private static RgbImage bands(int band, int h) {
    int w = 3 * band;
    byte[] p = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        p[(y * w + x) * 3 + x / band] = (byte) 255;
      }
    }
    return new RgbImage(w, h, p);
  }

  private static void assertAll(RgbImage img, int rgb, int tol, String what) {
    for (int y = 0; y < img.height(); y++) {
      for (int x = 0; x < img.width(); x++) {
        int d = TestImages.diff(img, x, y, rgb);
        if (d > tol) {
          throw new AssertionError(
              what
                  + ": pixel ("
                  + x
                  + ","
                  + y
                  + ") is 0x"
                  + Integer.toHexString(img.rgb(x, y))
                  + ", expected 0x"
                  + Integer.toHexString(rgb));
        }
      }
    }
  }

  @Test
  void centreCropOfAWideImageIsTheMiddleBandExactly() {
    RgbImage src = bands(100, 100); // 300x100: red | green | blue
    RgbImage same = Resizer.resize(src, 100, 100, ResizeMode.SHORTER_SIDE_CENTER_CROP);
    assertAll(same, 0x00FF00, 0, "scale 1");
    RgbImage half = Resizer.resize(src, 50, 50, ResizeMode.SHORTER_SIDE_CENTER_CROP);
    assertAll(half, 0x00FF00, 0, "scale 1/2 (no bleeding from outside the crop)");
    RgbImage tall = Resizer.resize(transpose(src), 40, 40, ResizeMode.SHORTER_SIDE_CENTER_CROP);
    assertAll(tall, 0x00FF00, 0, "tall source");
  }

  @Test
  void centreCropToANonSquareOutputKeepsTheAspect() {
    RgbImage src = bands(100, 100); // 300x100
    RgbImage out = Resizer.resize(src, 150, 50, ResizeMode.SHORTER_SIDE_CENTER_CROP);
    // s = max(150/300, 50/100) = 0.5: the whole source, halved: bands of 50
    assertEquals(0xFF0000, out.rgb(10, 25));
    assertEquals(0x00FF00, out.rgb(75, 25));
    assertEquals(0x0000FF, out.rgb(140, 25));
  }

  @Test
  void stretchMapsBandsProportionally() {
    RgbImage out = Resizer.resize(bands(100, 100), 30, 60, ResizeMode.STRETCH);
    assertEquals(30, out.width());
    assertEquals(60, out.height());
    for (int y = 0; y < 60; y++) {
      assertEquals(0xFF0000, out.rgb(4, y));
      assertEquals(0x00FF00, out.rgb(15, y));
      assertEquals(0x0000FF, out.rgb(25, y));
    }
  }

  @Test
  void padLetterboxesOntoTheBackground() {
    RgbImage src = bands(100, 100); // 300x100 -> 60x60: content 60x20 at y = 20
    RgbImage out = Resizer.resize(src, 60, 60, ResizeMode.PAD, ResampleFilter.BILINEAR, 0x102030);
    for (int x = 0; x < 60; x++) {
      for (int y = 0; y < 20; y++) {
        assertEquals(0x102030, out.rgb(x, y), "top bar");
        assertEquals(0x102030, out.rgb(x, 59 - y), "bottom bar");
      }
      assertEquals(
          x < 18 ? 0xFF0000 : x >= 22 && x < 38 ? 0x00FF00 : x >= 42 ? 0x0000FF : out.rgb(x, 30),
          out.rgb(x, 30));
    }
    RgbImage white = Resizer.resize(bands(10, 30), 10, 20, ResizeMode.PAD); // 30x30 -> 10x10 at y 5
    assertEquals(0xFFFFFF, white.rgb(5, 0));
    assertEquals(0xFFFFFF, white.rgb(5, 19));
    assertEquals(0xFF0000, white.rgb(1, 10));
  }

  @Test
  void sameSizeIsAnExactCopy() {
    RgbImage src = TestImages.smooth(37, 23, 9);
    for (ResizeMode m : ResizeMode.values()) {
      for (ResampleFilter f : ResampleFilter.values()) {
        assertArrayEquals(src.pixels(), Resizer.resize(src, 37, 23, m, f, 0).pixels(), m + " " + f);
      }
    }
  }

  @Test
  void downscaleIsAntialiasedNotNearestNeighbour() {
    int n = 256;
    byte[] p = new byte[n * n * 3];
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        byte v = (byte) (((x + y) & 1) == 0 ? 255 : 0); // 1-pixel checkerboard
        p[(y * n + x) * 3] = v;
        p[(y * n + x) * 3 + 1] = v;
        p[(y * n + x) * 3 + 2] = v;
      }
    }
    RgbImage checker = new RgbImage(n, n, p);
    for (ResampleFilter f : ResampleFilter.values()) {
      for (int out : new int[] {100, 64, 37}) {
        RgbImage small = Resizer.resize(checker, out, out, ResizeMode.STRETCH, f, 0);
        for (int i = 0; i < small.pixels().length; i++) {
          int v = small.pixels()[i] & 0xFF;
          assertTrue(
              Math.abs(v - 127) <= 20, f + " to " + out + ": " + v + " at " + i + " (aliasing)");
        }
      }
    }
  }

  @Test
  void boxFilterAveragesExactly() {
    byte[] p = {0, 0, 0, 100, 100, 100, 10, 20, 30, 50, 60, 70}; // 2x2
    RgbImage one =
        Resizer.resize(new RgbImage(2, 2, p), 1, 1, ResizeMode.STRETCH, ResampleFilter.BOX, 0);
    assertEquals((40 << 16) | (45 << 8) | 50, one.rgb(0, 0));
  }

  @Test
  void upscaleOfAGradientIsMonotoneAndKeepsTheEnds() {
    byte[] p = new byte[4 * 3];
    for (int x = 0; x < 4; x++) {
      p[x * 3] = (byte) (x * 80);
    }
    RgbImage big = Resizer.resize(new RgbImage(4, 1, p), 16, 1, ResizeMode.STRETCH);
    int prev = -1;
    for (int x = 0; x < 16; x++) {
      int v = big.rgb(x, 0) >> 16;
      assertTrue(v >= prev, "monotone at " + x);
      prev = v;
    }
    assertEquals(0, big.rgb(0, 0) >> 16);
    assertEquals(240, big.rgb(15, 0) >> 16);
  }

  @Test
  void deterministicAndThreadIndependent() throws Exception {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom r = new SplittableRandom(seed);
    byte[] p = new byte[123 * 77 * 3];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) r.nextInt(256);
    }
    RgbImage src = new RgbImage(123, 77, p);
    byte[] a = Resizer.resize(src, 50, 40, ResizeMode.SHORTER_SIDE_CENTER_CROP).pixels();
    byte[][] other = new byte[1][];
    Thread t =
        new Thread(
            () ->
                other[0] =
                    Resizer.resize(src, 50, 40, ResizeMode.SHORTER_SIDE_CENTER_CROP).pixels());
    t.start();
    t.join();
    assertArrayEquals(a, other[0], "seed " + seed);
  }

  @Test
  void rejectsBadSizes() {
    RgbImage src = TestImages.smooth(4, 4, 1);
    assertThrows(
        IllegalArgumentException.class, () -> Resizer.resize(src, 0, 4, ResizeMode.STRETCH));
    assertThrows(IllegalArgumentException.class, () -> new RgbImage(2, 2, new byte[11]));
  }

  private static RgbImage transpose(RgbImage s) {
    int w = s.width();
    int h = s.height();
    byte[] o = new byte[s.pixels().length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        System.arraycopy(s.pixels(), (y * w + x) * 3, o, (x * h + y) * 3, 3);
      }
    }
    return new RgbImage(h, w, o);
  }

  @Test
  void resizeNamesRoundTripAndTheDefaultIsTheConventionsDefault() {
    for (ResizeMode m : ResizeMode.values()) {
      assertEquals(Optional.of(m), ResizeMode.parse(m.id().toUpperCase(Locale.ROOT)));
    }
    assertEquals("shorter-side+center-crop", ResizeMode.SHORTER_SIDE_CENTER_CROP.id());
    assertEquals(Optional.empty(), ResizeMode.parse("squash"));
  }
}
