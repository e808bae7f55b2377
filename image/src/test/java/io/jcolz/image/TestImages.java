package io.jcolz.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Builders of test images and encoded files. */
public final class TestImages {
  private TestImages() {}

  /**
   * Quadrant colours used by the flat test pattern: top-left, top-right, bottom-left, bottom-right.
   */
  public static final int[] QUADRANTS = {0xD02020, 0x20C040, 0x2040D0, 0xF0E0A0};

  /** A {@code w x h} ARGB image with four flat quadrants (alpha opaque). */
  public static BufferedImage quadrants(int w, int h, int type) {
    BufferedImage img = new BufferedImage(w, h, type);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, 0xFF000000 | QUADRANTS[(y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1)]);
      }
    }
    return img;
  }

  public static byte[] encode(BufferedImage img, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException(
            "no ImageIO writer for " + format + " / type " + img.getType());
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Binary PNM (P5 gray or P6 RGB), maxval 255 or 65535. */
  public static byte[] pnm(int w, int h, boolean rgb, int maxval, int[] samples) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        ((rgb ? "P6" : "P5") + "\n# test\n" + w + " " + h + "\n" + maxval + "\n")
            .getBytes(StandardCharsets.US_ASCII));
    for (int s : samples) {
      if (maxval > 255) {
        out.write(s >> 8);
      }
      out.write(s);
    }
    return out.toByteArray();
  }

  /**
   * Inserts an EXIF APP1 segment with orientation {@code o} right after the SOI of {@code jpeg}.
   */
  public static byte[] withExifOrientation(byte[] jpeg, int o, boolean littleEndian) {
    ByteArrayOutputStream tiff = new ByteArrayOutputStream();
    if (littleEndian) {
      tiff.writeBytes(new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0});
      tiff.writeBytes(new byte[] {2, 0}); // two entries: a harmless one, then orientation
      tiff.writeBytes(
          new byte[] {
            0x1A, 0x01, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0
          }); // XResolution (offset 0: not read)
      tiff.writeBytes(new byte[] {0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) o, 0, 0, 0});
      tiff.writeBytes(new byte[] {0, 0, 0, 0});
    } else {
      tiff.writeBytes(new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8});
      tiff.writeBytes(new byte[] {0, 1});
      tiff.writeBytes(new byte[] {0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) o, 0, 0});
      tiff.writeBytes(new byte[] {0, 0, 0, 0});
    }
    byte[] t = tiff.toByteArray();
    int len = 2 + 6 + t.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xFF);
    out.write(0xD8);
    out.write(0xFF);
    out.write(0xE1);
    out.write(len >> 8);
    out.write(len);
    out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
    out.writeBytes(t);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  /** A PNG signature and an IHDR announcing {@code w x h} 8-bit RGB, no interlace. */
  private static ByteArrayOutputStream pngStart(int w, int h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    byte[] ihdr = {
      (byte) (w >>> 24),
      (byte) (w >>> 16),
      (byte) (w >>> 8),
      (byte) w,
      (byte) (h >>> 24),
      (byte) (h >>> 16),
      (byte) (h >>> 8),
      (byte) h,
      8,
      2,
      0,
      0,
      0
    };
    chunk(out, "IHDR", ihdr);
    return out;
  }

  /** A syntactically valid PNG whose IHDR announces {@code w x h} RGB, with a tiny IDAT. */
  public static byte[] pngHeaderOnly(int w, int h) {
    ByteArrayOutputStream out = pngStart(w, h);
    chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  /**
   * A valid 8-bit RGB PNG of {@code w x h} whose four quadrants are the flat {@link #QUADRANTS}
   * colours, streamed through the deflater row by row (no image of that size is ever held): small
   * on disk whatever its pixel count, e.g. about 0.3 MB for 12000 x 9000.
   */
  public static byte[] largeQuadrantPng(int w, int h) {
    ByteArrayOutputStream out = pngStart(w, h);
    byte[][] rows = new byte[2][1 + 3 * w]; // filter byte 0 (none), then RGB
    for (int half = 0; half < 2; half++) {
      for (int x = 0; x < w; x++) {
        int c = QUADRANTS[2 * half + (x < w / 2 ? 0 : 1)];
        rows[half][1 + 3 * x] = (byte) (c >> 16);
        rows[half][2 + 3 * x] = (byte) (c >> 8);
        rows[half][3 + 3 * x] = (byte) c;
      }
    }
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    java.util.zip.Deflater deflater = new java.util.zip.Deflater(6);
    try (java.util.zip.DeflaterOutputStream d =
        new java.util.zip.DeflaterOutputStream(z, deflater, 1 << 16)) {
      for (int y = 0; y < h; y++) {
        d.write(rows[y < h / 2 ? 0 : 1]);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deflater.end();
    }
    chunk(out, "IDAT", z.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  /**
   * A valid sequential (baseline) gray JPEG of {@code w x h}, every pixel 128, written directly:
   * each 8 x 8 block is a zero DC difference and an end-of-block, 2 bits with the one-code Huffman
   * tables used here, so 12000 x 9000 is about 0.4 MB.
   */
  public static byte[] largeGrayJpeg(int w, int h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8});
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xDB, 0, 67, 0}); // DQT: table 0, all ones
    for (int i = 0; i < 64; i++) {
      out.write(1);
    }
    out.writeBytes(
        new byte[] {
          (byte) 0xFF,
          (byte) 0xC0,
          0,
          11,
          8,
          (byte) (h >> 8),
          (byte) h,
          (byte) (w >> 8),
          (byte) w,
          1,
          1,
          0x11,
          0
        }); // SOF0: 8-bit, one component, 1x1 sampling, table 0
    for (int tableClass = 0; tableClass < 2; tableClass++) {
      // DHT: one code of length 1 ('0'): DC category 0 / AC end-of-block
      out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xC4, 0, 20, (byte) (tableClass << 4), 1});
      out.writeBytes(new byte[15]);
      out.write(0);
    }
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0});
    long blocks = (long) ((w + 7) / 8) * ((h + 7) / 8);
    long bits = 2 * blocks;
    out.writeBytes(new byte[(int) (bits / 8)]);
    if (bits % 8 != 0) {
      out.write(0xFF >> (bits % 8)); // pad the last byte with 1 bits
    }
    out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD9});
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    int n = data.length;
    out.writeBytes(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    long c = crc.getValue();
    out.writeBytes(new byte[] {(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
  }

  /** Sets the frame size in the SOF0/SOF2 segment of {@code jpeg} (a copy). */
  public static byte[] patchJpegSize(byte[] jpeg, int w, int h) {
    byte[] b = jpeg.clone();
    int p = 2;
    while (p + 9 < b.length) {
      int marker = b[p + 1] & 0xFF;
      int len = (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
      if (marker == 0xC0 || marker == 0xC2) {
        b[p + 5] = (byte) (h >> 8);
        b[p + 6] = (byte) h;
        b[p + 7] = (byte) (w >> 8);
        b[p + 8] = (byte) w;
        return b;
      }
      p += 2 + len;
    }
    throw new IllegalStateException("no SOF segment");
  }

  /** Max absolute channel difference between {@code rgb} (0xRRGGBB) and {@code img} at (x, y). */
  public static int diff(RgbImage img, int x, int y, int rgb) {
    int v = img.rgb(x, y);
    int d = 0;
    for (int s = 0; s <= 16; s += 8) {
      d = Math.max(d, Math.abs((v >> s & 0xFF) - (rgb >> s & 0xFF)));
    }
    return d;
  }

  /** Peak signal-to-noise ratio in dB between two equal-size images. */
  public static double psnr(byte[] a, byte[] b) {
    double se = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (a[i] & 0xFF) - (b[i] & 0xFF);
      se += d * d;
    }
    return se == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / (se / a.length));
  }

  /** A smooth colourful image with some texture: gradients plus low-amplitude seeded noise. */
  public static RgbImage smooth(int w, int h, long seed) {
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    byte[] p = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * 3;
        p[i] = (byte) (x * 255 / Math.max(1, w - 1));
        p[i + 1] = (byte) (y * 255 / Math.max(1, h - 1));
        p[i + 2] = (byte) (128 + 60 * Math.sin((x + y) / 9.0) + r.nextInt(5));
      }
    }
    return new RgbImage(w, h, p);
  }
}
