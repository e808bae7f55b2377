package io.jcolz.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import io.jcolz.image.JpegDecoder;
import io.jcolz.image.JpegEncoder;
import io.jcolz.image.PixelLayout;
import io.jcolz.image.RgbImage;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.augment.Augmentation;
import io.jcolz.loader.batch.ImageLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JpegModeTest {
  @TempDir Path dir;

  @Test
  void jpegRowsAreDecodedAndAugmentedLikeTheImagePackageDoes() throws Exception {
    int out = 16;
    check(
        Augmentation.builder(out, out).randomResizedCrop().horizontalFlip(0.5).build(),
        ImageLayout.NCHW,
        41);
  }

  @Test
  void jpegRowsAtTheOutputSizeTakeTheFastPathWithTheSameFlips() throws Exception {
    // decoded size = output size, no crop: Pixels.write instead of the augmenter, same bytes
    check(Augmentation.builder(24, 24).horizontalFlip(0.5).build(), ImageLayout.NCHW, 42);
    check(Augmentation.builder(24, 24).horizontalFlip(0.5).build(), ImageLayout.NHWC, 43);
    check(Augmentation.builder(24, 24).build(), ImageLayout.NCHW, 44);
  }

  private void check(Augmentation aug, ImageLayout layout, int salt) throws Exception {
    long seed = Seeds.derive(Seeds.base(), salt);
    int s = 24;
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.bytes("jpeg").withChunkRows(5))
            .column(ColumnSpec.int32Set("labels", 10))
            .labelColumn("labels")
            .build();
    Path path = dir.resolve("jpeg" + salt);
    try (DatasetWriter w = DatasetWriter.create(path, schema);
        JpegEncoder enc = new JpegEncoder(90)) {
      Row row = w.newRow();
      java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
      for (int i = 0; i < 40; i++) {
        byte[] rgb = new byte[s * s * 3];
        for (int k = 0; k < rgb.length; k++) {
          rgb[k] = (byte) (k * (i + 1) + r.nextInt(8));
        }
        w.append(
            row.clear()
                .setBytes("jpeg", enc.encode(rgb, 0, s, s))
                .setSet("labels", new int[] {i % 10}));
      }
      w.labels(RandomDatasets.vocabulary(10));
      w.putMetadata("mode", "jpeg");
      w.putMetadata("size", Integer.toString(s));
    }
    int out = aug.width();
    try (Dataset ds = Dataset.open(path);
        Loader loader =
            Loader.builder(ds)
                .batchSize(8)
                .workers(2)
                .seed(seed)
                .imageLayout(layout)
                .augment(Augment.of(aug))
                .start();
        JpegDecoder dec = new JpegDecoder();
        Arena arena = Arena.ofConfined()) {
      MemorySegment want = arena.allocate(3L * out * out);
      LoaderTest.drain(
          loader,
          b -> {
            assertArrayEquals(
                layout == ImageLayout.NCHW
                    ? new long[] {b.size(), 3, out, out}
                    : new long[] {b.size(), out, out, 3},
                b.imageShape());
            for (int i = 0; i < b.size(); i++) {
              try {
                RgbImage img = dec.decode(ds.readBytes("jpeg", b.row(i)));
                aug.newAugmenter()
                    .apply(
                        img.segment(),
                        img.width(),
                        img.height(),
                        seed,
                        b.epoch(),
                        b.row(i),
                        want,
                        layout == ImageLayout.NCHW ? PixelLayout.CHW : PixelLayout.HWC);
                assertEquals(-1, want.mismatch(b.image(i)), Seeds.tag(seed) + "row " + b.row(i));
                assertArrayEquals(ds.readSet("labels", b.row(i)), b.labels(i));
              } catch (java.io.IOException e) {
                throw new AssertionError(e);
              }
            }
          });
    }
  }
}
