package io.jcolz.training.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AsymmetricLossTest {

  private static final double[] SPECIAL = {
    1e4, -1e4, 1e3, -1e3, 88, -88, 30, -30, 17, -17, 3, -3, -2.9444, 0.5, -0.5, 1e-8, -1e-8, 0
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

  // ------------------------------------------------------------ float64 reference (independent)

  /** log σ(x) in double without overflow. */
  private static double logSigmoid(double x) {
    return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
  }

  /**
   * One element of ASL as the official code states it (p_m = min(1 − p + c, 1), pt, one-sided γ),
   * in double, with log p from {@link #logSigmoid} instead of a clamp.
   */
  static double reference(double x, double y, double gp, double gn, double c) {
    double p = 1 / (1 + Math.exp(-x));
    double oneMinusP = 1 / (1 + Math.exp(x));
    double pm = Math.min(oneMinusP + c, 1);
    double logPm = c > 0 ? Math.log(pm) : logSigmoid(-x);
    double ce = y * logSigmoid(x) + (1 - y) * logPm;
    double pt = y * p + (1 - y) * pm;
    double oneMinusPt = y * oneMinusP + (1 - y) * (1 - pm);
    double gamma = gp * y + gn * (1 - y);
    double w = (gp == 0 && gn == 0) ? 1 : Math.pow(oneMinusPt, gamma);
    assertTrue(Double.isFinite(pt));
    return -ce * w;
  }

  /** d reference / dx by central differences in double. */
  static double referenceGrad(double x, double y, double gp, double gn, double c) {
    double h = 1e-5 * Math.max(1, Math.abs(x));
    return (reference(x + h, y, gp, gn, c) - reference(x - h, y, gp, gn, c)) / (2 * h);
  }

  private static Object[] valueAndGradient(Loss loss, NDList labels, NDArray logits) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = logits.duplicate();
      x.attach(scope);
      x.setRequiresGradient(true);
      double v;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray l = loss.evaluate(labels, new NDList(x));
        v = l.toType(DataType.FLOAT64, false).getDouble();
        collector.backward(l);
      }
      return new Object[] {v, x.getGradient().toType(DataType.FLOAT64, false).toDoubleArray()};
    }
  }

  private static AsymmetricLoss[] losses() {
    return new AsymmetricLoss[] {
      AsymmetricLoss.builder().build(),
      AsymmetricLoss.sce().build(),
      AsymmetricLoss.focal(2).build(),
      AsymmetricLoss.builder().optGammaPos(0).optGammaNeg(2).optClip(0.1f).build(),
      AsymmetricLoss.builder().optGammaPos(0.5f).optGammaNeg(3).optClip(0).build(),
    };
  }

  private static double[] targets(Random random, int n) {
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] =
          switch (random.nextInt(4)) {
            case 0 -> 1;
            case 1 -> random.nextDouble(); // soft
            default -> 0;
          };
    }
    return y;
  }

  // ------------------------------------------------------------ value and gradient, float64

  @Test
  void valueAndGradientMatchTheFloat64Reference() {
    long seed = 2512;
    Random random = new Random(seed);
    int b = 5;
    int l = 13;
    double[] x = new double[b * l];
    double[] w = new double[b * l];
    for (int i = 0; i < x.length; i++) {
      do {
        x[i] = random.nextGaussian() * 5;
      } while (Math.abs(1 / (1 + Math.exp(-x[i])) - 0.1) < 1e-3
          || Math.abs(1 / (1 + Math.exp(-x[i])) - 0.05) < 1e-3); // away from the clip's kinks
      w[i] = random.nextInt(5) == 0 ? 0 : random.nextDouble() * 2;
    }
    double[] y = targets(random, x.length);
    NDArray xs = manager.create(x, new Shape(b, l));
    NDList labels =
        new NDList(manager.create(y, new Shape(b, l)), manager.create(w, new Shape(b, l)));
    for (AsymmetricLoss loss : losses()) {
      Object[] vg = valueAndGradient(loss, labels, xs);
      double expected = 0;
      for (int i = 0; i < x.length; i++) {
        expected +=
            w[i] * reference(x[i], y[i], loss.getGammaPos(), loss.getGammaNeg(), loss.getClip());
      }
      expected /= x.length;
      String what = "seed=" + seed + " " + loss;
      assertEquals(expected, (double) vg[0], 1e-12 * Math.abs(expected) + 1e-15, what);
      double[] g = (double[]) vg[1];
      for (int i = 0; i < x.length; i++) {
        double ref =
            w[i]
                * referenceGrad(x[i], y[i], loss.getGammaPos(), loss.getGammaNeg(), loss.getClip())
                / x.length;
        assertEquals(
            ref,
            g[i],
            1e-7 * Math.abs(ref) + 1e-11,
            what + " x=" + x[i] + " y=" + y[i] + " i=" + i);
      }
    }
  }

  // ------------------------------------------------------------ extremes, float32

  @Test
  void extremeLogitsGiveFiniteAccurateValuesAndGradientsInFloat32() {
    for (AsymmetricLoss loss : losses()) {
      for (double special : SPECIAL) {
        for (double y : new double[] {0, 1, 0.7}) {
          float x = (float) special;
          NDArray xs = manager.create(new float[] {x}, new Shape(1, 1));
          NDList labels = new NDList(manager.create(new float[] {(float) y}, new Shape(1, 1)));
          Object[] vg = valueAndGradient(loss, labels, xs);
          double gp = loss.getGammaPos();
          double gn = loss.getGammaNeg();
          double c = loss.getClip();
          String what = loss + " x=" + x + " y=" + y;
          double v = (double) vg[0];
          double g = ((double[]) vg[1])[0];
          assertTrue(Double.isFinite(v) && Double.isFinite(g), what + " v=" + v + " g=" + g);
          double ref = reference(x, y, gp, gn, c);
          assertEquals(ref, v, 2e-5 * Math.abs(ref) + 1e-6, what + " value");
          double refG = referenceGrad(x, y, gp, gn, c);
          if (Math.abs(Math.abs(x) - 2.9444) > 0.01) { // central differences straddle the kink
            assertEquals(refG, g, 1e-4 * Math.abs(refG) + 1e-6, what + " gradient");
          }
        }
      }
    }
  }

  @Test
  void unknownLabelsGetExactlyZeroGradientAndAddNothing() {
    long seed = 77;
    Random random = new Random(seed);
    int b = 4;
    int l = SPECIAL.length;
    float[] x = new float[b * l];
    float[] y = new float[b * l];
    float[] w = new float[b * l];
    List<long[]> unknown = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) SPECIAL[i % l];
      y[i] = random.nextBoolean() ? 1 : 0;
      w[i] = 1;
      if (random.nextInt(3) == 0) {
        w[i] = 0;
        unknown.add(new long[] {i / l, i % l});
      }
    }
    long[] flat = new long[unknown.size() * 2];
    for (int k = 0; k < unknown.size(); k++) {
      flat[2 * k] = unknown.get(k)[0];
      flat[2 * k + 1] = unknown.get(k)[1];
    }
    NDArray xs = manager.create(x, new Shape(b, l));
    NDArray ys = manager.create(y, new Shape(b, l));
    for (AsymmetricLoss loss : losses()) {
      for (NDArray weight :
          new NDArray[] {
            manager.create(w, new Shape(b, l)), manager.create(flat, new Shape(unknown.size(), 2))
          }) {
        Object[] vg = valueAndGradient(loss, new NDList(ys, weight), xs);
        double[] g = (double[]) vg[1];
        double expected = 0;
        for (int i = 0; i < x.length; i++) {
          String what = "seed=" + seed + " " + loss + " i=" + i + " x=" + x[i];
          assertTrue(Double.isFinite(g[i]), what);
          if (w[i] == 0) {
            assertEquals(0.0, g[i], 0.0, what + " unknown");
          } else {
            expected +=
                reference(x[i], y[i], loss.getGammaPos(), loss.getGammaNeg(), loss.getClip());
          }
        }
        expected /= x.length;
        assertEquals(expected, (double) vg[0], 1e-5 * expected, "seed=" + seed + " " + loss);
      }
    }
  }

  // ------------------------------------------------------------ special cases and label forms

  @Test
  void sceCaseEqualsTheFusedSigmoidCrossEntropy() {
    long seed = 3;
    Random random = new Random(seed);
    float[] x = new float[7 * 11];
    float[] t = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextGaussian() * 6);
      t[i] = random.nextInt(3) == 0 ? 1 : 0;
    }
    NDArray xs = manager.create(x, new Shape(7, 11));
    NDArray ts = manager.create(t, new Shape(7, 11));
    Object[] ours = valueAndGradient(AsymmetricLoss.sce().build(), new NDList(ts), xs);
    Object[] fused = valueAndGradient(new FusedSigmoidCrossEntropyLoss(), new NDList(ts), xs);
    assertEquals((double) fused[0], (double) ours[0], 1e-6 * (double) fused[0]);
    double[] a = (double[]) ours[1];
    double[] f = (double[]) fused[1];
    for (int i = 0; i < a.length; i++) {
      assertEquals(f[i], a[i], 1e-6 * Math.abs(f[i]) + 1e-9, "seed=" + seed + " i=" + i);
    }
  }

  @Test
  void pairFormsEqualTheDenseForms() {
    long seed = 8;
    Random random = new Random(seed);
    int b = 6;
    int l = 9;
    float[] x = new float[b * l];
    float[] y = new float[b * l];
    float[] w = new float[b * l];
    Arrays.fill(w, 1f);
    List<Long> pos = new ArrayList<>();
    List<Float> conf = new ArrayList<>();
    List<Long> unk = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextGaussian() * 4);
      int kind = random.nextInt(4);
      if (kind == 0) {
        y[i] = kind == 0 ? 0.25f + 0.75f * random.nextFloat() : 0;
        pos.add((long) (i / l));
        pos.add((long) (i % l));
        conf.add(y[i]);
      } else if (kind == 1) {
        w[i] = 0;
        unk.add((long) (i / l));
        unk.add((long) (i % l));
      }
    }
    NDArray xs = manager.create(x, new Shape(b, l));
    NDList dense =
        new NDList(manager.create(y, new Shape(b, l)), manager.create(w, new Shape(b, l)));
    float[] c = new float[conf.size()];
    for (int k = 0; k < c.length; k++) {
      c[k] = conf.get(k);
    }
    NDList sparse =
        new NDList(
            manager.create(
                pos.stream().mapToLong(Long::longValue).toArray(), new Shape(c.length, 2)),
            manager.create(c),
            manager
                .create(
                    unk.stream().mapToLong(Long::longValue).toArray(), new Shape(unk.size() / 2, 2))
                .toType(DataType.INT32, false));
    assertSparseEqualsDense(dense, sparse, xs, "seed=" + seed);
  }

  /**
   * Every loss of {@link #losses()} gives the same value (to 1e-7 relative) and bit for bit the
   * same gradient for the sparse labels as for the dense ones.
   */
  private static void assertSparseEqualsDense(
      NDList dense, NDList sparse, NDArray xs, String what) {
    for (AsymmetricLoss loss : losses()) {
      Object[] d = valueAndGradient(loss, dense, xs);
      Object[] s = valueAndGradient(loss, sparse, xs);
      String m = what + " " + loss;
      assertEquals((double) d[0], (double) s[0], 1e-7 * Math.abs((double) d[0]), m);
      assertEquals(0, Arrays.compare((double[]) d[1], (double[]) s[1]), m);
    }
  }

  @Test
  void listedPairsWithAScalarUnlistedWeightEqualTheDenseForms() {
    long seed = 9;
    Random random = new Random(seed);
    int b = 5;
    int l = 8;
    for (float unlisted : new float[] {0f, 1f, 0.5f}) {
      float[] x = new float[b * l];
      float[] y = new float[b * l];
      float[] w = new float[b * l];
      List<Integer> listed = new ArrayList<>();
      List<Float> targets = new ArrayList<>();
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (random.nextGaussian() * 4);
        int kind = random.nextInt(3);
        w[i] = kind == 2 ? unlisted : 1f;
        if (kind < 2) { // a positive with a confidence, or a verified negative
          y[i] = kind == 0 ? 0.25f + 0.75f * random.nextFloat() : 0f;
          listed.add(i / l);
          listed.add(i % l);
          targets.add(y[i]);
        }
      }
      NDArray xs = manager.create(x, new Shape(b, l));
      NDList dense =
          new NDList(manager.create(y, new Shape(b, l)), manager.create(w, new Shape(b, l)));
      float[] t = new float[targets.size()];
      for (int k = 0; k < t.length; k++) {
        t[k] = targets.get(k);
      }
      NDList sparse =
          new NDList(
              manager.create(
                  listed.stream().mapToInt(Integer::intValue).toArray(), new Shape(t.length, 2)),
              manager.create(t),
              manager.create(unlisted));
      assertSparseEqualsDense(dense, sparse, xs, "seed=" + seed + " unlisted " + unlisted);
    }
    // a scalar weight needs pairs, and must be >= 0
    NDArray xs = manager.create(new float[4], new Shape(2, 2));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AsymmetricLoss.builder()
                .build()
                .evaluate(
                    new NDList(manager.zeros(new Shape(2, 2)), manager.create(0f)),
                    new NDList(xs)));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AsymmetricLoss.builder()
                .build()
                .evaluate(
                    new NDList(
                        manager.create(new int[] {0, 1}, new Shape(1, 2)),
                        manager.create(new float[] {1f}),
                        manager.create(-1f)),
                    new NDList(xs)));
  }

  // ------------------------------------------------------------ negative sub-sampling

  @Test
  void negativeSubSamplingKeepsPositivesAndASeededFractionOfEachRowsNegatives() {
    long seed = 42;
    int b = 8;
    int l = 2000;
    Random random = new Random(seed);
    float[] y = new float[b * l];
    for (int i = 0; i < y.length; i++) {
      y[i] = random.nextInt(50) == 0 ? 1 : 0;
    }
    NDArray xs = manager.create(new float[b * l], new Shape(b, l)); // x = 0: every gradient ≠ 0
    NDList labels = new NDList(manager.create(y, new Shape(b, l)));
    AsymmetricLoss loss = AsymmetricLoss.sce().optNegativeFraction(0.1f, seed).build();
    loss.setStep(5);
    double[] g5 = (double[]) valueAndGradient(loss, labels, xs)[1];
    double[] again = (double[]) valueAndGradient(loss, labels, xs)[1];
    loss.setStep(6);
    double[] g6 = (double[]) valueAndGradient(loss, labels, xs)[1];
    assertEquals(0, Arrays.compare(g5, again), "same (seed, step), same selection");
    int same = 0;
    int kept6 = 0;
    for (int r = 0; r < b; r++) {
      int negatives = 0;
      int kept = 0;
      for (int j = 0; j < l; j++) {
        int i = r * l + j;
        if (y[i] > 0) {
          assertNotEquals(0.0, g5[i], "positive dropped at row " + r + " label " + j);
        } else {
          negatives++;
          kept += g5[i] != 0 ? 1 : 0;
          kept6 += g6[i] != 0 ? 1 : 0;
          same += (g5[i] != 0) && (g6[i] != 0) ? 1 : 0;
        }
      }
      // the row as a whole keeps f·L to within 2; the positives' share of those varies
      assertEquals(0.1 * negatives, kept, 0.05 * 0.1 * negatives + 2, "seed=" + seed + " row " + r);
    }
    // another step keeps another set: overlap near f² of the negatives, not all of them
    assertTrue(same < 0.5 * kept6, "seed=" + seed + " overlap " + same + " of " + kept6);
  }

  // ------------------------------------------------------------ PyTorch autograd, official formula

  private static final String TORCH_SCRIPT =
      """
      import sys
      try:
          import torch
      except ImportError:
          print('NO_TORCH')
          sys.exit(0)
      torch.set_default_dtype(torch.float64)
      def asl(x, y, gamma_neg, gamma_pos, clip, eps, detach):
          # Alibaba-MIIL ASL (src/loss_functions/losses.py, AsymmetricLoss.forward), element-wise
          x_sigmoid = torch.sigmoid(x)
          xs_pos = x_sigmoid
          xs_neg = 1 - x_sigmoid
          if clip is not None and clip > 0:
              xs_neg = (xs_neg + clip).clamp(max=1)
          los_pos = y * torch.log(xs_pos.clamp(min=eps))
          los_neg = (1 - y) * torch.log(xs_neg.clamp(min=eps))
          loss = los_pos + los_neg
          if gamma_neg > 0 or gamma_pos > 0:
              if detach:
                  torch.set_grad_enabled(False)
              pt0 = xs_pos * y
              pt1 = xs_neg * (1 - y)
              pt = pt0 + pt1
              one_sided_gamma = gamma_pos * y + gamma_neg * (1 - y)
              one_sided_w = torch.pow(1 - pt, one_sided_gamma)
              if detach:
                  torch.set_grad_enabled(True)
              loss *= one_sided_w
          return -loss
      lines = open(sys.argv[1]).read().split('\\n')
      x0 = [float(v) for v in lines[0].split()]
      y = torch.tensor([float(v) for v in lines[1].split()])
      m = torch.tensor([float(v) for v in lines[2].split()])
      for setting in lines[3:]:
          if not setting.strip():
              continue
          gp, gn, clip, detach = setting.split()
          x = torch.tensor(x0, requires_grad=True)
          total = (asl(x, y, float(gn), float(gp), float(clip), 1e-8, detach == '1') * m).sum() / x.numel()
          total.backward()
          print(repr(total.item()))
          print(' '.join(repr(v) for v in x.grad.tolist()))
      """;

  @Test
  void matchesPyTorchAutogradOnTheOfficialAslFormula(@TempDir Path dir)
      throws IOException, InterruptedException {
    Path python = Path.of("/usr/bin/python3");
    Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
    Path script = dir.resolve("asl.py");
    Files.writeString(script, TORCH_SCRIPT);
    long seed = 1913;
    Random random = new Random(seed);
    int b = 4;
    int l = 25;
    double[] x = new double[b * l];
    double[] m = new double[b * l];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextGaussian() * 4; // |x| < 18: the official eps clamp stays inactive
      m[i] = random.nextInt(6) == 0 ? 0 : 1;
    }
    double[] y = targets(random, x.length);
    NDArray xs = manager.create(x, new Shape(b, l));
    NDList labels =
        new NDList(manager.create(y, new Shape(b, l)), manager.create(m, new Shape(b, l)));
    List<AsymmetricLoss> settings = new ArrayList<>();
    StringBuilder in = new StringBuilder();
    in.append(join(x)).append('\n').append(join(y)).append('\n').append(join(m)).append('\n');
    for (boolean detach : new boolean[] {false, true}) {
      for (float[] setting : new float[][] {{1, 4, 0.05f}, {0, 4, 0.05f}, {2, 2, 0}, {0, 0, 0}}) {
        settings.add(
            AsymmetricLoss.builder()
                .optGammaPos(setting[0])
                .optGammaNeg(setting[1])
                .optClip(setting[2])
                .optDetachFocalWeight(detach)
                .build());
        in.append(
            String.format(
                Locale.ROOT,
                "%s %s %s %d%n",
                setting[0],
                setting[1],
                (double) setting[2],
                detach ? 1 : 0));
      }
    }
    Path input = dir.resolve("in.txt");
    Files.writeString(input, in.toString());
    // one interpreter for every setting: importing torch takes seconds on a busy machine
    Process p =
        new ProcessBuilder(python.toString(), script.toString(), input.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
    assertEquals(0, p.exitValue(), out);
    Assumptions.assumeFalse(out.startsWith("NO_TORCH"), "no torch for /usr/bin/python3");
    String[] lines = out.strip().split("\n");
    assertEquals(2 * settings.size(), lines.length, out);
    for (int k = 0; k < settings.size(); k++) {
      AsymmetricLoss loss = settings.get(k);
      double torchValue = Double.parseDouble(lines[2 * k]);
      double[] torchGrad =
          Arrays.stream(lines[2 * k + 1].trim().split(" "))
              .mapToDouble(Double::parseDouble)
              .toArray();
      Object[] vg = valueAndGradient(loss, labels, xs);
      String what = "seed=" + seed + " " + loss;
      assertEquals(torchValue, (double) vg[0], 1e-12 * Math.abs(torchValue), what);
      double[] g = (double[]) vg[1];
      for (int i = 0; i < g.length; i++) {
        assertEquals(
            torchGrad[i],
            g[i],
            1e-10 * Math.abs(torchGrad[i]) + 1e-15,
            what + " i=" + i + " x=" + x[i] + " y=" + y[i]);
      }
    }
  }

  private static String join(double[] v) {
    StringBuilder sb = new StringBuilder();
    for (double d : v) {
      sb.append(Double.toString(d)).append(' ');
    }
    return sb.toString().trim();
  }

  // ------------------------------------------------------------ bad input

  @Test
  void badInputsAndSettingsAreRejected() {
    AsymmetricLoss loss = AsymmetricLoss.builder().build();
    NDArray x = manager.zeros(new Shape(2, 2));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> loss.evaluate(new NDList(manager.full(new Shape(2, 2), 1.5f)), new NDList(x)));
    assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                loss.evaluate(
                    new NDList(manager.zeros(new Shape(2, 2)), manager.full(new Shape(2, 2), -1f)),
                    new NDList(x)));
    assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> loss.evaluate(new NDList(manager.zeros(new Shape(2, 3))), new NDList(x)));
    assertTrue(e.getMessage().contains("(2, 3)"), e.getMessage());
    var b = AsymmetricLoss.builder();
    assertThrows(IllegalArgumentException.class, () -> b.optGammaNeg(-1));
    assertThrows(IllegalArgumentException.class, () -> b.optGammaPos(Float.NaN));
    assertThrows(IllegalArgumentException.class, () -> b.optClip(1));
    assertThrows(IllegalArgumentException.class, () -> b.optNegativeFraction(0, 1));
    assertThrows(IllegalArgumentException.class, () -> b.optNegativeFraction(1.5f, 1));
  }
}
