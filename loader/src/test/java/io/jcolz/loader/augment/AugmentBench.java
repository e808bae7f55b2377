package io.jcolz.loader.augment;

import io.jcolz.image.PixelLayout;
import io.jcolz.image.RgbImage;
import io.jcolz.image.TestImages;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * Single-thread throughput of augmentation into a batch slot (a measurement, not a test; JMH
 * versions belong in the bench module; decoding is measured by the image module's {@code
 * io.jcolz.image.ImageBench}). How to run, after {@code mvn -pl loader -am verify}:
 *
 * <pre>
 * CP=image/target/classes:image/target/test-classes:loader/target/classes:loader/target/test-classes
 * java -cp "$CP" io.jcolz.loader.augment.AugmentBench
 * </pre>
 *
 * Prints augmentation samples/s for random resized crop + flip, flip only and none, in CHW and HWC.
 */
public final class AugmentBench {
  private AugmentBench() {}

  public static void main(String[] args) {
    RgbImage src256 = TestImages.smooth(256, 256, 7);
    RgbImage src224 = TestImages.smooth(224, 224, 7);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s256 = arena.allocate(256 * 256 * 3);
      MemorySegment.copy(src256.segment(), 0, s256, 0, s256.byteSize());
      MemorySegment s224 = arena.allocate(224 * 224 * 3);
      MemorySegment.copy(src224.segment(), 0, s224, 0, s224.byteSize());
      MemorySegment batch = arena.allocate(64L * 224 * 224 * 3);
      augment(
          "random resized crop + flip, 256->224, CHW",
          Augmentation.standard(224, 224),
          s256,
          256,
          batch,
          PixelLayout.CHW);
      augment(
          "flip only 224, CHW",
          Augmentation.builder(224, 224).horizontalFlip(0.5).build(),
          s224,
          224,
          batch,
          PixelLayout.CHW);
      augment(
          "flip only 224, HWC",
          Augmentation.builder(224, 224).horizontalFlip(0.5).build(),
          s224,
          224,
          batch,
          PixelLayout.HWC);
      augment(
          "none 224, CHW (transpose)",
          Augmentation.none(224, 224),
          s224,
          224,
          batch,
          PixelLayout.CHW);
      augment(
          "none 224, HWC (copy)", Augmentation.none(224, 224), s224, 224, batch, PixelLayout.HWC);
    }
  }

  private static void augment(
      String what,
      Augmentation aug,
      MemorySegment src,
      int side,
      MemorySegment batch,
      PixelLayout layout) {
    Augmenter a = aug.newAugmenter();
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
      long t0 = System.nanoTime();
      long n = 0;
      while (System.nanoTime() - t0 < 2_000_000_000L) {
        a.apply(src, side, side, 1, 0, n, PixelLayout.slot(batch, n & 63, 224, 224), layout);
        n++;
      }
      best = Math.max(best, n / ((System.nanoTime() - t0) / 1e9));
    }
    System.out.printf(Locale.ROOT, "augment %s: %.0f img/s%n", what, best);
  }
}
