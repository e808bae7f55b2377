package io.jcolz.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.CollectionWriter;
import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.testing.Seeds;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.augment.Augmentation;
import io.jcolz.loader.batch.BatchSpec;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.TargetMode;
import io.jcolz.loader.order.Order;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Targets and masks of partial labels (format version 3) through the whole loader: random datasets
 * (confidences and/or verified negatives, either meaning of an unlisted label, every column chunked
 * its own random way, single datasets and collections of parts) read dense and sparse, with flips
 * on, by 1 and 2 workers, batch sizes that straddle chunks; every batch is compared with a
 * reference built straight from the rows as written.
 */
class PartialTargetsTest {
  static final int H = LoaderTest.H;
  static final int W = LoaderTest.W;
  static final Augmentation FLIP = LoaderTest.FLIP;

  @TempDir Path tmp;

  /** One row as written (positives unsorted, confidences parallel to them). */
  record Labels(int[] positives, float[] confidences, int[] negatives) {}

  /** A random v3 dataset (or a collection of parts) and its rows. */
  record Written(Path path, List<Labels> rows, List<byte[]> images) {}

  static Schema schema(int card, boolean conf, boolean neg, SplittableRandom r) {
    Schema.Builder b =
        Schema.builder()
            .column(ColumnSpec.uint8Tensor("image", H, W, 3).withChunkRows(1 + r.nextInt(13)))
            .column(chunked(ColumnSpec.int32Set("labels", card), r))
            .labelColumn("labels");
    if (conf) {
      b.column(chunked(ColumnSpec.float32List(PartialLabels.CONFIDENCE), r));
    }
    if (neg) {
      b.column(chunked(ColumnSpec.int32Set(PartialLabels.NEGATIVES, card), r));
    }
    return b.build();
  }

  private static ColumnSpec chunked(ColumnSpec s, SplittableRandom r) {
    return s.withChunkRows(1 + r.nextInt(r.nextBoolean() ? 7 : 40))
        .withCodec(r.nextBoolean() ? Codec.NONE : Codec.ZSTD, 3);
  }

  static Labels randomLabels(SplittableRandom r, int card) {
    int[] perm = new int[card];
    for (int i = 0; i < card; i++) {
      perm[i] = i;
    }
    for (int i = card - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    int np = r.nextInt(Math.min(card, 5) + 1);
    int nn = r.nextInt(Math.min(card - np, 5) + 1);
    float[] conf = new float[np];
    for (int i = 0; i < np; i++) {
      conf[i] = r.nextInt(3) == 0 ? 1f : (float) (1 - r.nextDouble()); // (0, 1]
    }
    return new Labels(Arrays.copyOfRange(perm, 0, np), conf, Arrays.copyOfRange(perm, np, np + nn));
  }

  static void writePart(
      Path dir,
      Schema schema,
      List<Labels> rows,
      List<byte[]> images,
      int from,
      int to,
      String unlisted,
      List<String> vocab)
      throws IOException {
    boolean conf = schema.indexOf(PartialLabels.CONFIDENCE) >= 0;
    boolean neg = schema.indexOf(PartialLabels.NEGATIVES) >= 0;
    try (DatasetWriter w = DatasetWriter.create(dir, schema)) {
      Row row = w.newRow();
      for (int i = from; i < to; i++) {
        Labels l = rows.get(i);
        row.clear().setTensor("image", images.get(i));
        row.setLabels(l.positives(), conf ? l.confidences() : null, neg ? l.negatives() : null);
        w.append(row);
      }
      w.labels(vocab);
      if (unlisted != null) {
        w.putMetadata(PartialLabels.UNLISTED, unlisted);
      }
    }
  }

  /** Writes {@code n} random rows as one dataset, or as a collection of 2–3 parts. */
  Written write(
      String name, SplittableRandom r, int card, boolean conf, boolean neg, String unl, int n)
      throws IOException {
    Schema schema = schema(card, conf, neg, r);
    List<Labels> rows = new ArrayList<>();
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(randomLabels(r, card));
      byte[] img = new byte[H * W * 3];
      r.nextBytes(img);
      images.add(img);
    }
    List<String> vocab = new ArrayList<>();
    for (int i = 0; i < card; i++) {
      vocab.add("l" + i);
    }
    Path path = tmp.resolve(name);
    if (r.nextBoolean()) {
      writePart(path, schema, rows, images, 0, n, unl, vocab);
    } else {
      int parts = 2 + r.nextInt(2);
      List<io.jcolz.format.store.CollectionManifest.PartEntry> entries = new ArrayList<>();
      for (int p = 0; p < parts; p++) {
        String pn = DatasetLayout.partName(p);
        writePart(
            DatasetLayout.part(path, pn),
            schema,
            rows,
            images,
            p * n / parts,
            (p + 1) * n / parts,
            unl,
            vocab);
        entries.add(CollectionWriter.describePart(path, pn));
      }
      Map<String, String> meta = new HashMap<>();
      if (unl != null) {
        meta.put(PartialLabels.UNLISTED, unl);
      }
      CollectionWriter.commit(path, UUID.randomUUID(), schema, vocab, meta, entries, "test");
    }
    return new Written(path, rows, images);
  }

  /** The reference: the dense target and mask row of {@code l}, straight from its definition. */
  static float[][] reference(Labels l, int card, boolean conf, boolean neg, boolean unknown) {
    float[] target = new float[card];
    float[] mask = new float[card];
    Arrays.fill(mask, unknown ? 0f : 1f);
    for (int k = 0; k < l.positives().length; k++) {
      target[l.positives()[k]] = conf ? l.confidences()[k] : 1f;
      mask[l.positives()[k]] = 1f;
    }
    if (neg) {
      for (int x : l.negatives()) {
        mask[x] = 1f;
      }
    }
    return new float[][] {target, mask};
  }

  @Test
  void targetsAndMasksEqualTheRowsDenseAndSparse() throws Exception {
    long base = Seeds.derive(Seeds.base(), 2501);
    for (int round = 0; round < 12; round++) {
      long seed = Seeds.derive(base, round);
      SplittableRandom r = new SplittableRandom(seed);
      int card = 1 + r.nextInt(20);
      int kind = r.nextInt(3);
      boolean conf = kind != 1;
      boolean neg = kind != 0;
      boolean unknown = r.nextBoolean();
      int n = 20 + r.nextInt(60);
      Written w = write("ds" + round, r, card, conf, neg, unknown ? "unknown" : null, n);
      LabelMode mode = r.nextBoolean() ? LabelMode.MULTI_HOT : LabelMode.SPARSE;
      int workers = 1 + r.nextInt(2);
      int batch = 1 + r.nextInt(11);
      String msg =
          Seeds.tag(seed)
              + " card "
              + card
              + " conf "
              + conf
              + " neg "
              + neg
              + " unknown "
              + unknown
              + " rows "
              + n
              + " "
              + mode
              + " workers "
              + workers
              + " batch "
              + batch
              + ": ";
      try (Dataset ds = Dataset.open(w.path());
          Loader loader =
              Loader.builder(ds)
                  .batchSize(batch)
                  .workers(workers)
                  .order(Order.QUASI_RANDOM)
                  .seed(seed)
                  .epochs(2)
                  .dropLast(false)
                  .labels(mode)
                  .augment(Augment.flip())
                  .start()) {
        TargetMode expectedMode =
            unknown ? TargetMode.UNLISTED_UNKNOWN : TargetMode.UNLISTED_NEGATIVE;
        assertEquals(expectedMode, loader.batchSpec().targets(), msg);
        long[] seen = new long[n];
        LoaderTest.drain(
            loader,
            b -> {
              check(b, w, card, conf, neg, unknown, seed, msg + b + ": ");
              for (int i = 0; i < b.size(); i++) {
                seen[(int) b.row(i)]++;
              }
            });
        for (int i = 0; i < n; i++) {
          assertEquals(2, seen[i], msg + "row " + i + " read twice in 2 epochs");
        }
      }
    }
  }

  private static void check(
      Batch b,
      Written w,
      int card,
      boolean conf,
      boolean neg,
      boolean unknown,
      long seed,
      String msg) {
    assertEquals(unknown ? 0f : 1f, b.unlistedWeight(), msg);
    List<int[]> pos = new ArrayList<>();
    List<float[]> posTargets = new ArrayList<>();
    List<int[]> negs = new ArrayList<>();
    for (int i = 0; i < b.size(); i++) {
      long row = b.row(i);
      Labels l = w.rows().get((int) row);
      boolean flipped = FLIP.params(seed, b.epoch(), row, W, H).flip();
      assertArrayEquals(
          LoaderTest.reference(w.images().get((int) row), flipped, ImageLayout.NCHW),
          b.image(i).toArray(ValueLayout.JAVA_BYTE),
          msg + "image of row " + row);
      float[][] ref = reference(l, card, conf, neg, unknown);
      int[] sorted = l.positives().clone();
      Arrays.sort(sorted);
      assertArrayEquals(sorted, b.labels(i), msg + "labels of row " + row);
      if (b.labelMode() == LabelMode.MULTI_HOT) {
        MemorySegment t = b.targets().asSlice(4L * i * card, 4L * card);
        MemorySegment m = b.mask().asSlice(4L * i * card, 4L * card);
        assertArrayEquals(ref[0], t.toArray(ValueLayout.JAVA_FLOAT), msg + "target row " + row);
        assertArrayEquals(ref[1], m.toArray(ValueLayout.JAVA_FLOAT), msg + "mask row " + row);
      } else {
        for (int x : sorted) {
          pos.add(new int[] {i, x});
          posTargets.add(new float[] {ref[0][x]});
        }
        if (neg) {
          int[] ns = l.negatives().clone();
          Arrays.sort(ns);
          for (int x : ns) {
            negs.add(new int[] {i, x});
          }
        }
      }
    }
    if (b.labelMode() == LabelMode.SPARSE) {
      int[] want = new int[2 * (pos.size() + negs.size())];
      float[] wantTargets = new float[pos.size() + negs.size()];
      int k = 0;
      for (int[] p : pos) {
        want[2 * k] = p[0];
        want[2 * k + 1] = p[1];
        wantTargets[k] = posTargets.get(k)[0];
        k++;
      }
      for (int[] p : negs) {
        want[2 * k] = p[0];
        want[2 * k + 1] = p[1];
        wantTargets[k] = 0f;
        k++;
      }
      assertEquals(pos.size(), b.pairCount(), msg + "positive pairs");
      assertEquals(negs.size(), b.negativePairCount(), msg + "negative pairs");
      assertArrayEquals(want, b.listedPairs().toArray(ValueLayout.JAVA_INT), msg + "listed pairs");
      assertArrayEquals(
          wantTargets, b.pairTargets().toArray(ValueLayout.JAVA_FLOAT), msg + "pair targets");
      assertArrayEquals(
          Arrays.copyOf(want, 2 * pos.size()),
          b.labelPairs().toArray(ValueLayout.JAVA_INT),
          msg + "positive pairs");
      assertThrows(IllegalStateException.class, b::mask, msg);
    } else {
      assertThrows(IllegalStateException.class, b::listedPairs, msg);
    }
  }

  @Test
  void aPlainDatasetKeepsPlainLabelsAndItsMemoryBound() throws Exception {
    SplittableRandom r = new SplittableRandom(Seeds.derive(Seeds.base(), 2502));
    Written plain = write("plain", r, 7, false, false, null, 30);
    Written partial = write("partial", r, 7, true, true, "unknown", 30);
    try (Dataset ds = Dataset.open(plain.path());
        Dataset pds = Dataset.open(partial.path())) {
      for (LabelMode mode : new LabelMode[] {LabelMode.MULTI_HOT, LabelMode.SPARSE}) {
        LoaderConfig c = Loader.builder(ds).batchSize(4).workers(1).labels(mode).config();
        BatchSpec s = c.batchSpec();
        assertEquals(TargetMode.PLAIN, s.targets());
        assertEquals(0, s.weightBytes());
        long today =
            align(s.imagesBytes())
                + align(mode == LabelMode.MULTI_HOT ? 4L * 7 * 4 : 8L * s.maxPairs())
                + align(8L * 4);
        assertEquals(today, c.memoryBound().batchBytes(), "plain " + mode);
        // the partial dataset counts its second label region in the bound
        LoaderConfig pc = Loader.builder(pds).batchSize(4).workers(1).labels(mode).config();
        long extra = mode == LabelMode.MULTI_HOT ? 4L * 7 * 4 : 4L * pc.batchSpec().maxPairs();
        assertEquals(today + align(extra), pc.memoryBound().batchBytes(), "partial " + mode);
        assertEquals(
            pc.memoryBound().batchBuffers() * pc.memoryBound().batchBytes(),
            pc.memoryBound().poolBytes());
        // targets(false): a partial dataset read as plain labels
        assertEquals(
            TargetMode.PLAIN,
            Loader.builder(pds)
                .batchSize(4)
                .labels(mode)
                .targets(false)
                .config()
                .batchSpec()
                .targets());
      }
      // targets(true) on a plain dataset: confidence 1 and a mask of ones
      try (Loader loader =
          Loader.builder(ds).batchSize(5).workers(2).targets(true).dropLast(false).start()) {
        assertEquals(TargetMode.UNLISTED_NEGATIVE, loader.batchSpec().targets());
        LoaderTest.drain(
            loader,
            b -> {
              for (int i = 0; i < b.size(); i++) {
                float[][] ref = reference(plain.rows().get((int) b.row(i)), 7, false, false, false);
                assertArrayEquals(
                    ref[0], b.targets().asSlice(28L * i, 28).toArray(ValueLayout.JAVA_FLOAT));
                assertArrayEquals(
                    ref[1], b.mask().asSlice(28L * i, 28).toArray(ValueLayout.JAVA_FLOAT));
              }
            });
      }
      assertThrows(
          IllegalArgumentException.class,
          () -> Loader.builder(ds).batchSize(5).labels(LabelMode.NONE).targets(true).config());
      // a plain batch has no mask
      try (Loader loader = Loader.builder(ds).batchSize(5).workers(1).start();
          Batch b = loader.device(0).take()) {
        assertEquals(TargetMode.PLAIN, b.targetMode());
        assertThrows(IllegalStateException.class, b::mask);
      }
    }
  }

  private static long align(long n) {
    return (n + BatchSpec.ALIGN - 1) / BatchSpec.ALIGN * BatchSpec.ALIGN;
  }

  @Test
  void overCapacityNamesTheSetting() throws Exception {
    SplittableRandom r = new SplittableRandom(Seeds.derive(Seeds.base(), 2503));
    Written w = write("cap", r, 12, true, true, "unknown", 40);
    try (Dataset ds = Dataset.open(w.path());
        Loader loader =
            Loader.builder(ds)
                .batchSize(8)
                .workers(1)
                .maxLabelsPerSample(1)
                .labels(LabelMode.MULTI_HOT)
                .start()) {
      Exception e =
          assertThrows(
              Exception.class,
              () -> {
                Batch b;
                while ((b = loader.device(0).take()) != null) {
                  b.close();
                }
              });
      String m = String.valueOf(e.getMessage()) + e.getCause();
      assertTrue(m.contains("maxLabelsPerSample"), m);
    }
  }
}
