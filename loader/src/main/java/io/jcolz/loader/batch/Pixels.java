package io.jcolz.loader.batch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Writes one stored uint8 image (H×W×C, row-major: HWC) into a batch slot in NHWC or NCHW,
 * optionally mirrored left-right, in one pass without allocating.
 *
 * <p>Fast paths: NHWC without flip is one bulk copy; for three channels, groups of 8 pixels are
 * moved as three 64-bit words, de-interleaved with {@link Long#compress} (PEXT on x86 with BMI2)
 * and mirrored with {@link Long#reverseBytes} — about 4× faster than a byte loop. Other channel
 * counts and a row's last {@code W mod 8} pixels take a byte loop.
 *
 * <p>Stateless and thread-safe.
 */
public final class Pixels {
  private static final ValueLayout.OfLong LE =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfByte B = ValueLayout.JAVA_BYTE;

  /** Byte lanes 0, 3, 6 of a word. */
  private static final long M0 = 0x00FF0000FF0000FFL;

  /** Byte lanes 1, 4, 7 of a word. */
  private static final long M1 = 0xFF0000FF0000FF00L;

  /** Byte lanes 2, 5 of a word. */
  private static final long M2 = 0x0000FF0000FF0000L;

  /** Null when the Vector API paths are used, else why not. */
  private static final String VECTOR = vectorUnusable();

  private Pixels() {}

  /**
   * Which three-channel path {@link #write} takes: {@code "Vector API, N-bit"}, or {@code "64-bit
   * words"} and why not the Vector API.
   */
  public static String vectorStatus() {
    return VECTOR == null
        ? "Vector API, " + 8 * VectorPixels.LANES + "-bit"
        : "64-bit words (" + VECTOR + ")";
  }

  /** Whether {@link #write} takes the Vector API paths. */
  static boolean vectorUsed() {
    return VECTOR == null;
  }

  /** Null when the Vector API may be used, else the reason it is not. */
  private static String vectorUnusable() {
    String mode = System.getProperty("jcolz.vector", "auto").strip();
    if (mode.equals("false")) {
      return "-Djcolz.vector=false";
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return "the JVM was started without --add-modules=jdk.incubator.vector";
    }
    if (mode.equals("true")) {
      return null;
    }
    String arch = System.getProperty("os.arch", "");
    if (!arch.equals("amd64") && !arch.equals("x86_64")) {
      return "not checked on " + arch + "; -Djcolz.vector=true enables it";
    }
    try {
      String avx =
          java.lang.management.ManagementFactory.getPlatformMXBean(
                  com.sun.management.HotSpotDiagnosticMXBean.class)
              .getVMOption("UseAVX")
              .getValue();
      return Integer.parseInt(avx) >= 1 ? null : "UseAVX=" + avx;
    } catch (RuntimeException | LinkageError e) { // not HotSpot, or no jdk.management
      return "cannot read HotSpot's UseAVX: " + e;
    }
  }

  /**
   * Writes the HWC image at {@code src[srcOff ..]} into {@code dst[dstOff ..]}.
   *
   * @param flip mirror left-right (x → W−1−x)
   */
  public static void write(
      MemorySegment src,
      long srcOff,
      int h,
      int w,
      int c,
      boolean flip,
      ImageLayout layout,
      MemorySegment dst,
      long dstOff) {
    write(src, srcOff, h, w, c, flip, layout, dst, dstOff, VECTOR == null);
  }

  /** {@link #write}, on the Vector API paths only when {@code allowVector} (tests take both). */
  static void write(
      MemorySegment src,
      long srcOff,
      int h,
      int w,
      int c,
      boolean flip,
      ImageLayout layout,
      MemorySegment dst,
      long dstOff,
      boolean allowVector) {
    long bytes = (long) h * w * c;
    boolean vector = allowVector && c == 3 && w >= VectorPixels.LANES;
    if (layout == ImageLayout.NHWC || c == 1) {
      if (!flip) {
        MemorySegment.copy(src, srcOff, dst, dstOff, bytes);
      } else if (vector) {
        VectorPixels.hwcFlip3(src, srcOff, dst, dstOff, h, w);
      } else if (c == 3) {
        hwcFlip3(src, srcOff, dst, dstOff, h, w);
      } else {
        hwcFlipAny(src, srcOff, dst, dstOff, h, w, c);
      }
    } else if (vector) {
      VectorPixels.chw3(src, srcOff, dst, dstOff, h, w, flip);
    } else if (c == 3) {
      chw3(src, srcOff, dst, dstOff, h, w, flip);
    } else {
      chwAny(src, srcOff, dst, dstOff, h, w, c, flip);
    }
  }

  private static void chw3(
      MemorySegment s, long so, MemorySegment d, long dof, int h, int w, boolean flip) {
    long plane = (long) h * w;
    int groups = w & ~7;
    for (int y = 0; y < h; y++) {
      long srow = so + 3L * w * y;
      long drow = dof + (long) w * y;
      for (int x = 0; x < groups; x += 8) {
        long si = srow + 3L * x;
        long a = s.get(LE, si);
        long b = s.get(LE, si + 8);
        long c = s.get(LE, si + 16);
        long r = Long.compress(a, M0) | Long.compress(b, M1) << 24 | Long.compress(c, M2) << 48;
        long g = Long.compress(a, M1) | Long.compress(b, M2) << 24 | Long.compress(c, M0) << 40;
        long bl = Long.compress(a, M2) | Long.compress(b, M0) << 16 | Long.compress(c, M1) << 40;
        long dx = x;
        if (flip) {
          r = Long.reverseBytes(r);
          g = Long.reverseBytes(g);
          bl = Long.reverseBytes(bl);
          dx = w - 8 - x;
        }
        d.set(LE, drow + dx, r);
        d.set(LE, drow + plane + dx, g);
        d.set(LE, drow + 2 * plane + dx, bl);
      }
      for (int x = groups; x < w; x++) {
        long si = srow + 3L * x;
        long dx = drow + (flip ? w - 1 - x : x);
        d.set(B, dx, s.get(B, si));
        d.set(B, dx + plane, s.get(B, si + 1));
        d.set(B, dx + 2 * plane, s.get(B, si + 2));
      }
    }
  }

  private static void hwcFlip3(MemorySegment s, long so, MemorySegment d, long dof, int h, int w) {
    int groups = w & ~7;
    long rowBytes = 3L * w;
    for (int y = 0; y < h; y++) {
      long srow = so + rowBytes * y;
      long drow = dof + rowBytes * y;
      for (int x = 0; x < groups; x += 8) {
        long si = srow + 3L * x;
        long a = s.get(LE, si);
        long b = s.get(LE, si + 8);
        long c = s.get(LE, si + 16);
        long r =
            Long.reverseBytes(
                Long.compress(a, M0) | Long.compress(b, M1) << 24 | Long.compress(c, M2) << 48);
        long g =
            Long.reverseBytes(
                Long.compress(a, M1) | Long.compress(b, M2) << 24 | Long.compress(c, M0) << 40);
        long bl =
            Long.reverseBytes(
                Long.compress(a, M2) | Long.compress(b, M0) << 16 | Long.compress(c, M1) << 40);
        long di = drow + 3L * (w - 8 - x);
        d.set(LE, di, Long.expand(r, M0) | Long.expand(g, M1) | Long.expand(bl, M2));
        d.set(
            LE,
            di + 8,
            Long.expand(r >>> 24, M1) | Long.expand(g >>> 24, M2) | Long.expand(bl >>> 16, M0));
        d.set(
            LE,
            di + 16,
            Long.expand(r >>> 48, M2) | Long.expand(g >>> 40, M0) | Long.expand(bl >>> 40, M1));
      }
      for (int x = groups; x < w; x++) {
        long si = srow + 3L * x;
        long di = drow + 3L * (w - 1 - x);
        d.set(B, di, s.get(B, si));
        d.set(B, di + 1, s.get(B, si + 1));
        d.set(B, di + 2, s.get(B, si + 2));
      }
    }
  }

  private static void hwcFlipAny(
      MemorySegment s, long so, MemorySegment d, long dof, int h, int w, int c) {
    long rowBytes = (long) c * w;
    for (int y = 0; y < h; y++) {
      long srow = so + rowBytes * y;
      long drow = dof + rowBytes * y;
      for (int x = 0; x < w; x++) {
        long si = srow + (long) c * x;
        long di = drow + (long) c * (w - 1 - x);
        for (int k = 0; k < c; k++) {
          d.set(B, di + k, s.get(B, si + k));
        }
      }
    }
  }

  private static void chwAny(
      MemorySegment s, long so, MemorySegment d, long dof, int h, int w, int c, boolean flip) {
    long plane = (long) h * w;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        long si = so + ((long) w * y + x) * c;
        long di = dof + (long) w * y + (flip ? w - 1 - x : x);
        for (int k = 0; k < c; k++) {
          d.set(B, di + k * plane, s.get(B, si + k));
        }
      }
    }
  }
}
