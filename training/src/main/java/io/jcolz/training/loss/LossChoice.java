package io.jcolz.training.loss;

import ai.djl.training.loss.Loss;
import java.util.Locale;

/**
 * Which training loss to build, as {@code jcolz train --loss sce|asl|focal --asl-gamma-pos G+
 * --asl-gamma-neg G- --asl-clip C --neg-fraction F} chooses it.
 *
 * <ul>
 *   <li>{@code sce} without sub-sampling: {@link FusedSigmoidCrossEntropyLoss} (positive weights
 *       allowed); with {@code F < 1}, or on labels with a mask: {@link AsymmetricLoss#sce()} (no
 *       positive weights).
 *   <li>{@code asl}: {@link AsymmetricLoss} with {@code γ+}, {@code γ−}, clip (defaults 1, 4,
 *       0.05).
 *   <li>{@code focal}: {@link AsymmetricLoss#focal(float)} with {@code γ = γ−} (clip 0).
 * </ul>
 *
 * Messages name the command-line flags. Thread-safety: immutable.
 *
 * @param kind sce, asl or focal
 * @param gammaPos {@code γ+} of asl
 * @param gammaNeg {@code γ−} of asl, and {@code γ} of focal
 * @param clip the probability margin of asl
 * @param negativeFraction the fraction of negatives kept per step, in (0, 1]
 */
public record LossChoice(
    String kind, float gammaPos, float gammaNeg, float clip, float negativeFraction) {

  /** Plain fused sigmoid cross-entropy, today's default. */
  public static final LossChoice DEFAULT = new LossChoice("sce", 1f, 4f, 0.05f, 1f);

  /**
   * Checks the values.
   *
   * @throws IllegalArgumentException naming the flag, on a value out of range
   */
  public LossChoice {
    kind = kind == null ? "" : kind.toLowerCase(Locale.ROOT);
    if (!kind.equals("sce") && !kind.equals("asl") && !kind.equals("focal")) {
      throw new IllegalArgumentException("--loss must be sce, asl or focal, got '" + kind + "'");
    }
    if (!(gammaPos >= 0 && gammaPos <= 20)) {
      throw new IllegalArgumentException("--asl-gamma-pos must be in [0, 20], got " + gammaPos);
    }
    if (!(gammaNeg >= 0 && gammaNeg <= 20)) {
      throw new IllegalArgumentException("--asl-gamma-neg must be in [0, 20], got " + gammaNeg);
    }
    if (!(clip >= 0 && clip < 1)) {
      throw new IllegalArgumentException("--asl-clip must be in [0, 1), got " + clip);
    }
    if (!(negativeFraction > 0 && negativeFraction <= 1)) {
      throw new IllegalArgumentException(
          "--neg-fraction must be in (0, 1], got " + negativeFraction);
    }
  }

  /**
   * Whether this is the plain fused loss, the only one that takes positive weights.
   *
   * @return true for sce without sub-sampling
   */
  public boolean takesPositiveWeights() {
    return kind.equals("sce") && negativeFraction == 1f;
  }

  /**
   * Builds the loss.
   *
   * @param positiveWeights per-label positive weights, or null
   * @param seed the seed of negative sub-sampling
   * @return a new loss
   * @throws IllegalArgumentException if positive weights are given to a loss that does not take
   *     them
   */
  public Loss build(float[] positiveWeights, long seed) {
    return build(positiveWeights, seed, false);
  }

  /**
   * Builds the loss for labels with or without a mask.
   *
   * @param positiveWeights per-label positive weights, or null
   * @param seed the seed of negative sub-sampling
   * @param masked whether the labels carry soft targets and a mask (a dataset of partial labels):
   *     then {@code sce} is {@link AsymmetricLoss#sce()}, which takes them, and positive weights
   *     are refused
   * @return a new loss
   * @throws IllegalArgumentException if positive weights are given to a loss that does not take
   *     them
   */
  public Loss build(float[] positiveWeights, long seed, boolean masked) {
    if (positiveWeights != null && (masked || !takesPositiveWeights())) {
      throw new IllegalArgumentException(
          masked
              ? "--pos-weight applies to plain labels only, not to partial labels"
              : "--pos-weight applies to --loss sce without --neg-fraction only");
    }
    if (takesPositiveWeights() && !masked) {
      return positiveWeights == null
          ? new FusedSigmoidCrossEntropyLoss()
          : FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(positiveWeights).build();
    }
    AsymmetricLoss.Builder b =
        switch (kind) {
          case "sce" -> AsymmetricLoss.sce();
          case "focal" -> AsymmetricLoss.focal(gammaNeg);
          default ->
              AsymmetricLoss.builder().optGammaPos(gammaPos).optGammaNeg(gammaNeg).optClip(clip);
        };
    if (negativeFraction < 1f) {
      b.optNegativeFraction(negativeFraction, seed);
    }
    return b.build();
  }
}
