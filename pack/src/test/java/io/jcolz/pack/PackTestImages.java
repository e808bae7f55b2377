package io.jcolz.pack;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Seeded test images for the pack tests. */
/** Images for pack tests, shared with the CLI's tests (test-jar). */
public final class PackTestImages {
  private PackTestImages() {}

  /** A smooth seeded RGB image (gradients plus a little noise): JPEG-friendly, photo-like. */
  public static BufferedImage smooth(int w, int h, long seed) {
    Random r = new Random(seed);
    int a = r.nextInt(256);
    int b = r.nextInt(256);
    int c = r.nextInt(256);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int red = a / 2 + 127 * x / w;
        int green = b / 2 + 127 * y / h;
        int blue = Math.clamp(c / 2 + (x + y) * 64 / (w + h) + r.nextInt(5), 0, 255);
        img.setRGB(x, y, red << 16 | green << 8 | blue);
      }
    }
    return img;
  }

  /** A flat image of one colour (compresses to almost nothing raw). */
  public static BufferedImage flat(int w, int h, int rgb) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, rgb);
      }
    }
    return img;
  }

  /** Uniform noise (incompressible raw: smart mode stores it as JPEG). */
  public static BufferedImage noise(int w, int h, long seed) {
    Random r = new Random(seed);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r.nextInt(1 << 24));
      }
    }
    return img;
  }

  public static Path write(BufferedImage img, String format, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    if (!ImageIO.write(img, format, file.toFile())) {
      throw new IOException("no writer for " + format);
    }
    return file;
  }

  public static byte[] encode(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, format, out);
    return out.toByteArray();
  }

  /** A PNG signature and an IHDR announcing {@code w×h} 8-bit RGB, no interlace. */
  private static ByteArrayOutputStream pngStart(int w, int h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
    ByteBuffer ihdr =
        ByteBuffer.allocate(13)
            .putInt(w)
            .putInt(h)
            .put((byte) 8)
            .put((byte) 2)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    return out;
  }

  /** A PNG signature, an IHDR announcing w×h 8-bit RGB, and IEND: a decompression bomb's header. */
  public static byte[] pngHeaderOnly(int w, int h) {
    ByteArrayOutputStream out = pngStart(w, h);
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  /**
   * A valid 8-bit RGB PNG of {@code w x h}, left half {@code left}, right half {@code right}
   * ({@code 0xRRGGBB}), deflated row by row so no image of that size is ever held: a 12000 x 9000
   * (108 MP) file is about 0.3 MB.
   */
  public static byte[] largeTwoColourPng(int w, int h, int left, int right) {
    ByteArrayOutputStream out = pngStart(w, h);
    byte[] row = new byte[1 + 3 * w]; // filter 0, then RGB
    for (int x = 0; x < w; x++) {
      int c = x < w / 2 ? left : right;
      row[1 + 3 * x] = (byte) (c >> 16);
      row[2 + 3 * x] = (byte) (c >> 8);
      row[3 + 3 * x] = (byte) c;
    }
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    java.util.zip.Deflater deflater = new java.util.zip.Deflater(6);
    try (java.util.zip.DeflaterOutputStream d =
        new java.util.zip.DeflaterOutputStream(z, deflater, 1 << 16)) {
      for (int y = 0; y < h; y++) {
        d.write(row);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      deflater.end();
    }
    chunk(out, "IDAT", z.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  public static double psnr(byte[] a, byte[] b) {
    double se = 0;
    for (int i = 0; i < a.length; i++) {
      int d = (a[i] & 0xFF) - (b[i] & 0xFF);
      se += d * d;
    }
    double mse = se / a.length;
    return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
  }
}
