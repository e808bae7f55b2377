package io.jcolz.training.loop;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One data-parallel optimizer step over D replicas of a block, one per device (two replicas may
 * share a device). It replaces DJL's {@code Trainer.forward}/{@code step} with its {@code
 * ParameterStore}/{@code LocalParameterServer} for training; the model's own parameter arrays (on
 * device 0, float32) stay the master copy that the optimizer updates and checkpoints save.
 *
 * <h2>A step</h2>
 *
 * <ol>
 *   <li>Every replica's upload, forward, loss and backward run at once, each on its own thread of a
 *       pool this object owns. Nothing is read back to the host: each loss stays on its device.
 *       Every future is joined before the gradient collector closes (DJL's {@code
 *       EasyTrain.trainBatch} does not join inside that scope, a plausible cause of DJL issue
 *       #2459, zero gradients with several GPUs and an executor).
 *   <li>The gradients are summed by a binary tree: in round r = 0, 1, … replica i (i a multiple of
 *       2<sup>r+1</sup>) adds the gradient of replica i + 2<sup>r</sup>, copied to its device; the
 *       pairs of a round run at once. After ⌈log₂ D⌉ rounds replica 0 holds the sum. Each loss is
 *       divided by D before its backward, so the sum is the gradient of the mean loss over the D ×
 *       B samples — the gradient of one step on their concatenation.
 *   <li>The optimizer updates the master weights once, on device 0 (DJL's parameter server instead
 *       runs it D times, once per device copy, and keeps D sets of optimizer state).
 *   <li>The new weights, and the batch-norm running statistics of replica 0, go back down the same
 *       tree (round r in reverse: replica i + 2<sup>r</sup> gets replica i's), so every replica
 *       starts the next step with replica 0's parameters and buffers (PyTorch DDP's default, {@code
 *       broadcast_buffers=True}).
 *   <li>Only now are the D losses read to the host (one synchronisation per step).
 * </ol>
 *
 * <h2>Batch norm</h2>
 *
 * In training mode each replica normalises with the statistics of its own B samples (no sync-BN);
 * replica 0's running statistics are the model's, and the others get replica 0's at every step.
 *
 * <h2>Precision</h2>
 *
 * With {@link DataType#BFLOAT16} (or, in tests, {@link DataType#FLOAT16}) every replica (0
 * included) computes with a bfloat16 copy of the master weights; the logits are promoted to float32
 * before the loss (by adding a float32 zero: DJL's {@code toType} runs under no-grad and would cut
 * the graph), the gradients are cast to float32 on their device before the tree, and the optimizer
 * updates the float32 master. Replica 0's running statistics (bfloat16) are copied back into the
 * float32 master after each step. No loss scaling: bfloat16 has float32's exponent range.
 *
 * <p>Not thread-safe: one thread calls {@link #step} and {@link #close}; the replicas' work runs on
 * D threads named {@code jcolz-device-k}, which {@link #close} stops.
 */
final class DataParallelStep implements AutoCloseable {
  /** What a replica trains on: the model input and the labels, on the replica's device. */
  record Upload(NDList data, NDList labels) {}

  /** Puts replica {@code k}'s batch on its device, in arrays of {@code manager}. */
  @FunctionalInterface
  interface Uploader {
    Upload upload(int replica, NDManager manager) throws Exception;
  }

  /** Test seam: called on a replica's thread as its work starts and after its backward. */
  interface ReplicaHook {
    void started(int replica) throws Exception;

    void finished(int replica) throws Exception;
  }

  private static final ReplicaHook NO_HOOK =
      new ReplicaHook() {
        @Override
        public void started(int replica) {}

        @Override
        public void finished(int replica) {}
      };

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final Block block;
  private final Optimizer optimizer;
  private final Loss loss;
  private final Device[] devices;
  private final DataType compute;
  private final List<Parameter> params = new ArrayList<>();
  private final NDManager manager;
  private final NDManager[] replicaManagers;
  private final ReplicaParameters[] replicas;
  private final ExecutorService pool;
  private final List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
  private ReplicaHook hook = NO_HOOK;

  /**
   * Copies the block's parameters to every replica; starts the D replica threads.
   *
   * @param block an initialized block whose parameters are on {@code devices[0]}, float32
   * @param optimizer updates the master weights once per step
   * @param loss the loss of a replica's batch (mean over its samples)
   * @param devices one per replica; a device may repeat
   * @param compute {@link DataType#FLOAT32}, {@link DataType#BFLOAT16}, or {@link DataType#FLOAT16}
   *     (tests: the same mixed path with a type DJL's stock JNI bridge maps)
   * @param manager owns the replicas' copies (its device is irrelevant)
   * @throws InterruptedException if interrupted while copying the weights to the replicas
   */
  DataParallelStep(
      Block block,
      Optimizer optimizer,
      Loss loss,
      Device[] devices,
      DataType compute,
      NDManager manager)
      throws InterruptedException {
    if (compute != DataType.FLOAT32
        && compute != DataType.BFLOAT16
        && compute != DataType.FLOAT16) {
      throw new IllegalArgumentException(
          "compute type must be float32, bfloat16 or float16, got " + compute);
    }
    if (devices.length < 1) {
      throw new IllegalArgumentException("no device");
    }
    if (compute == DataType.BFLOAT16) {
      Precision.BF16.checkAvailable(); // never abort the JVM
    }
    this.block = block;
    this.optimizer = optimizer;
    this.loss = loss;
    this.devices = devices.clone();
    this.compute = compute;
    for (Pair<String, Parameter> p : block.getParameters()) {
      params.add(p.getValue());
    }
    int d = devices.length;
    this.manager = manager.newSubManager();
    replicaManagers = new NDManager[d];
    replicas = new ReplicaParameters[d];
    int id = POOLS.incrementAndGet();
    AtomicInteger thread = new AtomicInteger();
    pool =
        Executors.newFixedThreadPool(
            d,
            r -> {
              Runnable noGrad =
                  () -> {
                    JniUtils.setGradMode(false); // libtorch starts a thread with grad mode on
                    r.run();
                  };
              Thread t = new Thread(noGrad, "jcolz-device-" + id + "-" + thread.getAndIncrement());
              t.setDaemon(true);
              threads.add(t);
              return t;
            });
    boolean ok = false;
    try {
      for (int k = 0; k < d; k++) {
        replicaManagers[k] = this.manager.newSubManager(devices[k]);
        replicas[k] = new ReplicaParameters(replicaManagers[k]);
      }
      if (compute == DataType.FLOAT32) {
        for (Parameter p : params) {
          replicas[0].values.put(p.getId(), p.getArray()); // replica 0 computes on the master
          if (p.requiresGradient() && !p.getArray().hasGradient()) {
            p.getArray().setRequiresGradient(true); // loaded, not initialized
          }
        }
      }
      broadcast();
      ok = true;
    } finally {
      if (!ok) {
        close();
      }
    }
  }

  /** Test seam: replaces the hook (default: none). */
  void hook(ReplicaHook h) {
    this.hook = h;
  }

  /** The replicas. */
  int replicas() {
    return devices.length;
  }

  /**
   * Replica {@code k}'s value of parameter {@code p} (for tests; owned by this object).
   *
   * @return the array the replica computes with
   */
  NDArray value(int k, Parameter p) {
    return replicas[k].values.get(p.getId());
  }

  /**
   * One optimizer step: every replica's batch forward and backward at once, gradients summed,
   * master updated, replicas refreshed.
   *
   * @param uploader puts each replica's batch on its device
   * @return the mean of the replicas' losses
   * @throws IllegalStateException with the first failing replica's exception as the cause (the
   *     others as suppressed), after every replica's work has ended
   */
  float step(Uploader uploader) throws InterruptedException {
    int d = devices.length;
    try (NDManager scope = manager.newSubManager()) {
      NDManager[] dm = new NDManager[d];
      for (int k = 0; k < d; k++) {
        dm[k] = scope.newSubManager(devices[k]);
      }
      NDArray[] losses = new NDArray[d];
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        List<Future<NDArray>> futures = new ArrayList<>(d);
        for (int k = 0; k < d; k++) {
          int r = k;
          futures.add(pool.submit(() -> replicaStep(r, dm[r], uploader, collector)));
        }
        try {
          joinAll(futures, losses, "device");
        } catch (RuntimeException | InterruptedException e) {
          zeroGradients(); // the replicas that finished left theirs: the next step starts clean
          throw e;
        }
      }
      NDArray[][] grads = gradients(dm);
      reduce(grads);
      update(grads[0]);
      broadcast();
      float sum = 0;
      for (NDArray l : losses) {
        sum += l.getFloat(); // the step's one host synchronisation
      }
      return sum / d;
    }
  }

  private NDArray replicaStep(int k, NDManager dm, Uploader uploader, GradientCollector collector)
      throws Exception {
    JniUtils.setGradMode(true); // grad mode is per thread in libtorch
    try {
      hook.started(k);
      Upload u = uploader.upload(k, dm);
      NDList x = u.data();
      if (compute != DataType.FLOAT32) {
        x = new NDList(x.singletonOrThrow().toType(compute, false));
      }
      NDArray out = block.forward(replicas[k], x, true).singletonOrThrow();
      if (out.getDataType() != DataType.FLOAT32) {
        // DJL's toType runs under no-grad (it would cut the graph): promote by adding a float32
        // zero of shape [1], which autograd differentiates
        out = out.add(dm.zeros(new Shape(1), DataType.FLOAT32));
      }
      NDArray l = loss.evaluate(u.labels(), new NDList(out));
      int d = devices.length;
      collector.backward(d == 1 ? l : l.div(d));
      hook.finished(k);
      return l.stopGradient();
    } finally {
      JniUtils.setGradMode(false);
    }
  }

  /**
   * Every replica's float32 gradients, [replica][trainable parameter]; on float32 replica 0's are
   * the master's own gradient arrays, so the sum lands there.
   */
  private NDArray[][] gradients(NDManager[] dm) {
    int d = devices.length;
    NDArray[][] out = new NDArray[d][];
    for (int k = 0; k < d; k++) {
      List<NDArray> g = new ArrayList<>();
      for (Parameter p : params) {
        if (!p.requiresGradient()) {
          continue;
        }
        NDArray grad = replicas[k].values.get(p.getId()).getGradient();
        grad.attach(dm[k]);
        if (grad.getDataType() != DataType.FLOAT32) {
          grad = grad.toType(DataType.FLOAT32, true);
        }
        g.add(grad);
      }
      out[k] = g.toArray(NDArray[]::new);
    }
    return out;
  }

  /** Zeroes every replica's gradients (the master's among them on float32). */
  private void zeroGradients() {
    for (ReplicaParameters r : replicas) {
      for (Parameter p : params) {
        NDArray v = r.values.get(p.getId());
        if (v != null && v.hasGradient()) {
          JniUtils.zeroGrad((PtNDArray) v);
        }
      }
    }
  }

  /** Sums replica gradients into replica 0's by a binary tree, the pairs of a round at once. */
  private void reduce(NDArray[][] grads) throws InterruptedException {
    int d = devices.length;
    for (int stride = 1; stride < d; stride *= 2) {
      List<Future<Void>> round = new ArrayList<>();
      for (int i = 0; i + stride < d; i += 2 * stride) {
        NDArray[] to = grads[i];
        NDArray[] from = grads[i + stride];
        Device dev = devices[i];
        round.add(
            pool.submit(
                (Callable<Void>)
                    () -> {
                      for (int j = 0; j < to.length; j++) {
                        if (from[j].getDevice().equals(dev)) {
                          to[j].addi(from[j]);
                        } else {
                          try (NDArray c = from[j].toDevice(dev, true)) {
                            to[j].addi(c);
                          }
                        }
                      }
                      return null;
                    }));
      }
      joinAll(round, null, "gradient sum");
    }
  }

  /** The optimizer on the master weights, with the summed gradients. */
  private void update(NDArray[] sum) {
    int j = 0;
    for (Parameter p : params) {
      if (p.requiresGradient()) {
        optimizer.update(p.getId(), p.getArray(), sum[j++]);
      }
    }
    if (compute != DataType.FLOAT32) {
      // replica 0's running statistics (bfloat16) become the master's
      for (Parameter p : params) {
        if (!p.requiresGradient() && p.getArray().getDataType() == DataType.FLOAT32) {
          NDArray master = p.getArray();
          NDArray r0 = replicas[0].values.get(p.getId());
          master.intern(r0.toType(DataType.FLOAT32, true));
        }
      }
    }
  }

  /**
   * Gives replica 0 the master's weights (a bfloat16 copy, or the master arrays themselves on
   * float32), then every other replica replica 0's, down the reduction tree in reverse.
   */
  private void broadcast() throws InterruptedException {
    if (compute != DataType.FLOAT32) {
      for (Parameter p : params) {
        replace(0, p, castCopy(p.getArray()));
      }
    }
    int d = devices.length;
    int top = 1;
    while (top < d) {
      top *= 2;
    }
    for (int stride = top / 2; stride >= 1; stride /= 2) {
      List<Future<Void>> round = new ArrayList<>();
      for (int i = 0; i + stride < d; i += 2 * stride) {
        int src = i;
        int dst = i + stride;
        round.add(
            pool.submit(
                (Callable<Void>)
                    () -> {
                      for (Parameter p : params) {
                        NDArray from = replicas[src].values.get(p.getId());
                        replace(dst, p, copyTo(from, devices[dst]));
                      }
                      return null;
                    }));
      }
      joinAll(round, null, "weight copy");
    }
  }

  private NDArray castCopy(NDArray master) {
    if (master.getDataType() != DataType.FLOAT32) {
      return master.duplicate();
    }
    return master.toType(compute, true);
  }

  /**
   * A copy of {@code a} on {@code device} (PyTorch's {@code to} copies nothing on the same one).
   */
  private static NDArray copyTo(NDArray a, Device device) {
    return device.equals(a.getDevice()) ? a.duplicate() : a.toDevice(device, true);
  }

  private void replace(int k, Parameter p, NDArray fresh) {
    fresh.attach(replicaManagers[k]);
    if (p.requiresGradient()) {
      fresh.setRequiresGradient(true);
    }
    NDArray old = replicas[k].values.put(p.getId(), fresh);
    if (old != null && old != p.getArray()) {
      old.close();
    }
  }

  /**
   * Joins every future, even after one fails, and throws once with the first failure as the cause.
   */
  private <T> void joinAll(List<Future<T>> futures, T[] results, String what)
      throws InterruptedException {
    Throwable first = null;
    int failed = -1;
    InterruptedException interrupted = null;
    for (int k = 0; k < futures.size(); k++) {
      try {
        T v = getUninterruptibly(futures.get(k));
        if (results != null) {
          results[k] = v;
        }
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (first == null) {
          first = c;
          failed = k;
        } else {
          first.addSuppressed(c);
        }
      } catch (InterruptedException e) {
        interrupted = e;
      }
    }
    if (first != null) {
      String where =
          what.equals("device") ? "device " + failed + " (" + devices[failed] + ")" : what;
      throw new IllegalStateException("training step failed on " + where + ": " + first, first);
    }
    if (interrupted != null) {
      throw interrupted;
    }
  }

  /** Waits for a future; an interrupt is remembered and rethrown once it has ended. */
  private static <T> T getUninterruptibly(Future<T> f)
      throws ExecutionException, InterruptedException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the replica threads and frees the copies; the master weights stay. */
  @Override
  public void close() {
    pool.shutdownNow();
    try {
      if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("replica threads did not stop within 60 s");
      }
      for (Thread t : threads) {
        t.join(); // terminated pools may still have threads on their way out
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      for (ReplicaParameters r : replicas) {
        if (r != null) {
          for (Parameter p : params) {
            NDArray a = r.values.get(p.getId());
            if (a != null && a != p.getArray()) {
              a.close();
            }
          }
        }
      }
      manager.close();
    }
  }

  /** The arrays of one replica, as a {@link ParameterStore} for {@link Block#forward}. */
  private static final class ReplicaParameters extends ParameterStore {
    final Map<String, NDArray> values = new ConcurrentHashMap<>();

    ReplicaParameters(NDManager manager) {
      super(manager, false);
    }

    @Override
    public NDArray getValue(Parameter parameter, Device device, boolean training) {
      if (parameter == null) {
        return null;
      }
      NDArray v = values.get(parameter.getId());
      if (v == null) {
        throw new IllegalStateException("parameter " + parameter.getName() + " has no replica");
      }
      return v;
    }

    @Override
    public void updateAllParameters() {
      throw new UnsupportedOperationException("DataParallelStep updates the parameters");
    }
  }
}
