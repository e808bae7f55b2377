package io.jcolz.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Converts any decoded {@link BufferedImage} to 8-bit RGB, compositing alpha over a background.
 *
 * <p>Conventions: gray samples are copied to R=G=B as they are (no linear/sRGB gamma change, as
 * PIL's {@code convert("RGB")}); 16-bit samples are rounded to 8 bits ({@code v * 255 / 65535});
 * RGB samples are taken as sRGB whatever profile the file embeds (readers that convert, such as
 * TwelveMonkeys for CMYK/YCCK JPEG, have already done so); alpha is composited as {@code round((c *
 * a + bg * (255 - a)) / 255)}. Anything else (CMYK rasters, float samples, packed 16-bit RGB) goes
 * through {@code BufferedImage.getRGB}, which colour-converts to sRGB.
 */
final class RgbConverter {
  private RgbConverter() {}

  static byte[] toRgb(BufferedImage img, int background) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
    ColorModel cm = img.getColorModel();
    Raster r = img.getRaster();
    if (cm instanceof IndexColorModel icm) {
      fromIndexed(icm, r, w, h, background, out);
    } else if (!fromComponents(cm, r, w, h, background, out)) {
      fromArgb(img, w, h, background, out);
    }
    return out;
  }

  private static int composite(int c, int a, int bg) {
    return (c * a + bg * (255 - a) + 127) / 255;
  }

  private static void fromIndexed(IndexColorModel icm, Raster r, int w, int h, int bg, byte[] out) {
    int bits = Math.min(16, Math.max(1, icm.getPixelSize()));
    int n = Math.max(icm.getMapSize(), 1 << bits);
    int[] argb = new int[icm.getMapSize()];
    icm.getRGBs(argb);
    int[] lut = new int[n]; // indices past the palette (corrupt files) map to black
    int br = bg >> 16 & 0xFF;
    int bgg = bg >> 8 & 0xFF;
    int bb = bg & 0xFF;
    for (int i = 0; i < argb.length; i++) {
      int c = argb[i];
      int a = c >>> 24;
      lut[i] =
          composite(c >> 16 & 0xFF, a, br) << 16
              | composite(c >> 8 & 0xFF, a, bgg) << 8
              | composite(c & 0xFF, a, bb);
    }
    int[] row = new int[w];
    int q = 0;
    int minX = r.getMinX();
    int minY = r.getMinY();
    for (int y = 0; y < h; y++) {
      r.getSamples(minX, minY + y, w, 1, 0, row);
      for (int x = 0; x < w; x++) {
        int idx = row[x];
        int c = idx >= 0 && idx < n ? lut[idx] : 0;
        out[q++] = (byte) (c >> 16);
        out[q++] = (byte) (c >> 8);
        out[q++] = (byte) c;
      }
    }
  }

  /** Interleaved or banded 8/16-bit gray, gray+alpha, RGB, RGBA. False when not applicable. */
  private static boolean fromComponents(ColorModel cm, Raster r, int w, int h, int bg, byte[] out) {
    if (!(cm instanceof ComponentColorModel)
        || !(r.getSampleModel() instanceof ComponentSampleModel sm)) {
      return false;
    }
    int csType = cm.getColorSpace().getType();
    int colours = cm.getNumColorComponents();
    boolean gray = csType == ColorSpace.TYPE_GRAY && colours == 1;
    boolean rgb = csType == ColorSpace.TYPE_RGB && colours == 3;
    boolean alpha = cm.hasAlpha();
    int bands = colours + (alpha ? 1 : 0);
    if (!(gray || rgb) || r.getNumBands() != bands || cm.getNumComponents() != bands) {
      return false;
    }
    DataBuffer db = r.getDataBuffer();
    boolean wide;
    if (db instanceof DataBufferByte && db.getDataType() == DataBuffer.TYPE_BYTE) {
      wide = false;
    } else if (db instanceof DataBufferUShort && db.getDataType() == DataBuffer.TYPE_USHORT) {
      wide = true;
    } else {
      return false;
    }
    for (int b = 0; b < bands; b++) {
      if (cm.getComponentSize(b) != (wide ? 16 : 8)) {
        return false; // e.g. 12-bit samples in 16-bit storage: let getRGB scale them
      }
    }
    int ps = sm.getPixelStride();
    int ss = sm.getScanlineStride();
    int[] bankOf = sm.getBankIndices();
    int[] bandOff = sm.getBandOffsets();
    int[] bankOff = db.getOffsets();
    int tx = r.getSampleModelTranslateX();
    int ty = r.getSampleModelTranslateY();
    int minX = r.getMinX();
    int minY = r.getMinY();
    int[] base = new int[bands];
    for (int b = 0; b < bands; b++) {
      base[b] = bankOff[bankOf[b]] + bandOff[b] + (minY - ty) * ss + (minX - tx) * ps;
    }
    byte[][] b8 = null;
    short[][] b16 = null;
    if (wide) {
      b16 = new short[bands][];
      for (int b = 0; b < bands; b++) {
        b16[b] = ((DataBufferUShort) db).getData(bankOf[b]);
      }
    } else {
      b8 = new byte[bands][];
      for (int b = 0; b < bands; b++) {
        b8[b] = ((DataBufferByte) db).getData(bankOf[b]);
      }
    }
    boolean premultiplied = cm.isAlphaPremultiplied();
    int bgr = bg >> 16 & 0xFF;
    int bgg = bg >> 8 & 0xFF;
    int bgb = bg & 0xFF;
    if (!wide && rgb && !alpha && ps == 3 && bankOf[0] == bankOf[1] && bankOf[1] == bankOf[2]) {
      bgrFast(b8[0], base, ss, w, h, out); // the common JPEG/PNG/BMP case
      return true;
    }
    int q = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int off = y * ss + x * ps;
        int c0 = wide ? to8(b16[0][base[0] + off]) : b8[0][base[0] + off] & 0xFF;
        int c1 = c0;
        int c2 = c0;
        if (rgb) {
          c1 = wide ? to8(b16[1][base[1] + off]) : b8[1][base[1] + off] & 0xFF;
          c2 = wide ? to8(b16[2][base[2] + off]) : b8[2][base[2] + off] & 0xFF;
        }
        if (alpha) {
          int ab = bands - 1;
          int a = wide ? to8(b16[ab][base[ab] + off]) : b8[ab][base[ab] + off] & 0xFF;
          if (premultiplied) {
            c0 = Math.min(255, c0 + (bgr * (255 - a) + 127) / 255);
            c1 = Math.min(255, c1 + (bgg * (255 - a) + 127) / 255);
            c2 = Math.min(255, c2 + (bgb * (255 - a) + 127) / 255);
          } else {
            c0 = composite(c0, a, bgr);
            c1 = composite(c1, a, bgg);
            c2 = composite(c2, a, bgb);
          }
        }
        out[q] = (byte) c0;
        out[q + 1] = (byte) c1;
        out[q + 2] = (byte) c2;
        q += 3;
      }
    }
    return true;
  }

  private static void bgrFast(byte[] d, int[] base, int ss, int w, int h, byte[] out) {
    int q = 0;
    int o0 = base[0];
    int o1 = base[1];
    int o2 = base[2];
    for (int y = 0; y < h; y++) {
      int row = y * ss;
      if (o0 == 0 && o1 == 1 && o2 == 2 && ss == w * 3) {
        System.arraycopy(d, row, out, q, w * 3);
        q += w * 3;
        continue;
      }
      int p0 = row + o0;
      int p1 = row + o1;
      int p2 = row + o2;
      for (int x = 0; x < w; x++) {
        out[q] = d[p0];
        out[q + 1] = d[p1];
        out[q + 2] = d[p2];
        q += 3;
        p0 += 3;
        p1 += 3;
        p2 += 3;
      }
    }
  }

  private static int to8(short v) {
    return ((v & 0xFFFF) * 255 + 32767) / 65535;
  }

  private static void fromArgb(BufferedImage img, int w, int h, int bg, byte[] out) {
    int[] row = new int[w];
    int bgr = bg >> 16 & 0xFF;
    int bgg = bg >> 8 & 0xFF;
    int bgb = bg & 0xFF;
    int q = 0;
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int c = row[x];
        int a = c >>> 24;
        out[q] = (byte) composite(c >> 16 & 0xFF, a, bgr);
        out[q + 1] = (byte) composite(c >> 8 & 0xFF, a, bgg);
        out[q + 2] = (byte) composite(c & 0xFF, a, bgb);
        q += 3;
      }
    }
  }
}
