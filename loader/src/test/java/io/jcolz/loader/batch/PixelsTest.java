package io.jcolz.loader.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcolz.format.testing.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PixelsTest {
  private static final byte GUARD = 0x5A;

  /** The definition: dst(c, y, x') or dst(y, x', c) = src(y, x, c), x' = flip ? W−1−x : x. */
  static byte[] reference(byte[] src, int h, int w, int c, boolean flip, ImageLayout layout) {
    byte[] out = new byte[src.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int dx = flip ? w - 1 - x : x;
        for (int k = 0; k < c; k++) {
          byte v = src[(y * w + x) * c + k];
          if (layout == ImageLayout.NCHW) {
            out[k * h * w + y * w + dx] = v;
          } else {
            out[(y * w + dx) * c + k] = v;
          }
        }
      }
    }
    return out;
  }

  @Test
  void wordPathsMatchTheDefinition() {
    check(false, 11);
  }

  /**
   * The Vector API paths (surefire starts the JVM with {@code --add-modules=jdk.incubator.vector},
   * as the launcher does for the loader's commands); widths up to 3 × 64 + 7 cover one block, an
   * overlapped last block, and widths below a block (which take the word path).
   */
  @Test
  void vectorPathsMatchTheDefinition() {
    assumeTrue(Pixels.vectorUsed(), Pixels.vectorStatus());
    check(true, 12);
  }

  private static void check(boolean vector, int stream) {
    long seed = Seeds.derive(Seeds.base(), stream);
    SplittableRandom r = new SplittableRandom(seed);
    try (Arena arena = Arena.ofConfined()) {
      for (int t = 0; t < 300; t++) {
        int h = 1 + r.nextInt(9);
        int w = 1 + r.nextInt(vector ? 200 : 40);
        int c = new int[] {1, 3, 3, 3, 4}[r.nextInt(5)];
        boolean flip = r.nextBoolean();
        ImageLayout layout = r.nextBoolean() ? ImageLayout.NCHW : ImageLayout.NHWC;
        byte[] src = new byte[h * w * c];
        for (int i = 0; i < src.length; i++) {
          src[i] = (byte) r.nextInt(256);
        }
        int pad = r.nextInt(5);
        MemorySegment s = arena.allocate(src.length + pad + 1);
        MemorySegment.copy(src, 0, s, ValueLayout.JAVA_BYTE, pad, src.length);
        MemorySegment d = arena.allocate(src.length + 2L * pad + 1);
        d.fill(GUARD);
        Pixels.write(s, pad, h, w, c, flip, layout, d, pad, vector);
        byte[] got = d.asSlice(pad, src.length).toArray(ValueLayout.JAVA_BYTE);
        byte[] want = reference(src, h, w, c, flip, layout);
        for (long i = 0; i < d.byteSize(); i++) {
          if (i < pad || i >= pad + src.length) {
            assertEquals(GUARD, d.get(ValueLayout.JAVA_BYTE, i), Seeds.tag(seed) + "wrote outside");
          }
        }
        assertEquals(
            java.util.Arrays.toString(want),
            java.util.Arrays.toString(got),
            Seeds.tag(seed)
                + h
                + "×"
                + w
                + "×"
                + c
                + " flip="
                + flip
                + " "
                + layout
                + (vector ? " vector" : " words"));
      }
    }
  }
}
