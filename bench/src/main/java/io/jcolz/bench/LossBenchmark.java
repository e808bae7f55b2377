package io.jcolz.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import io.jcolz.training.loss.AsymmetricLoss;
import io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Multi-label loss, forward and backward to the logits, on the CPU engine: jcolz's {@link
 * FusedSigmoidCrossEntropyLoss} (closed-form gradient through one recorded dot product) against
 * DJL's {@code SigmoidBinaryCrossEntropyLoss} differentiated by autograd through its elementwise
 * operations — the baseline, measured in the same run.
 *
 * <p>Each invocation takes a fresh autograd leaf that shares the logits' storage (no copy), so
 * neither side pays for gradient accumulation, and closes everything it created. The logits are
 * N(0, 3²); each image has about {@code positivesPerImage} positive labels. Variants: {@code
 * fusedDense} and {@code djlDense} see the same dense float multi-hot target (the fused loss takes
 * its general form there, as floating targets may be soft); {@code fusedSparse} gets the loader's
 * {@code (row, label)} pairs, builds its ±1 sign target on the device and takes the sign form;
 * {@code fusedSparseWeighted} adds a per-label positive weight (49 for all labels), which DJL's
 * loss cannot express. {@code aslFusedDense} ({@link AsymmetricLoss}, γ+ 1, γ− 4, clip 0.05) is
 * measured against {@code aslDjlOpsDense}, the official ASL formula as separate DJL ops under
 * autograd, on the same dense target.
 *
 * <p>How to run (JDK 25; {@link BenchMain} gives every forked JVM the flags of {@code jvm.flags}:
 * native access, offline DJL, the module opens):
 *
 * <pre>
 *   export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 *   mvn -B -pl bench -am package -DskipTests
 *   $JAVA_HOME/bin/java -jar bench/target/jcolz-bench.jar LossBenchmark                # defaults
 *   $JAVA_HOME/bin/java -jar bench/target/jcolz-bench.jar LossBenchmark -f 1 -wi 2 -i 3 # quick
 *   $JAVA_HOME/bin/java -jar bench/target/jcolz-bench.jar LossBenchmark -p batch=64 -p labels=1000
 * </pre>
 *
 * Sample mode: quote the medians (p0.50) and the ratio fused ÷ DJL from one run; on a shared
 * machine absolute times mean little. Memory is allocated by the native engine, so {@code -prof gc}
 * sees almost nothing; PyTorch's intra-op threads follow the machine's cores.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1) // BenchMain appends the JVM flags (jvm.flags) to every fork
public class LossBenchmark {

  @Param("256")
  int batch;

  @Param("11000")
  int labels;

  @Param("10")
  int positivesPerImage;

  NDManager manager;
  NDArray logits;
  NDArray dense;
  NDArray pairs;
  Loss fused;
  Loss fusedWeighted;
  Loss djl;
  Loss asl;
  Loss aslOps;

  @Setup
  public void setUp() {
    Random random = new Random(42);
    manager = NDManager.newBaseManager();
    float[] x = new float[batch * labels];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextGaussian() * 3);
    }
    float[] t = new float[batch * labels];
    int[] p = new int[batch * positivesPerImage * 2];
    for (int r = 0, k = 0; r < batch; r++) {
      for (int j = 0; j < positivesPerImage; j++, k += 2) {
        int label = random.nextInt(labels);
        p[k] = r;
        p[k + 1] = label;
        t[r * labels + label] = 1f;
      }
    }
    logits = manager.create(x, new Shape(batch, labels));
    dense = manager.create(t, new Shape(batch, labels));
    pairs = manager.create(p, new Shape(p.length / 2, 2));
    float[] weights = new float[labels];
    Arrays.fill(weights, 49f);
    fused = new FusedSigmoidCrossEntropyLoss();
    fusedWeighted = FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(weights).build();
    djl = Loss.sigmoidBinaryCrossEntropyLoss();
    asl = AsymmetricLoss.builder().build();
    aslOps = new AslAsSeparateOps();
  }

  @TearDown
  public void tearDown() {
    manager.close();
  }

  private float forwardBackward(Loss loss, NDArray label, Blackhole blackhole) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = logits.stopGradient(); // a new leaf over the same storage
      x.attach(scope);
      x.setRequiresGradient(true);
      float value;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray l = loss.evaluate(new NDList(label), new NDList(x));
        value = l.getFloat();
        collector.backward(l);
      }
      NDArray gradient = x.getGradient();
      blackhole.consume(gradient);
      gradient.close();
      return value;
    }
  }

  /** jcolz fused loss, dense multi-hot target. */
  @Benchmark
  public float fusedDense(Blackhole blackhole) {
    return forwardBackward(fused, dense, blackhole);
  }

  /** Baseline: DJL's SigmoidBinaryCrossEntropyLoss under autograd, same target. */
  @Benchmark
  public float djlDense(Blackhole blackhole) {
    return forwardBackward(djl, dense, blackhole);
  }

  /** jcolz fused loss from sparse (row, label) pairs, its sign target built inside. */
  @Benchmark
  public float fusedSparse(Blackhole blackhole) {
    return forwardBackward(fused, pairs, blackhole);
  }

  /** jcolz fused loss from sparse pairs with a positive weight per label. */
  @Benchmark
  public float fusedSparseWeighted(Blackhole blackhole) {
    return forwardBackward(fusedWeighted, pairs, blackhole);
  }

  /** jcolz fused ASL (γ+ 1, γ− 4, clip 0.05), dense target. */
  @Benchmark
  public float aslFusedDense(Blackhole blackhole) {
    return forwardBackward(asl, dense, blackhole);
  }

  /** Baseline for ASL: the official formula as separate DJL ops under autograd, same target. */
  @Benchmark
  public float aslDjlOpsDense(Blackhole blackhole) {
    return forwardBackward(aslOps, dense, blackhole);
  }

  /**
   * Alibaba-MIIL's {@code AsymmetricLoss.forward} (γ+ 1, γ− 4, clip 0.05, eps 1e-8, focal weight
   * differentiated) written op by op in DJL, mean over elements.
   */
  static final class AslAsSeparateOps extends Loss {
    AslAsSeparateOps() {
      super("ASL-ops");
    }

    @Override
    public NDArray evaluate(NDList label, NDList prediction) {
      NDArray x = prediction.singletonOrThrow();
      NDArray y = label.singletonOrThrow();
      NDArray p = ai.djl.nn.Activation.sigmoid(x);
      NDArray xsNeg = p.neg().add(1.05f).minimum(1f);
      NDArray oneMinusY = y.neg().add(1f);
      NDArray losPos = y.mul(p.maximum(1e-8f).log());
      NDArray losNeg = oneMinusY.mul(xsNeg.maximum(1e-8f).log());
      NDArray pt = p.mul(y).add(xsNeg.mul(oneMinusY));
      NDArray gamma = y.mul(1f).add(oneMinusY.mul(4f));
      NDArray w = pt.neg().add(1f).pow(gamma);
      return losPos.add(losNeg).mul(w).neg().mean();
    }
  }
}
