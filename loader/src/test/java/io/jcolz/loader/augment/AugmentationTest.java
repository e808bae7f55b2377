package io.jcolz.loader.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.image.PixelLayout;
import io.jcolz.image.RgbImage;
import io.jcolz.image.TestImages;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class AugmentationTest {
  private static final long SEED = new SplittableRandom().nextLong();

  private static byte[] run(
      Augmenter a, RgbImage src, long seed, long epoch, long row, PixelLayout layout) {
    int n = 3 * a.augmentation().width() * a.augmentation().height();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment dst = arena.allocate(n);
      a.apply(src.segment(), src.width(), src.height(), seed, epoch, row, dst, layout);
      return dst.toArray(ValueLayout.JAVA_BYTE);
    }
  }

  @Test
  void sameSeedEpochRowGivesTheSameBytesAndRowsDiffer() {
    Augmentation aug = Augmentation.standard(32, 32);
    RgbImage src = TestImages.smooth(80, 60, SEED);
    Augmenter a = aug.newAugmenter();
    Augmenter b = aug.newAugmenter();
    Set<Augmentation.Params> seen = new HashSet<>();
    for (long row = 0; row < 50; row++) {
      byte[] x = run(a, src, SEED, 3, row, PixelLayout.HWC);
      byte[] y = run(b, src, SEED, 3, row, PixelLayout.HWC);
      assertArrayEquals(x, y, "seed " + SEED + " row " + row);
      seen.add(aug.params(SEED, 3, row, 80, 60));
    }
    assertTrue(
        seen.size() >= 45,
        "rows get different crops (seed " + SEED + "): " + seen.size() + " distinct of 50");
    assertNotEquals(
        aug.params(SEED, 0, 7, 80, 60),
        aug.params(SEED, 1, 7, 80, 60),
        "epochs differ, seed " + SEED);
    assertNotEquals(
        aug.params(SEED, 0, 7, 80, 60), aug.params(SEED + 1, 0, 7, 80, 60), "seeds differ");
  }

  @Test
  void resultsDoNotDependOnThreads() throws Exception {
    Augmentation aug = Augmentation.standard(24, 24);
    RgbImage src = TestImages.smooth(50, 70, SEED);
    byte[][] serial = new byte[64][];
    Augmenter one = aug.newAugmenter();
    for (int r = 0; r < 64; r++) {
      serial[r] = run(one, src, SEED, 0, r, PixelLayout.CHW);
    }
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      @SuppressWarnings("unchecked")
      Future<byte[]>[] f = new Future[64];
      ThreadLocal<Augmenter> local = ThreadLocal.withInitial(aug::newAugmenter);
      for (int r = 63; r >= 0; r--) {
        long row = r;
        f[r] = pool.submit(() -> run(local.get(), src, SEED, 0, row, PixelLayout.CHW));
      }
      for (int r = 0; r < 64; r++) {
        assertArrayEquals(serial[r], f[r].get(), "seed " + SEED + " row " + r);
      }
    } finally {
      pool.shutdown();
      assertTrue(pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS));
    }
  }

  @Test
  void paramsFollowTorchvisionBounds() {
    Augmentation aug = Augmentation.standard(16, 16);
    SplittableRandom r = new SplittableRandom(SEED);
    for (int i = 0; i < 2000; i++) {
      int w = 1 + r.nextInt(300);
      int h = 1 + r.nextInt(300);
      Augmentation.Params p = aug.params(SEED, i, i * 31L, w, h);
      assertTrue(
          p.x() >= 0 && p.y() >= 0 && p.x() + p.width() <= w && p.y() + p.height() <= h,
          "seed " + SEED + ": " + p + " outside " + w + "x" + h);
      double area = (double) p.width() * p.height() / ((double) w * h);
      boolean fallback = p.x() == (w - p.width()) / 2 && p.y() == (h - p.height()) / 2;
      if (!fallback && w > 20 && h > 20) {
        assertTrue(area > 0.06 && area < 1.03, "area fraction " + area + " seed " + SEED);
        double ratio = (double) p.width() / p.height();
        assertTrue(ratio > 0.70 && ratio < 1.43, "ratio " + ratio + " seed " + SEED);
      }
    }
    // an extreme strip cannot fit the ratio range: centre crop clamped to the range
    Augmentation.Params strip =
        Augmentation.builder(8, 8)
            .randomResizedCrop(1, 1, 1, 1)
            .build()
            .params(SEED, 0, 0, 100, 10);
    assertEquals(new Augmentation.Params(45, 0, 10, 10, false), strip);
  }

  @Test
  void flipIsAnExactMirror() {
    RgbImage src = TestImages.smooth(40, 30, SEED);
    Augmentation.Params p = new Augmentation.Params(3, 4, 25, 20, false);
    Augmentation.Params q = new Augmentation.Params(3, 4, 25, 20, true);
    Augmenter a = Augmentation.none(16, 12).newAugmenter();
    try (Arena arena = Arena.ofConfined()) {
      for (PixelLayout layout : PixelLayout.values()) {
        MemorySegment d1 = arena.allocate(16 * 12 * 3);
        MemorySegment d2 = arena.allocate(16 * 12 * 3);
        a.apply(src.segment(), 40, 30, p, d1, layout);
        a.apply(src.segment(), 40, 30, q, d2, layout);
        for (int c = 0; c < 3; c++) {
          for (int y = 0; y < 12; y++) {
            for (int x = 0; x < 16; x++) {
              long i = layout == PixelLayout.HWC ? (y * 16L + x) * 3 + c : c * 192L + y * 16 + x;
              long j =
                  layout == PixelLayout.HWC
                      ? (y * 16L + 15 - x) * 3 + c
                      : c * 192L + y * 16 + 15 - x;
              assertEquals(
                  d1.get(ValueLayout.JAVA_BYTE, i),
                  d2.get(ValueLayout.JAVA_BYTE, j),
                  layout + " " + x + "," + y);
            }
          }
        }
      }
    }
  }

  @Test
  void nchwAndNhwcAgree() {
    RgbImage src = TestImages.smooth(64, 48, SEED);
    Augmentation aug = Augmentation.standard(20, 16);
    Augmenter a = aug.newAugmenter();
    for (long row = 0; row < 20; row++) {
      byte[] hwc = run(a, src, SEED, 1, row, PixelLayout.HWC);
      byte[] chw = run(a, src, SEED, 1, row, PixelLayout.CHW);
      for (int y = 0; y < 16; y++) {
        for (int x = 0; x < 20; x++) {
          for (int c = 0; c < 3; c++) {
            assertEquals(
                hwc[(y * 20 + x) * 3 + c],
                chw[c * 320 + y * 20 + x],
                "seed " + SEED + " row " + row);
          }
        }
      }
    }
  }

  @Test
  void cropContentIsTheResizedBox() {
    // source: left half red, right half blue; a crop inside the left half is all red
    int w = 100;
    int h = 50;
    byte[] p = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        p[(y * w + x) * 3 + (x < 50 ? 0 : 2)] = (byte) 255;
      }
    }
    RgbImage src = new RgbImage(w, h, p);
    Augmenter a = Augmentation.none(8, 8).newAugmenter();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment d = arena.allocate(8 * 8 * 3);
      a.apply(
          src.segment(), w, h, new Augmentation.Params(10, 5, 30, 30, false), d, PixelLayout.HWC);
      for (int i = 0; i < 64; i++) {
        assertEquals((byte) 255, d.get(ValueLayout.JAVA_BYTE, i * 3L));
        assertEquals(0, d.get(ValueLayout.JAVA_BYTE, i * 3L + 2));
      }
      a.apply(
          src.segment(), w, h, new Augmentation.Params(60, 10, 20, 30, true), d, PixelLayout.CHW);
      for (int i = 0; i < 64; i++) {
        assertEquals(0, d.get(ValueLayout.JAVA_BYTE, i));
        assertEquals((byte) 255, d.get(ValueLayout.JAVA_BYTE, 128 + i));
      }
    }
  }

  @Test
  void noAugmentationCopiesOrCentreCrops() {
    RgbImage src = TestImages.smooth(32, 32, SEED);
    Augmentation none = Augmentation.none(32, 32);
    assertFalse(none.isRandom());
    Augmenter a = none.newAugmenter();
    assertArrayEquals(src.pixels(), run(a, src, 1, 2, 3, PixelLayout.HWC));
    RgbImage wide = TestImages.smooth(64, 32, SEED);
    assertEquals(new Augmentation.Params(16, 0, 32, 32, false), none.params(0, 0, 0, 64, 32));
    byte[] out = run(a, wide, 0, 0, 0, PixelLayout.HWC);
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        for (int c = 0; c < 3; c++) {
          assertEquals(wide.pixels()[(y * 64 + x + 16) * 3 + c], out[(y * 32 + x) * 3 + c]);
        }
      }
    }
    // slots of a batch
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment batch = arena.allocate(4 * 32 * 32 * 3);
      a.copy(src.segment(), 32, 32, false, PixelLayout.slot(batch, 3, 32, 32), PixelLayout.CHW);
      assertEquals(src.pixels()[0], batch.get(ValueLayout.JAVA_BYTE, 3L * 3072));
      assertEquals(src.pixels()[1], batch.get(ValueLayout.JAVA_BYTE, 3L * 3072 + 1024));
      assertEquals(0, batch.get(ValueLayout.JAVA_BYTE, 0));
    }
  }

  @Test
  void flipProbabilityIsRespected() {
    Augmentation half = Augmentation.builder(8, 8).horizontalFlip(0.5).build();
    int flips = 0;
    for (int r = 0; r < 1000; r++) {
      flips += half.params(SEED, 0, r, 8, 8).flip() ? 1 : 0;
    }
    assertTrue(flips > 400 && flips < 600, flips + " flips of 1000, seed " + SEED);
    assertTrue(Augmentation.builder(8, 8).horizontalFlip(1).build().params(1, 2, 3, 8, 8).flip());
    assertFalse(Augmentation.none(8, 8).params(1, 2, 3, 8, 8).flip());
  }

  @Test
  void rejectsMisuse() {
    assertThrows(IllegalArgumentException.class, () -> Augmentation.builder(0, 8));
    assertThrows(
        IllegalArgumentException.class, () -> Augmentation.builder(8, 8).horizontalFlip(1.5));
    assertThrows(
        IllegalArgumentException.class,
        () -> Augmentation.builder(8, 8).randomResizedCrop(0.5, 0.2, 1, 1));
    Augmenter a = Augmentation.standard(8, 8).newAugmenter();
    RgbImage src = TestImages.smooth(10, 10, 1);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment small = arena.allocate(8 * 8 * 3 - 1);
      assertThrows(
          IllegalArgumentException.class,
          () -> a.apply(src.segment(), 10, 10, 0, 0, 0, small, PixelLayout.HWC));
      MemorySegment ok = arena.allocate(8 * 8 * 3);
      assertThrows(
          IllegalArgumentException.class,
          () -> a.apply(src.segment(), 11, 10, 0, 0, 0, ok, PixelLayout.HWC));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              a.apply(
                  src.segment(),
                  10,
                  10,
                  new Augmentation.Params(5, 5, 6, 2, false),
                  ok,
                  PixelLayout.HWC));
    }
  }
}
