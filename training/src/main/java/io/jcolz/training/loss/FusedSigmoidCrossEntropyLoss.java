package io.jcolz.training.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.loss.Loss;
import java.util.Arrays;

/**
 * Multi-label sigmoid cross-entropy on raw logits, with the sigmoid fused into the loss, a
 * closed-form gradient, optional per-label positive weights and optional label smoothing.
 *
 * <h2>Value</h2>
 *
 * For logits {@code x} and targets {@code t}, both {@code [B, L]}, the loss is the mean over all
 * {@code n = B·L} elements of
 *
 * <pre>
 *   ℓ(x, t) = max(x, 0) − x·t + log1p(exp(−|x|))          (no positive weights)
 *   ℓ(x, t) = p·t·softplus(−x) + (1 − t)·softplus(x)     (positive weight p for the label)
 * </pre>
 *
 * The first line is the second with {@code p = 1}. The weighted form is PyTorch's {@code
 * BCEWithLogitsLoss(pos_weight=p)}: {@code p_j} multiplies only the positive term of label {@code
 * j}, so {@code p_j = 49} makes a positive of label {@code j} count as much as 49 negatives (the
 * usual choice is {@code p_j = negatives_j / positives_j}).
 *
 * <h2>Label smoothing</h2>
 *
 * With smoothing {@code ε ∈ [0, 1)} every target is first replaced by {@code t' = t·(1 − ε) + ε/2}
 * (a positive becomes {@code 1 − ε/2}, a negative {@code ε/2}: the binary form of Szegedy et al.'s
 * smoothing with two classes per label), and the formulas above use {@code t'}. Positive weights
 * apply to {@code t'}.
 *
 * <h2>Gradient</h2>
 *
 * The gradient with respect to the logits is the closed form
 *
 * <pre>
 *   ∂loss/∂x = ((1 − t + p·t)·σ(x) − p·t) / n          (= (σ(x) − t) / n when p = 1)
 * </pre>
 *
 * computed in one pass from {@code σ}, not by autograd through the elementwise operations of the
 * value. DJL has no hook for a custom backward, so the loss returned is
 *
 * <pre>
 *   loss = (Σℓ + d − stopGradient(d)) / n,    d = dot(x, stopGradient(g))
 * </pre>
 *
 * where {@code Σℓ} and {@code g} (the closed form, unscaled) are computed on {@code
 * stopGradient(x)}, so autograd records only the dot product. In the forward pass {@code d −
 * stopGradient(d)} is exactly zero, so the result is exactly {@code Σℓ/n}; in the backward pass
 * {@code ∂d/∂x = g} and nothing else reaches {@code x}. One consequence: at {@code x = 0} the
 * gradient is {@code σ(0) − t = 0.5 − t}, whereas autograd through {@code max(x,0)} and {@code |x|}
 * (DJL's {@code SigmoidBinaryCrossEntropyLoss}) returns the subgradient {@code −t} there.
 *
 * <h2>Labels and the two evaluations</h2>
 *
 * {@link #evaluate(NDList, NDList)} takes the prediction {@code [B, L]} and one label array in
 * either form the jcolz loader produces:
 *
 * <ul>
 *   <li><b>binary by type</b> — sparse {@code int32}/{@code int64} {@code (row, label)} pairs
 *       {@code [nnz, 2]} (a repeated pair counts once), or dense multi-hot {@code [B, L]} of type
 *       boolean, uint8 or int8 (non-zero is positive). Without smoothing these take the <i>sign
 *       form</i>: with {@code s = 1 − 2t} built on the prediction's device (from pairs: a fill and
 *       one index-put, no host-side dense array) and {@code z = s·x}, {@code ℓ = W·softplus(z)} and
 *       {@code g = W·s·σ(z)}, where {@code W} is {@code p} at positives and 1 elsewhere. This is
 *       the same function and the same closed form, in fewer passes, and the gradient of a
 *       confident correct prediction keeps its full relative precision ({@code σ(z)} instead of the
 *       rounded {@code σ(x) − 1}).
 *   <li><b>floating</b> dense {@code [B, L]}, which may hold soft targets, and every target once
 *       smoothed: the <i>general form</i>, {@code max(x,0) − x·t + log1p(exp(−|x|))}, with weights
 *       {@code w·log1p(exp(−|x|)) + (1 − t)·max(x,0) + p·t·max(−x,0)}, {@code w = 1 − t + p·t}.
 *       Sparse pairs are densified with {@link SparseTargets#toDense(NDArray, NDArray)} on the
 *       device first.
 * </ul>
 *
 * In both forms every summed term is non-negative, so no term cancels another and no {@code exp} of
 * a large positive number is taken: the value is finite and accurate to a few float32 ulps per
 * element for logits from ±1e-8 to ±1e4 and beyond (below {@code ~1e-38}, float32's normal range,
 * per-element values flush towards 0). Targets are converted to the prediction's data type, so the
 * loss works in float32 and in float64. Intermediates live in a sub-manager closed before {@code
 * evaluate} returns, each B×L temporary released as soon as it is reduced; only the scalar loss is
 * attached to the prediction's manager. Logits so large that {@code dot(x, g)} overflows (beyond
 * about 1e36 in float32) give NaN.
 *
 * <p>Thread-safety: immutable after construction and safe to share between threads; each call uses
 * only the arrays it is given (under DJL's rule of one thread per {@link NDManager}).
 */
public final class FusedSigmoidCrossEntropyLoss extends Loss {

  private final float labelSmoothing;
  private final float positiveWeight;
  private final float[] positiveWeights;

  /** Creates the plain loss: no positive weights, no label smoothing, named "FusedSCE". */
  public FusedSigmoidCrossEntropyLoss() {
    this(builder());
  }

  private FusedSigmoidCrossEntropyLoss(Builder builder) {
    super(builder.name);
    this.labelSmoothing = builder.labelSmoothing;
    this.positiveWeight = builder.positiveWeight;
    this.positiveWeights = builder.positiveWeights == null ? null : builder.positiveWeights.clone();
  }

  /**
   * Starts a builder.
   *
   * @return a new builder with no positive weights and no label smoothing
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the label smoothing {@code ε}.
   *
   * @return {@code ε} in {@code [0, 1)}; 0 when smoothing is off
   */
  public float getLabelSmoothing() {
    return labelSmoothing;
  }

  /**
   * Returns the per-label positive weights, if set.
   *
   * @return a copy of the weights, or {@code null} when a single weight applies to all labels
   */
  public float[] getPositiveWeights() {
    return positiveWeights == null ? null : positiveWeights.clone();
  }

  /**
   * Returns the positive weight applied to every label when no per-label weights are set.
   *
   * @return the uniform positive weight (1 means unweighted)
   */
  public float getPositiveWeight() {
    return positiveWeight;
  }

  /**
   * Computes the mean loss with the closed-form gradient attached (see the class description).
   *
   * @param label one array: dense multi-hot {@code [B, L]} or sparse {@code [nnz, 2]} pairs
   * @param prediction one array of logits {@code [B, L]}
   * @return a scalar of the prediction's data type, attached to the prediction's manager
   * @throws IllegalArgumentException if the shapes, types or weights do not fit
   */
  @Override
  public NDArray evaluate(NDList label, NDList prediction) {
    NDArray x = prediction.singletonOrThrow();
    NDArray y = label.singletonOrThrow();
    Shape shape = x.getShape();
    if (shape.dimension() != 2) {
      throw new IllegalArgumentException("prediction must be [batch, labels], got shape " + shape);
    }
    if (!x.getDataType().isFloating()) {
      throw new IllegalArgumentException(
          "prediction must be floating point logits, got " + x.getDataType());
    }
    long numLabels = shape.get(1);
    if (positiveWeights != null && positiveWeights.length != numLabels) {
      throw new IllegalArgumentException(
          "positive weights cover "
              + positiveWeights.length
              + " labels but the prediction has "
              + numLabels);
    }
    // a 0-d scalar of the logits' type: a float64 one would promote a float32 loss
    Number n =
        x.getDataType() == DataType.FLOAT64
            ? (Number) (double) shape.size()
            : (Number) (float) shape.size();
    NDManager owner = x.getManager();
    try (NDManager scope = owner.newSubManager()) {
      x.tempAttach(scope);
      y.tempAttach(scope);
      NDArray xd = x.stopGradient();
      // Σℓ is summed term by term from non-negative terms, so no partial sum cancels;
      // no B×L array of ℓ is materialised, and each B×L temporary is closed as soon as
      // it is reduced, so the next allocation reuses its (cached) memory.
      NDArray[] sumAndGrad =
          labelSmoothing == 0 && isBinary(y) ? signForm(xd, y, scope) : generalForm(xd, y, scope);
      NDArray sum = sumAndGrad[0];
      NDArray grad = sumAndGrad[1];
      // loss = (Σℓ + d − stopGradient(d)) / n with d = x·g: the forward value is exactly
      // Σℓ/n, the backward is g/n. The surrogate is always attached: hasGradient()
      // cannot tell whether x is part of a graph (in the PyTorch engine it is false for
      // every non-leaf, e.g. a model's output); outside a GradientCollector it adds 0.
      NDArray d = x.reshape(-1).dot(grad.reshape(-1));
      NDArray loss = sum.add(d.sub(d.stopGradient())).div(n);
      loss.attach(owner);
      return loss;
    }
  }

  /** Integer pairs and boolean / integer multi-hot labels are binary by type. */
  private static boolean isBinary(NDArray y) {
    DataType type = y.getDataType();
    return type == DataType.INT32
        || type == DataType.INT64
        || type == DataType.BOOLEAN
        || type == DataType.UINT8
        || type == DataType.INT8;
  }

  /**
   * Binary targets, no smoothing. With {@code s = 1 − 2t} (−1 for a positive, +1 for a negative)
   * and {@code z = s·x}, the element loss is {@code W·softplus(z)} and its derivative {@code
   * W·s·σ(z)}, {@code W} being the positive weight at positives and 1 at negatives: one product,
   * two transcendental passes, no cancellation anywhere (softplus of any sign is accurate, and
   * {@code σ(z)} gives {@code σ(x) − 1} without rounding it).
   */
  private NDArray[] signForm(NDArray xd, NDArray y, NDManager scope) {
    DataType type = xd.getDataType();
    boolean weighted = positiveWeights != null || positiveWeight != 1f;
    NDArray sign;
    NDArray weight = null;
    NDArray signedWeight = null;
    if (y.getDataType() == DataType.INT32 || y.getDataType() == DataType.INT64) {
      Shape shape = xd.getShape();
      SparseTargets.PairIndex index =
          SparseTargets.PairIndex.of(scope, y, shape.get(0), shape.get(1));
      sign = index.fill(scope, type, 1f, -1f);
      if (positiveWeights != null) {
        NDArray p = weightsLike(xd, scope);
        weight = index.fill(scope, type, 1f, p);
        signedWeight = index.fill(scope, type, 1f, p.neg());
      } else if (weighted) {
        weight = index.fill(scope, type, 1f, positiveWeight);
        signedWeight = index.fill(scope, type, 1f, -positiveWeight);
      }
    } else {
      NDArray positive = denseOnDevice(y, xd, scope);
      if (positive.getDataType() != DataType.BOOLEAN) {
        positive = positive.neq(0); // uint8 / int8: any non-zero is a positive
      }
      NDArray t = positive.toType(type, false);
      sign = t.mul(-2).addi(1);
      if (weighted) {
        NDArray pMinusOne =
            positiveWeights != null
                ? weightsLike(xd, scope).subi(1)
                : scope.full(new Shape(), positiveWeight - 1f, type);
        weight = t.mul(pMinusOne).addi(1); // p at positives, 1 elsewhere
        signedWeight = weight.mul(sign);
      }
      t.close();
    }
    NDArray sum;
    NDArray grad;
    try (NDArray z = xd.mul(sign)) {
      try (NDArray softplus = Activation.softPlus(z)) {
        sum = (weight == null ? softplus : softplus.muli(weight)).sum();
      }
      grad = Activation.sigmoid(z).muli(signedWeight == null ? sign : signedWeight);
    }
    return new NDArray[] {sum, grad};
  }

  /**
   * Any targets in [0, 1] (soft, smoothed or multi-hot floats): {@code max(x,0) − x·t +
   * log1p(exp(−|x|))}, or with weights {@code w·log1p(exp(−|x|)) + (1 − t)·max(x,0) +
   * p·t·max(−x,0)}, {@code w = 1 − t + p·t}; gradient {@code w·σ(x) − p·t}.
   */
  private NDArray[] generalForm(NDArray xd, NDArray y, NDManager scope) {
    NDArray t = targets(y, xd, scope);
    if (labelSmoothing > 0) {
      t = t.mul(1 - labelSmoothing).addi(labelSmoothing / 2);
    }
    NDArray grad;
    NDArray sum;
    if (positiveWeights == null && positiveWeight == 1f) {
      grad = Activation.sigmoid(xd).subi(t); // σ(x) − t
      // Σ log1p(exp(−|x|)) + Σ (max(x,0) − x·t)
      sum = sumOf(softplusOfNegAbs(xd), null);
      try (NDArray xt = xd.mul(t)) {
        sum.addi(sumOf(Activation.relu(xd).subi(xt), null));
      }
    } else {
      NDArray pt = positiveWeights == null ? t.mul(positiveWeight) : t.mul(weightsLike(xd, scope));
      NDArray w = pt.sub(t).addi(1); // 1 − t + p·t
      grad = Activation.sigmoid(xd).muli(w).subi(pt); // w·σ(x) − p·t
      // Σ w·log1p(exp(−|x|)) + Σ (1 − t)·max(x,0) + Σ p·t·max(−x,0)
      sum = sumOf(softplusOfNegAbs(xd), w);
      try (NDArray oneMinusT = t.neg().addi(1)) {
        sum.addi(sumOf(Activation.relu(xd), oneMinusT));
      }
      try (NDArray negX = xd.neg()) {
        sum.addi(sumOf(Activation.relu(negX), pt));
      }
    }
    return new NDArray[] {sum, grad};
  }

  /** log1p(exp(−|x|)), the transcendental term of the general form. */
  private static NDArray softplusOfNegAbs(NDArray x) {
    try (NDArray negAbs = x.abs().negi()) {
      return Activation.softPlus(negAbs);
    }
  }

  /** Σ(a·weight), or Σa without a weight; closes {@code a}. */
  private static NDArray sumOf(NDArray a, NDArray weight) {
    try (a) {
      return weight == null ? a.sum() : a.muli(weight).sum();
    }
  }

  /** The dense target for {@code x}, of x's type and on x's device, owned by {@code scope}. */
  private static NDArray targets(NDArray y, NDArray x, NDManager scope) {
    DataType type = y.getDataType();
    if (type == DataType.INT32 || type == DataType.INT64) {
      NDArray dense = SparseTargets.toDense(y, x);
      dense.attach(scope);
      return dense;
    }
    NDArray t = denseOnDevice(y, x, scope);
    NDArray typed = t.toType(x.getDataType(), false);
    if (typed != t) {
      typed.attach(scope);
    }
    return typed;
  }

  /** A dense label, checked against the prediction and moved to its device. */
  private static NDArray denseOnDevice(NDArray y, NDArray x, NDManager scope) {
    DataType type = y.getDataType();
    if (!(type.isFloating()
        || type == DataType.BOOLEAN
        || type == DataType.UINT8
        || type == DataType.INT8)) {
      throw new IllegalArgumentException(
          "labels must be dense multi-hot (floating, boolean, uint8 or int8) [B, L] or"
              + " int32/int64 (row, label) pairs [nnz, 2], got "
              + type);
    }
    if (!y.getShape().equals(x.getShape())) {
      throw new IllegalArgumentException(
          "dense labels must have the prediction's shape: actual "
              + y.getShape()
              + " vs expected "
              + x.getShape());
    }
    NDArray t = y;
    if (!t.getDevice().equals(x.getDevice())) {
      t = t.toDevice(x.getDevice(), false);
      t.attach(scope);
    }
    return t;
  }

  private NDArray weightsLike(NDArray x, NDManager scope) {
    return scope
        .create(positiveWeights)
        .toDevice(x.getDevice(), false)
        .toType(x.getDataType(), false);
  }

  @Override
  public String toString() {
    return "FusedSigmoidCrossEntropyLoss{name="
        + getName()
        + ", labelSmoothing="
        + labelSmoothing
        + (positiveWeights == null
            ? ", positiveWeight=" + positiveWeight
            : ", positiveWeights="
                + positiveWeights.length
                + " labels, range ["
                + min(positiveWeights)
                + ", "
                + max(positiveWeights)
                + "]")
        + '}';
  }

  private static float min(float[] values) {
    float m = Float.POSITIVE_INFINITY;
    for (float v : values) {
      m = Math.min(m, v);
    }
    return m;
  }

  private static float max(float[] values) {
    float m = Float.NEGATIVE_INFINITY;
    for (float v : values) {
      m = Math.max(m, v);
    }
    return m;
  }

  /**
   * Builder for {@link FusedSigmoidCrossEntropyLoss}, in DJL's builder style.
   *
   * <p>Thread-safety: not thread-safe; build on one thread.
   */
  public static final class Builder {

    private String name = "FusedSCE";
    private float labelSmoothing;
    private float positiveWeight = 1f;
    private float[] positiveWeights;

    private Builder() {}

    /**
     * Sets the loss name DJL shows in logs and metrics.
     *
     * @param name a non-empty name
     * @return this builder
     */
    public Builder optName(String name) {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("loss name must be non-empty");
      }
      this.name = name;
      return this;
    }

    /**
     * Sets label smoothing {@code ε}: targets become {@code t·(1 − ε) + ε/2}.
     *
     * @param epsilon in {@code [0, 1)}
     * @return this builder
     */
    public Builder optLabelSmoothing(float epsilon) {
      if (!(epsilon >= 0 && epsilon < 1)) {
        throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + epsilon);
      }
      this.labelSmoothing = epsilon;
      return this;
    }

    /**
     * Sets one positive weight for every label (replaces per-label weights).
     *
     * @param weight finite and positive; 1 means unweighted
     * @return this builder
     */
    public Builder optPositiveWeight(float weight) {
      checkWeight(weight, -1);
      this.positiveWeight = weight;
      this.positiveWeights = null;
      return this;
    }

    /**
     * Sets a positive weight per label (replaces a uniform weight).
     *
     * @param weights one finite, positive weight per label; copied
     * @return this builder
     */
    public Builder optPositiveWeights(float[] weights) {
      if (weights == null || weights.length == 0) {
        throw new IllegalArgumentException("positive weights must be non-empty");
      }
      for (int i = 0; i < weights.length; i++) {
        checkWeight(weights[i], i);
      }
      this.positiveWeights = Arrays.copyOf(weights, weights.length);
      this.positiveWeight = 1f;
      return this;
    }

    private static void checkWeight(float weight, int label) {
      if (!(weight > 0) || Float.isInfinite(weight)) {
        throw new IllegalArgumentException(
            "positive weight must be finite and > 0, got "
                + weight
                + (label >= 0 ? " for label " + label : ""));
      }
    }

    /**
     * Builds the loss.
     *
     * @return a new immutable loss
     */
    public FusedSigmoidCrossEntropyLoss build() {
      return new FusedSigmoidCrossEntropyLoss(this);
    }
  }
}
