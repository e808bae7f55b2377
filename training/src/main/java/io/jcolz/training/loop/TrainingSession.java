package io.jcolz.training.loop;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.order.Shard;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.data.BatchArrays;
import io.jcolz.training.data.LabelCounts;
import io.jcolz.training.loop.TrainingSettings.Setting;
import io.jcolz.training.loss.AsymmetricLoss;
import io.jcolz.training.metrics.MultiLabelReport;
import io.jcolz.training.model.ResNetModels;
import io.jcolz.training.model.ResNetSpec;
import io.jcolz.training.model.TorchvisionImport;
import io.jcolz.training.model.TorchvisionResNet;
import io.jcolz.training.optim.OptimizerSettings;
import io.jcolz.training.optim.WarmupCosineTracker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One run of {@link Training}: {@link #open} checks the data, the settings and the checkpoint and
 * settles what the run uses; {@link #run} trains the planned epochs — each an {@link #trainEpoch
 * epoch}, a {@link #validate validation} and a {@link #checkpoint checkpoint} step — over
 * <em>one</em> training {@link Loader} that covers all of them, from the resume position on.
 *
 * <p>With D devices an epoch of B batches trains {@code floor(B / D)} steps; the loader still
 * delivers the last {@code B mod D} batches of the epoch (to devices 0 … B mod D − 1), and {@link
 * #takeStep} skips them as the next epoch starts. A step is a {@link DataParallelStep}: the devices
 * work at once, and DJL's trainer only holds the master weights on device 0 (validation, saving).
 *
 * <p>Elastic resume: the sample order is a function of (seed, epoch) and of the quasi-random
 * window, which is sized from the <em>global</em> batch D × B, so step s covers epoch positions
 * [s·D·B, (s+1)·D·B) whatever D. A checkpoint written with D devices × B resumes on D′ × B′ devices
 * when D′ × B′ = D × B: its batch position is converted to batches of B′, and the run continues
 * with exactly the samples not yet seen, in the same order.
 *
 * <p>Not thread-safe: the calling thread runs it (plus the loader's workers).
 */
final class TrainingSession implements AutoCloseable {
  private final long t0 = System.nanoTime();
  private final Dataset train;
  private final Dataset val;
  private final TrainingSettings cfg;
  private final TrainingCallbacks listener;
  private final Device[] devices;
  private final List<String> vocab;
  private final long batchesPerEpoch;
  private final LabelCounts counts;
  private final Checkpoints.Loaded resumedFrom;
  private final ResNetSpec spec;
  private final float[] posWeights;
  private final OptimizerSettings optimizer;
  private final Checkpoint.FineTuning fineTuning;

  // progress, carried over from the checkpoint on a resume
  private long stepsDone;
  private int epochsDone;
  private long nextEpoch;
  private long nextBatch;
  private double lastLoss;
  // mAP and thresholds are those this run measures on val: a checkpoint's describe the model as it
  // was then, so a resumed run does not carry them over (without val its checkpoints have none,
  // rather than stale ones presented as current)
  private double lastMap = Double.NaN;
  private float[] thresholds;
  private Path lastCheckpoint;

  private final List<EpochStats> stats = new ArrayList<>();
  private long images;
  private double trainSeconds;
  private double waitSeconds;

  // resources of run()
  private Loss loss;
  private Model model;
  private Trainer trainer;
  private DataParallelStep parallel;
  private WarmupCosineTracker schedule;
  private Loader loader;

  private TrainingSession(
      Dataset train, Dataset val, TrainingSettings cfg, TrainingCallbacks listener)
      throws IOException {
    this.train = train;
    this.val = val;
    this.cfg = cfg;
    this.listener = listener;
    vocab = BatchArrays.vocabulary(train);
    int[] hw = BatchArrays.imageSize(train);
    if (val != null) {
      checkValidationSet(hw);
    }
    cfg.precision.checkAvailable();
    devices = cfg.devices;
    int d = devices.length;
    batchesPerEpoch = new Shard(train.rowCount(), 0, 1, cfg.batchSize, true).batches();
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
    counts = LabelCounts.of(train);
    Checkpoint resumed = null;
    if (cfg.resume) {
      resumedFrom = Checkpoints.load(cfg.checkpointDir);
      resumed = resumedFrom.checkpoint();
      BatchArrays.checkVocabulary(
          "dataset " + train.path(), vocab, "the checkpoint", resumed.labels());
      checkResume(hw);
    } else {
      resumedFrom = null;
    }
    spec =
        resumed != null
            ? resumed.spec()
            : ResNetSpec.of(cfg.model == null ? "resnet18" : cfg.model, hw[0], hw[1], vocab.size());
    posWeights = resumed != null ? resumed.positiveWeights() : positiveWeights(cfg, counts);
    if (posWeights != null && train.partialLabels().partial()) {
      throw SettingException.of(
          Setting.POSITIVE_WEIGHT,
          " applies to plain labels only; dataset " + train.path() + " has partial labels");
    }
    long warmup =
        cfg.warmupSteps >= 0 ? cfg.warmupSteps : Math.max(1, Math.round(0.05 * totalSteps));
    optimizer =
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
    fineTuning =
        resumed != null
            ? resumed.fineTuning()
            : new Checkpoint.FineTuning(cfg.trainFrom, cfg.headLrMult);
    stepsDone = resumed != null ? resumed.stepsDone() : 0;
    epochsDone = resumed != null ? resumed.epochsCompleted() : 0;
    nextEpoch = resumed != null ? resumed.nextEpoch() : 0;
    nextBatch = resumed != null ? elasticBatch(resumed) : 0;
    lastLoss = resumed != null ? resumed.loss() : Double.NaN;
    lastCheckpoint = resumedFrom != null ? resumedFrom.directory() : null;
  }

  /**
   * Checks everything and settles the settings of a run; starts nothing.
   *
   * @throws IOException if a dataset or the checkpoint cannot be read
   * @throws IllegalArgumentException (often a {@link SettingException}) for settings that do not
   *     fit the data or the checkpoint
   */
  static TrainingSession open(
      Dataset train, Dataset val, TrainingSettings cfg, TrainingCallbacks listener)
      throws IOException {
    return new TrainingSession(train, val, cfg, listener);
  }

  /** The steps of one epoch of the plan: train {@code steps} steps from batch {@code from}. */
  record PlannedEpoch(long epoch, long from, long steps) {}

  /**
   * The epochs this run trains, from the resume position to the configured count, cut short by
   * {@code maxSteps}.
   */
  List<PlannedEpoch> plan() {
    int d = devices.length;
    List<PlannedEpoch> plan = new ArrayList<>();
    long left = cfg.maxSteps > 0 ? cfg.maxSteps : Long.MAX_VALUE;
    for (long epoch = nextEpoch; epoch < cfg.epochs && left > 0; epoch++) {
      long from = epoch == nextEpoch ? nextBatch : 0;
      long steps = Math.min((batchesPerEpoch - from) / d, left);
      left -= steps;
      plan.add(new PlannedEpoch(epoch, from, steps));
    }
    return plan;
  }

  /**
   * The model training starts from, on the first device: the resumed checkpoint's; else the {@code
   * --init} weights with a new head; else a fresh one from {@link ResNetModels#fromScratch(
   * ResNetSpec, Device, LabelCounts)} with the training set's counts (the default the library's
   * callers get too). DJL's random generator is seeded with the run's seed first.
   *
   * @return the model (the caller closes it)
   */
  Model startingModel() throws IOException {
    Engine.getInstance().setRandomSeed((int) cfg.seed);
    return resumedFrom != null
        ? resumedFrom.model(devices[0])
        : cfg.init != null
            ? TorchvisionImport.load(cfg.init, spec, devices[0], counts.prior(), false)
            : ResNetModels.fromScratch(spec, devices[0], counts);
  }

  /**
   * Trains the planned epochs.
   *
   * @return what was done
   */
  TrainingOutcome run() throws IOException, InterruptedException {
    listener.started(spec, optimizer, posWeights, resumedFrom != null, stepsDone);
    // the config refused weights it cannot take; a dataset of partial labels trains masked
    loss = cfg.loss.build(posWeights, cfg.seed, train.partialLabels().partial());
    model = startingModel();
    TorchvisionResNet net = (TorchvisionResNet) model.getBlock();
    Set<String> headIds = new HashSet<>();
    for (Pair<String, Parameter> p : net.fc().getParameters()) {
      headIds.add(p.getValue().getId());
    }
    Optimizer opt = optimizer.build(stepsDone, 1, headIds, fineTuning.headLearningRateMultiplier());
    trainer =
        model.newTrainer(
            new DefaultTrainingConfig(loss)
                .optOptimizer(opt)
                .optDevices(new Device[] {devices[0]}));
    trainer.initialize(spec.inputShape(cfg.batchSize));
    net.freezeBefore(fineTuning.trainFrom()); // after the trainer, which attaches gradients
    parallel =
        new DataParallelStep(
            model.getBlock(), opt, loss, devices, cfg.precision.dataType(), trainer.getManager());
    schedule = optimizer.schedule(0);
    List<PlannedEpoch> plan = plan();
    if (!plan.isEmpty()) {
      PlannedEpoch first = plan.getFirst();
      loader = openLoader(first.epoch(), first.from(), plan.size());
      listener.loaderStarted(loader.config());
    }
    for (PlannedEpoch p : plan) {
      EpochStats es = trainEpoch(p);
      if (val != null) {
        validate(p.epoch());
      }
      es = withMap(es, lastMap);
      if (cfg.checkpointDir != null) {
        checkpoint();
      }
      stats.add(es);
      listener.epochFinished(es);
    }
    return new TrainingOutcome(
        spec,
        List.copyOf(stats),
        epochsDone,
        stepsDone,
        lastLoss,
        lastMap,
        trainSeconds > 0 ? images / trainSeconds : 0,
        trainSeconds > 0 ? waitSeconds / trainSeconds : 0,
        (System.nanoTime() - t0) / 1e9,
        lastCheckpoint,
        thresholds);
  }

  /**
   * The training loader: every batch from ({@code epoch}, {@code batch}) to the end of {@code
   * epochs} epochs. The one place the session builds a loader.
   */
  private Loader openLoader(long epoch, long batch, long epochs) {
    // the window a one-device loader of the global batch picks: the order is then the same for
    // every split of that batch across devices (elastic resume)
    int window = Loader.builder(train).batchSize(cfg.batchSize * devices.length).config().window();
    Loader.Builder b =
        Loader.builder(train)
            .window(window)
            .batchSize(cfg.batchSize)
            .devices(devices.length)
            .workers(cfg.workers)
            .order(Order.QUASI_RANDOM)
            .seed(cfg.seed)
            .startAt(epoch, batch)
            .epochs(epochs)
            .labels(cfg.labelMode)
            .augment(cfg.augment);
    return cfg.reads.applyTo(b).start();
  }

  /** The training steps of one epoch; the stats have no mAP yet (validation follows). */
  private EpochStats trainEpoch(PlannedEpoch p) throws IOException, InterruptedException {
    int d = devices.length;
    int e = (int) p.epoch();
    listener.epochStarted(e, p.steps());
    double lossSum = 0;
    long epochImages = 0;
    double epochWait = 0;
    long epochStart = System.nanoTime();
    Batch[] batches = new Batch[d];
    for (long s = 0; s < p.steps(); s++) {
      long w0 = System.nanoTime();
      try {
        if (!takeStep(loader, p.epoch(), batches)) {
          throw new IllegalStateException(
              "loader ended early at step " + s + " of epoch " + p.epoch());
        }
        epochWait += (System.nanoTime() - w0) / 1e9;
        for (Batch b : batches) {
          listener.batchTaken(b);
        }
        if (loss instanceof AsymmetricLoss asl) {
          asl.setStep(stepsDone); // the negatives this step sub-samples
        }
        float stepLoss = step(batches);
        lossSum += stepLoss;
        int n = d * cfg.batchSize;
        epochImages += n;
        stepsDone++;
        listener.stepFinished(e, s + 1, n, stepLoss);
      } finally {
        for (int k = 0; k < d; k++) {
          if (batches[k] != null) {
            batches[k].close();
            batches[k] = null;
          }
        }
      }
    }
    double seconds = (System.nanoTime() - epochStart) / 1e9;
    boolean complete = p.from() + p.steps() * d >= batchesPerEpoch - (batchesPerEpoch % d);
    nextEpoch = complete ? p.epoch() + 1 : p.epoch();
    nextBatch = complete ? 0 : p.from() + p.steps() * d;
    if (complete) {
      epochsDone = e + 1;
    }
    lastLoss = p.steps() > 0 ? lossSum / p.steps() : Double.NaN;
    images += epochImages;
    trainSeconds += seconds;
    waitSeconds += epochWait;
    return new EpochStats(
        e,
        p.steps(),
        epochImages,
        lastLoss,
        seconds,
        seconds > 0 ? epochImages / seconds : 0,
        seconds > 0 ? epochWait / seconds : 0,
        Double.NaN,
        schedule.valueAt(Math.max(0, stepsDone - 1)),
        complete);
  }

  private static EpochStats withMap(EpochStats e, double map) {
    return new EpochStats(
        e.epoch(),
        e.steps(),
        e.images(),
        e.loss(),
        e.seconds(),
        e.imagesPerSecond(),
        e.dataStall(),
        map,
        e.learningRate(),
        e.complete());
  }

  /**
   * Takes one step's batches, one from each device queue in device order, skipping batches of
   * earlier epochs (the {@code B mod D} an epoch's steps leave over).
   *
   * @param loader the loader
   * @param epoch the epoch the step belongs to
   * @param out filled with one open batch per device (the caller closes them); on an exception or a
   *     false return, the batches already taken are in it
   * @return false if a queue ended first
   * @throws IllegalStateException if a queue is ahead of {@code epoch}
   */
  static boolean takeStep(Loader loader, long epoch, Batch[] out)
      throws IOException, InterruptedException {
    for (int k = 0; k < out.length; k++) {
      Batch b;
      while ((b = loader.device(k).take()) != null && b.epoch() < epoch) {
        b.close(); // left over by the previous epoch's steps
      }
      if (b == null) {
        return false;
      }
      out[k] = b;
      if (b.epoch() != epoch) {
        throw new IllegalStateException(
            "device " + k + " delivered a batch of epoch " + b.epoch() + " during epoch " + epoch);
      }
    }
    return true;
  }

  /**
   * One optimizer step over one batch per device, the devices at once; returns the mean of the
   * devices' losses.
   */
  private float step(Batch[] batches) throws InterruptedException {
    return parallel.step(
        (k, dm) -> {
          NDArray x = BatchArrays.images(dm, batches[k]);
          NDList y = BatchArrays.lossLabels(dm, batches[k]);
          batches[k].close(); // the arrays are copies; let the loader reuse the buffer
          return new DataParallelStep.Upload(new NDList(x), y);
        });
  }

  /** mAP and per-label thresholds of the model on the validation set. */
  private void validate(long epoch) throws IOException, InterruptedException {
    listener.validating((int) epoch);
    MultiLabelReport report;
    try (Inference.Scored scored =
        Inference.evaluate(
            val,
            devices[0],
            trainer.getManager(),
            cfg.evalBatchSize,
            cfg.workers,
            cfg.reads,
            trainer::evaluate)) {
      report = scored.evaluator().evaluate(0.5f);
    }
    lastMap = report.meanAveragePrecision();
    thresholds = report.bestThresholds(0.5f);
  }

  /** Saves the model and the position reached. */
  private void checkpoint() throws IOException {
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
            devices.length,
            cfg.labelMode.name(),
            posWeights,
            thresholds,
            lastLoss,
            lastMap,
            train.id().toString(),
            val == null ? null : val.id().toString(),
            fineTuning,
            PackedImages.of(train).resize());
    lastCheckpoint = Checkpoints.save(cfg.checkpointDir, c, model);
  }

  /** Closes the loader, the trainer and the model. */
  @Override
  public void close() {
    try {
      if (loader != null) {
        loader.close();
      }
    } finally {
      try {
        if (parallel != null) {
          parallel.close();
        }
        if (trainer != null) {
          trainer.close();
        }
      } finally {
        if (model != null) {
          model.close();
        }
      }
    }
  }

  private void checkValidationSet(int[] hw) {
    String mismatch =
        BatchArrays.vocabularyMismatch(
            "dataset " + val.path(), BatchArrays.vocabulary(val), "the training dataset", vocab);
    if (mismatch != null) {
      throw SettingException.of("label vocabulary mismatch: ", Setting.VAL, " " + mismatch);
    }
    int[] vhw = BatchArrays.imageSize(val);
    if (!Arrays.equals(hw, vhw)) {
      throw SettingException.of(
          Setting.VAL,
          " dataset images are "
              + vhw[0]
              + "×"
              + vhw[1]
              + ", training images "
              + hw[0]
              + "×"
              + hw[1]);
    }
  }

  private void checkResume(int[] hw) {
    Checkpoint c = resumedFrom.checkpoint();
    int d = cfg.devices.length;
    if (!c.dataset().equals(train.id().toString())) {
      throw SettingException.of(
          "checkpoint "
              + resumedFrom.directory()
              + " was trained on dataset id "
              + c.dataset()
              + ", "
              + train.path()
              + " has id "
              + train.id()
              + " (resume on the same training dataset, or start a new run in another ",
          Setting.CHECKPOINT_DIR,
          " directory)");
    }
    if (cfg.model != null && !cfg.model.equalsIgnoreCase(c.spec().name())) {
      throw SettingException.of(
          Setting.MODEL, " " + cfg.model + " vs the checkpoint's " + c.spec().name());
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
    long global = (long) c.batchSize() * c.devices();
    if (global != (long) cfg.batchSize * d) {
      throw new IllegalArgumentException(
          "the checkpoint's global batch is "
              + c.devices()
              + " device(s) × "
              + c.batchSize()
              + " = "
              + global
              + ", this run's "
              + d
              + " × "
              + cfg.batchSize
              + " = "
              + (long) cfg.batchSize * d
              + " (resume with the same global batch: devices × batch = "
              + global
              + ")");
    }
    if (c.seed() != cfg.seed || !c.labelMode().equals(cfg.labelMode.name())) {
      throw new IllegalArgumentException(
          "the loader position in the checkpoint is for seed "
              + c.seed()
              + ", labels "
              + c.labelMode()
              + "; this run has seed "
              + cfg.seed
              + ", labels "
              + cfg.labelMode
              + " (resume with the same settings)");
    }
    OptimizerSettings o = c.optimizer();
    List<Object> differ = new ArrayList<>();
    if (cfg.explicit.contains(Setting.OPTIMIZER) && !cfg.optimizer.equalsIgnoreCase(o.kind())) {
      differ(differ, Setting.OPTIMIZER, " " + cfg.optimizer + " (checkpoint: " + o.kind() + ")");
    }
    if (cfg.explicit.contains(Setting.LEARNING_RATE) && cfg.learningRate != o.learningRate()) {
      differ(
          differ,
          Setting.LEARNING_RATE,
          " " + cfg.learningRate + " (checkpoint: " + o.learningRate() + ")");
    }
    if (cfg.explicit.contains(Setting.MOMENTUM) && cfg.momentum != o.momentum()) {
      differ(differ, Setting.MOMENTUM, " " + cfg.momentum + " (checkpoint: " + o.momentum() + ")");
    }
    if (cfg.explicit.contains(Setting.WEIGHT_DECAY) && cfg.weightDecay != o.weightDecay()) {
      differ(
          differ,
          Setting.WEIGHT_DECAY,
          " " + cfg.weightDecay + " (checkpoint: " + o.weightDecay() + ")");
    }
    // a negative warm-up is the default (5% of the first run's steps): nothing to compare
    if (cfg.explicit.contains(Setting.WARMUP_STEPS)
        && cfg.warmupSteps >= 0
        && Math.min(cfg.warmupSteps, o.totalSteps()) != o.warmupSteps()) {
      differ(
          differ,
          Setting.WARMUP_STEPS,
          " " + cfg.warmupSteps + " (checkpoint: " + o.warmupSteps() + " steps)");
    }
    if (cfg.explicit.contains(Setting.POSITIVE_WEIGHT)
        && !Arrays.equals(positiveWeights(cfg, counts), c.positiveWeights())) {
      differ(
          differ,
          Setting.POSITIVE_WEIGHT,
          " (checkpoint: " + Training.describeWeights(c.positiveWeights()) + ")");
    }
    if (cfg.explicit.contains(Setting.TRAIN_FROM) && cfg.trainFrom != c.fineTuning().trainFrom()) {
      differ(
          differ,
          Setting.TRAIN_FROM,
          " " + cfg.trainFrom + " (checkpoint: " + c.fineTuning().trainFrom() + ")");
    }
    if (cfg.explicit.contains(Setting.HEAD_LR_MULT)
        && cfg.headLrMult != c.fineTuning().headLearningRateMultiplier()) {
      differ(
          differ,
          Setting.HEAD_LR_MULT,
          " "
              + cfg.headLrMult
              + " (checkpoint: "
              + c.fineTuning().headLearningRateMultiplier()
              + ")");
    }
    if (!differ.isEmpty()) {
      long settings = differ.stream().filter(Setting.class::isInstance).count();
      List<Object> parts = new ArrayList<>();
      parts.add("a resumed run keeps the checkpoint's optimizer settings, and ");
      parts.addAll(differ);
      parts.add(
          " differ"
              + (settings == 1 ? "s" : "")
              + " (drop the option, or start a new run in another ");
      parts.add(Setting.CHECKPOINT_DIR);
      parts.add(" directory)");
      throw SettingException.of(parts.toArray());
    }
  }

  /**
   * The checkpoint's next batch in batches of this run's size: the same epoch position, since a
   * resume keeps the global batch ({@link #checkResume}).
   */
  private long elasticBatch(Checkpoint c) {
    long position = c.nextBatch() * c.batchSize();
    if (position % cfg.batchSize != 0) {
      throw new IllegalArgumentException(
          "checkpoint "
              + resumedFrom.directory()
              + " stopped at epoch position "
              + position
              + ", not a multiple of this run's batch "
              + cfg.batchSize);
    }
    return position / cfg.batchSize;
  }

  /** Adds "SETTING text" to a comma-separated list of message parts. */
  private static void differ(List<Object> parts, Setting setting, String text) {
    if (!parts.isEmpty()) {
      parts.add(", ");
    }
    parts.add(setting);
    parts.add(text);
  }

  private static float[] positiveWeights(TrainingSettings cfg, LabelCounts counts) {
    return switch (cfg.positiveWeight) {
      case TrainingSettings.PositiveWeight.None n -> null;
      case TrainingSettings.PositiveWeight.Auto a -> counts.autoPositiveWeights();
      case TrainingSettings.PositiveWeight.Uniform u -> {
        float[] w = new float[counts.positives().length];
        Arrays.fill(w, u.weight());
        yield w;
      }
    };
  }
}
