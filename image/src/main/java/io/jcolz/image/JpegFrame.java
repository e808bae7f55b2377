package io.jcolz.image;

/**
 * Finds the frame (SOF) marker of a JPEG, which says how its scans are coded: sequential (baseline
 * {@code SOF0}, extended {@code SOF1}) or progressive, lossless, arithmetic and hierarchical
 * variants. A sequential JPEG decodes one row of blocks at a time, so a subsampled read holds only
 * the subsampled image; a progressive one makes libjpeg buffer the coefficients of the whole image
 * (about 2 bytes per pixel and component) before the first row comes out.
 *
 * <p>Stateless, thread-safe.
 */
final class JpegFrame {
  private JpegFrame() {}

  /**
   * The first SOF marker byte ({@code 0xC0 .. 0xCF} other than DHT {@code 0xC4}, JPG {@code 0xC8}
   * and DAC {@code 0xCC}) of the JPEG in {@code d}, or -1 when none comes before the first scan or
   * the segment structure is broken.
   */
  static int sofMarker(byte[] d) {
    int end = d.length;
    if (end < 4 || (d[0] & 0xFF) != 0xFF || (d[1] & 0xFF) != 0xD8) {
      return -1;
    }
    int p = 2;
    while (p + 4 <= end) {
      if ((d[p] & 0xFF) != 0xFF) {
        return -1;
      }
      int marker = d[p + 1] & 0xFF;
      if (marker == 0xFF) {
        p++;
        continue;
      }
      if (marker == 0xDA || marker == 0xD9) {
        return -1;
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        p += 2;
        continue;
      }
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        return marker;
      }
      int segLen = (d[p + 2] & 0xFF) << 8 | (d[p + 3] & 0xFF);
      if (segLen < 2) {
        return -1;
      }
      p += 2 + segLen;
    }
    return -1;
  }

  /** True when {@code d} is a sequential (baseline or extended, Huffman) JPEG. */
  static boolean sequential(byte[] d) {
    int m = sofMarker(d);
    return m == 0xC0 || m == 0xC1;
  }
}
