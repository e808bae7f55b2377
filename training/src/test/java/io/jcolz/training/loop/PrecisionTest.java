package io.jcolz.training.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcolz.format.Dataset;
import io.jcolz.training.shapes.ShapesDatasetWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bf16}: a bfloat16 copy of the model for forward and backward, float32 master weights,
 * optimizer and loss. On the shapes set (256 rows at 24 px, ResNet-18, batch 16, Adam 4e-3, 2
 * epochs, fixed seeds) the bf16 loss falls as the fp32 loss does: each epoch's mean loss within
 * {@value #TOLERANCE} (absolute) of fp32's, and the last epoch's below 0.85 × the first's in both.
 * It needs a JNI bridge with bfloat16 ({@link Precision#BF16_PROPERTY}) and is skipped without one;
 * without one, bf16 is refused in one line before anything starts.
 */
class PrecisionTest {
  /** Absolute tolerance on each epoch's mean loss, bf16 vs fp32. */
  static final double TOLERANCE = 0.03;

  @TempDir Path tmp;

  private static TrainingResult train(Dataset ds, Precision p) throws Exception {
    TrainingConfig cfg =
        TrainingConfig.builder()
            .model("resnet18")
            .epochs(2)
            .batchSize(16)
            .learningRate(4e-3f)
            .optimizer("adam")
            .workers(1)
            .seed(7)
            .precision(p)
            .build();
    return Training.run(ds, null, cfg, new TrainingListener() {});
  }

  @Test
  void bf16LossFallsAsFp32Does() throws Exception {
    assumeTrue(
        Precision.bf16Available(),
        "needs a DJL JNI bridge with bfloat16 and -D" + Precision.BF16_PROPERTY + "=true");
    ShapesDatasetWriter.write(tmp.resolve("train"), 256, 24, 1);
    try (Dataset ds = Dataset.open(tmp.resolve("train"))) {
      TrainingResult fp32 = train(ds, Precision.FP32);
      TrainingResult bf16 = train(ds, Precision.BF16);
      List<String> lines = new ArrayList<>();
      for (int e = 0; e < 2; e++) {
        lines.add(
            "epoch "
                + e
                + ": fp32 "
                + fp32.epochs().get(e).loss()
                + ", bf16 "
                + bf16.epochs().get(e).loss());
      }
      String what = String.join("; ", lines);
      System.out.println("PrecisionTest: " + what);
      for (int e = 0; e < 2; e++) {
        assertEquals(fp32.epochs().get(e).loss(), bf16.epochs().get(e).loss(), TOLERANCE, what);
      }
      for (TrainingResult r : List.of(fp32, bf16)) {
        assertTrue(
            r.epochs().get(1).loss() < 0.85 * r.epochs().get(0).loss(), "loss falls: " + what);
      }
    }
  }

  @Test
  void bf16WithoutABridgeThatHasItIsRefusedInOneLine() throws Exception {
    assumeTrue(!Precision.bf16Available());
    ShapesDatasetWriter.write(tmp.resolve("small"), 16, 16, 1);
    try (Dataset ds = Dataset.open(tmp.resolve("small"))) {
      TrainingConfig cfg =
          TrainingConfig.builder().epochs(1).batchSize(8).precision(Precision.BF16).build();
      SettingException e =
          assertThrows(
              SettingException.class, () -> Training.run(ds, null, cfg, new TrainingListener() {}));
      assertEquals(List.of(TrainingConfig.Setting.PRECISION), e.settings());
      assertTrue(
          e.getMessage()
              .startsWith("precision bf16: DJL 0.35.1's PyTorch JNI bridge has no bfloat16 type"),
          e.getMessage());
      assertTrue(!e.getMessage().contains("\n"));
    }
  }

  @Test
  void parsesFp32AndBf16AndRefusesOthers() {
    assertEquals(Precision.BF16, Precision.parse(" BF16 "));
    assertEquals(Precision.FP32, Precision.parse("fp32"));
    SettingException e = assertThrows(SettingException.class, () -> Precision.parse("fp16"));
    assertEquals("precision must be fp32 or bf16, not 'fp16'", e.getMessage());
  }
}
