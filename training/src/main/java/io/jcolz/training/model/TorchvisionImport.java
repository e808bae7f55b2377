package io.jcolz.training.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.jcolz.training.pth.PthFormatException;
import io.jcolz.training.pth.TorchStateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Starts a model from a torchvision state dict ({@code torch.save(model.state_dict(), F)}, or the
 * {@code .pth} files torchvision serves for its pretrained ResNets): every parameter and batch-norm
 * statistic of the backbone is copied from the tensor of the same torchvision key ({@code
 * conv1.weight}, {@code bn1.running_mean}, {@code layer1.0.downsample.0.weight}, …, see {@link
 * TorchvisionResNet#torchvisionParameters()}). The file's {@code fc} is dropped: the output layer
 * keeps the fresh initialisation of {@link ResNetModels#fromScratch(ResNetSpec, Device, float)} —
 * He-normal weights and the label-prior bias — sized to the label vocabulary. {@code
 * num_batches_tracked} counters are ignored. With {@code keepHead} (a file with as many outputs as
 * the spec has labels, as in the parity tests) {@code fc} is imported too.
 *
 * <p>Every key is checked before anything is copied: a key the model needs that the file lacks, a
 * shape that differs, or a floating-point key the model does not have gives one line naming the
 * first such parameter, its shape in the file and the shape the model expects.
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class TorchvisionImport {
  private TorchvisionImport() {}

  /**
   * Builds a model for {@code spec} and loads the backbone from a state-dict file.
   *
   * @param file the {@code .pth} file
   * @param spec the model to build (its label count sizes the new {@code fc})
   * @param device where the parameters live
   * @param priorProbability initial σ of every label (the new {@code fc}'s bias)
   * @param keepHead true to import {@code fc} as well (its shape must match the spec)
   * @return the model (close it)
   * @throws PthFormatException if the file is not a state dict or does not fit the spec (one line)
   * @throws IOException if the file cannot be read
   */
  public static Model load(
      Path file, ResNetSpec spec, Device device, float priorProbability, boolean keepHead)
      throws IOException {
    Model model = ResNetModels.fromScratch(spec, device, priorProbability);
    boolean ok = false;
    try (TorchStateDict dict = TorchStateDict.open(file)) {
      Map<String, Parameter> params =
          ((TorchvisionResNet) model.getBlock()).torchvisionParameters();
      check(dict, params, spec, keepHead);
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        if (!keepHead && e.getKey().startsWith("fc.")) {
          continue;
        }
        NDArray target = e.getValue().getArray();
        float[] values = dict.floats(e.getKey());
        try (NDArray v = target.getManager().create(values, target.getShape())) {
          target.set(v.toType(target.getDataType(), false).toByteBuffer());
        }
      }
      ok = true;
      return model;
    } finally {
      if (!ok) {
        model.close();
      }
    }
  }

  private static void check(
      TorchStateDict dict, Map<String, Parameter> params, ResNetSpec spec, boolean keepHead)
      throws PthFormatException {
    String what = dict.path() + " does not fit " + spec.name();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      String key = e.getKey();
      if (!keepHead && key.startsWith("fc.")) {
        continue;
      }
      long[] want = e.getValue().getArray().getShape().getShape();
      long[] got = dict.shape(key);
      if (got == null) {
        throw new PthFormatException(
            what + ": the file has no " + key + " (expected shape " + new Shape(want) + ")");
      }
      if (!Arrays.equals(got, want) || !dict.isFloatingPoint(key)) {
        throw new PthFormatException(
            what
                + ": "
                + key
                + " has shape "
                + new Shape(got)
                + " in the file vs "
                + new Shape(want)
                + " in the model"
                + (spec.smallImageStem() && key.equals("conv1.weight")
                    ? " (images of at most "
                        + ResNetSpec.SMALL_IMAGE_MAX
                        + " px use a 3×3 stem; torchvision's 7×7 needs larger images)"
                    : ""));
      }
    }
    for (String key : dict.names()) {
      if (!params.containsKey(key)
          && !key.endsWith(".num_batches_tracked")
          && dict.isFloatingPoint(key)) {
        throw new PthFormatException(
            what
                + ": the file has "
                + key
                + " "
                + new Shape(dict.shape(key))
                + ", which "
                + spec.name()
                + " does not have");
      }
    }
  }
}
