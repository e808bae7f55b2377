package io.jcolz.training.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.nn.Parameter;
import io.jcolz.format.Dataset;
import io.jcolz.shapes.ShapesDatasetWriter;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.model.TorchvisionResNet;
import io.jcolz.training.model.TorchvisionResNet.Part;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning settings through {@link Training}: with the parts before {@code layer4} frozen and a
 * head learning-rate multiplier, the frozen parameters <em>and</em> their batch-norm running
 * statistics stay bit for bit what they were, the trained ones move; the checkpoint records the
 * settings, a resume keeps them (frozen parts still unchanged) and refuses other values. ResNet-18
 * at 16 px, batch 8, 32 rows.
 */
class FineTuningTest {
  @TempDir static Path tmp;
  static Path data;

  @BeforeAll
  static void write() throws Exception {
    data = tmp.resolve("train");
    ShapesDatasetWriter.write(data, 32, 16, 5);
  }

  private static TrainingSettings.Builder config(Path checkpoints) {
    return TrainingSettings.builder()
        .model("resnet18")
        .epochs(2)
        .batchSize(8)
        .workers(1)
        .seed(5)
        .checkpointDir(checkpoints);
  }

  private static Map<String, float[]> parameters(Path checkpoint) throws Exception {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (Model m = Checkpoints.load(checkpoint).model(Device.cpu())) {
      for (Map.Entry<String, Parameter> e :
          ((TorchvisionResNet) m.getBlock()).torchvisionParameters().entrySet()) {
        out.put(e.getKey(), e.getValue().getArray().toFloatArray());
      }
    }
    return out;
  }

  @Test
  void frozenPartsStayFixedThroughCheckpointsAndResume() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      // two steps with everything before layer4 frozen, then a resume to the end of epoch 2
      Path ck = tmp.resolve("ft");
      TrainingSettings first =
          config(ck).maxSteps(2).trainFrom(Part.LAYER4).headLearningRateMultiplier(10f).build();
      Training.run(ds, null, first, new TrainingCallbacks() {});
      Checkpoint c = Checkpoints.load(ck).checkpoint();
      assertEquals(new Checkpoint.FineTuning(Part.LAYER4, 10f), c.fineTuning());
      Map<String, float[]> a = parameters(ck);

      Training.run(ds, null, config(ck).resume(true).build(), new TrainingCallbacks() {});
      Checkpoint end = Checkpoints.load(ck).checkpoint();
      assertEquals(8, end.stepsDone());
      assertEquals(c.fineTuning(), end.fineTuning());
      Map<String, float[]> b = parameters(ck);
      int frozen = 0;
      int moved = 0;
      for (String key : a.keySet()) {
        boolean trains = key.startsWith("layer4.") || key.startsWith("fc.");
        if (trains) {
          if (!java.util.Arrays.equals(a.get(key), b.get(key))) {
            moved++;
          }
        } else {
          assertArrayEquals(a.get(key), b.get(key), key + " is frozen");
          frozen++;
        }
      }
      assertTrue(frozen > 0 && moved > 0, frozen + " frozen, " + moved + " moved");
      assertTrue(
          !java.util.Arrays.equals(
              a.get("layer4.1.bn2.running_mean"), b.get("layer4.1.bn2.running_mean")),
          "the trained part's batch-norm statistics update");

      SettingException e =
          assertThrows(
              SettingException.class,
              () ->
                  Training.run(
                      ds,
                      null,
                      config(ck).epochs(3).resume(true).trainFrom(Part.FC).build(),
                      new TrainingCallbacks() {}));
      assertTrue(e.getMessage().contains("trainFrom fc (checkpoint: layer4)"), e.getMessage());
    }
  }

  @Test
  void frozenBackboneFromScratchChangesOnlyTheHead() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      Path a = tmp.resolve("a");
      Path b = tmp.resolve("b");
      // the same seed gives the same initial weights; train 1 and 4 steps with the backbone frozen
      Training.run(
          ds, null, config(a).maxSteps(1).trainFrom(Part.FC).build(), new TrainingCallbacks() {});
      Training.run(
          ds, null, config(b).maxSteps(4).trainFrom(Part.FC).build(), new TrainingCallbacks() {});
      Map<String, float[]> pa = parameters(a);
      Map<String, float[]> pb = parameters(b);
      for (String key : pa.keySet()) {
        if (key.startsWith("fc.")) {
          assertFalse(java.util.Arrays.equals(pa.get(key), pb.get(key)), key + " trains");
        } else {
          assertArrayEquals(pa.get(key), pb.get(key), key + " is frozen");
        }
      }
    }
  }
}
