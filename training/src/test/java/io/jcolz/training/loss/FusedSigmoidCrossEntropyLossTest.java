package io.jcolz.training.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FusedSigmoidCrossEntropyLossTest {

  /** Logits where naive formulas overflow, cancel or underflow. */
  private static final double[] SPECIAL = {
    1e4, -1e4, 1e-8, -1e-8, 0, 1e-30, -1e-30, 15, -15, 20, -20, 30, -30, 88, -88, 1e3, -1e3, 0.5,
    -0.5, 1e30, -1e30
  };

  private static NDManager manager;

  @BeforeAll
  static void engine() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  // ---------------------------------------------------------------- float64 reference

  /** ℓ(x,t) in double, term by term as documented: p·t·softplus(−x) + (1−t)·softplus(x). */
  static double referenceElement(double x, double t, double p) {
    double softplusNeg = Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    double softplusPos = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    return p * t * softplusNeg + (1 - t) * softplusPos;
  }

  static double referenceMean(float[] x, float[] t, int labels, float[] p, double eps) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      double target = t[i] * (1 - eps) + eps / 2;
      sum += referenceElement(x[i], target, p == null ? 1 : p[i % labels]);
    }
    return sum / x.length;
  }

  /** ((1 − t + p·t)·σ(x) − p·t)/n, written as (1 − t)·σ(x) − p·t·σ(−x) so as not to cancel. */
  static double referenceGrad(double x, double t, double p, long n) {
    double sigmoid = 1 / (1 + Math.exp(-x));
    double sigmoidOfMinusX = 1 / (1 + Math.exp(x));
    return ((1 - t) * sigmoid - p * t * sigmoidOfMinusX) / n;
  }

  /**
   * Error allowed in a computed gradient element: float32 rounding of σ(x) and of the weighted
   * terms, i.e. a few ulps of the terms' scale — not of their difference, which cancels when a
   * prediction is confidently right (the same holds for PyTorch's own BCEWithLogits backward).
   */
  static double gradTolerance(double x, double t, double p, long n) {
    double s = 1 / (1 + Math.exp(-x));
    return 1e-6 * ((1 - t + p * t) * s + p * t) / n + 1e-15;
  }

  private static void assertRelative(double expected, double actual, double tol, String what) {
    assertTrue(Double.isFinite(actual), what + ": not finite: " + actual);
    // below float32's normal range relative error is meaningless: compare absolutely there
    double err = Math.abs(actual - expected);
    double bound = Math.max(tol * Math.abs(expected), Float.MIN_NORMAL);
    assertTrue(
        err <= bound,
        what
            + ": expected "
            + expected
            + " actual "
            + actual
            + " relative error "
            + err / Math.abs(expected));
  }

  /** Random logits over many magnitudes, with the special values sprinkled in. */
  private static float[] randomLogits(Random random, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] =
          switch (random.nextInt(4)) {
            case 0 -> (float) SPECIAL[random.nextInt(SPECIAL.length)];
            case 1 -> (float) (random.nextGaussian() * 3);
            case 2 ->
                (float)
                    (Math.signum(random.nextGaussian())
                        * Math.pow(10, -8 + 12 * random.nextDouble()));
            default -> (float) (random.nextGaussian() * 1e-6);
          };
    }
    return x;
  }

  private static float[] randomTargets(Random random, int n, double positiveRate) {
    float[] t = new float[n];
    for (int i = 0; i < n; i++) {
      t[i] = random.nextDouble() < positiveRate ? 1f : 0f;
    }
    return t;
  }

  /**
   * The ways a binary target reaches the loss. Floating dense labels take the general form (they
   * may be soft); pairs and boolean / byte multi-hot take the sign form.
   */
  enum Form {
    DENSE_FLOAT,
    PAIRS_INT32,
    PAIRS_INT64,
    BOOLEAN,
    UINT8
  }

  /** The binary row-major target {@code t} ({@code [b, l]}) in the given form. */
  static NDArray labels(NDManager m, float[] t, int b, int l, Form form) {
    Shape shape = new Shape(b, l);
    switch (form) {
      case DENSE_FLOAT:
        return m.create(t, shape);
      case BOOLEAN:
        return m.create(t, shape).toType(DataType.BOOLEAN, false);
      case UINT8:
        return m.create(t, shape).toType(DataType.UINT8, false);
      default:
        int nnz = 0;
        for (float v : t) {
          nnz += v == 1f ? 1 : 0;
        }
        long[] pairs = new long[nnz * 2];
        for (int i = 0, k = 0; i < t.length; i++) {
          if (t[i] == 1f) {
            pairs[k++] = i / l;
            pairs[k++] = i % l;
          }
        }
        NDArray p = m.create(pairs, new Shape(nnz, 2));
        return form == Form.PAIRS_INT64 ? p : p.toType(DataType.INT32, false);
    }
  }

  private static float value(Loss loss, NDArray label, NDArray prediction) {
    try (NDArray v = loss.evaluate(new NDList(label), new NDList(prediction))) {
      return v.getFloat();
    }
  }

  /** Loss value and gradient w.r.t. the logits, through DJL's autograd. */
  private static Object[] valueAndGradient(Loss loss, NDArray label, NDArray logits) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = logits.duplicate();
      x.attach(scope);
      x.setRequiresGradient(true);
      double v;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray l = loss.evaluate(new NDList(label), new NDList(x));
        v = l.toType(DataType.FLOAT64, false).getDouble();
        collector.backward(l);
      }
      NDArray g = x.getGradient().toType(DataType.FLOAT64, false);
      return new Object[] {v, g.toDoubleArray()};
    }
  }

  // ---------------------------------------------------------------- value

  @Test
  void valueMatchesFloat64ReferenceOnRandomAndExtremeLogits() {
    long seed = 20261122L;
    Random random = new Random(seed);
    FusedSigmoidCrossEntropyLoss loss = new FusedSigmoidCrossEntropyLoss();
    FusedSigmoidCrossEntropyLoss weighted =
        FusedSigmoidCrossEntropyLoss.builder().optPositiveWeight(49).build();
    float[] p49 = new float[300];
    java.util.Arrays.fill(p49, 49f);
    for (int trial = 0; trial < 20; trial++) {
      int b = 1 + random.nextInt(16);
      int l = 1 + random.nextInt(300);
      float[] x = randomLogits(random, b * l);
      float[] t = randomTargets(random, b * l, random.nextDouble());
      try (NDManager scope = manager.newSubManager()) {
        NDArray xs = scope.create(x, new Shape(b, l));
        for (Form form : Form.values()) {
          NDArray ts = labels(scope, t, b, l, form);
          String what = "seed=" + seed + " trial=" + trial + " B=" + b + " L=" + l + " " + form;
          assertRelative(referenceMean(x, t, l, null, 0), value(loss, ts, xs), 1e-6, what);
          assertRelative(
              referenceMean(x, t, l, p49, 0), value(weighted, ts, xs), 1e-6, what + " p=49");
        }
      }
    }
  }

  @Test
  void everyExtremeLogitIsAccurateOnItsOwn() {
    // one element per batch: the mean is the element, so this pins per-element accuracy
    FusedSigmoidCrossEntropyLoss plain = new FusedSigmoidCrossEntropyLoss();
    FusedSigmoidCrossEntropyLoss weighted =
        FusedSigmoidCrossEntropyLoss.builder().optPositiveWeight(49).build();
    FusedSigmoidCrossEntropyLoss smoothed =
        FusedSigmoidCrossEntropyLoss.builder().optLabelSmoothing(0.1f).build();
    for (double special : SPECIAL) {
      float x = (float) special;
      for (float t : new float[] {0f, 1f}) {
        for (Form form : Form.values()) {
          try (NDManager scope = manager.newSubManager()) {
            NDArray xs = scope.create(new float[] {x}, new Shape(1, 1));
            NDArray ts = labels(scope, new float[] {t}, 1, 1, form);
            String what = "x=" + x + " t=" + t + " " + form;
            assertRelative(referenceElement(x, t, 1), value(plain, ts, xs), 1e-6, what);
            assertRelative(
                referenceElement(x, t, 49), value(weighted, ts, xs), 1e-6, what + " p=49");
            // smoothing: (1 − t') is 0.05 or 0.95, which float32 holds to 1 ulp
            double ts2 = t * 0.9 + 0.05;
            assertRelative(
                referenceElement(x, ts2, 1), value(smoothed, ts, xs), 2e-6, what + " eps=0.1");
          }
        }
      }
    }
  }

  @Test
  void gradientIsFiniteAndAccurateForExtremeLogits() {
    float[] p = {1, 49, 0.25f};
    FusedSigmoidCrossEntropyLoss[] losses = {
      FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(p).build(),
      FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(p).optLabelSmoothing(0.05f).build(),
    };
    float[] x = new float[SPECIAL.length * 3];
    float[] t = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) SPECIAL[i / 3];
      t[i] = (i / 3 + i) % 2;
    }
    NDArray xs = manager.create(x, new Shape(SPECIAL.length, 3));
    for (FusedSigmoidCrossEntropyLoss loss : losses) {
      double eps = loss.getLabelSmoothing();
      for (Form form : Form.values()) {
        NDArray ts = labels(manager, t, SPECIAL.length, 3, form);
        Object[] vg = valueAndGradient(loss, ts, xs);
        assertTrue(Double.isFinite((double) vg[0]), form + " " + loss);
        double[] g = (double[]) vg[1];
        for (int i = 0; i < g.length; i++) {
          double target = t[i] * (1 - eps) + eps / 2;
          double expected = referenceGrad(x[i], target, p[i % 3], x.length);
          String what = form + " " + loss + " x=" + x[i] + " t=" + t[i];
          assertTrue(Double.isFinite(g[i]), what);
          assertEquals(expected, g[i], gradTolerance(x[i], target, p[i % 3], x.length), what);
        }
      }
    }
  }

  @Test
  void signFormGradientIsAccurateRelativeToItselfEvenWhenConfident() {
    // binary labels without smoothing: g = W·s·σ(s·x) has no cancellation, so it is
    // accurate to float32 precision relative to its own size — also at x = 15, t = 1,
    // where σ(x) − 1 would round to 0
    float[] x = {15f, -15f, 30f, -30f, 80f, -80f, 3f, -3f, 0f, 1e-8f};
    float[] t = {1f, 0f, 1f, 0f, 1f, 0f, 1f, 0f, 1f, 1f};
    float[] p = {2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f};
    NDArray xs = manager.create(x, new Shape(1, 10));
    for (Form form : new Form[] {Form.PAIRS_INT32, Form.PAIRS_INT64, Form.BOOLEAN}) {
      for (float[] weights : new float[][] {null, p}) {
        FusedSigmoidCrossEntropyLoss loss =
            weights == null
                ? new FusedSigmoidCrossEntropyLoss()
                : FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(p).build();
        double[] g = (double[]) valueAndGradient(loss, labels(manager, t, 1, 10, form), xs)[1];
        for (int i = 0; i < x.length; i++) {
          double expected = referenceGrad(x[i], t[i], weights == null ? 1 : p[i], 10);
          assertEquals(
              expected,
              g[i],
              1e-6 * Math.abs(expected),
              form + " x=" + x[i] + " t=" + t[i] + " weights=" + (weights != null));
        }
      }
    }
  }

  // ---------------------------------------------------------------- hand-computed pins

  private static final float[] X_PIN = {0f, 2f, -1f, 3f};
  private static final float[] T_PIN = {1f, 0f, 0f, 1f};

  private void assertPinned(
      FusedSigmoidCrossEntropyLoss loss, double value, double[] gradient, String what) {
    NDArray x = manager.create(X_PIN, new Shape(2, 2));
    for (Form form : Form.values()) {
      NDArray t = labels(manager, T_PIN, 2, 2, form);
      Object[] vg = valueAndGradient(loss, t, x);
      assertEquals(value, (double) vg[0], 1e-6, what + " value " + form);
      assertArrayEquals(gradient, (double[]) vg[1], 1e-7, what + " gradient " + form);
    }
  }

  @Test
  void plainLossPinnedToHandComputedValues() {
    // ℓ(0,1) = ln 2 = 0.6931471806; ℓ(2,0) = softplus(2) = 2.1269280110;
    // ℓ(−1,0) = softplus(−1) = 0.3132616875; ℓ(3,1) = softplus(−3) = 0.0485873516
    // mean = 3.1819242307 / 4; gradient (σ(x) − t)/4 with σ(2) = 0.8807970780,
    // σ(−1) = 0.2689414214, σ(3) = 0.9525741268
    assertPinned(
        new FusedSigmoidCrossEntropyLoss(),
        0.7954810577,
        new double[] {-0.125, 0.2201992695, 0.0672353553, -0.0118564683},
        "plain");
  }

  @Test
  void positiveWeightsPinnedToHandComputedValues() {
    // p = [3, 0.5] by column. ℓ = p·t·softplus(−x) + (1−t)·softplus(x):
    // ℓ(0,1,p=3) = 3 ln 2 = 2.0794415417; ℓ(2,0) = 2.1269280110; ℓ(−1,0) = 0.3132616875;
    // ℓ(3,1,p=.5) = 0.5·softplus(−3) = 0.0242936758; mean = 1.1359812290.
    // gradient ((1−t+p·t)·σ(x) − p·t)/4: (3·0.5 − 3)/4 = −0.375; σ(2)/4; σ(−1)/4;
    // (0.5·σ(3) − 0.5)/4 = −0.0059282341
    FusedSigmoidCrossEntropyLoss loss =
        FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(new float[] {3f, 0.5f}).build();
    assertPinned(
        loss,
        1.1359812290,
        new double[] {-0.375, 0.2201992695, 0.0672353553, -0.0059282341},
        "weights");
  }

  @Test
  void labelSmoothingPinnedToHandComputedValues() {
    // ε = 0.1: t' = 0.95 for positives, 0.05 for negatives; ℓ = softplus(x) − x·t'
    // ℓ(0,.95) = ln 2 = 0.6931471806; ℓ(2,.05) = 2.1269280110 − 0.1 = 2.0269280110;
    // ℓ(−1,.05) = 0.3132616875 + 0.05 = 0.3632616875;
    // ℓ(3,.95) = softplus(3) − 2.85 = 0.1985873516; mean = 0.8204810577
    // gradient (σ(x) − t')/4
    FusedSigmoidCrossEntropyLoss loss =
        FusedSigmoidCrossEntropyLoss.builder().optLabelSmoothing(0.1f).build();
    assertPinned(
        loss,
        0.8204810577,
        new double[] {-0.1125, 0.2076992695, 0.0547353553, 0.0006435317},
        "smoothing");
  }

  @Test
  void weightsAndSmoothingTogetherPinnedToHandComputedValues() {
    // ε = 0.2 (t' = 0.9 / 0.1), p = [3, 0.5] applied to t':
    // ℓ(0,.9,3) = 2.7·ln 2 + 0.1·ln 2 = 1.9408121056; ℓ(2,.1,.5) = 0.05·softplus(−2)
    // + 0.9·softplus(2) = 1.9205816105; ℓ(−1,.1,3) = 0.3·softplus(1) + 0.9·softplus(−1)
    // = 0.6759140250; ℓ(3,.9,.5) = 0.45·softplus(−3) + 0.1·softplus(3) = 0.3267230434
    FusedSigmoidCrossEntropyLoss loss =
        FusedSigmoidCrossEntropyLoss.builder()
            .optPositiveWeights(new float[] {3f, 0.5f})
            .optLabelSmoothing(0.2f)
            .build();
    assertPinned(
        loss,
        1.2160076961,
        new double[] {-0.325, 0.1966893060, 0.0056824264, 0.0184789424},
        "both");
  }

  @Test
  void uniformWeightEqualsPerLabelWeightsAndUnitWeightEqualsPlain() {
    long seed = 7;
    Random random = new Random(seed);
    float[] x = randomLogits(random, 6 * 9);
    float[] t = randomTargets(random, x.length, 0.3);
    NDArray xs = manager.create(x, new Shape(6, 9));
    float[] fives = new float[9];
    float[] ones = new float[9];
    java.util.Arrays.fill(fives, 5f);
    java.util.Arrays.fill(ones, 1f);
    double reference = referenceMean(x, t, 9, fives, 0);
    for (Form form : Form.values()) {
      String what = "seed=" + seed + " " + form;
      NDArray ts = labels(manager, t, 6, 9, form);
      Object[] uniform =
          valueAndGradient(
              FusedSigmoidCrossEntropyLoss.builder().optPositiveWeight(5).build(), ts, xs);
      Object[] perLabel =
          valueAndGradient(
              FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(fives).build(), ts, xs);
      assertEquals((double) uniform[0], (double) perLabel[0], 1e-7, what);
      assertArrayEquals((double[]) uniform[1], (double[]) perLabel[1], 1e-12, what);

      Object[] plain = valueAndGradient(new FusedSigmoidCrossEntropyLoss(), ts, xs);
      Object[] unit =
          valueAndGradient(
              FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(ones).build(), ts, xs);
      assertRelative((double) plain[0], (double) unit[0], 1e-6, what);
      assertArrayEquals((double[]) plain[1], (double[]) unit[1], 1e-9, what);
      assertRelative(reference, (double) uniform[0], 1e-6, what);
    }
  }

  // ---------------------------------------------------------------- gradient

  @Test
  void gradientIsTheClosedFormSigmoidMinusTarget() {
    // the surrogate's backward is g·(1/n) with g = σ(x) − t computed by the engine's own
    // sigmoid; compare with exactly that, elementwise, over extreme and random logits
    long seed = 11;
    Random random = new Random(seed);
    float[] x = randomLogits(random, 17 * 23);
    float[] t = randomTargets(random, x.length, 0.2);
    NDArray xs = manager.create(x, new Shape(17, 23));
    NDArray ts = manager.create(t, new Shape(17, 23));
    double[] grad = (double[]) valueAndGradient(new FusedSigmoidCrossEntropyLoss(), ts, xs)[1];
    float[] expected = ai.djl.nn.Activation.sigmoid(xs).sub(ts).mul(1f / x.length).toFloatArray();
    for (int i = 0; i < grad.length; i++) {
      assertEquals(
          expected[i],
          grad[i],
          Math.ulp(expected[i]) * 2,
          "seed=" + seed + " x=" + x[i] + " t=" + t[i]);
      assertEquals(
          referenceGrad(x[i], t[i], 1, x.length),
          grad[i],
          gradTolerance(x[i], t[i], 1, x.length),
          "seed=" + seed + " x=" + x[i]);
    }
  }

  @Test
  void gradientMatchesFiniteDifferencesInFloat64() {
    long seed = 99;
    Random random = new Random(seed);
    int b = 3;
    int l = 5;
    float[] weights = {1f, 4f, 0.5f, 49f, 2f};
    FusedSigmoidCrossEntropyLoss[] losses = {
      new FusedSigmoidCrossEntropyLoss(),
      FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(weights).build(),
      FusedSigmoidCrossEntropyLoss.builder()
          .optPositiveWeights(weights)
          .optLabelSmoothing(0.1f)
          .build(),
    };
    double[] x = new double[b * l];
    double[] t = new double[b * l];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextGaussian() * 4;
      t[i] = random.nextBoolean() ? 1 : 0;
    }
    x[0] = 0; // the kink of max(x,0) and |x|: the true derivative is σ(0) − t
    x[7] = 0;
    x[3] = 1e-9;
    float[] tf = new float[t.length];
    for (int i = 0; i < t.length; i++) {
      tf[i] = (float) t[i];
    }
    for (FusedSigmoidCrossEntropyLoss loss : losses) {
      for (Form form : Form.values()) {
        try (NDManager scope = manager.newSubManager()) {
          NDArray xs = scope.create(x, new Shape(b, l));
          NDArray ts =
              form == Form.DENSE_FLOAT
                  ? scope.create(t, new Shape(b, l)) // float64 targets
                  : labels(scope, tf, b, l, form);
          double[] grad = (double[]) valueAndGradient(loss, ts, xs)[1];
          double h = 1e-6;
          for (int i = 0; i < x.length; i++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[i] += h;
            minus[i] -= h;
            double fPlus = value64(loss, scope.create(plus, new Shape(b, l)), ts);
            double fMinus = value64(loss, scope.create(minus, new Shape(b, l)), ts);
            double numeric = (fPlus - fMinus) / (2 * h);
            assertEquals(
                numeric,
                grad[i],
                1e-8,
                "seed=" + seed + " " + loss + " " + form + " element " + i + " x=" + x[i]);
          }
        }
      }
    }
  }

  private static double value64(Loss loss, NDArray x, NDArray t) {
    try (NDArray v = loss.evaluate(new NDList(t), new NDList(x))) {
      assertEquals(DataType.FLOAT64, v.getDataType());
      return v.getDouble();
    }
  }

  @Test
  void valueAndGradientMatchDjlSigmoidBinaryCrossEntropyUnderAutograd() {
    long seed = 1234;
    Random random = new Random(seed);
    int b = 8;
    int l = 40;
    float[] x = new float[b * l];
    for (int i = 0; i < x.length; i++) {
      do {
        x[i] = (float) (random.nextGaussian() * 5);
      } while (x[i] == 0f);
    }
    float[] t = randomTargets(random, x.length, 0.25);
    NDArray xs = manager.create(x, new Shape(b, l));
    Object[] djl =
        valueAndGradient(
            Loss.sigmoidBinaryCrossEntropyLoss(), manager.create(t, new Shape(b, l)), xs);
    double[] gDjl = (double[]) djl[1];
    for (Form form : Form.values()) {
      Object[] ours =
          valueAndGradient(new FusedSigmoidCrossEntropyLoss(), labels(manager, t, b, l, form), xs);
      assertEquals(
          (double) djl[0], (double) ours[0], 1e-6 * (double) djl[0], "seed=" + seed + " " + form);
      double[] gOurs = (double[]) ours[1];
      for (int i = 0; i < gOurs.length; i++) {
        assertEquals(
            gDjl[i],
            gOurs[i],
            gradTolerance(x[i], t[i], 1, x.length),
            "seed=" + seed + " " + form + " element " + i + " x=" + x[i] + " t=" + t[i]);
      }
    }
  }

  @Test
  void atZeroLogitsTheClosedFormDiffersFromAutogradsSubgradient() {
    // DJL's formula differentiated by autograd uses relu'(0) = 0 and sign(0) = 0, so it
    // reports −t at x = 0; the true derivative is σ(0) − t = 0.5 − t. This is the
    // observable proof that the fused loss does not differentiate the elementwise ops.
    NDArray xs = manager.zeros(new Shape(1, 2));
    float[] t = {1f, 0f};
    double[] djl =
        (double[])
            valueAndGradient(
                Loss.sigmoidBinaryCrossEntropyLoss(), manager.create(t, new Shape(1, 2)), xs)[1];
    assertArrayEquals(new double[] {-0.5, 0.0}, djl, 1e-9);
    for (Form form : Form.values()) {
      double[] ours =
          (double[])
              valueAndGradient(
                  new FusedSigmoidCrossEntropyLoss(), labels(manager, t, 1, 2, form), xs)[1];
      assertArrayEquals(new double[] {-0.25, 0.25}, ours, 1e-9, form.toString());
    }
  }

  @Test
  void gradientReachesParametersThroughANonLeafPrediction() {
    // a model's logits are not leaves; DJL's hasGradient() is false for them, which must
    // not stop the gradient (the loss once skipped its surrogate on that signal)
    NDArray w = manager.create(new float[] {0.5f, -2f, 1f, 3f}, new Shape(2, 2));
    NDArray input = manager.create(new float[] {1f, 2f, -1f, 0.5f}, new Shape(2, 2));
    NDArray t = manager.create(T_PIN, new Shape(2, 2));
    try (NDManager scope = manager.newSubManager()) {
      NDArray leaf = w.duplicate();
      leaf.attach(scope);
      leaf.setRequiresGradient(true);
      NDArray expectedGrad;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray logits = input.matMul(leaf); // non-leaf
        assertFalse(logits.hasGradient(), "DJL quirk this test guards against");
        NDArray l = new FusedSigmoidCrossEntropyLoss().evaluate(new NDList(t), new NDList(logits));
        collector.backward(l);
        // chain rule by hand: dL/dW = inputᵀ · (σ(logits) − t)/n
        NDArray g = ai.djl.nn.Activation.sigmoid(logits.stopGradient()).sub(t).div(4f);
        expectedGrad = input.transpose().matMul(g);
      }
      assertArrayEquals(expectedGrad.toFloatArray(), leaf.getGradient().toFloatArray(), 1e-7f);
    }
  }

  @Test
  void withoutAutogradTheValueIsReturnedAndNoGradientIsNeeded() {
    NDArray x = manager.create(X_PIN, new Shape(2, 2));
    NDArray t = manager.create(T_PIN, new Shape(2, 2));
    assertFalse(x.hasGradient());
    assertEquals(0.7954810577, value(new FusedSigmoidCrossEntropyLoss(), t, x), 1e-6);
  }

  @Test
  void lossHasThePredictionsTypeAndManager() {
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = scope.create(X_PIN, new Shape(2, 2));
      NDArray t = scope.create(T_PIN, new Shape(2, 2));
      NDArray v = new FusedSigmoidCrossEntropyLoss().evaluate(new NDList(t), new NDList(x));
      assertEquals(DataType.FLOAT32, v.getDataType());
      assertEquals(new Shape(), v.getShape());
      assertEquals(scope, v.getManager());
      assertEquals(scope, x.getManager(), "the prediction is returned to its manager");
      assertEquals(scope, t.getManager(), "the label is returned to its manager");
      assertFalse(x.isReleased());
      assertFalse(t.isReleased());
    }
  }

  // ---------------------------------------------------------------- label forms

  @Test
  void everyLabelFormGivesTheSameValueAndGradient() {
    long seed = 5;
    Random random = new Random(seed);
    int b = 6;
    int l = 31;
    float[] x = randomLogits(random, b * l);
    float[] dense = new float[b * l];
    int nnz = 25;
    int[] pairs = new int[nnz * 2];
    for (int k = 0; k < nnz; k++) {
      pairs[2 * k] = random.nextInt(b);
      pairs[2 * k + 1] = random.nextInt(l);
      dense[pairs[2 * k] * l + pairs[2 * k + 1]] = 1f;
    }
    NDArray xs = manager.create(x, new Shape(b, l));
    NDArray withRepeats = manager.create(pairs, new Shape(nnz, 2)); // pairs may repeat
    float[] weights = new float[l];
    for (int j = 0; j < l; j++) {
      weights[j] = 0.5f + j;
    }
    FusedSigmoidCrossEntropyLoss[] losses = {
      new FusedSigmoidCrossEntropyLoss(),
      FusedSigmoidCrossEntropyLoss.builder().optPositiveWeight(3).build(),
      FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(weights).build(),
      FusedSigmoidCrossEntropyLoss.builder().optPositiveWeight(3).optLabelSmoothing(0.05f).build(),
    };
    for (FusedSigmoidCrossEntropyLoss loss : losses) {
      Object[] reference = valueAndGradient(loss, manager.create(dense, new Shape(b, l)), xs);
      double[] gRef = (double[]) reference[1];
      float[] p = loss.getPositiveWeights();
      double eps = loss.getLabelSmoothing();
      java.util.List<NDArray> forms = new java.util.ArrayList<>();
      forms.add(withRepeats);
      for (Form form : Form.values()) {
        forms.add(labels(manager, dense, b, l, form));
      }
      for (NDArray ts : forms) {
        String what = "seed=" + seed + " " + loss + " " + ts.getDataType() + " " + ts.getShape();
        Object[] other = valueAndGradient(loss, ts, xs);
        assertRelative((double) reference[0], (double) other[0], 1e-6, what);
        double[] g = (double[]) other[1];
        for (int i = 0; i < g.length; i++) {
          double target = dense[i] * (1 - eps) + eps / 2;
          double pi = p != null ? p[i % l] : loss.getPositiveWeight();
          assertEquals(
              gRef[i], g[i], gradTolerance(x[i], target, pi, x.length), what + " element " + i);
        }
      }
    }
  }

  @Test
  void badInputsAreRejectedWithActualVersusExpected() {
    FusedSigmoidCrossEntropyLoss loss = new FusedSigmoidCrossEntropyLoss();
    NDArray x = manager.create(X_PIN, new Shape(2, 2));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> loss.evaluate(new NDList(manager.ones(new Shape(2, 3))), new NDList(x)));
    assertTrue(
        e.getMessage().contains("(2, 3)") && e.getMessage().contains("(2, 2)"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                loss.evaluate(
                    new NDList(manager.create(new int[] {0, 1, 2}, new Shape(1, 3))),
                    new NDList(x)));
    assertTrue(e.getMessage().contains("[nnz, 2]"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                loss.evaluate(
                    new NDList(manager.create(new int[] {0, 2}, new Shape(1, 2))), new NDList(x)));
    assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                loss.evaluate(
                    new NDList(manager.ones(new Shape(4))),
                    new NDList(manager.ones(new Shape(4)))));
    assertTrue(e.getMessage().contains("[batch, labels]"), e.getMessage());
    FusedSigmoidCrossEntropyLoss threeLabels =
        FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(new float[] {1, 2, 3}).build();
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> threeLabels.evaluate(new NDList(manager.ones(new Shape(2, 2))), new NDList(x)));
    assertTrue(
        e.getMessage().contains("3 labels") && e.getMessage().contains("has 2"), e.getMessage());
  }

  @Test
  void builderRejectsNonsense() {
    var builder = FusedSigmoidCrossEntropyLoss.builder();
    assertThrows(IllegalArgumentException.class, () -> builder.optLabelSmoothing(1f));
    assertThrows(IllegalArgumentException.class, () -> builder.optLabelSmoothing(-0.1f));
    assertThrows(IllegalArgumentException.class, () -> builder.optLabelSmoothing(Float.NaN));
    assertThrows(IllegalArgumentException.class, () -> builder.optPositiveWeight(0f));
    assertThrows(
        IllegalArgumentException.class, () -> builder.optPositiveWeight(Float.POSITIVE_INFINITY));
    assertThrows(
        IllegalArgumentException.class,
        () -> builder.optPositiveWeights(new float[] {1f, Float.NaN}));
    assertThrows(IllegalArgumentException.class, () -> builder.optPositiveWeights(new float[0]));
    float[] weights = {2f, 3f};
    FusedSigmoidCrossEntropyLoss loss = builder.optPositiveWeights(weights).build();
    weights[0] = 100f;
    assertArrayEquals(new float[] {2f, 3f}, loss.getPositiveWeights(), "weights are copied");
    assertNotEquals(loss.toString(), new FusedSigmoidCrossEntropyLoss().toString());
  }
}
