package io.jcolz.training.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import io.jcolz.format.Dataset;
import io.jcolz.training.data.LabelCounts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds multi-label ResNet-18/34/50/101 models laid out exactly as torchvision's ({@link
 * TorchvisionResNet}), ending in a linear layer with one raw logit per label — no sigmoid or
 * softmax: the sigmoid belongs to the loss ({@link
 * io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss}).
 *
 * <h2>Architecture</h2>
 *
 * Basic blocks for 18/34 ({@code [2,2,2,2]} / {@code [3,4,6,3]}, 64–512 channels), v1.5 bottlenecks
 * for 50/101 ({@code [3,4,6,3]} / {@code [3,4,23,3]}, 256–2048 channels, the stride in the 3×3
 * convolution), no convolution biases, batch norm with ε 1e-5 and PyTorch momentum 0.1, projection
 * shortcuts only where the stride or channel count changes. The trainable parameter counts with
 * 1,000 labels equal torchvision's: 11,689,512 / 21,797,672 / 25,557,032 / 44,549,160, and a
 * torchvision state dict imports name for name ({@link TorchvisionImport}).
 *
 * <h2>Stem</h2>
 *
 * ImageNet stem (7×7/2 convolution, batch norm, ReLU, 3×3/2 max-pool) for inputs above {@link
 * ResNetSpec#SMALL_IMAGE_MAX} px; 3×3/1 convolution, batch norm, ReLU below.
 *
 * <h2>Initialisation</h2>
 *
 * From scratch: He-normal weights (Gaussian, fan-in, gain 2), batch-norm γ = 1, β = 0, biases 0 —
 * except the output bias, which can be set to {@code log(π/(1−π))} for a prior positive rate {@code
 * π} (with 11,000 labels and a few positives per image, starting every label at σ = 0.5 makes the
 * first steps spend themselves on pushing 11,000 logits down). Seed DJL's random generator ({@code
 * Engine.getInstance().setRandomSeed}) for reproducible weights. From a file: {@link #load} reads a
 * DJL parameter file ({@code NAME-NNNN.params}, as written by {@link Model#save}) and checks every
 * parameter's shape against the spec; {@link TorchvisionImport} reads a torchvision state dict.
 *
 * <p>Thread-safety: stateless; safe from any thread. The returned {@link Model} is not thread-safe
 * for training (one {@code Trainer} at a time), like any DJL model.
 */
public final class ResNetModels {

  /** Batch-norm momentum (DJL/MXNet convention: weight of the running average). */
  public static final float BATCH_NORM_MOMENTUM = 0.9f;

  private ResNetModels() {}

  /**
   * Builds the (uninitialised) network for a spec.
   *
   * @param spec depth, image size and label count
   * @return the block; input {@code [B, 3, H, W]}, output {@code [B, numLabels]} logits
   */
  public static TorchvisionResNet block(ResNetSpec spec) {
    return new TorchvisionResNet(spec);
  }

  /**
   * Creates a model as {@code jcolz train} does from scratch — the one default start: the output
   * bias from the training set's label prior ({@link LabelCounts#prior()}, counted here in one pass
   * over its label column). Without a training set at hand, say the prior: {@link
   * #fromScratch(ResNetSpec, Device, float)} (0.5 gives bias 0).
   *
   * @param spec depth, image size and label count
   * @param device where the parameters live
   * @param training the training set (with a label column over {@code spec.numLabels()} labels)
   * @return the model, named {@code spec.name()}; close it when done
   * @throws IOException if the label column cannot be read
   * @throws IllegalArgumentException the dataset has no label column or another label count
   */
  public static Model fromScratch(ResNetSpec spec, Device device, Dataset training)
      throws IOException {
    return fromScratch(spec, device, LabelCounts.of(training));
  }

  /**
   * Creates a model as {@code jcolz train} does from scratch: the output bias set from the training
   * set's label prior {@link LabelCounts#prior()} (the mean label frequency over known cells), so
   * that the first steps are not spent pushing every logit down from σ = 0.5.
   *
   * @param spec depth, image size and label count
   * @param device where the parameters live
   * @param counts the training set's label counts ({@link LabelCounts#of})
   * @return the model, named {@code spec.name()}; close it when done
   * @throws IllegalArgumentException the counts are not over {@code spec.numLabels()} labels
   */
  public static Model fromScratch(ResNetSpec spec, Device device, LabelCounts counts) {
    if (counts.positives().length != spec.numLabels()) {
      throw new IllegalArgumentException(
          "label counts are over "
              + counts.positives().length
              + " labels, the model has "
              + spec.numLabels());
    }
    return fromScratch(spec, device, counts.prior());
  }

  /**
   * Creates a model with freshly initialised parameters, the output bias set so that every label
   * starts at probability {@code priorProbability}.
   *
   * @param spec depth, image size and label count
   * @param device where the parameters live
   * @param priorProbability initial σ(logit) of every label, in (0, 1); 0.5 gives bias 0
   * @return the model, named {@code spec.name()}; close it when done
   */
  public static Model fromScratch(ResNetSpec spec, Device device, float priorProbability) {
    if (!(priorProbability > 0 && priorProbability < 1)) {
      throw new IllegalArgumentException(
          "prior probability must be in (0, 1), got " + priorProbability);
    }
    Model model = Model.newInstance(spec.name(), device);
    try {
      TorchvisionResNet block = block(spec);
      block.setInitializer(
          new XavierInitializer(
              XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2f),
          Parameter.Type.WEIGHT);
      Block output = block.fc();
      float bias = (float) Math.log(priorProbability / (1.0 - priorProbability));
      output.setInitializer(new ConstantInitializer(bias), Parameter.Type.BIAS);
      block.initialize(model.getNDManager(), DataType.FLOAT32, spec.inputShape(1));
      model.setBlock(block);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Loads a model's parameters from a DJL parameter file in a directory.
   *
   * @param spec the spec the parameters were trained with
   * @param directory the folder holding {@code name-NNNN.params} (the highest epoch is taken)
   * @param name the file prefix, as given to {@link Model#save}
   * @param device where the parameters live
   * @return the model; close it when done
   * @throws IOException if the file is missing or unreadable
   * @throws MalformedModelException if the file does not hold this spec's parameters (the message
   *     names the first mismatching parameter, actual vs expected shape)
   */
  public static Model load(ResNetSpec spec, Path directory, String name, Device device)
      throws IOException, MalformedModelException {
    Model model = Model.newInstance(name, device);
    boolean success = false;
    try {
      TorchvisionResNet block = block(spec);
      model.setBlock(block);
      model.load(directory, name);
      checkShapes(block, spec, directory.resolve(name));
      success = true;
      return model;
    } finally {
      if (!success) {
        model.close();
      }
    }
  }

  /**
   * Counts a block's parameter elements.
   *
   * @param block an initialised block
   * @param trainableOnly true to count only parameters that receive gradients (excluding batch-norm
   *     running statistics)
   * @return the number of scalars
   */
  public static long countParameters(Block block, boolean trainableOnly) {
    long count = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      if (!trainableOnly || p.getValue().requiresGradient()) {
        count += p.getValue().getArray().size();
      }
    }
    return count;
  }

  /**
   * Checks that a block's loaded parameters are the spec's, name for name and shape for shape.
   * DJL's {@code Parameter.load} takes whatever shape the file holds and {@code Linear} re-reads
   * its width from it, so a 1,000-label file would silently load into a 5-label spec; {@link #load}
   * and serving ({@code io.jcolz.training.serve}) call this after loading.
   *
   * @param loaded a block whose parameters were loaded
   * @param spec the spec they must fit
   * @param file the parameter file or folder, for the message
   * @throws MalformedModelException naming the first parameter that differs, actual vs expected
   */
  public static void checkShapes(Block loaded, ResNetSpec spec, Path file)
      throws MalformedModelException {
    List<Pair<String, Shape>> expected = expectedShapes(spec);
    List<Pair<String, Parameter>> actual = new ArrayList<>();
    for (Pair<String, Parameter> p : loaded.getParameters()) {
      actual.add(p);
    }
    if (actual.size() != expected.size()) {
      throw new MalformedModelException(
          file
              + ": "
              + actual.size()
              + " parameters vs expected "
              + expected.size()
              + " for "
              + spec);
    }
    for (int i = 0; i < expected.size(); i++) {
      String name = expected.get(i).getKey();
      Shape want = expected.get(i).getValue();
      NDArray array = actual.get(i).getValue().getArray();
      Shape got = array == null ? null : array.getShape();
      if (!name.equals(actual.get(i).getKey()) || !want.equals(got)) {
        throw new MalformedModelException(
            file
                + ": parameter "
                + actual.get(i).getKey()
                + " has shape "
                + got
                + " vs expected "
                + name
                + " "
                + want
                + " for "
                + spec);
      }
    }
  }

  /**
   * Parameter names and shapes of a spec, without allocating its weights: shapes come from the
   * blocks' {@code prepare} step; the initializer returns an empty array.
   */
  static List<Pair<String, Shape>> expectedShapes(ResNetSpec spec) {
    TorchvisionResNet block = block(spec);
    Initializer empty = (manager, shape, type) -> manager.create(new Shape(0), type);
    block.setInitializer(empty, p -> true);
    List<Pair<String, Shape>> shapes = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      block.initialize(manager, DataType.FLOAT32, spec.inputShape(1));
      for (Pair<String, Parameter> p : block.getParameters()) {
        shapes.add(new Pair<>(p.getKey(), p.getValue().getShape()));
      }
    }
    return shapes;
  }
}
