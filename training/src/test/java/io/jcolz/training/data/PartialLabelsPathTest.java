package io.jcolz.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import io.jcolz.format.Dataset;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.loader.Loader;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.TargetMode;
import io.jcolz.shapes.ShapesDatasetWriter;
import io.jcolz.training.loss.AsymmetricLoss;
import io.jcolz.training.loss.LossChoice;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partial labels through the real training path: loader batch → {@link BatchArrays#lossLabels} (and
 * {@link LoaderDataset}) → the losses {@code jcolz train --loss} builds. An unknown label's logit
 * gets a gradient of exactly zero, a verified negative's and a positive's do not, and the gradient
 * equals the one of the same loss given a dense target and mask built here from the rows as the
 * format reads them ({@code Dataset.readLabels}, not the loader), for dense and sparse batches.
 */
class PartialLabelsPathTest {
  @TempDir static Path tmp;
  static Path unknown;
  static Path negative;
  static final int L = 12;

  @BeforeAll
  static void write() throws Exception {
    unknown = tmp.resolve("unknown");
    ShapesDatasetWriter.writePartial(unknown, 21, 16, 5, PartialLabels.Unlisted.UNKNOWN);
    negative = tmp.resolve("negative");
    ShapesDatasetWriter.writePartial(negative, 21, 16, 6, PartialLabels.Unlisted.NEGATIVE);
  }

  private static final LossChoice[] LOSSES = {
    new LossChoice("sce", 1, 4, 0.05f, 1),
    new LossChoice("asl", 1, 4, 0.05f, 1),
    new LossChoice("focal", 1, 2, 0.05f, 1),
    new LossChoice("asl", 1, 4, 0.05f, 0.5f),
  };

  /** The dense target and mask of row {@code row}, from the format's own row reader. */
  private static float[][] reference(Dataset ds, long row) throws Exception {
    PartialLabels.RowLabels r = ds.readLabels(row);
    boolean unk = ds.partialLabels().unlisted() == PartialLabels.Unlisted.UNKNOWN;
    float[] t = new float[L];
    float[] m = new float[L];
    java.util.Arrays.fill(m, unk ? 0f : 1f);
    for (int j = 0; j < r.positives().length; j++) {
      t[r.positives()[j]] = r.confidence(j);
      m[r.positives()[j]] = 1f;
    }
    for (int n : r.negatives()) {
      m[n] = 1f;
    }
    return new float[][] {t, m};
  }

  private static float[] gradient(Loss loss, NDList labels, NDArray logits, NDManager scope) {
    NDArray x = logits.duplicate();
    x.attach(scope);
    x.setRequiresGradient(true);
    try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
      NDArray l = loss.evaluate(labels, new NDList(x));
      assertTrue(Float.isFinite(l.getFloat()), "loss " + l.getFloat());
      c.backward(l);
    }
    return x.getGradient().toFloatArray();
  }

  @Test
  void unknownLabelsGetExactlyZeroGradientNegativesDoNot() throws Exception {
    for (Path p : new Path[] {unknown, negative}) {
      try (Dataset ds = Dataset.open(p);
          NDManager m = NDManager.newBaseManager(Device.cpu())) {
        boolean unk = ds.partialLabels().unlisted() == PartialLabels.Unlisted.UNKNOWN;
        for (LabelMode mode : new LabelMode[] {LabelMode.MULTI_HOT, LabelMode.SPARSE}) {
          try (Loader loader =
              Loader.builder(ds).batchSize(8).workers(2).labels(mode).dropLast(false).start()) {
            assertEquals(
                unk ? TargetMode.UNLISTED_UNKNOWN : TargetMode.UNLISTED_NEGATIVE,
                loader.batchSpec().targets());
            SplittableRandom r = new SplittableRandom(42);
            long step = 0;
            int unknownSeen = 0;
            int negativeSeen = 0;
            for (io.jcolz.loader.Batch b : loader.batches()) {
              try (b;
                  NDManager scope = m.newSubManager()) {
                int n = b.size();
                float[] logits = new float[n * L];
                for (int i = 0; i < logits.length; i++) {
                  logits[i] = (float) (r.nextDouble() * 3 - 1); // clear of ASL's clip zone
                }
                NDArray x = scope.create(logits, new Shape(n, L));
                NDList labels = BatchArrays.lossLabels(scope, b);
                assertEquals(mode == LabelMode.MULTI_HOT ? 2 : 3, labels.size());
                float[] t = new float[n * L];
                float[] mk = new float[n * L];
                float[][] rows = new float[n][];
                for (int i = 0; i < n; i++) {
                  float[][] ref = reference(ds, b.row(i));
                  System.arraycopy(ref[0], 0, t, i * L, L);
                  System.arraycopy(ref[1], 0, mk, i * L, L);
                  rows[i] = ref[1];
                }
                NDList dense =
                    new NDList(scope.create(t, new Shape(n, L)), scope.create(mk, new Shape(n, L)));
                for (LossChoice choice : LOSSES) {
                  Loss loss = choice.build(null, 7, true);
                  assertTrue(loss instanceof AsymmetricLoss, choice.toString());
                  ((AsymmetricLoss) loss).setStep(step);
                  float[] g = gradient(loss, labels, x, scope);
                  float[] want = gradient(loss, dense, x, scope);
                  String msg = p.getFileName() + " " + mode + " " + choice + " batch " + b.index();
                  for (int i = 0; i < n; i++) {
                    PartialLabels.RowLabels row = ds.readLabels(b.row(i));
                    for (int l = 0; l < L; l++) {
                      int e = i * L + l;
                      assertEquals(want[e], g[e], 1e-6f, msg + " element " + e);
                      if (mk[e] == 0f) {
                        assertEquals(
                            0f, g[e], msg + ": unknown label " + l + " of row " + b.row(i));
                        assertEquals(0, Float.floatToRawIntBits(g[e]) & 0x7fffffff, msg);
                        unknownSeen++;
                      } else if (choice.negativeFraction() == 1f) {
                        assertNotEquals(
                            0f, g[e], msg + ": known label " + l + " of row " + b.row(i));
                        if (contains(row.negatives(), l)) {
                          negativeSeen++;
                        }
                      }
                    }
                  }
                }
                step++;
              }
            }
            assertTrue(negativeSeen > 0, "no verified negative was checked");
            assertEquals(unk, unknownSeen > 0, "unknowns checked: " + unknownSeen);
          }
        }
      }
    }
  }

  private static boolean contains(int[] a, int v) {
    for (int x : a) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }

  @Test
  void jcolzDatasetRecordsCarryTargetAndMask() throws Exception {
    for (Path p : new Path[] {unknown, negative}) {
      try (Dataset ds = Dataset.open(p);
          NDManager m = NDManager.newBaseManager(Device.cpu())) {
        JcolzDataset view = JcolzDataset.builder(ds).setSampling(4, false).build();
        for (long row = 0; row < ds.rowCount(); row++) {
          ai.djl.training.dataset.Record rec = view.get(m, row);
          float[][] ref = reference(ds, row);
          assertEquals(2, rec.getLabels().size());
          org.junit.jupiter.api.Assertions.assertArrayEquals(
              ref[0], rec.getLabels().get(0).toFloatArray(), p + " target of row " + row);
          org.junit.jupiter.api.Assertions.assertArrayEquals(
              ref[1], rec.getLabels().get(1).toFloatArray(), p + " mask of row " + row);
        }
      }
    }
  }

  @Test
  void loaderDatasetCarriesTargetsAndMask() throws Exception {
    try (Dataset ds = Dataset.open(unknown);
        NDManager m = NDManager.newBaseManager(Device.cpu());
        LoaderDataset dense = new LoaderDataset(ds, b -> b.batchSize(7).workers(1));
        LoaderDataset sparse =
            new LoaderDataset(ds, b -> b.batchSize(7).workers(1).labels(LabelMode.SPARSE))) {
      for (Batch b : dense.getData(m)) {
        try (b) {
          NDList y = b.getLabels();
          assertEquals(2, y.size());
          assertEquals(new Shape(7, L), y.get(0).getShape());
          assertEquals(new Shape(7, L), y.get(1).getShape());
          float[] mask = y.get(1).toFloatArray();
          float sum = 0;
          for (float v : mask) {
            sum += v;
          }
          assertTrue(sum < mask.length, "some labels are unknown");
        }
      }
      for (Batch b : sparse.getData(m)) {
        try (b) {
          NDList y = b.getLabels();
          assertEquals(3, y.size());
          assertEquals(DataType.INT32, y.get(0).getDataType());
          assertEquals(y.get(0).getShape().get(0), y.get(1).getShape().get(0));
          assertEquals(0f, y.get(2).getFloat());
        }
      }
    }
  }
}
