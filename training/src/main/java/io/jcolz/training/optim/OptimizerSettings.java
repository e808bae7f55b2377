package io.jcolz.training.optim;

import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.optimizer.Sgd;
import java.util.Locale;

/**
 * What an optimizer is, kept in checkpoints so a resumed run rebuilds the same one: the kind
 * ({@code sgd} with momentum, or {@code adam}), peak learning rate, momentum, weight decay and the
 * warm-up + cosine schedule ({@link WarmupCosineTracker}; the rate decays to {@link
 * #FINAL_FRACTION} of the peak).
 *
 * <p>Weight decay is DJL's: an L2 term {@code wd·w} added to every parameter's gradient (batch norm
 * and biases included) before the update — for Adam this is Adam with L2, not AdamW. Gradients are
 * clipped elementwise at {@link #CLIP_GRADIENT} from above only: DJL's PyTorch {@code
 * sgdUpdate}/{@code adamUpdate} apply {@code clamp_max}, not a symmetric clip (a guard against a
 * rare bad batch; no effect in normal steps).
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
    String kind,
    float learningRate,
    float momentum,
    float weightDecay,
    long warmupSteps,
    long totalSteps) {
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
      throw new IllegalArgumentException(
          "warm-up " + warmupSteps + " and total " + totalSteps + " steps");
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
    return new WarmupCosineTracker(
        learningRate, learningRate * FINAL_FRACTION, warmupSteps, totalSteps, stepsDone);
  }

  /**
   * Builds a fresh DJL optimizer (zero momentum / moments) continuing the schedule, for one device.
   *
   * @param stepsDone steps already taken
   * @return the optimizer
   */
  public Optimizer build(long stepsDone) {
    return build(stepsDone, 1);
  }

  /**
   * Builds a fresh DJL optimizer (zero momentum / moments) continuing the schedule, for a model
   * whose parameters have {@code devices} copies.
   *
   * <p>DJL's {@code LocalParameterServer} sums the copies' gradients and then calls {@code
   * optimizer.update(id, copy, sum)} once <em>per copy</em>, and {@code Optimizer.updateCount}
   * counts calls (per parameter id, then the maximum over ids), so with D devices the count DJL
   * hands to the learning-rate tracker and to Adam's bias correction grows by D per step, and the
   * copies of the first parameter see different counts within one step. The optimizers built here
   * map DJL's count {@code u} back to the step {@code (u − 1) / D + 1}: the schedule advances once
   * per step, Adam's bias correction uses the step number (matching its moments, which DJL keeps
   * per device copy and updates once per step), and every copy gets the same update.
   *
   * @param stepsDone steps already taken
   * @param devices copies of every parameter (devices of the trainer), ≥ 1
   * @return the optimizer
   */
  public Optimizer build(long stepsDone, int devices) {
    if (devices < 1) {
      throw new IllegalArgumentException("devices must be at least 1, got " + devices);
    }
    WarmupCosineTracker lr = schedule(stepsDone);
    if (kind.equals("adam")) {
      return new PerStepAdam(
          Optimizer.adam()
              .optLearningRateTracker(lr)
              .optWeightDecays(weightDecay)
              .optClipGrad(CLIP_GRADIENT),
          devices);
    }
    return new PerStepSgd(
        Optimizer.sgd()
            .setLearningRateTracker(lr)
            .optMomentum(momentum)
            .optWeightDecays(weightDecay)
            .optClipGrad(CLIP_GRADIENT),
        devices);
  }

  /**
   * Builds the optimizer for a fine-tuning run whose output layer learns {@code headMultiplier}
   * times faster: the parameters whose ids are in {@code headIds} are updated by an optimizer of
   * these settings with learning rate (and final rate) × {@code headMultiplier}, the rest by {@link
   * #build(long, int)}'s. Each keeps its own state (momentum, Adam moments) per parameter, as one
   * optimizer would. With a multiplier of 1 this is {@link #build(long, int)}.
   *
   * @param stepsDone steps already taken (the schedule's position)
   * @param devices see {@link #build(long, int)}
   * @param headIds ids of the output layer's parameters
   * @param headMultiplier the head's learning rate ÷ the backbone's, positive
   * @return the optimizer
   */
  public Optimizer build(
      long stepsDone, int devices, java.util.Set<String> headIds, float headMultiplier) {
    if (headMultiplier == 1f) {
      return build(stepsDone, devices);
    }
    OptimizerSettings head =
        new OptimizerSettings(
            kind, learningRate * headMultiplier, momentum, weightDecay, warmupSteps, totalSteps);
    return new SplitOptimizer(
        build(stepsDone, devices), head.build(stepsDone, devices), java.util.Set.copyOf(headIds));
  }

  /** Routes each parameter to the head's or the backbone's optimizer by id. Not thread-safe. */
  private static final class SplitOptimizer extends Optimizer {
    private final Optimizer backbone;
    private final Optimizer head;
    private final java.util.Set<String> headIds;

    SplitOptimizer(Optimizer backbone, Optimizer head, java.util.Set<String> headIds) {
      super(
          new OptimizerBuilder<>() {
            @Override
            protected OptimizerBuilder self() {
              return this;
            }
          });
      this.backbone = backbone;
      this.head = head;
      this.headIds = headIds;
    }

    @Override
    public void update(
        String parameterId, ai.djl.ndarray.NDArray weight, ai.djl.ndarray.NDArray grad) {
      (headIds.contains(parameterId) ? head : backbone).update(parameterId, weight, grad);
    }
  }

  /**
   * The 1-based step of DJL's 1-based update count {@code update} when every step updates each
   * parameter {@code copies} times.
   *
   * @param update DJL's count, ≥ 1
   * @param copies device copies per parameter, ≥ 1
   * @return the step, ≥ 1
   */
  static int stepOf(int update, int copies) {
    return Math.max(0, update - 1) / copies + 1;
  }

  /** DJL's Adam, counting steps instead of per-copy updates ({@link #build(long, int)}). */
  private static final class PerStepAdam extends Adam {
    private final int copies;

    PerStepAdam(Adam.Builder builder, int copies) {
      super(builder);
      this.copies = copies;
    }

    @Override
    protected int updateCount(String parameterId) {
      return stepOf(super.updateCount(parameterId), copies);
    }
  }

  /** DJL's SGD, counting steps instead of per-copy updates ({@link #build(long, int)}). */
  private static final class PerStepSgd extends Sgd {
    private final int copies;

    PerStepSgd(Sgd.Builder builder, int copies) {
      super(builder);
      this.copies = copies;
    }

    @Override
    protected int updateCount(String parameterId) {
      return stepOf(super.updateCount(parameterId), copies);
    }
  }
}
