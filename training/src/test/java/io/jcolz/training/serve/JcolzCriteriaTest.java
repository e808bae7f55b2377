package io.jcolz.training.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.ZooModel;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.model.ResNetModels;
import io.jcolz.training.model.ResNetSpec;
import io.jcolz.training.optim.OptimizerSettings;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link JcolzCriteria} and {@link JcolzTranslator}'s refusals and defaults. */
class JcolzCriteriaTest {
  @TempDir Path tmp;

  private static Checkpoint checkpoint(ResNetSpec spec, List<String> labels, float[] thresholds) {
    return new Checkpoint(
        spec,
        labels,
        new OptimizerSettings("sgd", 0.1f, 0.9f, 0f, 0, 1),
        1,
        1,
        1,
        0,
        1,
        8,
        1,
        "SPARSE",
        null,
        thresholds,
        Double.NaN,
        Double.NaN,
        "id",
        null);
  }

  private Path png() throws Exception {
    Path p = tmp.resolve("x.png");
    ImageIO.write(new BufferedImage(20, 10, BufferedImage.TYPE_INT_ARGB), "png", p.toFile());
    return p;
  }

  @Test
  void parametersOfAnotherLabelCountAreRefusedNamingTheParameter() throws Exception {
    Path dir = tmp.resolve("ck");
    try (Model three =
        ResNetModels.fromScratch(new ResNetSpec(18, 16, 16, 3), Device.cpu(), 0.5f)) {
      // the description claims 2 labels; the parameter file holds a 3-label head
      Checkpoints.save(
          dir, checkpoint(new ResNetSpec(18, 16, 16, 2), List.of("a", "b"), null), three);
    }
    try (ZooModel<Path, JcolzPrediction> model = JcolzCriteria.of(dir, Path.class).loadModel();
        Predictor<Path, JcolzPrediction> predictor = model.newPredictor()) {
      Exception e = assertThrows(Exception.class, () -> predictor.predict(png()));
      StringBuilder messages = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        messages.append(t.getMessage()).append(" | ");
      }
      assertTrue(messages.toString().contains("vs expected"), messages.toString());
    }
  }

  @Test
  void withoutTrainingThresholdsEveryLabelIsAtHalfAndSaysSo() throws Exception {
    Path dir = tmp.resolve("ck");
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 2);
    try (Model m = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f)) {
      Checkpoints.save(dir, checkpoint(spec, List.of("a", "b"), null), m);
    }
    try (ZooModel<byte[], JcolzPrediction> model = JcolzCriteria.of(dir, byte[].class).loadModel();
        Predictor<byte[], JcolzPrediction> predictor = model.newPredictor()) {
      JcolzPrediction p = predictor.predict(java.nio.file.Files.readAllBytes(png()));
      assertEquals(List.of(0.5f, 0.5f), List.of(p.thresholds()[0], p.thresholds()[1]));
      assertTrue(!p.thresholdsFromTraining());
      assertEquals(p.probabilities()[0] >= 0.5f, p.predicted().contains("a"));
    }
  }

  @Test
  void otherInputTypesAreRefused() {
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 2);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new JcolzTranslator<>(checkpoint(spec, List.of("a", "b"), null), String.class));
    assertEquals(
        "a jcolz translator takes Path, byte[] or ai.djl.modality.cv.Image, not java.lang.String",
        e.getMessage());
  }
}
