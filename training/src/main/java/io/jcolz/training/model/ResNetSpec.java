package io.jcolz.training.model;

import ai.djl.ndarray.types.Shape;

/**
 * What a multi-label ResNet is: depth, input image size and label count.
 *
 * <p>Images are {@code 3 × height × width} (CHW, as the loader emits them). Images of at most
 * {@link #SMALL_IMAGE_MAX} pixels on both sides get the small-image stem (one 3×3 stride-1
 * convolution, as for CIFAR) instead of the ImageNet stem (7×7 stride-2 convolution and 3×3
 * stride-2 max-pool), which would leave a 1×1 feature map after the last stage.
 *
 * <p>Thread-safety: immutable; safe to share.
 *
 * @param layers 18, 34, 50 or 101
 * @param height input height in pixels, at least 8
 * @param width input width in pixels, at least 8
 * @param numLabels size of the output (one logit per label), at least 1
 */
public record ResNetSpec(int layers, int height, int width, int numLabels) {

  /** Largest side, in pixels, that still uses the small-image stem. */
  public static final int SMALL_IMAGE_MAX = 32;

  /** Validates the spec. */
  public ResNetSpec {
    if (layers != 18 && layers != 34 && layers != 50 && layers != 101) {
      throw new IllegalArgumentException("ResNet depth must be 18, 34, 50 or 101, got " + layers);
    }
    if (height < 8 || width < 8) {
      throw new IllegalArgumentException(
          "image must be at least 8×8 pixels, got " + height + "×" + width);
    }
    if (numLabels < 1) {
      throw new IllegalArgumentException("numLabels must be at least 1, got " + numLabels);
    }
  }

  /**
   * Parses a model name of the command line: {@code resnet18}, {@code resnet34}, {@code resnet50}
   * or {@code resnet101} (case-insensitive).
   *
   * @param name the model name
   * @param height input height
   * @param width input width
   * @param numLabels number of labels
   * @return the spec
   * @throws IllegalArgumentException for any other name
   */
  public static ResNetSpec of(String name, int height, int width, int numLabels) {
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    int layers =
        switch (lower) {
          case "resnet18" -> 18;
          case "resnet34" -> 34;
          case "resnet50" -> 50;
          case "resnet101" -> 101;
          default ->
              throw new IllegalArgumentException(
                  "unknown model '"
                      + name
                      + "': expected resnet18, resnet34, resnet50 or resnet101");
        };
    return new ResNetSpec(layers, height, width, numLabels);
  }

  /**
   * Returns the model name, e.g. {@code resnet18}.
   *
   * @return the name
   */
  public String name() {
    return "resnet" + layers;
  }

  /**
   * Returns whether the small-image stem is used.
   *
   * @return true for images of at most {@link #SMALL_IMAGE_MAX} pixels on both sides
   */
  public boolean smallImageStem() {
    return height <= SMALL_IMAGE_MAX && width <= SMALL_IMAGE_MAX;
  }

  /**
   * Returns whether the residual units are bottlenecks (ResNet-50, 101) or basic blocks (18, 34).
   *
   * @return true for ResNet-50 and 101
   */
  public boolean bottleneck() {
    return layers >= 50;
  }

  /**
   * Returns the shape of a batch of input images.
   *
   * @param batchSize number of images
   * @return {@code (batchSize, 3, height, width)}
   */
  public Shape inputShape(long batchSize) {
    return new Shape(batchSize, 3, height, width);
  }
}
