package io.jcolz.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A ResNet laid out exactly as {@code torchvision.models.resnetNN}: {@code conv1} (7×7/2, no bias),
 * {@code bn1}, ReLU, 3×3/2 max-pool with padding 1, {@code layer1}–{@code layer4} of {@link
 * ResidualUnit}s (the first unit of layers 2–4 has stride 2, in the 3×3 convolution: v1.5),
 * adaptive average pool to 1×1, flatten, {@code fc} with bias. The children are named like
 * torchvision's modules, and {@link #torchvisionParameters()} gives every parameter and batch-norm
 * statistic under its torchvision state-dict key. For the small-image spec ({@link
 * ResNetSpec#smallImageStem()}) {@code conv1} is 3×3/1 with padding 1 and there is no max-pool, as
 * in CIFAR ResNets; torchvision weights do not fit it.
 *
 * <h2>Frozen parts</h2>
 *
 * {@link #freezeBefore(Part)} freezes every part before the given one: their parameters get no
 * gradient and their batch norms run in inference mode (running statistics used, not updated) even
 * in a training forward pass — what fine-tuning a pretrained backbone needs.
 *
 * <p>Thread-safety: not thread-safe to build, initialise or freeze; forward passes follow DJL's
 * rules for blocks.
 */
public final class TorchvisionResNet extends AbstractBlock {
  private static final byte VERSION = 1;

  /** The parts of the network in order; freezing works on them. */
  public enum Part {
    /** {@code conv1} and {@code bn1}. */
    CONV1,
    /** The first stage. */
    LAYER1,
    /** The second stage. */
    LAYER2,
    /** The third stage. */
    LAYER3,
    /** The fourth stage. */
    LAYER4,
    /** The output layer. */
    FC;

    /**
     * Parses a torchvision module name: {@code conv1}, {@code layer1} … {@code layer4}, {@code fc}.
     *
     * @param name the name (case-insensitive)
     * @return the part
     * @throws IllegalArgumentException for other names
     */
    public static Part parse(String name) {
      for (Part p : values()) {
        if (p.toString().equals(name.strip().toLowerCase(Locale.ROOT))) {
          return p;
        }
      }
      throw new IllegalArgumentException(
          "unknown stage '" + name + "': expected conv1, layer1, layer2, layer3, layer4 or fc");
    }

    /** The torchvision module name, e.g. {@code layer3}. */
    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final ResNetSpec spec;
  private final Conv2d conv1;
  private final BatchNorm bn1;
  private final SequentialBlock[] layers = new SequentialBlock[4];
  private final Linear fc;
  private Part frozenBefore = Part.CONV1;

  /**
   * Builds the (uninitialised) network.
   *
   * @param spec depth, image size and label count
   */
  public TorchvisionResNet(ResNetSpec spec) {
    super(VERSION);
    this.spec = spec;
    int[] units =
        switch (spec.layers()) {
          case 18 -> new int[] {2, 2, 2, 2};
          case 34, 50 -> new int[] {3, 4, 6, 3};
          case 101 -> new int[] {3, 4, 23, 3};
          default -> throw new IllegalArgumentException("depth " + spec.layers());
        };
    conv1 =
        addChildBlock(
            "conv1",
            spec.smallImageStem()
                ? ResidualUnit.conv(64, 3, 1, 1)
                : ResidualUnit.conv(64, 7, 2, 3));
    bn1 = addChildBlock("bn1", ResidualUnit.batchNorm());
    int in = 64;
    for (int stage = 0; stage < 4; stage++) {
      int planes = 64 << stage;
      SequentialBlock layer = new SequentialBlock();
      for (int u = 0; u < units[stage]; u++) {
        int stride = stage > 0 && u == 0 ? 2 : 1;
        ResidualUnit unit = new ResidualUnit(in, planes, stride, spec.bottleneck());
        layer.add(unit);
        in = spec.bottleneck() ? planes * 4 : planes;
      }
      layers[stage] = addChildBlock("layer" + (stage + 1), layer);
    }
    fc = addChildBlock("fc", Linear.builder().setUnits(spec.numLabels()).build());
  }

  /**
   * The spec built.
   *
   * @return the spec
   */
  public ResNetSpec spec() {
    return spec;
  }

  /**
   * The output layer.
   *
   * @return {@code fc}
   */
  public Linear fc() {
    return fc;
  }

  /**
   * Width of the pooled features, the input of {@code fc}: 512 (18, 34) or 2048 (50, 101).
   *
   * @return the feature count
   */
  public int featureSize() {
    return spec.bottleneck() ? 2048 : 512;
  }

  /**
   * Every parameter and batch-norm statistic under its torchvision state-dict key, in torchvision's
   * order. (torchvision's {@code num_batches_tracked} counters have no counterpart: they only
   * matter for a batch norm with {@code momentum=None}.)
   *
   * @return an unmodifiable map
   */
  public Map<String, Parameter> torchvisionParameters() {
    TorchvisionNames names = new TorchvisionNames();
    names.add("conv1", conv1);
    names.add("bn1", bn1);
    for (int stage = 0; stage < 4; stage++) {
      for (int u = 0; u < layers[stage].getChildren().size(); u++) {
        ((ResidualUnit) layers[stage].getChildren().get(u).getValue())
            .torchvisionNames("layer" + (stage + 1) + "." + u, names);
      }
    }
    names.add("fc", fc);
    return Collections.unmodifiableMap(names.map());
  }

  /**
   * Freezes every part before {@code part} and unfreezes the rest: {@code CONV1} freezes nothing,
   * {@code FC} freezes the whole backbone. Call before a {@code Trainer} is made.
   *
   * @param part the first part that trains
   */
  public void freezeBefore(Part part) {
    this.frozenBefore = part;
    List<String> frozen = new java.util.ArrayList<>();
    for (Part p : Part.values()) {
      if (p.ordinal() < part.ordinal()) {
        frozen.add(p.toString());
      }
    }
    for (Map.Entry<String, Parameter> e : torchvisionParameters().entrySet()) {
      Parameter p = e.getValue();
      if (p.getType() == Parameter.Type.RUNNING_MEAN || p.getType() == Parameter.Type.RUNNING_VAR) {
        continue; // never receive gradients
      }
      String module = e.getKey().substring(0, e.getKey().indexOf('.'));
      boolean freeze =
          frozen.contains(module) || (module.equals("bn1") && frozen.contains("conv1"));
      p.freeze(freeze);
    }
  }

  /**
   * The first part that trains.
   *
   * @return {@code CONV1} when nothing is frozen
   */
  public Part frozenBefore() {
    return frozenBefore;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray features = features(ps, inputs.singletonOrThrow(), training);
    return fc.forward(ps, new NDList(features), trains(Part.FC, training), params);
  }

  /**
   * The pooled features, the input of {@code fc}.
   *
   * @param ps the parameter store
   * @param x images {@code [B, 3, H, W]}, normalised
   * @param training true for a training pass (frozen parts still run in inference mode)
   * @return {@code [B, featureSize()]}
   */
  public NDArray features(ParameterStore ps, NDArray x, boolean training) {
    boolean t = trains(Part.CONV1, training);
    NDList y = conv1.forward(ps, new NDList(x), t);
    y = bn1.forward(ps, y, t);
    NDArray a = Activation.relu(y.singletonOrThrow());
    if (!spec.smallImageStem()) {
      a = Pool.maxPool2d(a, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
    }
    y = new NDList(a);
    for (int stage = 0; stage < 4; stage++) {
      y = layers[stage].forward(ps, y, trains(Part.values()[stage + 1], training));
    }
    NDArray pooled = Pool.globalAvgPool2d(y.singletonOrThrow());
    return pooled.reshape(pooled.getShape().get(0), -1);
  }

  private boolean trains(Part part, boolean training) {
    return training && part.ordinal() >= frozenBefore.ordinal();
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), spec.numLabels())};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape s = inputShapes[0];
    conv1.initialize(manager, dataType, s);
    s = conv1.getOutputShapes(new Shape[] {s})[0];
    bn1.initialize(manager, dataType, s);
    if (!spec.smallImageStem()) {
      s = new Shape(s.get(0), s.get(1), (s.get(2) - 1) / 2 + 1, (s.get(3) - 1) / 2 + 1);
    }
    for (SequentialBlock layer : layers) {
      layer.initialize(manager, dataType, s);
      s = layer.getOutputShapes(new Shape[] {s})[0];
    }
    fc.initialize(manager, dataType, new Shape(s.get(0), s.get(1)));
  }
}
