package io.jcolz.training.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import io.jcolz.format.Dataset;
import io.jcolz.shapes.ShapesDatasetWriter;
import io.jcolz.training.data.LabelCounts;
import io.jcolz.training.model.ResNetModels;
import io.jcolz.training.model.ResNetSpec;
import io.jcolz.training.model.TorchvisionResNet;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26: {@code jcolz train} from scratch and a library user's {@link
 * ResNetModels#fromScratch(ResNetSpec, Device, Dataset)} start from the same model — the output
 * bias at the training set's label prior, not 0 — and, with the same seed, the same parameters.
 */
class StartingModelTest {
  private static final long SEED = 11;

  @Test
  void trainAndFromScratchStartAtTheLabelPrior(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("train");
    ShapesDatasetWriter.write(data, 24, 16, 5);
    TrainingSettings cfg =
        TrainingSettings.builder().epochs(1).batchSize(8).workers(1).seed(SEED).build();
    try (Dataset ds = Dataset.open(data);
        TrainingSession session = TrainingSession.open(ds, null, cfg, new TrainingCallbacks() {});
        Model trained = session.startingModel()) {
      ResNetSpec spec = ((TorchvisionResNet) trained.getBlock()).spec();
      float prior = LabelCounts.of(ds).prior();
      assertTrue(prior < 0.5f, "the shapes set's prior is below 0.5: " + prior);
      Engine.getInstance().setRandomSeed((int) SEED);
      try (Model library = ResNetModels.fromScratch(spec, Device.cpu(), ds)) {
        float[] bias =
            ((TorchvisionResNet) library.getBlock())
                .fc()
                .getParameters()
                .get("bias")
                .getArray()
                .toFloatArray();
        float expected = (float) Math.log(prior / (1.0 - prior));
        for (float b : bias) {
          assertEquals(expected, b, 1e-6f, "output bias = logit(prior), seed " + SEED);
        }
        ai.djl.nn.ParameterList a = trained.getBlock().getParameters();
        ai.djl.nn.ParameterList b = library.getBlock().getParameters();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
          assertEquals(a.get(i).getKey(), b.get(i).getKey());
          assertArrayEquals(
              a.get(i).getValue().getArray().toFloatArray(),
              b.get(i).getValue().getArray().toFloatArray(),
              a.get(i).getKey() + ", seed " + SEED);
        }
      }
    }
  }
}
