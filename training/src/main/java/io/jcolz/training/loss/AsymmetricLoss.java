package io.jcolz.training.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.loss.Loss;
import java.util.SplittableRandom;

/**
 * Multi-label loss on raw logits for partial, soft labels: masked sigmoid cross-entropy with soft
 * targets, the Asymmetric Loss (ASL, Ridnik et al., ICCV 2021) and focal loss as its symmetric
 * case, with per-element weights (weight 0 = unknown label, excluded) and optional seeded negative
 * sub-sampling. Fused: the value and a closed-form gradient are computed in one pass on the
 * prediction's device, and autograd records only one dot product (the surrogate of {@link
 * FusedSigmoidCrossEntropyLoss}).
 *
 * <h2>Value</h2>
 *
 * With {@code p = σ(x)}, {@code q = σ(−x) = 1 − p}, target {@code y ∈ [0, 1]}, weight {@code m ≥
 * 0}, probability margin (clip) {@code c ∈ [0, 1)} and focusing parameters {@code γ+, γ− ≥ 0}:
 *
 * <pre>
 *   r   = max(p − c, 0)                      (the shifted probability of a negative; r = p if c = 0)
 *   S   = y·softplus(−x) + (1 − y)·(−log1p(−r))         (= −y·log p − (1 − y)·log p_m, p_m = 1 − r)
 *   a   = y·q + (1 − y)·r                                 (= 1 − p_t)
 *   γ   = γ+·y + γ−·(1 − y)
 *   ℓ   = m·S·a^γ
 *   loss = Σℓ / (B·L)
 * </pre>
 *
 * This is the official ASL formula (Alibaba-MIIL {@code AsymmetricLoss}: {@code p_m = min(1 − p +
 * c, 1)}, {@code one_sided_w = (1 − p_t)^γ}), written so that nothing cancels: {@code −log p} is
 * {@code softplus(−x)}, exact for any logit, where the official code clamps {@code p} at {@code
 * 1e-8} (so the two agree for logits above about −18). Special cases: {@code γ+ = γ− = 0, c = 0} is
 * sigmoid cross-entropy with soft targets ({@code ℓ = m·(max(x,0) − x·y + log1p(e^{−|x|}))});
 * {@code γ+ = γ− = γ, c = 0} is focal loss (Lin et al.) without α. The mean is over all {@code B·L}
 * elements, unknown ones included, so with all weights 1 and {@code γ = 0} the value equals {@link
 * FusedSigmoidCrossEntropyLoss}'s.
 *
 * <h2>Gradient</h2>
 *
 * With {@code I = [p > c]} and {@code p_m = 1 − r}:
 *
 * <pre>
 *   ∂S/∂x = −y·q + (1 − y)·I·p·q/p_m                  (= −y·q + (1 − y)·p when c = 0)
 *   ∂a/∂x = p·q·((1 − y)·I − y)
 *   ∂ℓ/∂x = m·(∂S/∂x·a^γ + S·γ·a^(γ−1)·∂a/∂x)         (full, the default)
 *   ∂ℓ/∂x = m·∂S/∂x·a^γ                                (detached focal weight)
 * </pre>
 *
 * The detached form is the official code's {@code disable_torch_grad_focal_loss=True} (the focal
 * weight treated as a constant), available with {@link Builder#optDetachFocalWeight}. In {@code
 * a^(γ−1)} the base is clamped below at float32's smallest normal, which changes nothing but a
 * product that is zero anyway ({@code p·q} underflows first) and keeps {@code γ < 1} finite. An
 * element with {@code m = 0} gets a gradient of exactly zero: every other factor is finite for
 * every finite logit (tested from ±1e-8 to ±1e4).
 *
 * <h2>Labels</h2>
 *
 * {@link #evaluate(NDList, NDList)} takes the logits {@code [B, L]} and a label list of one to
 * three arrays, in this order:
 *
 * <ol>
 *   <li><b>target</b>: dense {@code [B, L]} (floating in [0, 1], or boolean / uint8 / int8 where
 *       non-zero is 1), or int32/int64 {@code (row, label)} pairs {@code [nnz, 2]} (target 1 at the
 *       pairs, 0 elsewhere; built on the device);
 *   <li>optionally, only after pairs: <b>per-pair targets</b>, floating {@code [nnz]} (a confidence
 *       per listed positive; a repeated pair takes one of its values);
 *   <li>optionally, <b>weight</b>: dense floating {@code [B, L]} (≥ 0), or int32/int64 pairs {@code
 *       [k, 2]} of the unknown elements (weight 0 there, 1 elsewhere), or — only after pairs — a
 *       floating scalar {@code w} (shape {@code []} or {@code [1]}, ≥ 0): weight 1 at the pairs and
 *       {@code w} everywhere else. The last is the form the loader's sparse targets take ({@code
 *       io.jcolz.loader.Batch#listedPairs}: positives and verified negatives listed, with their
 *       targets; {@code w = 0} when an unlisted label is unknown).
 * </ol>
 *
 * No {@code B×L} array is built on the host for the pair forms.
 *
 * <h2>Negative sub-sampling</h2>
 *
 * With a fraction {@code f ∈ (0, 1)} ({@link Builder#optNegativeFraction}), at each step an element
 * with {@code y = 0} keeps its weight when {@code u < f} and gets weight 0 otherwise; elements with
 * {@code y > 0} are always kept. {@code u = frac(α·i + β)} for the element's row-major index {@code
 * i} in the batch, a Weyl sequence whose {@code α, β} are drawn from the seed and the step ({@link
 * #setStep}): the draws {@code u < f} of a row number {@code f·L} to within two, spread evenly over
 * the row (so a row keeps close to {@code f} of its negatives), a different set each step, the same
 * set for the same (seed, step). It is computed on the device in float64 (no host array, no engine
 * random state touched).
 *
 * <p>Thread-safety: safe to share between threads (the replicas of a step); the only mutable state
 * is the step number, a volatile the training loop sets between steps.
 */
public final class AsymmetricLoss extends Loss {

  private static final float TINY = Float.MIN_NORMAL;

  private final float gammaPos;
  private final float gammaNeg;
  private final float clip;
  private final boolean detachFocalWeight;
  private final float negativeFraction;
  private final long seed;
  private volatile long step;

  private AsymmetricLoss(Builder b) {
    super(b.name);
    gammaPos = b.gammaPos;
    gammaNeg = b.gammaNeg;
    clip = b.clip;
    detachFocalWeight = b.detachFocalWeight;
    negativeFraction = b.negativeFraction;
    seed = b.seed;
  }

  /**
   * Starts a builder with the ASL defaults of the paper and the official code: {@code γ+ = 1},
   * {@code γ− = 4}, clip 0.05, full gradient, no negative sub-sampling.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder for masked sigmoid cross-entropy with soft targets: {@code γ+ = γ− = 0}, clip 0.
   *
   * @return a new builder named "MaskedSCE"
   */
  public static Builder sce() {
    return new Builder().optGammaPos(0).optGammaNeg(0).optClip(0).optName("MaskedSCE");
  }

  /**
   * A builder for focal loss: {@code γ+ = γ− = gamma}, clip 0.
   *
   * @param gamma the focusing parameter, ≥ 0 (Lin et al. use 2)
   * @return a new builder named "Focal"
   */
  public static Builder focal(float gamma) {
    return new Builder().optGammaPos(gamma).optGammaNeg(gamma).optClip(0).optName("Focal");
  }

  /**
   * Returns {@code γ+}.
   *
   * @return the focusing parameter of positives
   */
  public float getGammaPos() {
    return gammaPos;
  }

  /**
   * Returns {@code γ−}.
   *
   * @return the focusing parameter of negatives
   */
  public float getGammaNeg() {
    return gammaNeg;
  }

  /**
   * Returns the probability margin {@code c}.
   *
   * @return the clip, 0 when off
   */
  public float getClip() {
    return clip;
  }

  /**
   * Returns the fraction of negatives kept per step.
   *
   * @return {@code f} in (0, 1], 1 meaning no sub-sampling
   */
  public float getNegativeFraction() {
    return negativeFraction;
  }

  /**
   * Sets the step whose negatives the next evaluations sub-sample (see the class description). The
   * training loop calls it before each step; the replicas of one step read the same value.
   *
   * @param step the global step number, ≥ 0
   */
  public void setStep(long step) {
    this.step = step;
  }

  /**
   * Computes the mean loss with the closed-form gradient attached (see the class description).
   *
   * @param label one to three arrays: target, optional per-pair targets, optional weight
   * @param prediction one array of logits {@code [B, L]}
   * @return a scalar of the prediction's data type, attached to the prediction's manager
   * @throws IllegalArgumentException if the shapes, types or values do not fit
   */
  @Override
  public NDArray evaluate(NDList label, NDList prediction) {
    NDArray x = prediction.singletonOrThrow();
    Shape shape = x.getShape();
    if (shape.dimension() != 2) {
      throw new IllegalArgumentException("prediction must be [batch, labels], got shape " + shape);
    }
    if (!x.getDataType().isFloating()) {
      throw new IllegalArgumentException(
          "prediction must be floating point logits, got " + x.getDataType());
    }
    if (label.isEmpty() || label.size() > 3) {
      throw new IllegalArgumentException(
          "labels must be 1 to 3 arrays (target, [per-pair targets], [weight]), got "
              + label.size());
    }
    DataType type = x.getDataType();
    Number n =
        type == DataType.FLOAT64 ? (Number) (double) shape.size() : (Number) (float) shape.size();
    NDManager owner = x.getManager();
    try (NDManager scope = owner.newSubManager()) {
      x.tempAttach(scope);
      for (NDArray a : label) {
        a.tempAttach(scope);
      }
      NDArray xd = x.stopGradient();
      Labels lab = Labels.of(label, xd, scope);
      NDArray m = lab.weight;
      if (negativeFraction < 1f) {
        NDArray keep = keepMask(xd, lab.target, scope);
        m = m == null ? keep : m.mul(keep);
      }
      NDArray[] sumAndGrad = compute(xd, lab.target, m);
      NDArray d = x.reshape(-1).dot(sumAndGrad[1].reshape(-1));
      NDArray loss = sumAndGrad[0].add(d.sub(d.stopGradient())).div(n);
      loss.attach(owner);
      return loss;
    }
  }

  /** Σℓ and the unscaled gradient, on the detached logits; every temporary lives in scope. */
  private NDArray[] compute(NDArray x, NDArray y, NDArray m) {
    DataType type = x.getDataType();
    NDManager mg = x.getManager();
    NDArray p = Activation.sigmoid(x);
    NDArray q;
    try (NDArray negX = x.neg()) {
      q = Activation.sigmoid(negX);
    }
    NDArray oneMinusY = y.neg().addi(1);
    // S = y·softplus(−x) + (1 − y)·(−log1p(−r)); r = max(p − c, 0)
    NDArray s;
    NDArray dS; // ∂S/∂x
    NDArray r;
    NDArray indicatorPq = null; // I·p·q, only with a clip
    NDArray pq = p.mul(q);
    try (NDArray negX = x.neg();
        NDArray spNeg = Activation.softPlus(negX)) {
      s = spNeg.mul(y);
    }
    if (clip > 0) {
      r = p.sub(clip).maximum(0f);
      try (NDArray negR = r.neg();
          NDArray pm = negR.add(1f);
          NDArray log = log1p(negR)) {
        s.addi(log.negi().muli(oneMinusY));
        NDArray indicator = p.gt(clip).toType(type, false);
        indicatorPq = pq.mul(indicator);
        indicator.close();
        dS = indicatorPq.div(pm).muli(oneMinusY);
      }
    } else {
      r = p;
      try (NDArray sp = Activation.softPlus(x)) {
        s.addi(sp.muli(oneMinusY));
      }
      dS = p.mul(oneMinusY);
    }
    try (NDArray yq = y.mul(q)) {
      dS.subi(yq);
    }
    NDArray grad;
    if (gammaPos == 0 && gammaNeg == 0) {
      grad = dS;
    } else {
      NDArray a = y.mul(q).addi(r.mul(oneMinusY)); // 1 − p_t
      NDArray gamma =
          gammaPos == gammaNeg
              ? mg.full(new Shape(), gammaPos, type)
              : y.mul(gammaPos - gammaNeg).addi(gammaNeg);
      NDArray w = a.pow(gamma);
      grad = dS.mul(w);
      if (!detachFocalWeight) {
        // S·γ·a^(γ−1)·∂a/∂x, ∂a/∂x = p·q·((1 − y)·I − y)
        NDArray da = (indicatorPq != null ? indicatorPq : pq).mul(oneMinusY).subi(pq.mul(y));
        try (NDArray base = a.maximum(TINY);
            NDArray gm1 = gamma.sub(1f);
            NDArray pw = base.pow(gm1)) {
          da.muli(pw).muli(gamma).muli(s);
        }
        grad.addi(da);
        da.close();
      }
      s.muli(w);
      w.close();
      a.close();
    }
    NDArray sum;
    if (m != null) {
      grad.muli(m);
      sum = s.muli(m).sum();
    } else {
      sum = s.sum();
    }
    return new NDArray[] {sum, grad};
  }

  /** log1p(z) by Kahan's trick: log(u)·z/(u − 1) with u = 1 + z, and z where u rounds to 1. */
  private static NDArray log1p(NDArray z) {
    try (NDArray u = z.add(1f);
        NDArray den = u.sub(1f);
        NDArray isOne = den.eq(0f);
        NDArray log = u.log();
        NDArray ratio = z.div(den)) {
      NDArray exact = log.mul(ratio);
      NDArray out = NDArrays.where(isOne, z, exact);
      exact.close();
      return out;
    }
  }

  /**
   * 1 where the element is kept this step (every {@code y > 0}, and negatives with {@code u < f}),
   * else 0; computed on the device.
   */
  private NDArray keepMask(NDArray x, NDArray y, NDManager scope) {
    SplittableRandom random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (step + 1)));
    double alpha = random.nextDouble();
    double beta = random.nextDouble();
    Shape shape = x.getShape();
    NDArray u =
        scope.arange(0, (int) shape.size(), 1, DataType.FLOAT64).toDevice(x.getDevice(), false);
    u.attach(scope);
    u.muli(alpha).addi(beta);
    NDArray frac = u.sub(u.floor());
    NDArray kept = frac.lt(negativeFraction).reshape(shape).logicalOr(y.gt(0));
    return kept.toType(x.getDataType(), false);
  }

  @Override
  public String toString() {
    return "AsymmetricLoss{name="
        + getName()
        + ", gammaPos="
        + gammaPos
        + ", gammaNeg="
        + gammaNeg
        + ", clip="
        + clip
        + (detachFocalWeight ? ", focal weight detached" : "")
        + (negativeFraction < 1 ? ", negativeFraction=" + negativeFraction + ", seed=" + seed : "")
        + '}';
  }

  /** The label arrays on the logits' device: a dense target and an optional dense weight. */
  private record Labels(NDArray target, NDArray weight) {

    static Labels of(NDList label, NDArray x, NDManager scope) {
      Shape shape = x.getShape();
      DataType type = x.getDataType();
      NDArray first = label.get(0);
      int next = 1;
      NDArray target;
      SparseTargets.PairIndex index = null;
      if (isPairs(first)) {
        index = SparseTargets.PairIndex.of(scope, first, shape.get(0), shape.get(1));
        if (label.size() > 1 && label.get(1).getShape().dimension() == 1) {
          NDArray values = label.get(1);
          if (!values.getDataType().isFloating() || values.size() != first.getShape().get(0)) {
            throw new IllegalArgumentException(
                "per-pair targets must be floating [nnz] with nnz = "
                    + first.getShape().get(0)
                    + ", got "
                    + values.getDataType()
                    + " "
                    + values.getShape());
          }
          checkUnit(values, "per-pair targets");
          NDArray v = values.toDevice(x.getDevice(), false).toType(type, false);
          v.attach(scope);
          target = index.fillValues(scope, type, 0f, v);
          next = 2;
        } else {
          target = index.fill(scope, type, 0f, 1f);
        }
      } else {
        target = dense(first, x, scope, "target");
        checkUnit(target, "targets");
      }
      NDArray weight = null;
      if (label.size() > next) {
        NDArray w = label.get(next);
        if (isScalar(w)) {
          if (index == null) {
            throw new IllegalArgumentException(
                "a scalar weight (of the unlisted elements) needs pairs as the target");
          }
          float unlisted = w.toType(DataType.FLOAT32, false).getFloat();
          if (!(unlisted >= 0 && Float.isFinite(unlisted))) {
            throw new IllegalArgumentException(
                "the weight of unlisted elements must be finite and >= 0, got " + unlisted);
          }
          weight = unlisted == 1f ? null : index.fill(scope, type, unlisted, 1f);
        } else if (isPairs(w)) {
          SparseTargets.PairIndex unknown =
              SparseTargets.PairIndex.of(scope, w, shape.get(0), shape.get(1));
          weight = unknown.fill(scope, type, 1f, 0f);
        } else {
          if (!w.getDataType().isFloating()) {
            throw new IllegalArgumentException(
                "weights must be floating [B, L] or int (row, label) pairs of unknowns, got "
                    + w.getDataType());
          }
          weight = dense(w, x, scope, "weight");
          try (NDArray lo = weight.min()) {
            float min = lo.toType(DataType.FLOAT32, false).getFloat();
            if (!(min >= 0)) {
              throw new IllegalArgumentException("weights must be >= 0, got minimum " + min);
            }
          }
        }
        next++;
      }
      if (label.size() > next) {
        throw new IllegalArgumentException(
            "labels must be (target, [per-pair targets], [weight]); got "
                + label.size()
                + " arrays");
      }
      return new Labels(target, weight);
    }

    private static boolean isScalar(NDArray a) {
      return a.getDataType().isFloating() && a.size() == 1 && a.getShape().dimension() <= 1;
    }

    private static boolean isPairs(NDArray a) {
      DataType t = a.getDataType();
      return (t == DataType.INT32 || t == DataType.INT64)
          && a.getShape().dimension() == 2
          && a.getShape().get(1) == 2;
    }

    private static void checkUnit(NDArray t, String what) {
      if (t.size() == 0) {
        return;
      }
      try (NDArray lo = t.min();
          NDArray hi = t.max()) {
        float min = lo.toType(DataType.FLOAT32, false).getFloat();
        float max = hi.toType(DataType.FLOAT32, false).getFloat();
        if (!(min >= 0 && max <= 1)) {
          throw new IllegalArgumentException(
              what + " must be in [0, 1], got range [" + min + ", " + max + "]");
        }
      }
    }

    private static NDArray dense(NDArray y, NDArray x, NDManager scope, String what) {
      DataType type = y.getDataType();
      if (!(type.isFloating()
          || type == DataType.BOOLEAN
          || type == DataType.UINT8
          || type == DataType.INT8)) {
        throw new IllegalArgumentException(
            what
                + " must be dense (floating, boolean, uint8 or int8) [B, L] or int32/int64"
                + " (row, label) pairs [n, 2], got "
                + type
                + " "
                + y.getShape());
      }
      if (!y.getShape().equals(x.getShape())) {
        throw new IllegalArgumentException(
            "dense "
                + what
                + " must have the prediction's shape: actual "
                + y.getShape()
                + " vs expected "
                + x.getShape());
      }
      NDArray t = y;
      if (!t.getDevice().equals(x.getDevice())) {
        t = t.toDevice(x.getDevice(), false);
        t.attach(scope);
      }
      if (!type.isFloating() && type != DataType.BOOLEAN) {
        t = t.neq(0);
        t.attach(scope);
      }
      NDArray typed = t.toType(x.getDataType(), false);
      if (typed != t) {
        typed.attach(scope);
      }
      return typed;
    }
  }

  /**
   * Builder for {@link AsymmetricLoss}, in DJL's builder style.
   *
   * <p>Thread-safety: not thread-safe; build on one thread.
   */
  public static final class Builder {

    private String name = "ASL";
    private float gammaPos = 1f;
    private float gammaNeg = 4f;
    private float clip = 0.05f;
    private boolean detachFocalWeight;
    private float negativeFraction = 1f;
    private long seed;

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
     * Sets {@code γ+}, the focusing parameter of positives.
     *
     * @param gamma finite, in [0, 20]
     * @return this builder
     */
    public Builder optGammaPos(float gamma) {
      this.gammaPos = checkGamma(gamma, "gamma-pos");
      return this;
    }

    /**
     * Sets {@code γ−}, the focusing parameter of negatives.
     *
     * @param gamma finite, in [0, 20]
     * @return this builder
     */
    public Builder optGammaNeg(float gamma) {
      this.gammaNeg = checkGamma(gamma, "gamma-neg");
      return this;
    }

    /**
     * Sets the probability margin {@code c} applied to negatives (0 turns it off).
     *
     * @param clip in [0, 1)
     * @return this builder
     */
    public Builder optClip(float clip) {
      if (!(clip >= 0 && clip < 1)) {
        throw new IllegalArgumentException("clip must be in [0, 1), got " + clip);
      }
      this.clip = clip;
      return this;
    }

    /**
     * Treats the focal weight {@code a^γ} as a constant in the gradient, as the official ASL code
     * does with {@code disable_torch_grad_focal_loss=True}.
     *
     * @param detach true for the detached gradient, false (the default) for the full derivative
     * @return this builder
     */
    public Builder optDetachFocalWeight(boolean detach) {
      this.detachFocalWeight = detach;
      return this;
    }

    /**
     * Keeps only a seeded fraction of each row's negatives per step (positives always kept).
     *
     * @param fraction in (0, 1]; 1 turns sub-sampling off
     * @param seed the seed of the per-step selection
     * @return this builder
     */
    public Builder optNegativeFraction(float fraction, long seed) {
      if (!(fraction > 0 && fraction <= 1)) {
        throw new IllegalArgumentException("negative fraction must be in (0, 1], got " + fraction);
      }
      this.negativeFraction = fraction;
      this.seed = seed;
      return this;
    }

    private static float checkGamma(float gamma, String what) {
      if (!(gamma >= 0 && gamma <= 20)) {
        throw new IllegalArgumentException(what + " must be in [0, 20], got " + gamma);
      }
      return gamma;
    }

    /**
     * Builds the loss.
     *
     * @return a new loss
     */
    public AsymmetricLoss build() {
      return new AsymmetricLoss(this);
    }
  }
}
