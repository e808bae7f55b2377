package io.jcolz.training.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * {@link DataParallelStep} on the CPU, replicas sharing the one CPU device: D = 2, 3 and 4 replicas
 * give the parameters of one step on the concatenated batch (plain DJL autograd on one device, the
 * SGD update done by hand in float64) within 1e-5; the replicas' work overlaps in time; a failing
 * replica surfaces once with its cause and leaves no thread; batch-norm buffers are replica 0's.
 */
class DataParallelStepTest {
  private static final int LABELS = 5;
  private static final int HW = 8;
  private static final int B = 3; // per replica
  private static final float LR = 0.5f;

  private static Block net(boolean batchNorm) {
    SequentialBlock b = new SequentialBlock();
    b.add(
        Conv2d.builder()
            .setKernelShape(new Shape(3, 3))
            .optPadding(new Shape(1, 1))
            .setFilters(4)
            .build());
    if (batchNorm) {
      b.add(BatchNorm.builder().build());
    }
    b.add(Activation::relu);
    b.add(Pool.globalAvgPool2dBlock());
    b.add(Blocks.batchFlattenBlock());
    b.add(Linear.builder().setUnits(LABELS).build());
    return b;
  }

  private static Block initialized(NDManager m, boolean batchNorm, byte[] weights)
      throws IOException, ai.djl.MalformedModelException {
    Block b = net(batchNorm);
    b.initialize(m, DataType.FLOAT32, new Shape(B, 3, HW, HW));
    if (weights != null) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(weights))) {
        b.loadParameters(m, in);
      }
      b.initialize(m, DataType.FLOAT32, new Shape(B, 3, HW, HW)); // loaded arrays record gradients
    }
    return b;
  }

  private static byte[] save(Block b) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      b.saveParameters(out);
    }
    return bytes.toByteArray();
  }

  private static Optimizer sgd() {
    return Optimizer.sgd().setLearningRateTracker(Tracker.fixed(LR)).build();
  }

  @Test
  void replicasGiveTheStepOfTheConcatenatedBatch() throws Exception {
    for (int d : new int[] {2, 3, 4}) { // 3: the trees of a non-power of two
      long seed = 11 + d;
      Random rnd = new Random(seed);
      float[] x = new float[d * B * 3 * HW * HW];
      float[] y = new float[d * B * LABELS];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rnd.nextGaussian();
      }
      for (int i = 0; i < y.length; i++) {
        y[i] = rnd.nextInt(3) == 0 ? 1 : 0;
      }
      Engine.getInstance().setRandomSeed((int) seed);
      try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
        Block parallel = initialized(m, false, null);
        byte[] w0 = save(parallel);
        // reference: one device, the concatenated batch, DJL autograd, SGD by hand in float64
        Block ref = initialized(m, false, w0);
        List<double[]> expected = new ArrayList<>();
        try (NDManager s = m.newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray xs = s.create(x, new Shape(d * B, 3, HW, HW));
          NDArray ys = s.create(y, new Shape(d * B, LABELS));
          NDArray out = ref.forward(new ParameterStore(s, false), new NDList(xs), true).head();
          gc.backward(new FusedSigmoidCrossEntropyLoss().evaluate(new NDList(ys), new NDList(out)));
          for (Pair<String, Parameter> p : ref.getParameters()) {
            float[] w = p.getValue().getArray().toFloatArray();
            float[] g = p.getValue().getArray().getGradient().toFloatArray();
            double[] e = new double[w.length];
            for (int i = 0; i < w.length; i++) {
              e[i] = (double) w[i] - (double) LR * g[i];
            }
            expected.add(e);
          }
        }
        try (DataParallelStep step =
            new DataParallelStep(
                parallel,
                sgd(),
                new FusedSigmoidCrossEntropyLoss(),
                replicas(d),
                DataType.FLOAT32,
                m)) {
          int per = B * 3 * HW * HW;
          step.step(
              (k, dm) -> {
                float[] xk = java.util.Arrays.copyOfRange(x, k * per, (k + 1) * per);
                float[] yk = java.util.Arrays.copyOfRange(y, k * B * LABELS, (k + 1) * B * LABELS);
                return new DataParallelStep.Upload(
                    new NDList(dm.create(xk, new Shape(B, 3, HW, HW))),
                    new NDList(dm.create(yk, new Shape(B, LABELS))));
              });
          int j = 0;
          for (Pair<String, Parameter> p : parallel.getParameters()) {
            float[] got = p.getValue().getArray().toFloatArray();
            double[] e = expected.get(j++);
            double max = 0;
            for (int i = 0; i < got.length; i++) {
              max = Math.max(max, Math.abs(got[i] - e[i]));
            }
            assertTrue(
                max <= 1e-5, "D=" + d + " seed " + seed + " " + p.getKey() + ": max |Δ| " + max);
            // every replica now holds the updated weights
            for (int k = 1; k < d; k++) {
              assertArrayEquals(
                  got,
                  step.value(k, p.getValue()).toFloatArray(),
                  "replica " + k + " " + p.getKey());
            }
          }
        }
      }
    }
  }

  private static Device[] replicas(int d) {
    Device[] out = new Device[d];
    java.util.Arrays.fill(out, Device.cpu());
    return out;
  }

  private static DataParallelStep.Uploader random(long seed) {
    return (k, dm) -> {
      Random r = new Random(seed + k);
      float[] x = new float[B * 3 * HW * HW];
      float[] y = new float[B * LABELS];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
      y[r.nextInt(y.length)] = 1;
      return new DataParallelStep.Upload(
          new NDList(dm.create(x, new Shape(B, 3, HW, HW))),
          new NDList(dm.create(y, new Shape(B, LABELS))));
    };
  }

  @Test
  void replicasRunAtTheSameTime() throws Exception {
    int d = 4;
    CountDownLatch allStarted = new CountDownLatch(d);
    AtomicLongArray start = new AtomicLongArray(d);
    AtomicLongArray end = new AtomicLongArray(d);
    try (NDManager m = NDManager.newBaseManager(Device.cpu());
        DataParallelStep step =
            new DataParallelStep(
                initialized(m, false, null),
                sgd(),
                new FusedSigmoidCrossEntropyLoss(),
                replicas(d),
                DataType.FLOAT32,
                m)) {
      step.hook(
          new DataParallelStep.ReplicaHook() {
            @Override
            public void started(int replica) throws InterruptedException {
              start.set(replica, System.nanoTime());
              allStarted.countDown();
              // one after another, replica 0 would wait here for the others forever
              if (!allStarted.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("replica " + replica + " ran alone");
              }
            }

            @Override
            public void finished(int replica) {
              end.set(replica, System.nanoTime());
            }
          });
      step.step(random(5));
      long lastStart = 0;
      long firstEnd = Long.MAX_VALUE;
      for (int k = 0; k < d; k++) {
        lastStart = Math.max(lastStart, start.get(k));
        firstEnd = Math.min(firstEnd, end.get(k));
      }
      assertTrue(lastStart < firstEnd, "every replica started before any finished its backward");
    }
  }

  @Test
  void aFailingReplicaSurfacesOnceWithItsCauseAndLeavesNoThread() throws Exception {
    IOException boom = new IOException("device 1 lost");
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      Block block = initialized(m, false, null);
      try (DataParallelStep step =
          new DataParallelStep(
              block, sgd(), new FusedSigmoidCrossEntropyLoss(), replicas(3), DataType.FLOAT32, m)) {
        assertTrue(liveReplicaThreads() > 0);
        step.hook(
            new DataParallelStep.ReplicaHook() {
              @Override
              public void started(int replica) throws IOException {
                if (replica == 1) {
                  throw boom;
                }
              }

              @Override
              public void finished(int replica) {}
            });
        float[] before = block.getParameters().get(0).getValue().getArray().toFloatArray();
        IllegalStateException e =
            assertThrows(IllegalStateException.class, () -> step.step(random(7)));
        assertSame(boom, e.getCause());
        assertTrue(
            e.getMessage().contains("device 1 (cpu()): java.io.IOException: device 1 lost"),
            e.getMessage());
        assertEquals(0, boom.getSuppressed().length);
        // replica 0 finished its backward, but no gradient is left over for the next step
        for (Pair<String, Parameter> p : block.getParameters()) {
          for (float g : p.getValue().getArray().getGradient().toFloatArray()) {
            assertEquals(0f, g, p.getKey());
          }
        }
        // no update happened, and the step object still works (the collector was closed)
        assertArrayEquals(
            before, block.getParameters().get(0).getValue().getArray().toFloatArray());
        step.hook(
            new DataParallelStep.ReplicaHook() {
              @Override
              public void started(int replica) {}

              @Override
              public void finished(int replica) {}
            });
        assertTrue(Float.isFinite(step.step(random(8))));
      }
      assertEquals(0, liveReplicaThreads());
    }
  }

  private static long liveReplicaThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("jcolz-device-"))
        .count();
  }

  /** Batch norm: replica 0's running statistics are the model's, and every replica gets them. */
  @Test
  void batchNormStatisticsAreReplicaZerosEverywhere() throws Exception {
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      Block parallel = initialized(m, true, null);
      Block single = initialized(m, true, save(parallel));
      DataParallelStep.Uploader up = random(21);
      // replica 0's batch alone, one training-mode forward: the running statistics it gives
      try (NDManager s = m.newSubManager()) {
        NDList x0 = up.upload(0, s).data();
        single.forward(new ParameterStore(s, false), x0, true);
      }
      try (DataParallelStep step =
          new DataParallelStep(
              parallel,
              sgd(),
              new FusedSigmoidCrossEntropyLoss(),
              replicas(2),
              DataType.FLOAT32,
              m)) {
        step.step(up);
        int checked = 0;
        for (int i = 0; i < parallel.getParameters().size(); i++) {
          Parameter p = parallel.getParameters().get(i).getValue();
          if (p.getName().startsWith("running")) {
            float[] expected = single.getParameters().get(i).getValue().getArray().toFloatArray();
            float[] master = p.getArray().toFloatArray();
            assertArrayEquals(expected, master, 1e-6f, p.getName());
            assertArrayEquals(
                master, step.value(1, p).toFloatArray(), p.getName() + " of replica 1");
            checked++;
          }
        }
        assertEquals(2, checked);
      }
    }
  }

  /**
   * Half-precision replicas: the float32 master moves as in a float32 step, within the half type's
   * rounding (here 5e-3 relative plus 1e-3 absolute; bfloat16 keeps 8 significant bits, 2⁻⁸ ≈ 4e-3,
   * float16 11), the loss within 2%, the master stays float32 and the replicas hold the half type.
   * float16 always runs (DJL's stock JNI maps it): the mixed path on the CPU; bfloat16 only with a
   * bridge that has it.
   */
  @Test
  void halfPrecisionStepMovesTheMasterAsAnFp32StepDoes() throws Exception {
    halfStep(DataType.FLOAT16);
    if (Precision.bf16Available()) {
      halfStep(DataType.BFLOAT16);
    }
  }

  private static void halfStep(DataType half) throws Exception {
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      Block a = initialized(m, true, null);
      Block b = initialized(m, true, save(a));
      DataParallelStep.Uploader up = random(31);
      try (DataParallelStep fp32 =
              new DataParallelStep(
                  a, sgd(), new FusedSigmoidCrossEntropyLoss(), replicas(2), DataType.FLOAT32, m);
          DataParallelStep mixed =
              new DataParallelStep(
                  b, sgd(), new FusedSigmoidCrossEntropyLoss(), replicas(2), half, m)) {
        float l32 = fp32.step(up);
        float l16 = mixed.step(up);
        assertEquals(l32, l16, 0.02 * l32, half + " loss");
        for (int i = 0; i < a.getParameters().size(); i++) {
          Parameter pa = a.getParameters().get(i).getValue();
          Parameter pb = b.getParameters().get(i).getValue();
          assertEquals(DataType.FLOAT32, pb.getArray().getDataType(), pb.getName());
          assertEquals(half, mixed.value(1, pb).getDataType(), pb.getName());
          float[] x = pa.getArray().toFloatArray();
          float[] y = pb.getArray().toFloatArray();
          for (int j = 0; j < x.length; j++) {
            assertEquals(
                x[j],
                y[j],
                1e-3 + 5e-3 * Math.abs(x[j]),
                half + " " + pa.getName() + "[" + j + "]");
          }
        }
      }
    }
  }
}
