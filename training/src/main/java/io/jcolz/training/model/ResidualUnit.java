package io.jcolz.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * One residual unit of a torchvision ResNet: {@code BasicBlock} (two 3×3 convolutions, for 18 and
 * 34 layers) or {@code Bottleneck} v1.5 (1×1, 3×3 carrying the stride, 1×1 expanding ×4, for 50 and
 * 101 layers). No convolution has a bias; every convolution is followed by a batch norm (ε 1e-5,
 * PyTorch momentum 0.1); the shortcut is the identity, or a 1×1 convolution with the unit's stride
 * and a batch norm ({@code downsample}) when the stride or the channel count changes. The sum is
 * followed by a ReLU, as in torchvision.
 *
 * <p>Thread-safety: not thread-safe to build or initialise; forward passes follow DJL's rules for
 * blocks (parameters come from the {@link ParameterStore}).
 */
final class ResidualUnit extends AbstractBlock {
  private static final byte VERSION = 1;

  private final List<Block> convs = new ArrayList<>();
  private final List<Block> norms = new ArrayList<>();
  private final SequentialBlock downsample;
  private final int outChannels;
  private final int stride;

  /**
   * @param in input channels
   * @param planes inner channels (torchvision's {@code planes})
   * @param stride 1 or 2
   * @param bottleneck true for a bottleneck (output {@code 4 × planes}), false for a basic block
   */
  ResidualUnit(int in, int planes, int stride, boolean bottleneck) {
    super(VERSION);
    this.stride = stride;
    this.outChannels = bottleneck ? planes * 4 : planes;
    if (bottleneck) {
      add(conv(planes, 1, 1, 0), 1);
      add(conv(planes, 3, stride, 1), 2);
      add(conv(outChannels, 1, 1, 0), 3);
    } else {
      add(conv(planes, 3, stride, 1), 1);
      add(conv(planes, 3, 1, 1), 2);
    }
    if (stride != 1 || in != outChannels) {
      downsample =
          addChildBlock(
              "downsample",
              new SequentialBlock().add(conv(outChannels, 1, stride, 0)).add(batchNorm()));
    } else {
      downsample = null;
    }
  }

  private void add(Conv2d conv, int i) {
    convs.add(addChildBlock("conv" + i, conv));
    norms.add(addChildBlock("bn" + i, batchNorm()));
  }

  static Conv2d conv(int filters, int kernel, int stride, int padding) {
    return Conv2d.builder()
        .setKernelShape(new Shape(kernel, kernel))
        .setFilters(filters)
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(padding, padding))
        .optBias(false)
        .build();
  }

  static BatchNorm batchNorm() {
    return BatchNorm.builder()
        .optEpsilon(1e-5f)
        .optMomentum(ResNetModels.BATCH_NORM_MOMENTUM)
        .build();
  }

  /** Adds this unit's parameters under {@code prefix} ({@code layer1.0}) with torchvision names. */
  void torchvisionNames(String prefix, TorchvisionNames out) {
    for (int i = 0; i < convs.size(); i++) {
      out.add(prefix + ".conv" + (i + 1), convs.get(i));
      out.add(prefix + ".bn" + (i + 1), norms.get(i));
    }
    if (downsample != null) {
      out.add(prefix + ".downsample.0", downsample.getChildren().get(0).getValue());
      out.add(prefix + ".downsample.1", downsample.getChildren().get(1).getValue());
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList x = inputs;
    for (int i = 0; i < convs.size(); i++) {
      x = convs.get(i).forward(ps, x, training, params);
      x = norms.get(i).forward(ps, x, training, params);
      if (i < convs.size() - 1) {
        x = new NDList(Activation.relu(x.singletonOrThrow()));
      }
    }
    NDArray shortcut =
        downsample == null
            ? inputs.singletonOrThrow()
            : downsample.forward(ps, inputs, training, params).singletonOrThrow();
    return new NDList(Activation.relu(x.singletonOrThrow().add(shortcut)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    return new Shape[] {
      new Shape(s.get(0), outChannels, (s.get(2) - 1) / stride + 1, (s.get(3) - 1) / stride + 1)
    };
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape s = inputShapes[0];
    for (int i = 0; i < convs.size(); i++) {
      convs.get(i).initialize(manager, dataType, s);
      s = convs.get(i).getOutputShapes(new Shape[] {s})[0];
      norms.get(i).initialize(manager, dataType, s);
    }
    if (downsample != null) {
      downsample.initialize(manager, dataType, inputShapes);
    }
  }
}
