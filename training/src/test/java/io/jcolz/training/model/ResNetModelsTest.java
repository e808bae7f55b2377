package io.jcolz.training.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResNetModelsTest {

  private static NDArray forward(Model model, NDArray input) {
    ParameterStore store = new ParameterStore(input.getManager(), false);
    return model.getBlock().forward(store, new NDList(input), false).singletonOrThrow();
  }

  @Test
  void trainableParameterCountsMatchTheReferenceArchitectures() {
    // torchvision resnet18 / 34 / 50 / 101 with 1,000 classes
    long[][] expected = {
      {18, 11_689_512L}, {34, 21_797_672L}, {50, 25_557_032L}, {101, 44_549_160L}
    };
    for (long[] e : expected) {
      ResNetSpec spec = new ResNetSpec((int) e[0], 224, 224, 1000);
      try (Model model = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f)) {
        assertEquals(e[1], ResNetModels.countParameters(model.getBlock(), true), spec.toString());
      }
    }
  }

  @Test
  void outputsOneRawLogitPerLabel() {
    Engine.getInstance().setRandomSeed(3);
    ResNetSpec spec = new ResNetSpec(18, 32, 32, 7);
    try (Model model = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f);
        NDManager manager = NDManager.newBaseManager()) {
      Block block = model.getBlock();
      Block last = block.getChildren().get(block.getChildren().size() - 1).getValue();
      assertTrue(last instanceof Linear, "the network ends in the linear layer: " + last);
      NDArray logits = forward(model, manager.randomNormal(spec.inputShape(4)));
      assertEquals(new Shape(4, 7), logits.getShape());
      float[] values = logits.toFloatArray();
      float min = Float.MAX_VALUE;
      float max = -Float.MAX_VALUE;
      for (float v : values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      assertTrue(min < 0 && max > 0, "raw logits of both signs, got [" + min + ", " + max + "]");
    }
    // the ImageNet stem path at a larger size
    ResNetSpec big = new ResNetSpec(34, 64, 48, 3);
    try (Model model = ResNetModels.fromScratch(big, Device.cpu(), 0.5f);
        NDManager manager = NDManager.newBaseManager()) {
      assertEquals(
          new Shape(2, 3), forward(model, manager.randomNormal(big.inputShape(2))).getShape());
    }
  }

  @Test
  void priorProbabilitySetsTheOutputBias() {
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 4);
    try (Model model = ResNetModels.fromScratch(spec, Device.cpu(), 0.01f)) {
      Block block = model.getBlock();
      Block last = block.getChildren().get(block.getChildren().size() - 1).getValue();
      float[] bias = last.getParameters().get("bias").getArray().toFloatArray();
      float expected = (float) Math.log(0.01 / 0.99);
      assertArrayEquals(new float[] {expected, expected, expected, expected}, bias, 1e-6f);
    }
    assertThrows(
        IllegalArgumentException.class, () -> ResNetModels.fromScratch(spec, Device.cpu(), 1f));
  }

  @Test
  void labelCountsGiveTheTrainDefaultPrior() {
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 4);
    // 10 rows, positives 1+3+0+2 = 6 of 40 cells: π = 0.15 (float64 reference)
    io.jcolz.training.data.LabelCounts counts =
        new io.jcolz.training.data.LabelCounts(10, new long[] {1, 3, 0, 2});
    assertEquals(0.15f, counts.prior(), 1e-7f);
    try (Model model = ResNetModels.fromScratch(spec, Device.cpu(), counts)) {
      Block block = model.getBlock();
      Block last = block.getChildren().get(block.getChildren().size() - 1).getValue();
      float[] bias = last.getParameters().get("bias").getArray().toFloatArray();
      float expected = (float) Math.log(0.15 / 0.85);
      assertArrayEquals(new float[] {expected, expected, expected, expected}, bias, 1e-6f);
    }
    assertEquals(0.5f, new io.jcolz.training.data.LabelCounts(0, new long[4]).prior());
    assertEquals(
        1e-4f, new io.jcolz.training.data.LabelCounts(1_000_000, new long[] {1, 0, 0, 0}).prior());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ResNetModels.fromScratch(
                    spec, Device.cpu(), new io.jcolz.training.data.LabelCounts(10, new long[5])));
    assertEquals("label counts are over 5 labels, the model has 4", e.getMessage());
  }

  @Test
  void savedParametersLoadBackIdenticallyAndAreCheckedAgainstTheSpec(@TempDir Path dir)
      throws IOException, MalformedModelException {
    Engine.getInstance().setRandomSeed(17);
    ResNetSpec spec = new ResNetSpec(18, 24, 24, 5);
    float[] before;
    try (Model model = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f);
        NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(18);
      NDArray input = manager.randomNormal(spec.inputShape(3));
      before = forward(model, input).toFloatArray();
      model.save(dir, "resnet18-test");
    }
    try (Model loaded = ResNetModels.load(spec, dir, "resnet18-test", Device.cpu());
        NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(18);
      NDArray input = manager.randomNormal(spec.inputShape(3));
      assertArrayEquals(before, forward(loaded, input).toFloatArray(), 0f);
    }
    MalformedModelException e =
        assertThrows(
            MalformedModelException.class,
            () ->
                ResNetModels.load(
                    new ResNetSpec(18, 24, 24, 6), dir, "resnet18-test", Device.cpu()));
    assertTrue(e.getMessage().contains("(5") && e.getMessage().contains("(6"), e.getMessage());
    assertThrows(
        Exception.class,
        () -> ResNetModels.load(new ResNetSpec(34, 24, 24, 5), dir, "resnet18-test", Device.cpu()));
    assertThrows(
        IOException.class, () -> ResNetModels.load(spec, dir, "no-such-model", Device.cpu()));
  }

  @Test
  void specValidatesAndParsesModelNames() {
    assertEquals(50, ResNetSpec.of("ResNet50", 224, 224, 10).layers());
    assertEquals("resnet34", ResNetSpec.of("resnet34", 64, 64, 2).name());
    assertThrows(IllegalArgumentException.class, () -> ResNetSpec.of("vgg16", 64, 64, 2));
    assertEquals(101, ResNetSpec.of("resnet101", 64, 64, 2).layers());
    assertThrows(IllegalArgumentException.class, () -> new ResNetSpec(152, 64, 64, 2));
    assertThrows(IllegalArgumentException.class, () -> new ResNetSpec(18, 4, 64, 2));
    assertThrows(IllegalArgumentException.class, () -> new ResNetSpec(18, 64, 64, 0));
    assertTrue(new ResNetSpec(18, 32, 32, 1).smallImageStem());
    assertTrue(!new ResNetSpec(18, 33, 32, 1).smallImageStem());
  }

  @Test
  void parameterNamesAreTorchvisionsStateDictKeys() {
    ResNetSpec spec = new ResNetSpec(50, 64, 64, 1000);
    try (Model model = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f)) {
      java.util.Map<String, ai.djl.nn.Parameter> p =
          ((TorchvisionResNet) model.getBlock()).torchvisionParameters();
      // torchvision resnet50's state dict has 320 keys, 53 of them num_batches_tracked
      assertEquals(320 - 53, p.size());
      java.util.List<String> keys = new java.util.ArrayList<>(p.keySet());
      assertEquals(
          java.util.List.of(
              "conv1.weight",
              "bn1.weight",
              "bn1.bias",
              "bn1.running_mean",
              "bn1.running_var",
              "layer1.0.conv1.weight"),
          keys.subList(0, 6));
      assertEquals(
          java.util.List.of("fc.weight", "fc.bias"), keys.subList(keys.size() - 2, keys.size()));
      assertEquals(new Shape(64, 64, 1, 1), p.get("layer1.0.conv1.weight").getArray().getShape());
      assertEquals(new Shape(128, 128, 3, 3), p.get("layer2.0.conv2.weight").getArray().getShape());
      assertEquals(
          new Shape(1024, 512, 1, 1), p.get("layer3.0.downsample.0.weight").getArray().getShape());
      assertEquals(new Shape(2048), p.get("layer4.2.bn3.running_var").getArray().getShape());
      assertTrue(!p.containsKey("layer1.1.downsample.0.weight"));
      long total = 0;
      for (ai.djl.nn.Parameter v : p.values()) {
        total += v.getArray().size();
      }
      assertEquals(ResNetModels.countParameters(model.getBlock(), false), total);
    }
  }
}
