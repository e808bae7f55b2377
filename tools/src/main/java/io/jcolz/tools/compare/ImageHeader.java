package io.jcolz.tools.compare;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pixel count a PNG or JPEG file's header announces, read from its first 64 KiB without an
 * ImageIO reader: lets a baseline that decodes whole images see beforehand that one would not fit
 * in memory. Stateless, thread-safe.
 */
final class ImageHeader {
  private static final int PROBE = 64 << 10;

  private ImageHeader() {}

  /** Width × height from the header, or -1 when the format is neither or the header is unclear. */
  static long pixels(Path file) throws IOException {
    byte[] d;
    try (InputStream in = Files.newInputStream(file)) {
      d = in.readNBytes(PROBE);
    }
    if (d.length >= 24
        && (d[0] & 0xFF) == 0x89
        && d[1] == 'P'
        && d[2] == 'N'
        && d[3] == 'G'
        && d[12] == 'I'
        && d[13] == 'H'
        && d[14] == 'D'
        && d[15] == 'R') {
      return (long) u32(d, 16) * u32(d, 20);
    }
    if (d.length >= 4 && (d[0] & 0xFF) == 0xFF && (d[1] & 0xFF) == 0xD8) {
      int p = 2;
      while (p + 9 <= d.length) {
        if ((d[p] & 0xFF) != 0xFF) {
          return -1;
        }
        int m = d[p + 1] & 0xFF;
        if (m == 0xFF) {
          p++;
          continue;
        }
        if (m == 0xDA || m == 0xD9) {
          return -1;
        }
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
          p += 2;
          continue;
        }
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
          long h = (d[p + 5] & 0xFF) << 8 | (d[p + 6] & 0xFF);
          long w = (d[p + 7] & 0xFF) << 8 | (d[p + 8] & 0xFF);
          return w * h;
        }
        p += 2 + ((d[p + 2] & 0xFF) << 8 | (d[p + 3] & 0xFF));
      }
    }
    return -1;
  }

  private static long u32(byte[] d, int o) {
    return (d[o] & 0xFFL) << 24
        | (d[o + 1] & 0xFF) << 16
        | (d[o + 2] & 0xFF) << 8
        | (d[o + 3] & 0xFF);
  }
}
