package io.jcolz.training.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.shapes.ShapesDatasetWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path learns: shapes written into jcolz datasets, streamed by the loader, ResNet-18 at
 * 24 px (small-image stem) with the fused loss on sparse labels, Adam at 4e-3 with warm-up +
 * cosine. 512 training and 128 held-out images, 3 epochs of 32 steps of 16 on one CPU device: about
 * 23 s on two quiet cores (40–60 s when other tenants share them); measured held-out mAP 0.46–0.47
 * against a threshold of 0.4, twice chance. Chance mAP is the label frequency (about 0.2); the
 * held-out mAP must be well above it and the loss must fall. Seeds are fixed.
 */
class TrainingLearnsTest {
  @TempDir Path tmp;

  @Test
  void lossFallsAndHeldOutMapIsWellAboveChance() throws Exception {
    ShapesDatasetWriter.write(tmp.resolve("train"), 512, 24, 1);
    ShapesDatasetWriter.write(tmp.resolve("val"), 128, 24, 2);
    TrainingSettings cfg =
        TrainingSettings.builder()
            .model("resnet18")
            .epochs(3)
            .batchSize(16)
            .learningRate(4e-3f)
            .optimizer("adam")
            .workers(1)
            .seed(7)
            .build();
    try (Dataset train = Dataset.open(tmp.resolve("train"));
        Dataset val = Dataset.open(tmp.resolve("val"))) {
      TrainingOutcome r = Training.run(train, val, cfg, new TrainingCallbacks() {});
      System.out.println(r);
      String what = r.epochs().toString();
      assertEquals(3, r.epochsCompleted(), what);
      assertEquals(96, r.stepsDone(), what);
      double first = r.epochs().get(0).loss();
      double last = r.epochs().get(2).loss();
      assertTrue(last < 0.8 * first, "loss must fall: " + what);
      assertTrue(r.map() > 0.4, "held-out mAP well above chance (~0.2): " + what);
      assertTrue(r.imagesPerSecond() > 0 && r.dataStall() >= 0 && r.dataStall() <= 1, what);
    }
  }
}
