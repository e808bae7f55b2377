/**
 * Losses for multi-label training on raw logits.
 *
 * <ul>
 *   <li>{@link io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss}: sigmoid cross-entropy with the
 *       sigmoid inside the loss, a closed-form gradient {@code σ(x) − t}, per-label positive
 *       weights and label smoothing — a DJL {@link ai.djl.training.loss.Loss}.
 *   <li>{@link io.jcolz.training.loss.AsymmetricLoss}: the fused loss for partial, soft labels —
 *       soft targets, per-element weights (0 = unknown, exactly zero gradient), ASL ({@code γ+},
 *       {@code γ−}, clip), focal loss, masked sigmoid cross-entropy and seeded negative
 *       sub-sampling, with a closed-form gradient.
 *   <li>{@link io.jcolz.training.loss.LossChoice}: which loss {@code jcolz train --loss} builds.
 *   <li>{@link io.jcolz.training.loss.SparseTargets}: the loader's sparse {@code (row, label)}
 *       pairs to a dense multi-hot target, built on the device.
 * </ul>
 *
 * <h2>Where the sigmoid goes</h2>
 *
 * The model ends in a linear layer and emits logits. The sigmoid appears only inside the loss
 * (fused, numerically stable) and, for metrics, on the host after the forward pass. A separate
 * sigmoid layer followed by binary cross-entropy on probabilities loses everything beyond {@code
 * |x| ≈ 17} to rounding and takes {@code log(0)} soon after.
 *
 * <h2>Limitations</h2>
 *
 * The loss is computed in the prediction's floating-point type (float32 or float64; half types are
 * promoted by the engine). Predictions must be 2-D {@code [batch, labels]}. Soft (floating) targets
 * and smoothed targets take the general evaluation, a few passes more than the sign form used for
 * binary labels. Logits beyond about 1e36 in magnitude overflow the surrogate's dot product in
 * float32 and give NaN.
 */
package io.jcolz.training.loss;
