package io.jcolz.image;

/**
 * Reads the EXIF orientation tag (0x0112) of a JPEG and applies it to decoded pixels.
 *
 * <p>Values follow the EXIF/TIFF specification: the tag says how the stored pixels must be
 * transformed for display. 1 normal; 2 mirror left-right; 3 rotate 180; 4 mirror top-bottom; 5
 * transpose (mirror along the top-left/bottom-right diagonal); 6 rotate 90 clockwise; 7 transverse
 * (mirror along the other diagonal); 8 rotate 90 counter-clockwise. Values 5 to 8 swap width and
 * height. Anything missing, malformed or out of range reads as 1.
 */
final class ExifOrientation {
  private ExifOrientation() {}

  /** The orientation (1..8) of the JPEG in {@code data[off, off+len)}, or 1 when it has none. */
  static int read(byte[] data, int off, int len) {
    try {
      return readUnchecked(data, off, off + len);
    } catch (IndexOutOfBoundsException e) {
      return 1; // malformed segment lengths: no usable orientation
    }
  }

  private static int readUnchecked(byte[] d, int start, int end) {
    if (end - start < 4 || (d[start] & 0xFF) != 0xFF || (d[start + 1] & 0xFF) != 0xD8) {
      return 1;
    }
    int p = start + 2;
    while (p + 4 <= end) {
      if ((d[p] & 0xFF) != 0xFF) {
        return 1; // lost sync: not a marker where one must be
      }
      int marker = d[p + 1] & 0xFF;
      if (marker == 0xFF) {
        p++; // fill byte
        continue;
      }
      if (marker == 0xDA || marker == 0xD9) {
        return 1; // start of scan / end of image: no EXIF before the pixels
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        p += 2;
        continue;
      }
      int segLen = (d[p + 2] & 0xFF) << 8 | (d[p + 3] & 0xFF);
      if (segLen < 2) {
        return 1;
      }
      int payload = p + 4;
      int payloadEnd = Math.min(end, p + 2 + segLen);
      if (marker == 0xE1
          && payloadEnd - payload >= 14
          && d[payload] == 'E'
          && d[payload + 1] == 'x'
          && d[payload + 2] == 'i'
          && d[payload + 3] == 'f'
          && d[payload + 4] == 0
          && d[payload + 5] == 0) {
        return fromTiff(d, payload + 6, payloadEnd);
      }
      p += 2 + segLen;
    }
    return 1;
  }

  /** Orientation from a TIFF structure (EXIF payload) at {@code [t, end)}. */
  private static int fromTiff(byte[] d, int t, int end) {
    boolean little;
    if (d[t] == 'I' && d[t + 1] == 'I') {
      little = true;
    } else if (d[t] == 'M' && d[t + 1] == 'M') {
      little = false;
    } else {
      return 1;
    }
    if (u16(d, t + 2, little) != 42) {
      return 1;
    }
    long ifd = u32(d, t + 4, little);
    if (ifd < 8 || t + ifd + 2 > end) {
      return 1;
    }
    int p = (int) (t + ifd);
    int count = u16(d, p, little);
    p += 2;
    for (int i = 0; i < count && p + 12 <= end; i++, p += 12) {
      if (u16(d, p, little) == 0x0112) {
        int type = u16(d, p + 2, little);
        int v = type == 3 ? u16(d, p + 8, little) : type == 4 ? (int) u32(d, p + 8, little) : 1;
        return v >= 1 && v <= 8 ? v : 1;
      }
    }
    return 1;
  }

  private static int u16(byte[] d, int p, boolean little) {
    int a = d[p] & 0xFF;
    int b = d[p + 1] & 0xFF;
    return little ? b << 8 | a : a << 8 | b;
  }

  private static long u32(byte[] d, int p, boolean little) {
    long hi = u16(d, little ? p + 2 : p, little);
    long lo = u16(d, little ? p : p + 2, little);
    return hi << 16 | lo;
  }

  /** Whether the orientation swaps width and height. */
  static boolean swapsSides(int orientation) {
    return orientation >= 5 && orientation <= 8;
  }

  /** The displayed image for stored pixels {@code img} and EXIF {@code orientation}. */
  static RgbImage apply(RgbImage img, int orientation) {
    if (orientation <= 1 || orientation > 8) {
      return img;
    }
    int w = img.width();
    int h = img.height();
    byte[] s = img.pixels();
    boolean swap = swapsSides(orientation);
    int ow = swap ? h : w;
    int oh = swap ? w : h;
    byte[] o = new byte[s.length];
    int q = 0;
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        int sx;
        int sy;
        switch (orientation) {
          case 2 -> {
            sx = w - 1 - x;
            sy = y;
          }
          case 3 -> {
            sx = w - 1 - x;
            sy = h - 1 - y;
          }
          case 4 -> {
            sx = x;
            sy = h - 1 - y;
          }
          case 5 -> {
            sx = y;
            sy = x;
          }
          case 6 -> {
            sx = y;
            sy = h - 1 - x;
          }
          case 7 -> {
            sx = w - 1 - y;
            sy = h - 1 - x;
          }
          default -> {
            sx = w - 1 - y;
            sy = x;
          } // 8
        }
        int p = (sy * w + sx) * 3;
        o[q] = s[p];
        o[q + 1] = s[p + 1];
        o[q + 2] = s[p + 2];
        q += 3;
      }
    }
    return new RgbImage(ow, oh, o);
  }
}
