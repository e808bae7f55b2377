package io.jcolz.training.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.jcolz.format.Dataset;
import io.jcolz.shapes.ShapesDatasetWriter;
import io.jcolz.shapes.ShapesGenerator;
import io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bf16}: a bfloat16 copy of the model for forward and backward, float32 master weights,
 * optimizer and loss ({@link DataParallelStep}). DJL's stock JNI bridge cannot create bfloat16
 * tensors (it aborts the JVM), so on the CPU the same mixed path runs with float16 replicas as the
 * stand-in, and with bfloat16 itself where a bridge has it ({@link Precision#BF16_PROPERTY}).
 *
 * <p>Learning test, on the shapes set: 512 samples at 24 px ({@link ShapesGenerator}, seed 1), a
 * small conv net with batch norm (ResNet-18 in float16 takes ~15 s a step on this CPU: PyTorch has
 * no fast half kernels here), 2 replicas × batch 16, Adam 4e-3, 3 epochs of 16 steps, fixed seeds.
 * The half-precision loss falls as the fp32 loss does: each epoch's mean loss within {@value
 * #TOLERANCE} (absolute) of fp32's, and the last epoch's below {@value #FALL} × the first's in
 * both. Without a bridge that has bfloat16, {@code bf16} is refused in one line.
 */
class PrecisionTest {
  /** Absolute tolerance on each epoch's mean loss, half precision vs fp32. */
  static final double TOLERANCE = 0.01;

  /** The last epoch's mean loss is below this fraction of the first's. */
  static final double FALL = 0.85;

  private static final int SIZE = 24;
  private static final int N = 512;
  private static final int B = 16;
  private static final int EPOCHS = 3;

  @TempDir Path tmp;

  private static SequentialBlock net(int labels) {
    SequentialBlock b = new SequentialBlock();
    b.add(
        Conv2d.builder()
            .setKernelShape(new Shape(3, 3))
            .optPadding(new Shape(1, 1))
            .setFilters(16)
            .build());
    b.add(BatchNorm.builder().build());
    b.add(Activation::relu);
    b.add(
        Conv2d.builder()
            .setKernelShape(new Shape(3, 3))
            .optStride(new Shape(2, 2))
            .optPadding(new Shape(1, 1))
            .setFilters(32)
            .build());
    b.add(BatchNorm.builder().build());
    b.add(Activation::relu);
    b.add(Pool.globalAvgPool2dBlock());
    b.add(Blocks.batchFlattenBlock());
    b.add(Linear.builder().setUnits(labels).build());
    return b;
  }

  /** Per-epoch mean loss of a run at {@code compute}. */
  private static double[] run(float[] x, float[] y, int labels, DataType compute) throws Exception {
    Engine.getInstance().setRandomSeed(3);
    double[] epochs = new double[EPOCHS];
    int px = 3 * SIZE * SIZE;
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      SequentialBlock block = net(labels);
      block.initialize(m, DataType.FLOAT32, new Shape(B, 3, SIZE, SIZE));
      Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(4e-3f)).build();
      Device[] two = {Device.cpu(), Device.cpu()};
      try (DataParallelStep step =
          new DataParallelStep(block, adam, new FusedSigmoidCrossEntropyLoss(), two, compute, m)) {
        int steps = N / (2 * B);
        for (int e = 0; e < EPOCHS; e++) {
          double sum = 0;
          for (int s = 0; s < steps; s++) {
            int first = s * 2 * B;
            sum +=
                step.step(
                    (k, dm) -> {
                      int from = first + k * B;
                      return new DataParallelStep.Upload(
                          new NDList(
                              dm.create(
                                  Arrays.copyOfRange(x, from * px, (from + B) * px),
                                  new Shape(B, 3, SIZE, SIZE))),
                          new NDList(
                              dm.create(
                                  Arrays.copyOfRange(y, from * labels, (from + B) * labels),
                                  new Shape(B, labels))));
                    });
          }
          epochs[e] = sum / steps;
        }
      }
    }
    return epochs;
  }

  private static void fallsAlike(double[] fp32, double[] half, String name) {
    String what = "fp32 " + Arrays.toString(fp32) + ", " + name + " " + Arrays.toString(half);
    System.out.println("PrecisionTest: " + what);
    for (int e = 0; e < EPOCHS; e++) {
      assertEquals(fp32[e], half[e], TOLERANCE, "epoch " + e + ": " + what);
    }
    assertTrue(fp32[EPOCHS - 1] < FALL * fp32[0], "fp32 loss falls: " + what);
    assertTrue(half[EPOCHS - 1] < FALL * half[0], name + " loss falls: " + what);
  }

  @Test
  void halfPrecisionLossFallsAsFp32Does() throws Exception {
    ShapesGenerator gen = new ShapesGenerator(SIZE, 1);
    int labels = ShapesGenerator.labelNames().size();
    int px = 3 * SIZE * SIZE;
    float[] x = new float[N * px];
    float[] y = new float[N * labels];
    for (int i = 0; i < N; i++) {
      ShapesGenerator.Sample s = gen.sample(i);
      byte[] rgb = s.rgb();
      for (int c = 0; c < 3; c++) {
        for (int p = 0; p < SIZE * SIZE; p++) {
          x[i * px + c * SIZE * SIZE + p] = (rgb[p * 3 + c] & 0xff) / 255f - 0.5f;
        }
      }
      for (int l : s.labels()) {
        y[i * labels + l] = 1;
      }
    }
    double[] fp32 = run(x, y, labels, DataType.FLOAT32);
    fallsAlike(fp32, run(x, y, labels, DataType.FLOAT16), "fp16 (stand-in)");
    if (Precision.bf16Available()) {
      fallsAlike(fp32, run(x, y, labels, DataType.BFLOAT16), "bf16");
    }
  }

  @Test
  void bf16WithoutABridgeThatHasItIsRefusedInOneLine() throws Exception {
    assumeTrue(!Precision.bf16Available());
    ShapesDatasetWriter.write(tmp.resolve("small"), 16, 16, 1);
    try (Dataset ds = Dataset.open(tmp.resolve("small"))) {
      TrainingSettings cfg =
          TrainingSettings.builder().epochs(1).batchSize(8).precision(Precision.BF16).build();
      SettingException e =
          assertThrows(
              SettingException.class,
              () -> Training.run(ds, null, cfg, new TrainingCallbacks() {}));
      assertEquals(List.of(TrainingSettings.Setting.PRECISION), e.settings());
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
