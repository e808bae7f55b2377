package io.jcolz.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.modality.cv.transform.CenterCrop;
import ai.djl.modality.cv.transform.Normalize;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.jcolz.format.Dataset;
import io.jcolz.shapes.ShapesDatasetWriter;
import io.jcolz.shapes.ShapesGenerator;
import io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DJL adapter: records, batches, labels, EasyTrain; and the label counts of --pos-weight auto.
 */
class JcolzDatasetTest {
  @TempDir static Path tmp;
  static Path data;

  @BeforeAll
  static void write() throws Exception {
    data = tmp.resolve("ds");
    ShapesDatasetWriter.write(data, 40, 16, 11);
  }

  @Test
  void recordsAreNormalisedImagesAndMultiHotLabels() throws Exception {
    ShapesGenerator gen = new ShapesGenerator(16, 11);
    try (Dataset ds = Dataset.open(data);
        NDManager m = NDManager.newBaseManager(Device.cpu())) {
      assertEquals(ShapesDatasetWriter.key(7), ds.readString("key", 7));
      JcolzDataset view = JcolzDataset.builder(ds).setSampling(8, false).build();
      assertEquals(40, view.size());
      assertEquals(new Shape(3, 16, 16), view.imageShape());
      var r = view.get(m, 7);
      NDArray image = r.getData().singletonOrThrow();
      assertEquals(new Shape(3, 16, 16), image.getShape());
      // pixel (c=0, y=2, x=5) against the generator's RGB bytes
      byte[] rgb = gen.sample(7).rgb();
      float want =
          ((rgb[(2 * 16 + 5) * 3] & 0xff) / 255f - BatchArrays.MEAN[0]) / BatchArrays.STD[0];
      assertEquals(want, image.getFloat(0, 2, 5), 1e-5);
      float[] labels = r.getLabels().singletonOrThrow().toFloatArray();
      float[] expected = new float[12];
      for (int l : gen.sample(7).labels()) {
        expected[l] = 1f;
      }
      assertArrayEquals(expected, labels);
      int batches = 0;
      for (Batch b : view.getData(m)) {
        try (b) {
          assertEquals(new Shape(8, 3, 16, 16), b.getData().singletonOrThrow().getShape());
          assertEquals(new Shape(8, 12), b.getLabels().singletonOrThrow().getShape());
          batches++;
        }
      }
      assertEquals(5, batches);
    }
  }

  @Test
  void aForeignVocabularyIsRefusedNamingBothSizes() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      java.util.List<String> train = new java.util.ArrayList<>(ds.labels());
      JcolzDataset same =
          JcolzDataset.builder(ds).setSampling(8, false).optVocabulary("the model", train).build();
      assertEquals(train, same.labels());
      train.add("zigzag");
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  JcolzDataset.builder(ds)
                      .setSampling(8, false)
                      .optVocabulary("the model", train)
                      .build());
      assertEquals(
          "label vocabulary mismatch: dataset "
              + data
              + " has 12 labels, the model 13; one is a prefix of the other",
          e.getMessage());
    }
  }

  @Test
  void hwcRecordsFitDjlImageTransforms() throws Exception {
    ShapesGenerator gen = new ShapesGenerator(16, 11);
    try (Dataset ds = Dataset.open(data);
        NDManager m = NDManager.newBaseManager(Device.cpu())) {
      JcolzDataset hwc =
          JcolzDataset.builder(ds)
              .setSampling(4, false)
              .optRecordLayout(JcolzDataset.RecordLayout.HWC_UINT8)
              .build();
      assertEquals(new Shape(16, 16, 3), hwc.imageShape());
      NDArray raw = hwc.get(m, 7).getData().singletonOrThrow();
      assertEquals(ai.djl.ndarray.types.DataType.UINT8, raw.getDataType());
      assertArrayEquals(gen.sample(7).rgb(), raw.toByteArray());

      // CenterCrop → ToTensor → Normalize on HWC = the normalised record's centre
      JcolzDataset piped =
          JcolzDataset.builder(ds)
              .setSampling(4, false)
              .optRecordLayout(JcolzDataset.RecordLayout.HWC_UINT8)
              .addTransform(new CenterCrop(12, 12))
              .addTransform(new ToTensor())
              .addTransform(new Normalize(BatchArrays.MEAN, BatchArrays.STD))
              .build();
      JcolzDataset normalised = JcolzDataset.builder(ds).setSampling(4, false).build();
      for (Batch b : piped.getData(m)) {
        try (b) {
          NDArray x = b.getData().singletonOrThrow();
          assertEquals(new Shape(4, 3, 12, 12), x.getShape());
          NDArray want = normalised.get(m, 0).getData().singletonOrThrow().get(":, 2:14, 2:14");
          assertTrue(x.get(0).allClose(want, 1e-5, 1e-5, false), "crop+normalise of record 0");
        }
        break;
      }
      JcolzDataset resized =
          JcolzDataset.builder(ds)
              .setSampling(4, false)
              .optRecordLayout(JcolzDataset.RecordLayout.HWC_UINT8)
              .addTransform(new Resize(8, 8))
              .addTransform(new ToTensor())
              .build();
      for (Batch b : resized.getData(m)) {
        try (b) {
          assertEquals(new Shape(4, 3, 8, 8), b.getData().singletonOrThrow().getShape());
        }
        break;
      }
    }
  }

  /**
   * Issue 26: on the default normalised float [3, H, W] records, ToTensor mis-shaped them, Resize
   * gave (4,32,32,64), Normalize normalised twice and CenterCrop refused the record deep inside
   * DJL; each is now refused at build() naming the transform and the layout to use.
   */
  @Test
  void eachImageTransformTheIssueNamedIsRefusedOnNormalisedRecords() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      for (ai.djl.translate.Transform t :
          List.of(
              new ToTensor(),
              new Resize(32, 32),
              new Normalize(BatchArrays.MEAN, BatchArrays.STD),
              new CenterCrop(8, 8))) {
        String name = t.getClass().getSimpleName();
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () -> JcolzDataset.builder(ds).setSampling(4, false).addTransform(t).build(),
                name);
        assertTrue(
            e.getMessage().startsWith("pipeline transform 0 (" + name + ")")
                && e.getMessage().contains("optRecordLayout(RecordLayout.HWC_UINT8)"),
            e.getMessage());
      }
    }
  }

  @Test
  void pipelinesThatCannotFitAreRefused() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  JcolzDataset.builder(ds)
                      .setSampling(4, false)
                      .addTransform(new ToTensor())
                      .build());
      assertTrue(
          e.getMessage().contains("optRecordLayout(RecordLayout.HWC_UINT8)"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  JcolzDataset.builder(ds)
                      .setSampling(4, false)
                      .optRecordLayout(JcolzDataset.RecordLayout.HWC_UINT8)
                      .addTransform(new Normalize(BatchArrays.MEAN, BatchArrays.STD))
                      .addTransform(new ToTensor())
                      .build());
      assertTrue(e.getMessage().contains("put ToTensor before it"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  JcolzDataset.builder(ds)
                      .setSampling(4, false)
                      .optRecordLayout(JcolzDataset.RecordLayout.HWC_UINT8)
                      .addTransform(new ToTensor())
                      .addTransform(new Resize(8, 8))
                      .build());
      assertTrue(e.getMessage().contains("(Resize) works on an HWC image"), e.getMessage());
    }
  }

  @Test
  void readingInOrderDecodesEachChunkOnce() throws Exception {
    Path small = tmp.resolve("chunks8");
    ShapesDatasetWriter.write(small, 40, 16, 11, 8);
    try (Dataset ds = Dataset.open(small);
        NDManager m = NDManager.newBaseManager(Device.cpu())) {
      JcolzDataset view = JcolzDataset.builder(ds).setSampling(8, false).build();
      for (long i = 0; i < 40; i++) {
        try (var sub = m.newSubManager()) {
          var r = view.get(sub, i);
          assertEquals(
              ds.readSet("labels", i).length,
              (int) r.getLabels().singletonOrThrow().sum().getFloat());
        }
      }
      long chunks = ds.column("image").chunkCount() + ds.column("labels").chunkCount();
      assertTrue(chunks >= 6, "chunks " + chunks);
      assertEquals(chunks, view.chunkDecodes());
    }
  }

  @Test
  void easyTrainFitsOnIt() throws Exception {
    try (Dataset ds = Dataset.open(data);
        Model model = Model.newInstance("tiny", Device.cpu())) {
      JcolzDataset view = JcolzDataset.builder(ds).setSampling(10, true).build();
      model.setBlock(
          new SequentialBlock()
              .add(Blocks.batchFlattenBlock())
              .add(Linear.builder().setUnits(12).build()));
      DefaultTrainingConfig cfg =
          new DefaultTrainingConfig(new FusedSigmoidCrossEntropyLoss())
              .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build())
              .addTrainingListeners(ai.djl.training.listener.TrainingListener.Defaults.basic());
      try (Trainer trainer = model.newTrainer(cfg)) {
        trainer.initialize(new Shape(10, 3, 16, 16));
        EasyTrain.fit(trainer, 2, view, null);
        float loss = trainer.getTrainingResult().getTrainLoss();
        assertTrue(Float.isFinite(loss) && loss > 0, "train loss " + loss);
      }
    }
  }

  @Test
  void labelCountsAndAutoWeights() throws Exception {
    ShapesGenerator gen = new ShapesGenerator(16, 11);
    long[] expected = new long[12];
    for (int i = 0; i < 40; i++) {
      for (int l : gen.sample(i).labels()) {
        expected[l]++;
      }
    }
    try (Dataset ds = Dataset.open(data)) {
      LabelCounts c = LabelCounts.of(ds);
      assertEquals(40, c.rows());
      assertArrayEquals(expected, c.positives());
      float[] w = c.autoPositiveWeights();
      for (int j = 0; j < 12; j++) {
        float want =
            expected[j] == 0
                ? 1f
                : Math.min(100f, Math.max(0.01f, (40f - expected[j]) / expected[j]));
        assertEquals(want, w[j], 1e-6, "label " + j);
      }
    }
    LabelCounts skewed = new LabelCounts(1_000_000, new long[] {1, 0, 999_999, 500_000});
    assertArrayEquals(new float[] {100f, 1f, 0.01f, 1f}, skewed.autoPositiveWeights());
  }

  @Test
  void encodedOnlyDatasetsAreRefusedWithAMessage() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> JcolzDataset.builder(ds).optImageColumn("nope").setSampling(1, false).build());
      assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }
  }
}
