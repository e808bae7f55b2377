package io.jcolz.training.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss;
import io.jcolz.training.metrics.MultiLabelEvaluator;
import io.jcolz.training.metrics.MultiLabelReport;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Smoke test of the whole training path on CPU: ResNet-18 at 32×32 with the fused loss and sparse
 * labels learns a synthetic set where the labels are visible. Labels 0–3: a bright square somewhere
 * in quadrant 0–3; label 4: a green tint over the whole image. Each label is present with
 * probability 1/2, so chance-level AP is about 0.5. 24 Adam steps on 64 images; mAP is measured in
 * inference mode on those images and on 64 unseen ones (deterministic for the seed; about 15 s on
 * two shared cores).
 */
class ResNetLearnsTest {

  private static final int LABELS = 5;
  private static final int SIZE = 32;

  /** Images {@code [n, 3, 32, 32]} and their labels as (row, label) pairs. */
  private record Synthetic(float[] pixels, int[] pairs, int n) {

    NDArray images(NDManager manager) {
      return manager.create(pixels, new Shape(n, 3, SIZE, SIZE));
    }

    NDArray labels(NDManager manager) {
      return manager.create(pairs, new Shape(pairs.length / 2, 2));
    }
  }

  private static Synthetic generate(Random random, int n) {
    float[] pixels = new float[n * 3 * SIZE * SIZE];
    java.util.List<Integer> pairs = new java.util.ArrayList<>();
    int half = SIZE / 2;
    for (int i = 0; i < n; i++) {
      int base = i * 3 * SIZE * SIZE;
      for (int k = 0; k < 3 * SIZE * SIZE; k++) {
        pixels[base + k] = (float) (random.nextGaussian() * 0.2);
      }
      for (int label = 0; label < LABELS; label++) {
        if (!random.nextBoolean()) {
          continue;
        }
        pairs.add(i);
        pairs.add(label);
        if (label < 4) {
          int side = 6;
          int y0 = (label / 2) * half + random.nextInt(half - side + 1);
          int x0 = (label % 2) * half + random.nextInt(half - side + 1);
          for (int c = 0; c < 3; c++) {
            for (int y = y0; y < y0 + side; y++) {
              for (int x = x0; x < x0 + side; x++) {
                pixels[base + (c * SIZE + y) * SIZE + x] += 1.5f;
              }
            }
          }
        } else {
          for (int k = SIZE * SIZE; k < 2 * SIZE * SIZE; k++) {
            pixels[base + k] += 0.5f; // green channel
          }
        }
      }
    }
    return new Synthetic(pixels, pairs.stream().mapToInt(Integer::intValue).toArray(), n);
  }

  private static Synthetic slice(Synthetic all, int from, int to) {
    int pixelsPerImage = 3 * SIZE * SIZE;
    float[] pixels =
        java.util.Arrays.copyOfRange(all.pixels(), from * pixelsPerImage, to * pixelsPerImage);
    java.util.List<Integer> pairs = new java.util.ArrayList<>();
    for (int k = 0; k < all.pairs().length; k += 2) {
      int row = all.pairs()[k];
      if (row >= from && row < to) {
        pairs.add(row - from);
        pairs.add(all.pairs()[k + 1]);
      }
    }
    return new Synthetic(pixels, pairs.stream().mapToInt(Integer::intValue).toArray(), to - from);
  }

  @Test
  void lossFallsAndTrainMapIsWellAboveChance() {
    int seed = 2026;
    Engine.getInstance().setRandomSeed(seed);
    Random random = new Random(seed);
    int images = 64;
    int batch = 16;
    int steps = 24;
    Synthetic data = generate(random, images);
    Synthetic heldOut = generate(random, images);
    ResNetSpec spec = new ResNetSpec(18, SIZE, SIZE, LABELS);
    FusedSigmoidCrossEntropyLoss loss = new FusedSigmoidCrossEntropyLoss();
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(loss)
            .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(2e-3f)).build())
            .optDevices(new Device[] {Device.cpu()});
    float[] losses = new float[steps];
    try (Model model = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f);
        Trainer trainer = model.newTrainer(config)) {
      trainer.initialize(spec.inputShape(batch));
      for (int step = 0; step < steps; step++) {
        int from = (step * batch) % images;
        Synthetic b = slice(data, from, from + batch);
        try (NDManager scope = trainer.getManager().newSubManager()) {
          NDArray x = b.images(scope);
          NDArray y = b.labels(scope);
          try (GradientCollector collector = trainer.newGradientCollector()) {
            NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
            NDArray l = loss.evaluate(new NDList(y), new NDList(logits));
            losses[step] = l.getFloat();
            collector.backward(l);
          }
          trainer.step();
        }
      }
      // mAP in inference mode (batch-norm running statistics), on the training images
      // and on images the model has not seen
      MultiLabelReport train = evaluate(trainer, data);
      MultiLabelReport unseen = evaluate(trainer, heldOut);
      double first = mean(losses, 0, 4);
      double last = mean(losses, steps - 4, steps);
      String what =
          "seed="
              + seed
              + " losses "
              + java.util.Arrays.toString(losses)
              + " train "
              + train
              + " held out "
              + unseen;
      assertTrue(last < 0.3 * first, "loss must fall: " + what);
      // chance is about 0.5 (each label present with probability 1/2)
      assertTrue(train.meanAveragePrecision() > 0.9, "train mAP: " + what);
      assertTrue(unseen.meanAveragePrecision() > 0.75, "held-out mAP: " + what);
    }
  }

  private static MultiLabelReport evaluate(Trainer trainer, Synthetic set) {
    MultiLabelEvaluator evaluator = new MultiLabelEvaluator(LABELS);
    try (NDManager scope = trainer.getManager().newSubManager()) {
      NDArray logits = trainer.evaluate(new NDList(set.images(scope))).singletonOrThrow();
      evaluator.add(Activation.sigmoid(logits), set.labels(scope));
    }
    return evaluator.evaluate(0.5f);
  }

  private static double mean(float[] values, int from, int to) {
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += values[i];
    }
    return sum / (to - from);
  }
}
