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
 * For logits {@code x} and targets {@code t}, both {@code [B, L]}, the loss is the mean over
 * all {@code n = B·L} elements of
 *
 * <pre>
 *   ℓ(x, t) = max(x, 0) − x·t + log1p(exp(−|x|))          (no positive weights)
 *   ℓ(x, t) = p·t·softplus(−x) + (1 − t)·softplus(x)     (positive weight p for the label)
 * </pre>
 *
 * The first line is the second with {@code p = 1}. The weighted form is PyTorch's {@code
 * BCEWithLogitsLoss(pos_weight=p)}: {@code p_j} multiplies only the positive term of label
 * {@code j}, so {@code p_j = 49} makes a positive of label {@code j} count as much as 49
 * negatives (the usual choice is {@code p_j = negatives_j / positives_j}). It is evaluated as
 * {@code w·log1p(exp(−|x|)) + (1 − t)·max(x, 0) + p·t·max(−x, 0)} with {@code w = 1 − t + p·t},
 * every term non-negative, so no term cancels another: the value is finite and accurate to a
 * few float32 ulps per element for logits from ±1e-8 to ±1e4 and beyond (no {@code exp} of a
 * positive number is ever taken).
 *
 * <h2>Label smoothing</h2>
 *
 * With smoothing {@code ε ∈ [0, 1)} every target is first replaced by {@code t' = t·(1 − ε) +
 * ε/2} (a positive becomes {@code 1 − ε/2}, a negative {@code ε/2}: the binary form of
 * Szegedy et al.'s smoothing with two classes per label), and the formulas above use {@code
 * t'}. Positive weights apply to {@code t'}.
 *
 * <h2>Gradient</h2>
 *
 * The gradient with respect to the logits is the closed form
 *
 * <pre>
 *   ∂loss/∂x = ((1 − t + p·t)·σ(x) − p·t) / n          (= (σ(x) − t) / n when p = 1)
 * </pre>
 *
 * computed in one pass from {@code σ(x)}, not by autograd through the elementwise operations of
 * the value. DJL has no hook for a custom backward, so the loss returned is
 *
 * <pre>
 *   loss = v + (s − stopGradient(s)),    s = dot(x, stopGradient(g)) / n
 * </pre>
 *
 * where {@code v} (the value above) and {@code g} (the closed form) are computed on {@code
 * stopGradient(x)}, so autograd records only the dot product. In the forward pass {@code s −
 * stopGradient(s)} is exactly zero, so the result is exactly {@code v}; in the backward pass
 * {@code ∂s/∂x = g/n} and nothing else reaches {@code x}. One consequence: at {@code x = 0} the
 * gradient is {@code σ(0) − t = 0.5 − t}, whereas autograd through {@code max(x,0)} and {@code
 * |x|} (DJL's {@code SigmoidBinaryCrossEntropyLoss}) returns the subgradient {@code −t} there.
 *
 * <h2>Labels</h2>
 *
 * {@link #evaluate(NDList, NDList)} takes the prediction {@code [B, L]} and one label array in
 * either form the jcolz loader produces:
 *
 * <ul>
 *   <li>dense multi-hot {@code [B, L]} of a floating-point type (or boolean / uint8 / int8);
 *   <li>sparse {@code int32}/{@code int64} {@code (row, label)} pairs {@code [nnz, 2]}; the dense
 *       target is built on the prediction's device with {@link SparseTargets#toDense(NDArray,
 *       NDArray)}.
 * </ul>
 *
 * Targets are converted to the prediction's data type, so the loss works in float32 and in
 * float64. Intermediates live in a sub-manager that is closed before {@code evaluate} returns;
 * only the scalar loss is attached to the prediction's manager.
 *
 * <p>Thread-safety: immutable after construction and safe to share between threads; each call
 * uses only the arrays it is given (under DJL's rule of one thread per {@link NDManager}).
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
        this.positiveWeights =
                builder.positiveWeights == null ? null : builder.positiveWeights.clone();
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
            throw new IllegalArgumentException(
                    "prediction must be [batch, labels], got shape " + shape);
        }
        if (!x.getDataType().isFloating()) {
            throw new IllegalArgumentException(
                    "prediction must be floating point logits, got " + x.getDataType());
        }
        long numLabels = shape.get(1);
        if (positiveWeights != null && positiveWeights.length != numLabels) {
            throw new IllegalArgumentException(
                    "positive weights cover " + positiveWeights.length
                            + " labels but the prediction has " + numLabels);
        }
        // a 0-d scalar of the logits' type: a float64 one would promote a float32 loss
        Number n = x.getDataType() == DataType.FLOAT64
                ? (Number) (double) shape.size()
                : (Number) (float) shape.size();
        NDManager owner = x.getManager();
        try (NDManager scope = owner.newSubManager()) {
            x.tempAttach(scope);
            y.tempAttach(scope);
            NDArray t = targets(y, x, scope);
            if (labelSmoothing > 0) {
                t = t.mul(1 - labelSmoothing).addi(labelSmoothing / 2);
            }
            NDArray xd = x.stopGradient();
            NDArray softplusNegAbs = Activation.softPlus(xd.abs().negi()); // log1p(exp(-|x|))
            NDArray elementLoss;
            NDArray grad;
            if (positiveWeights == null && positiveWeight == 1f) {
                // max(x,0) − x·t + log1p(exp(−|x|)); g = σ(x) − t
                elementLoss = Activation.relu(xd).subi(xd.mul(t)).addi(softplusNegAbs);
                grad = Activation.sigmoid(xd).subi(t);
            } else {
                NDArray pt = positiveWeights == null
                        ? t.mul(positiveWeight)
                        : t.mul(weightsLike(x, scope));
                NDArray w = pt.sub(t).addi(1); // 1 − t + p·t
                // w·log1p(exp(−|x|)) + (1 − t)·max(x,0) + p·t·max(−x,0)
                elementLoss = softplusNegAbs.muli(w)
                        .addi(Activation.relu(xd).muli(t.neg().addi(1)))
                        .addi(Activation.relu(xd.neg()).muli(pt));
                grad = Activation.sigmoid(xd).muli(w).subi(pt); // w·σ(x) − p·t
            }
            NDArray value = elementLoss.sum().divi(n);
            // Always attach the surrogate: NDArray.hasGradient() cannot tell whether x is part
            // of a graph (in the PyTorch engine it is false for every non-leaf, e.g. a model's
            // output). Outside a GradientCollector the term is recorded nowhere and adds 0.
            NDArray surrogate = x.reshape(-1).dot(grad.reshape(-1)).div(n);
            NDArray loss = value.add(surrogate.sub(surrogate.stopGradient()));
            loss.attach(owner);
            return loss;
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
        if (!(type.isFloating() || type == DataType.BOOLEAN || type == DataType.UINT8
                || type == DataType.INT8)) {
            throw new IllegalArgumentException(
                    "labels must be dense multi-hot (floating, boolean, uint8 or int8) [B, L] or"
                            + " int32/int64 (row, label) pairs [nnz, 2], got " + type);
        }
        if (!y.getShape().equals(x.getShape())) {
            throw new IllegalArgumentException(
                    "dense labels must have the prediction's shape: actual " + y.getShape()
                            + " vs expected " + x.getShape());
        }
        NDArray t = y;
        if (!t.getDevice().equals(x.getDevice())) {
            t = t.toDevice(x.getDevice(), false);
            t.attach(scope);
        }
        NDArray typed = t.toType(x.getDataType(), false);
        if (typed != t) {
            typed.attach(scope);
        }
        return typed;
    }

    private NDArray weightsLike(NDArray x, NDManager scope) {
        return scope.create(positiveWeights)
                .toDevice(x.getDevice(), false)
                .toType(x.getDataType(), false);
    }

    @Override
    public String toString() {
        return "FusedSigmoidCrossEntropyLoss{name=" + getName()
                + ", labelSmoothing=" + labelSmoothing
                + (positiveWeights == null
                        ? ", positiveWeight=" + positiveWeight
                        : ", positiveWeights=" + positiveWeights.length + " labels, range ["
                                + min(positiveWeights) + ", " + max(positiveWeights) + "]")
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
                throw new IllegalArgumentException(
                        "label smoothing must be in [0, 1), got " + epsilon);
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
                        "positive weight must be finite and > 0, got " + weight
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
