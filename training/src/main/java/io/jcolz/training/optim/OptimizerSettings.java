package io.jcolz.training.optim;

import ai.djl.training.optimizer.Optimizer;
import java.util.Locale;

/**
 * What an optimizer is, kept in checkpoints so a resumed run rebuilds the same one: the kind
 * ({@code sgd} with momentum, or {@code adam}), peak learning rate, momentum, weight decay and
 * the warm-up + cosine schedule ({@link WarmupCosineTracker}; the rate decays to {@link
 * #FINAL_FRACTION} of the peak).
 *
 * <p>Weight decay is DJL's: an L2 term {@code wd·w} added to every parameter's gradient (batch
 * norm and biases included) before the update — for Adam this is Adam with L2, not AdamW.
 * Gradients are clipped to ±{@link #CLIP_GRADIENT} elementwise (a guard against a rare bad
 * batch; no effect in normal steps).
 *
 * <p>Thread-safety: immutable.
 *
 * @param kind {@code sgd} or {@code adam}
 * @param learningRate peak learning rate
 * @param momentum SGD momentum (ignored by Adam)
 * @param weightDecay L2 weight decay
 * @param warmupSteps linear warm-up steps
 * @param totalSteps steps of the whole schedule
 */
public record OptimizerSettings(
        String kind, float learningRate, float momentum, float weightDecay, long warmupSteps, long totalSteps) {
    /** The final learning rate as a fraction of the peak. */
    public static final float FINAL_FRACTION = 0.01f;
    /** Elementwise gradient clip. */
    public static final float CLIP_GRADIENT = 10f;

    /** Validates. */
    public OptimizerSettings {
        kind = kind.toLowerCase(Locale.ROOT);
        if (!kind.equals("sgd") && !kind.equals("adam")) {
            throw new IllegalArgumentException("optimizer must be sgd or adam, got '" + kind + "'");
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("warm-up " + warmupSteps + " and total " + totalSteps + " steps");
        }
        warmupSteps = Math.min(warmupSteps, totalSteps);
    }

    /**
     * The learning-rate schedule, continued after {@code stepsDone} steps.
     *
     * @param stepsDone steps already taken
     * @return the tracker
     */
    public WarmupCosineTracker schedule(long stepsDone) {
        return new WarmupCosineTracker(learningRate, learningRate * FINAL_FRACTION, warmupSteps, totalSteps, stepsDone);
    }

    /**
     * Builds a fresh DJL optimizer (zero momentum / moments) continuing the schedule.
     *
     * @param stepsDone steps already taken
     * @return the optimizer
     */
    public Optimizer build(long stepsDone) {
        WarmupCosineTracker lr = schedule(stepsDone);
        if (kind.equals("adam")) {
            return Optimizer.adam().optLearningRateTracker(lr).optWeightDecays(weightDecay)
                    .optClipGrad(CLIP_GRADIENT).build();
        }
        return Optimizer.sgd().setLearningRateTracker(lr).optMomentum(momentum).optWeightDecays(weightDecay)
                .optClipGrad(CLIP_GRADIENT).build();
    }
}
