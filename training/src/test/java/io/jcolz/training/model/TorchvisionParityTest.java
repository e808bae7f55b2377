package io.jcolz.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.jcolz.training.pth.PthFormatException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The architecture is torchvision's: state dicts of torchvision ResNet-18/50/101 with seeded random
 * weights and non-trivial batch-norm running statistics (torchvision_reference.py) import into
 * jcolz's models, and in eval mode the logits and the pooled features equal torchvision's on the
 * same batch within 1e-4 relative (float32; relative to max(|ref|, rms(ref)) per element). Skips
 * without /usr/bin/python3 + torch + torchvision.
 */
class TorchvisionParityTest {
  static final int SIZE = 64;
  static final int CLASSES = 5;

  @TempDir static Path dir;

  @BeforeAll
  static void reference() throws Exception {
    PythonTorch.assumeAvailable();
    PythonTorch.run(
        "torchvision_reference.py",
        dir,
        dir.toString(),
        Integer.toString(SIZE),
        "resnet18",
        "resnet50",
        "resnet101");
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet18", "resnet50", "resnet101"})
  void logitsAndFeaturesEqualTorchvisions(String name) throws Exception {
    ResNetSpec spec = ResNetSpec.of(name, SIZE, SIZE, CLASSES);
    try (Model model =
            TorchvisionImport.load(dir.resolve(name + ".pth"), spec, Device.cpu(), 0.5f, true);
        NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      TorchvisionResNet net = (TorchvisionResNet) model.getBlock();
      NDArray x =
          manager.create(PythonTorch.floats(dir.resolve("input.f32")), new Shape(2, 3, SIZE, SIZE));
      ParameterStore ps = new ParameterStore(manager, false);
      float[] features = net.features(ps, x, false).toFloatArray();
      float[] logits = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
      float[] refFeatures = PythonTorch.floats(dir.resolve(name + ".features.f32"));
      float[] refLogits = PythonTorch.floats(dir.resolve(name + ".logits.f32"));
      assertEquals(2 * net.featureSize(), features.length);
      double fe = PythonTorch.relativeError(features, refFeatures);
      double le = PythonTorch.relativeError(logits, refLogits);
      assertTrue(fe <= 1e-4, name + " features: relative error " + fe);
      assertTrue(le <= 1e-4, name + " logits: relative error " + le);
    }
  }

  @Test
  void newHeadIsSizedToTheLabelsAndStartsAtThePrior() throws Exception {
    ResNetSpec spec = ResNetSpec.of("resnet18", SIZE, SIZE, 7);
    try (Model model =
            TorchvisionImport.load(dir.resolve("resnet18.pth"), spec, Device.cpu(), 0.01f, false);
        NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      TorchvisionResNet net = (TorchvisionResNet) model.getBlock();
      NDArray x =
          manager.create(PythonTorch.floats(dir.resolve("input.f32")), new Shape(2, 3, SIZE, SIZE));
      ParameterStore ps = new ParameterStore(manager, false);
      double fe =
          PythonTorch.relativeError(
              net.features(ps, x, false).toFloatArray(),
              PythonTorch.floats(dir.resolve("resnet18.features.f32")));
      assertTrue(fe <= 1e-4, "features: relative error " + fe);
      assertEquals(
          new Shape(7, 512), net.torchvisionParameters().get("fc.weight").getArray().getShape());
      float bias = (float) Math.log(0.01 / 0.99);
      for (float b : net.torchvisionParameters().get("fc.bias").getArray().toFloatArray()) {
        assertEquals(bias, b, 1e-6f);
      }
    }
  }

  @Test
  void aFileOfAnotherDepthNamesTheFirstDifferingParameter() {
    PthFormatException e =
        assertThrows(
            PthFormatException.class,
            () ->
                TorchvisionImport.load(
                    dir.resolve("resnet50.pth"),
                    ResNetSpec.of("resnet18", SIZE, SIZE, 3),
                    Device.cpu(),
                    0.5f,
                    false));
    assertTrue(
        e.getMessage().contains("layer1.0.conv1.weight has shape (64, 64, 1, 1) in the file vs"),
        e.getMessage());
    e =
        assertThrows(
            PthFormatException.class,
            () ->
                TorchvisionImport.load(
                    dir.resolve("resnet18.pth"),
                    ResNetSpec.of("resnet34", SIZE, SIZE, 3),
                    Device.cpu(),
                    0.5f,
                    false));
    assertTrue(e.getMessage().contains("the file has no layer1.2.conv1.weight"), e.getMessage());
    e =
        assertThrows(
            PthFormatException.class,
            () ->
                TorchvisionImport.load(
                    dir.resolve("resnet18.pth"),
                    ResNetSpec.of("resnet18", SIZE, SIZE, 3),
                    Device.cpu(),
                    0.5f,
                    true));
    assertTrue(e.getMessage().contains("fc.weight has shape (5, 512)"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"));
  }
}
