package io.jcolz.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
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
import io.jcolz.loader.Loader;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.shapes.ShapesDatasetWriter;
import io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DJL Dataset over the loader: the loader's epochs, batch for batch, and EasyTrain.fit. */
class LoaderDatasetTest {
  @TempDir static Path tmp;
  static Path data;

  @BeforeAll
  static void write() throws Exception {
    data = tmp.resolve("ds");
    ShapesDatasetWriter.write(data, 40, 16, 11);
  }

  static List<float[]> loaderLabels(Dataset ds, long epoch) throws Exception {
    List<float[]> out = new ArrayList<>();
    try (Loader l = Loader.builder(ds).batchSize(10).workers(2).seed(9).epoch(epoch).start()) {
      for (io.jcolz.loader.Batch b : l.batches()) {
        try (b) {
          out.add(b.multiHot().toArray(ValueLayout.JAVA_FLOAT));
        }
      }
    }
    return out;
  }

  @Test
  void eachGetDataIsTheLoadersNextEpoch() throws Exception {
    try (Dataset ds = Dataset.open(data);
        NDManager m = NDManager.newBaseManager(Device.cpu());
        LoaderDataset view = new LoaderDataset(ds, b -> b.batchSize(10).workers(2).seed(9))) {
      for (long epoch = 0; epoch < 2; epoch++) {
        List<float[]> want = loaderLabels(ds, epoch);
        int k = 0;
        for (Batch b : view.getData(m)) {
          try (b) {
            assertEquals(new Shape(10, 3, 16, 16), b.getData().singletonOrThrow().getShape());
            assertArrayEquals(
                want.get(k), b.getLabels().singletonOrThrow().toFloatArray(), "batch " + k);
            k++;
          }
        }
        assertEquals(4, k);
      }
      assertEquals(2, view.nextEpoch());
      // sparse labels: int32 pairs
      LoaderDataset sparse =
          new LoaderDataset(ds, b -> b.batchSize(10).workers(1).labels(LabelMode.SPARSE));
      for (Batch b : sparse.getData(m)) {
        try (b) {
          assertEquals(2, b.getLabels().singletonOrThrow().getShape().get(1));
        }
      }
      sparse.close();
    }
  }

  @Test
  void easyTrainFitsOnIt() throws Exception {
    try (Dataset ds = Dataset.open(data);
        Model model = Model.newInstance("tiny", Device.cpu());
        LoaderDataset view = new LoaderDataset(ds, b -> b.batchSize(10).workers(2).seed(1))) {
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
        EasyTrain.fit(trainer, 3, view, null);
        float loss = trainer.getTrainingResult().getTrainLoss();
        assertTrue(Float.isFinite(loss) && loss > 0, "train loss " + loss);
        assertEquals(3, view.nextEpoch());
      }
    }
  }
}
