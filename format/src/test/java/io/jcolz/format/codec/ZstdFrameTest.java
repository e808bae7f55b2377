package io.jcolz.format.codec;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jcolz.format.testing.Seeds;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every frame the writer's {@link ChunkCompressor} makes passes the frame check, whatever its size
 * and block types (raw, RLE, compressed; one block or many), and the same frame cut or extended by
 * one byte does not: the block walk finds the frame's exact end.
 */
class ZstdFrameTest {
  @Test
  void writerFramesOfEveryShapePassAndTheirEndIsExact() {
    long seed = Seeds.derive(Seeds.base(), 22);
    SplittableRandom r = new SplittableRandom(seed);
    int[] sizes = {1, 255, 256, 257, 65_791, 65_792, 131_072, 700_000};
    for (int size : sizes) {
      byte[] payload = new byte[size];
      for (int at = 0; at < size; ) {
        int run = Math.min(size - at, 1 + r.nextInt(200_000));
        switch (r.nextInt(3)) {
          case 0 -> Arrays.fill(payload, at, at + run, (byte) r.nextInt(256)); // RLE blocks
          case 1 -> { // incompressible: raw blocks
            for (int i = at; i < at + run; i++) {
              payload[i] = (byte) r.nextInt(256);
            }
          }
          default -> { // compressible
            for (int i = at; i < at + run; i++) {
              payload[i] = (byte) (i % 64 == 0 ? r.nextInt(256) : i / 7);
            }
          }
        }
        at += run;
      }
      for (int level : new int[] {-5, 1, 3}) {
        try (ChunkCompressor c = new ChunkCompressor(Codec.ZSTD, level)) {
          int n = c.compress(payload, size);
          byte[] frame = Arrays.copyOf(c.buffer(), n);
          String where = Seeds.tag(seed) + "size " + size + ", level " + level;
          assertNull(ZstdFrame.problem(MemorySegment.ofArray(frame), size), where);
          assertNotNull(
              ZstdFrame.problem(MemorySegment.ofArray(Arrays.copyOf(frame, n - 1)), size), where);
          assertNotNull(
              ZstdFrame.problem(MemorySegment.ofArray(Arrays.copyOf(frame, n + 1)), size), where);
          assertNotNull(ZstdFrame.problem(MemorySegment.ofArray(frame), size + 1L), where);
        }
      }
    }
  }
}
