package io.jcolz.training.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import io.jcolz.training.data.LabelCounts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds multi-label ResNet-18/34/50 models from the residual units of DJL's model zoo ({@link
 * ResNetV1#residualUnit}), ending in a linear layer with one raw logit per label — no sigmoid or
 * softmax: the sigmoid belongs to the loss ({@link
 * io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss}).
 *
 * <h2>Why not {@code ResNetV1.builder()} as is</h2>
 *
 * In DJL 0.35.1 {@code ResNetV1.Builder.build()} sets {@code bottleneck = true} for every depth, so
 * its "ResNet-18" and "ResNet-34" are narrow bottleneck networks (16–128 inner channels), not the
 * He et al. architectures; for images of 28 px or less it builds CIFAR-style nets and rejects 18
 * and 34 layers; for 29–32 px its stem is a bare convolution without batch norm and ReLU; and the
 * first unit of every stage gets a projection shortcut even when the channels already match. Here
 * the same zoo units are assembled as in the paper: basic blocks for 18/34 ({@code [2,2,2,2]} /
 * {@code [3,4,6,3]}, 64–512 channels), bottlenecks for 50 ({@code [3,4,6,3]}, 256–2048 channels),
 * identity shortcuts where shapes match. The trainable parameter counts equal torchvision's
 * ResNet-18 and ResNet-34 exactly (11,689,512 and 21,797,672 with 1,000 labels); DJL's bottleneck
 * unit adds biases to its two 1×1 convolutions, so ResNet-50 has 18,880 more than torchvision's
 * 25,557,032. It is ResNet v1 (stride in the first 1×1 convolution of a bottleneck), not v1.5.
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
 * parameter's shape against the spec.
 *
 * <p>Thread-safety: stateless; safe from any thread. The returned {@link Model} is not thread-safe
 * for training (one {@code Trainer} at a time), like any DJL model.
 */
public final class ResNetModels {

  /** Batch-norm momentum (DJL/MXNet convention: weight of the running average). */
  public static final float BATCH_NORM_MOMENTUM = 0.9f;

  private static final int STEM_CHANNELS = 64;

  private ResNetModels() {}

  /**
   * Builds the (uninitialised) network for a spec.
   *
   * @param spec depth, image size and label count
   * @return the block; input {@code [B, 3, H, W]}, output {@code [B, numLabels]} logits
   */
  public static SequentialBlock block(ResNetSpec spec) {
    int[] units = spec.layers() == 18 ? new int[] {2, 2, 2, 2} : new int[] {3, 4, 6, 3};
    int[] channels =
        spec.bottleneck() ? new int[] {256, 512, 1024, 2048} : new int[] {64, 128, 256, 512};
    SequentialBlock net = new SequentialBlock();
    if (spec.smallImageStem()) {
      net.add(conv(3, 1, 1)).add(batchNorm()).add(Activation.reluBlock());
    } else {
      net.add(conv(7, 2, 3))
          .add(batchNorm())
          .add(Activation.reluBlock())
          .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
    }
    int in = STEM_CHANNELS;
    for (int stage = 0; stage < units.length; stage++) {
      int stride = stage == 0 ? 1 : 2;
      for (int u = 0; u < units[stage]; u++) {
        boolean first = u == 0;
        Shape unitStride = first ? new Shape(stride, stride) : new Shape(1, 1);
        boolean identityShortcut = !first || (stride == 1 && in == channels[stage]);
        net.add(
            ResNetV1.residualUnit(
                channels[stage],
                unitStride,
                identityShortcut,
                spec.bottleneck(),
                BATCH_NORM_MOMENTUM));
      }
      in = channels[stage];
    }
    return net.add(Pool.globalAvgPool2dBlock())
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(spec.numLabels()).build());
  }

  private static Conv2d conv(int kernel, int stride, int padding) {
    return Conv2d.builder()
        .setKernelShape(new Shape(kernel, kernel))
        .setFilters(STEM_CHANNELS)
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(padding, padding))
        .optBias(false)
        .build();
  }

  private static BatchNorm batchNorm() {
    return BatchNorm.builder().optEpsilon(1e-5f).optMomentum(BATCH_NORM_MOMENTUM).build();
  }

  /**
   * Creates a model with freshly initialised parameters and a zero output bias (every label starts
   * at σ = 0.5). {@code jcolz train} starts from the label prior instead: use {@link
   * #fromScratch(ResNetSpec, Device, LabelCounts)} with the training set's counts for the same
   * start.
   *
   * @param spec depth, image size and label count
   * @param device where the parameters live
   * @return the model, named {@code spec.name()}; close it when done
   */
  public static Model fromScratch(ResNetSpec spec, Device device) {
    return fromScratch(spec, device, 0.5f);
  }

  /**
   * Creates a model as {@code jcolz train} does from scratch: the output bias set from the training
   * set's label prior {@link LabelCounts#prior()} (the mean label frequency), so that the first
   * steps are not spent pushing every logit down from σ = 0.5.
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
      SequentialBlock block = block(spec);
      block.setInitializer(
          new XavierInitializer(
              XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2f),
          Parameter.Type.WEIGHT);
      Block output = block.getChildren().get(block.getChildren().size() - 1).getValue();
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
      SequentialBlock block = block(spec);
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
   * DJL's {@code Parameter.load} takes whatever shape the file holds and {@code Linear} re-reads
   * its width from it, so a 1,000-label file would silently load into a 5-label spec. Compare with
   * the shapes the spec implies.
   */
  private static void checkShapes(Block loaded, ResNetSpec spec, Path file)
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
    SequentialBlock block = block(spec);
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
