package io.jcolz.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.jcolz.format.Dataset;
import io.jcolz.shapes.ShapesDatasetWriter;
import io.jcolz.training.data.LoaderDataset;
import io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mAP as a DJL Evaluator: the same number as MultiLabelEvaluator, and visible in EasyTrain. */
class MeanAveragePrecisionEvaluatorTest {
  @Test
  void accumulatesAsMultiLabelEvaluatorDoes() {
    long seed = 20261206L;
    Random rnd = new Random(seed);
    int l = 5;
    MeanAveragePrecisionEvaluator djl = new MeanAveragePrecisionEvaluator(l);
    djl.addAccumulator("train");
    MultiLabelEvaluator ref = new MultiLabelEvaluator(l);
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      assertTrue(Float.isNaN(djl.getAccumulator("train")));
      for (int batch = 0; batch < 3; batch++) {
        float[] scores = new float[8 * l];
        float[] targets = new float[8 * l];
        for (int i = 0; i < scores.length; i++) {
          scores[i] = (float) rnd.nextGaussian();
          targets[i] = rnd.nextInt(3) == 0 ? 1f : 0f;
        }
        djl.updateAccumulator(
            "train",
            new NDList(m.create(targets, new Shape(8, l))),
            new NDList(m.create(scores, new Shape(8, l))));
        ref.addDense(scores, targets, 8);
        assertEquals(
            (float) ref.evaluate(0f).meanAveragePrecision(),
            djl.getAccumulator("train"),
            0f,
            "seed " + seed);
      }
      djl.resetAccumulator("train");
      assertTrue(Float.isNaN(djl.getAccumulator("train")));
    }
  }

  @Test
  void mapShowsInEasyTrainsResult(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("ds");
    ShapesDatasetWriter.write(data, 40, 16, 11);
    try (Dataset ds = Dataset.open(data);
        Model model = Model.newInstance("tiny", Device.cpu());
        LoaderDataset train = new LoaderDataset(ds, b -> b.batchSize(10).workers(2).seed(1))) {
      model.setBlock(
          new SequentialBlock()
              .add(Blocks.batchFlattenBlock())
              .add(Linear.builder().setUnits(12).build()));
      DefaultTrainingConfig cfg =
          new DefaultTrainingConfig(new FusedSigmoidCrossEntropyLoss())
              .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-2f)).build())
              .addEvaluator(new MeanAveragePrecisionEvaluator(12))
              .addTrainingListeners(TrainingListener.Defaults.basic());
      try (Trainer trainer = model.newTrainer(cfg)) {
        trainer.initialize(new Shape(10, 3, 16, 16));
        EasyTrain.fit(trainer, 2, train, null);
        Float map = trainer.getTrainingResult().getTrainEvaluation("mAP");
        assertNotNull(map, "evaluations " + trainer.getTrainingResult().getEvaluations());
        assertTrue(map > 0 && map <= 1, "train mAP " + map);
      }
    }
  }
}
