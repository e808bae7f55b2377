package io.jcolz.training.loop;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.jcolz.format.Dataset;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.order.Shard;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.data.BatchArrays;
import io.jcolz.training.data.LabelCounts;
import io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss;
import io.jcolz.training.metrics.MultiLabelReport;
import io.jcolz.training.model.ResNetModels;
import io.jcolz.training.model.ResNetSpec;
import io.jcolz.training.optim.OptimizerSettings;
import io.jcolz.training.optim.WarmupCosineTracker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The training loop: a multi-label ResNet trained with DJL's {@link Trainer} on batches from the
 * jcolz {@link Loader}, the {@link FusedSigmoidCrossEntropyLoss} and a warm-up + cosine schedule;
 * validation mAP, images/s and data stall per epoch; a checkpoint after every epoch.
 *
 * <h2>Devices and steps</h2>
 *
 * The loader is built with one queue per device ({@code devices(D)}: batch i of an epoch goes to
 * device {@code i mod D}). One optimizer step takes one batch from every queue, in device order;
 * for each device it uploads the batch (uint8 images, converted and normalised on the device), runs
 * forward and the loss there, and calls {@code backward} on {@code loss / D} inside one {@link
 * GradientCollector}; then {@code trainer.step()} hands every parameter to DJL's {@code
 * LocalParameterServer}, which adds the other devices' gradients into device 0's — the sum of the D
 * per-device means divided by D is the mean over the D·B samples — and then calls the optimizer
 * once for <em>each</em> device's copy of the parameter with that summed gradient (copied to the
 * copy's device). Each copy has its own optimizer state (momentum, Adam moments), updated once per
 * step from the same gradient, so the copies stay equal; nothing is copied from device 0 to the
 * others. DJL's optimizers count those per-copy calls (D per step), which would run the
 * learning-rate schedule and Adam's bias correction D times too fast; the optimizers of {@link
 * OptimizerSettings#build(long, int)} count steps instead. The global batch is therefore {@code D ×
 * --batch}, and an epoch has {@code floor(batches / D)} steps (up to D−1 trailing batches per epoch
 * are not trained on). On a CPU machine D = 1 and this is the ordinary loop (DJL refuses two CPU
 * devices in one trainer); <b>the D &gt; 1 path has not been run end to end</b> (no GPU machine was
 * available; the per-copy update count is unit-tested with DJL's parameter server): batch-norm
 * running statistics are not parameters with gradients, so each copy keeps its own from its own
 * batches, and the checkpoint saves device 0's.
 *
 * <h2>Data stall</h2>
 *
 * For each step: time spent in {@code take()} waiting for the D batches ÷ the whole step time (wait
 * + upload + forward + backward + update + reading the loss). 0 means the GPU/CPU never waited for
 * the loader.
 *
 * <h2>Checkpoints and resume</h2>
 *
 * After every epoch (and when {@code maxSteps} stops a run mid-epoch) a {@link Checkpoint} is
 * written atomically by {@link Checkpoints}: parameters, model spec, label vocabulary, optimizer
 * settings, steps done, and the loader position (next epoch and batch). A resumed run checks the
 * training dataset's id, vocabulary, image size, seed, batch size and device count against the
 * checkpoint, uses the checkpoint's optimizer settings and positive weights (refusing any that the
 * config set explicitly to other values; {@link TrainingListener#started} reports those actually
 * used), builds its loader with {@code startAt(epoch, batch)} — the loader's order is a pure
 * function of (seed, epoch), so the batches are exactly those the interrupted run would have seen
 * next — and continues the learning-rate schedule at the step reached. Validation figures (mAP,
 * per-label thresholds) are not carried over: a run reports and checkpoints only what it measured
 * on its own {@code val} after its own epochs, so a resumed run without {@code val} has none (NaN,
 * null) rather than the figures of an older model. The optimizer's own state (SGD momentum, Adam
 * moments) is <b>not</b> saved: DJL keeps it in private maps with no export; it restarts from zero
 * on resume, which costs a few steps of re-estimation.
 *
 * <h2>Precision</h2>
 *
 * Float32 throughout. No mixed precision: the CPU build of PyTorch gains nothing from float16 (no
 * fast half-precision matrix kernels on x86 CPUs; bfloat16 only on AVX-512-BF16/AMX parts), and DJL
 * 0.35 has no autocast or loss scaling, so a hand-made float16 path would need master weights and
 * loss scaling of its own. On GPUs this is left for later.
 *
 * <p>Thread-safety: not thread-safe; a {@code Training} run uses the calling thread (plus the
 * loader's workers) and its model exclusively.
 */
public final class Training {
  private Training() {}

  /**
   * Trains (or resumes training) a model.
   *
   * @param train the training dataset (raw or encoded images, a label column)
   * @param val a held-out dataset with the same vocabulary, or null
   * @param cfg the settings
   * @param listener progress callbacks (may be a no-op)
   * @return what was done
   * @throws IOException if a dataset or checkpoint cannot be read or written
   * @throws InterruptedException if interrupted while waiting for batches
   * @throws IllegalArgumentException for settings that do not fit the data or the checkpoint
   */
  public static TrainingResult run(
      Dataset train, Dataset val, TrainingConfig cfg, TrainingListener listener)
      throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    List<String> vocab = BatchArrays.vocabulary(train);
    int[] hw = BatchArrays.imageSize(train);
    if (val != null) {
      BatchArrays.checkVocabulary(
          "--val dataset " + val.path(),
          BatchArrays.vocabulary(val),
          "the training dataset",
          vocab);
      int[] vhw = BatchArrays.imageSize(val);
      if (!Arrays.equals(hw, vhw)) {
        throw new IllegalArgumentException(
            "--val dataset images are "
                + vhw[0]
                + "×"
                + vhw[1]
                + ", training images "
                + hw[0]
                + "×"
                + hw[1]);
      }
    }
    Device[] devices = cfg.devices;
    int d = devices.length;
    long batchesPerEpoch = new Shard(train.rowCount(), 0, 1, cfg.batchSize, true).batches();
    long stepsPerEpoch = batchesPerEpoch / d;
    if (stepsPerEpoch < 1) {
      throw new IllegalArgumentException(
          "dataset "
              + train.path()
              + " has "
              + train.rowCount()
              + " rows: not one step of "
              + d
              + " device(s) × batch "
              + cfg.batchSize);
    }
    long totalSteps = stepsPerEpoch * cfg.epochs;

    Checkpoint resumed = null;
    Checkpoints.Loaded loaded = null;
    LabelCounts counts = LabelCounts.of(train);
    if (cfg.resume) {
      loaded = Checkpoints.load(cfg.checkpointDir);
      resumed = loaded.checkpoint();
      BatchArrays.checkVocabulary(
          "dataset " + train.path(), vocab, "the checkpoint", resumed.labels());
      checkResume(loaded, train, cfg, hw, d, counts);
    }
    ResNetSpec spec =
        resumed != null
            ? resumed.spec()
            : ResNetSpec.of(cfg.model == null ? "resnet18" : cfg.model, hw[0], hw[1], vocab.size());
    float[] posWeights = resumed != null ? resumed.positiveWeights() : positiveWeights(cfg, counts);
    long warmup =
        cfg.warmupSteps >= 0 ? cfg.warmupSteps : Math.max(1, Math.round(0.05 * totalSteps));
    OptimizerSettings optimizer =
        resumed != null
            ? new OptimizerSettings(
                resumed.optimizer().kind(),
                resumed.optimizer().learningRate(),
                resumed.optimizer().momentum(),
                resumed.optimizer().weightDecay(),
                resumed.optimizer().warmupSteps(),
                totalSteps)
            : new OptimizerSettings(
                cfg.optimizer, cfg.learningRate, cfg.momentum, cfg.weightDecay, warmup, totalSteps);
    long stepsDone = resumed != null ? resumed.stepsDone() : 0;
    int epochsDone = resumed != null ? resumed.epochsCompleted() : 0;
    long startEpoch = resumed != null ? resumed.nextEpoch() : 0;
    long startBatch = resumed != null ? resumed.nextBatch() : 0;
    double lastLoss = resumed != null ? resumed.loss() : Double.NaN;
    // mAP and thresholds are those this run measures on --val: a checkpoint's describe the model
    // as it was then, so a resumed run does not carry them over (without --val its
    // checkpoints have none, rather than stale ones presented as current)
    double lastMap = Double.NaN;
    float[] thresholds = null;
    Path lastCheckpoint = loaded != null ? loaded.directory() : null;
    listener.started(spec, optimizer, posWeights, resumed != null, stepsDone);

    FusedSigmoidCrossEntropyLoss loss =
        posWeights == null
            ? new FusedSigmoidCrossEntropyLoss()
            : FusedSigmoidCrossEntropyLoss.builder().optPositiveWeights(posWeights).build();
    List<EpochStats> stats = new ArrayList<>();
    long images = 0;
    double trainSeconds = 0;
    double waitSeconds = 0;
    long runSteps = 0;
    Engine.getInstance().setRandomSeed((int) cfg.seed);
    try (Model model =
        loaded != null
            ? loaded.model(devices[0])
            : ResNetModels.fromScratch(spec, devices[0], prior(counts))) {
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(loss)
              .optOptimizer(optimizer.build(stepsDone, d))
              .optDevices(devices);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(spec.inputShape(cfg.batchSize));
        WarmupCosineTracker schedule = optimizer.schedule(0);
        for (long epoch = startEpoch; epoch < cfg.epochs; epoch++) {
          if (cfg.maxSteps > 0 && runSteps >= cfg.maxSteps) {
            break;
          }
          long from = epoch == startEpoch ? startBatch : 0;
          long steps = (batchesPerEpoch - from) / d;
          if (cfg.maxSteps > 0) {
            steps = Math.min(steps, cfg.maxSteps - runSteps);
          }
          int e = (int) epoch;
          listener.epochStarted(e, steps);
          double lossSum = 0;
          long epochImages = 0;
          double epochWait = 0;
          long epochStart = System.nanoTime();
          try (Loader loader =
              Loader.builder(train)
                  .batchSize(cfg.batchSize)
                  .devices(d)
                  .workers(cfg.workers)
                  .order(Order.QUASI_RANDOM)
                  .seed(cfg.seed)
                  .startAt(epoch, from)
                  .epochs(1)
                  .labels(cfg.labelMode)
                  .augment(cfg.augment)
                  .start()) {
            for (long s = 0; s < steps; s++) {
              long w0 = System.nanoTime();
              Batch[] batches = new Batch[d];
              try {
                for (int k = 0; k < d; k++) {
                  batches[k] = loader.device(k).take();
                  if (batches[k] == null) {
                    throw new IllegalStateException(
                        "loader ended early at step " + s + " of epoch " + epoch);
                  }
                }
                epochWait += (System.nanoTime() - w0) / 1e9;
                for (Batch b : batches) {
                  listener.batchTaken(b);
                }
                float stepLoss = step(trainer, loss, devices, batches);
                lossSum += stepLoss;
                int n = d * cfg.batchSize;
                epochImages += n;
                runSteps++;
                stepsDone++;
                listener.stepFinished(e, s + 1, n, stepLoss);
              } finally {
                for (Batch b : batches) {
                  if (b != null) {
                    b.close();
                  }
                }
              }
            }
          }
          double seconds = (System.nanoTime() - epochStart) / 1e9;
          boolean complete = from + steps * d >= batchesPerEpoch - (batchesPerEpoch % d);
          long nextEpoch = complete ? epoch + 1 : epoch;
          long nextBatch = complete ? 0 : from + steps * d;
          if (complete) {
            epochsDone = e + 1;
          }
          lastLoss = steps > 0 ? lossSum / steps : Double.NaN;
          if (val != null) {
            listener.validating(e);
            MultiLabelReport report =
                Inference.evaluate(
                        val,
                        devices[0],
                        trainer.getManager(),
                        cfg.evalBatchSize,
                        cfg.workers,
                        trainer::evaluate)
                    .evaluate(0.5f);
            lastMap = report.meanAveragePrecision();
            thresholds = report.bestThresholds(0.5f);
          }
          images += epochImages;
          trainSeconds += seconds;
          waitSeconds += epochWait;
          EpochStats es =
              new EpochStats(
                  e,
                  steps,
                  epochImages,
                  lastLoss,
                  seconds,
                  seconds > 0 ? epochImages / seconds : 0,
                  seconds > 0 ? epochWait / seconds : 0,
                  lastMap,
                  schedule.valueAt(Math.max(0, stepsDone - 1)),
                  complete);
          if (cfg.checkpointDir != null) {
            Checkpoint c =
                new Checkpoint(
                    spec,
                    vocab,
                    optimizer,
                    epochsDone,
                    stepsDone,
                    nextEpoch,
                    nextBatch,
                    cfg.seed,
                    cfg.batchSize,
                    d,
                    cfg.labelMode.name(),
                    posWeights,
                    thresholds,
                    lastLoss,
                    lastMap,
                    train.id().toString(),
                    val == null ? null : val.id().toString());
            lastCheckpoint = Checkpoints.save(cfg.checkpointDir, c, model);
          }
          stats.add(es);
          listener.epochFinished(es);
        }
      }
    }
    double total = (System.nanoTime() - t0) / 1e9;
    return new TrainingResult(
        spec,
        List.copyOf(stats),
        epochsDone,
        stepsDone,
        lastLoss,
        lastMap,
        trainSeconds > 0 ? images / trainSeconds : 0,
        trainSeconds > 0 ? waitSeconds / trainSeconds : 0,
        total,
        lastCheckpoint,
        thresholds);
  }

  /** One optimizer step over one batch per device; returns the mean of the devices' losses. */
  private static float step(
      Trainer trainer, FusedSigmoidCrossEntropyLoss loss, Device[] devices, Batch[] batches) {
    int d = devices.length;
    float sum = 0;
    try (NDManager scope = trainer.getManager().newSubManager();
        GradientCollector collector = trainer.newGradientCollector()) {
      for (int k = 0; k < d; k++) {
        NDManager dm = scope.newSubManager(devices[k]);
        NDArray x = BatchArrays.images(dm, batches[k]);
        NDArray y = BatchArrays.labels(dm, batches[k]);
        batches[k].close(); // the arrays are copies; let the loader reuse the buffer
        NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
        NDArray l = loss.evaluate(new NDList(y), new NDList(logits));
        sum += l.getFloat();
        collector.backward(d == 1 ? l : l.div(d));
      }
    }
    trainer.step();
    return sum / d;
  }

  private static void checkResume(
      Checkpoints.Loaded loaded,
      Dataset train,
      TrainingConfig cfg,
      int[] hw,
      int devices,
      LabelCounts counts) {
    Checkpoint c = loaded.checkpoint();
    if (!c.dataset().equals(train.id().toString())) {
      throw new IllegalArgumentException(
          "checkpoint "
              + loaded.directory()
              + " was trained on dataset id "
              + c.dataset()
              + ", "
              + train.path()
              + " has id "
              + train.id()
              + " (resume on the same training dataset, or start a new run in another --checkpoint directory)");
    }
    if (cfg.model != null && !cfg.model.equalsIgnoreCase(c.spec().name())) {
      throw new IllegalArgumentException(
          "--model " + cfg.model + " vs the checkpoint's " + c.spec().name());
    }
    if (c.spec().height() != hw[0] || c.spec().width() != hw[1]) {
      throw new IllegalArgumentException(
          "dataset images are "
              + hw[0]
              + "×"
              + hw[1]
              + ", the checkpoint's model "
              + c.spec().height()
              + "×"
              + c.spec().width());
    }
    if (c.seed() != cfg.seed
        || c.batchSize() != cfg.batchSize
        || c.devices() != devices
        || !c.labelMode().equals(cfg.labelMode.name())) {
      throw new IllegalArgumentException(
          "the loader position in the checkpoint is for seed "
              + c.seed()
              + ", batch "
              + c.batchSize()
              + ", "
              + c.devices()
              + " device(s), labels "
              + c.labelMode()
              + "; this run has seed "
              + cfg.seed
              + ", batch "
              + cfg.batchSize
              + ", "
              + devices
              + " device(s), labels "
              + cfg.labelMode
              + " (resume with the same settings)");
    }
    OptimizerSettings o = c.optimizer();
    List<String> differ = new ArrayList<>();
    if (cfg.explicit.contains("--optimizer") && !cfg.optimizer.equalsIgnoreCase(o.kind())) {
      differ.add("--optimizer " + cfg.optimizer + " (checkpoint: " + o.kind() + ")");
    }
    if (cfg.explicit.contains("--lr") && cfg.learningRate != o.learningRate()) {
      differ.add("--lr " + cfg.learningRate + " (checkpoint: " + o.learningRate() + ")");
    }
    if (cfg.explicit.contains("--momentum") && cfg.momentum != o.momentum()) {
      differ.add("--momentum " + cfg.momentum + " (checkpoint: " + o.momentum() + ")");
    }
    if (cfg.explicit.contains("--weight-decay") && cfg.weightDecay != o.weightDecay()) {
      differ.add("--weight-decay " + cfg.weightDecay + " (checkpoint: " + o.weightDecay() + ")");
    }
    // a negative warm-up is the default (5% of the first run's steps): nothing to compare
    if (cfg.explicit.contains("--warmup")
        && cfg.warmupSteps >= 0
        && Math.min(cfg.warmupSteps, o.totalSteps()) != o.warmupSteps()) {
      differ.add("--warmup " + cfg.warmupSteps + " (checkpoint: " + o.warmupSteps() + " steps)");
    }
    if (cfg.explicit.contains("--pos-weight")
        && !Arrays.equals(positiveWeights(cfg, counts), c.positiveWeights())) {
      differ.add("--pos-weight (checkpoint: " + describeWeights(c.positiveWeights()) + ")");
    }
    if (!differ.isEmpty()) {
      throw new IllegalArgumentException(
          "a resumed run keeps the checkpoint's optimizer settings, and "
              + String.join(", ", differ)
              + " differ"
              + (differ.size() == 1 ? "s" : "")
              + " (drop the option, or start a new run in another --checkpoint directory)");
    }
  }

  /**
   * Positive weights in a few words: {@code none}, one value, or the range of per-label values.
   *
   * @param w the weights, or null
   * @return the description
   */
  public static String describeWeights(float[] w) {
    if (w == null) {
      return "none";
    }
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : w) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return min == max ? Float.toString(min) : "per label, " + min + "–" + max;
  }

  private static float[] positiveWeights(TrainingConfig cfg, LabelCounts counts) {
    return switch (cfg.positiveWeight) {
      case TrainingConfig.PositiveWeight.None n -> null;
      case TrainingConfig.PositiveWeight.Auto a -> counts.autoPositiveWeights();
      case TrainingConfig.PositiveWeight.Uniform u -> {
        float[] w = new float[counts.positives().length];
        Arrays.fill(w, u.weight());
        yield w;
      }
    };
  }

  /** Initial σ of every label: the mean label frequency, kept within [1e-4, 0.5]. */
  private static float prior(LabelCounts counts) {
    long sum = 0;
    for (long p : counts.positives()) {
      sum += p;
    }
    double rate =
        counts.rows() == 0
            ? 0.5
            : (double) sum / ((double) counts.rows() * counts.positives().length);
    return (float) Math.max(1e-4, Math.min(0.5, rate));
  }
}
