package io.jcolz.training.loop;

import ai.djl.Device;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.read.ReadSettings;
import io.jcolz.training.loss.LossChoice;
import io.jcolz.training.model.TorchvisionResNet;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of a {@link Training} run, built with {@link #builder()}. Defaults: ResNet-18, 10
 * epochs, batch 64 per device, Adam at 1e-3, weight decay 1e-4, SGD momentum 0.9, warm-up 5% of the
 * steps, no positive weights, one CPU device, workers = cores, sparse labels, horizontal flips,
 * seed 0, no checkpoints, float32.
 *
 * <p>A resumed run uses the checkpoint's optimizer settings and positive weights; those set
 * explicitly on the builder ({@link Builder#learningRate}, {@link Builder#optimizer}, {@link
 * Builder#momentum}, {@link Builder#weightDecay}, {@link Builder#warmupSteps}, {@link
 * Builder#positiveWeight}) must then agree with the checkpoint, or {@link Training#run} refuses.
 *
 * <p>Thread-safety: immutable.
 */
public final class TrainingSettings {
  /**
   * The settings of a run, as messages ({@link SettingException}) name them. {@link #toString()} is
   * the neutral name: the {@link Builder} method, or the {@link Training#run} parameter for {@link
   * #VAL}. A front end maps each to its own wording (the command line: a flag).
   */
  public enum Setting {
    /** {@link Builder#model}. */
    MODEL("model"),
    /** {@link Builder#epochs}. */
    EPOCHS("epochs"),
    /** {@link Builder#batchSize}. */
    BATCH_SIZE("batchSize"),
    /** {@link Builder#learningRate}. */
    LEARNING_RATE("learningRate"),
    /** {@link Builder#optimizer}. */
    OPTIMIZER("optimizer"),
    /** {@link Builder#momentum}. */
    MOMENTUM("momentum"),
    /** {@link Builder#weightDecay}. */
    WEIGHT_DECAY("weightDecay"),
    /** {@link Builder#warmupSteps}. */
    WARMUP_STEPS("warmupSteps"),
    /** {@link Builder#positiveWeight}. */
    POSITIVE_WEIGHT("positiveWeight"),
    /** {@link Builder#devices} (and {@link Devices#parse}). */
    DEVICES("devices"),
    /** {@link Builder#workers}. */
    WORKERS("workers"),
    /** {@link Builder#maxSteps}. */
    MAX_STEPS("maxSteps"),
    /** {@link Builder#checkpointDir}. */
    CHECKPOINT_DIR("checkpointDir"),
    /** {@link Builder#resume}. */
    RESUME("resume"),
    /** The validation dataset, {@code val} of {@link Training#run}. */
    VAL("val"),
    /** {@link Builder#precision}. */
    PRECISION("precision"),
    /** {@link Builder#init}. */
    INIT("init"),
    /** {@link Builder#trainFrom}. */
    TRAIN_FROM("trainFrom"),
    /** {@link Builder#headLearningRateMultiplier}. */
    HEAD_LR_MULT("headLearningRateMultiplier");

    private final String name;

    Setting(String name) {
      this.name = name;
    }

    /** The neutral name, e.g. {@code learningRate}. */
    @Override
    public String toString() {
      return name;
    }
  }

  /** Positive weights: none (all 1), automatic (per-label neg/pos, capped), or one value. */
  public sealed interface PositiveWeight {
    /** Every weight 1. */
    record None() implements PositiveWeight {}

    /** Per-label negatives ÷ positives from the training labels, capped ({@code LabelCounts}). */
    record Auto() implements PositiveWeight {}

    /** One weight for every label. */
    record Uniform(float weight) implements PositiveWeight {}

    /**
     * Parses {@code auto}, {@code none} or a positive number.
     *
     * @param text the setting's text
     * @return the setting
     * @throws SettingException for other text
     */
    static PositiveWeight parse(String text) {
      String t = text.strip();
      if (t.equalsIgnoreCase("auto")) {
        return new Auto();
      }
      if (t.equalsIgnoreCase("none")) {
        return new None();
      }
      try {
        float w = Float.parseFloat(t);
        if (!(w > 0) || Float.isInfinite(w)) {
          throw new NumberFormatException();
        }
        return w == 1f ? new None() : new Uniform(w);
      } catch (NumberFormatException e) {
        throw SettingException.of(
            Setting.POSITIVE_WEIGHT,
            " must be auto, none or a positive number, not '" + text + "'");
      }
    }
  }

  final String model;
  final int epochs;
  final int batchSize;
  final float learningRate;
  final String optimizer;
  final float momentum;
  final float weightDecay;
  final long warmupSteps;
  final PositiveWeight positiveWeight;
  final Device[] devices;
  final int workers;
  final long maxSteps;
  final Path checkpointDir;
  final boolean resume;
  final long seed;
  final LabelMode labelMode;
  final Augment augment;
  final int evalBatchSize;
  final Precision precision;
  final Path init;
  final TorchvisionResNet.Part trainFrom;
  final float headLrMult;
  final LossChoice loss;
  final ReadSettings reads;

  /** The optimizer / positive-weight settings set explicitly (a resume compares those). */
  final Set<Setting> explicit;

  private TrainingSettings(Builder b) {
    model = b.model;
    epochs = b.epochs;
    batchSize = b.batchSize;
    learningRate = b.learningRate;
    optimizer = b.optimizer;
    momentum = b.momentum;
    weightDecay = b.weightDecay;
    warmupSteps = b.warmupSteps;
    positiveWeight = b.positiveWeight;
    devices = b.devices.clone();
    workers = b.workers;
    maxSteps = b.maxSteps;
    checkpointDir = b.checkpointDir;
    resume = b.resume;
    seed = b.seed;
    labelMode = b.labelMode;
    augment = b.augment;
    evalBatchSize = b.evalBatchSize > 0 ? b.evalBatchSize : b.batchSize;
    precision = b.precision;
    init = b.init;
    trainFrom = b.trainFrom;
    headLrMult = b.headLrMult;
    loss = b.loss;
    reads = b.reads;
    explicit = Set.copyOf(b.explicit);
  }

  /**
   * A builder with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The devices, one loader queue each.
   *
   * @return a copy
   */
  public Device[] devices() {
    return devices.clone();
  }

  /**
   * The epochs to reach (counting epochs done before a resume).
   *
   * @return epochs
   */
  public int epochs() {
    return epochs;
  }

  /** Builds a {@link TrainingSettings}. Not thread-safe. */
  public static final class Builder {
    private String model;
    private int epochs = 10;
    private int batchSize = 64;
    private float learningRate = 1e-3f;
    private String optimizer = "adam";
    private float momentum = 0.9f;
    private float weightDecay = 1e-4f;
    private long warmupSteps = -1;
    private PositiveWeight positiveWeight = new PositiveWeight.None();
    private Device[] devices = {Device.cpu()};
    private int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
    private long maxSteps;
    private Path checkpointDir;
    private boolean resume;
    private long seed;
    private LabelMode labelMode = LabelMode.SPARSE;
    private Augment augment = Augment.flip();
    private int evalBatchSize;
    private Precision precision = Precision.FP32;
    private Path init;
    private TorchvisionResNet.Part trainFrom = TorchvisionResNet.Part.CONV1;
    private float headLrMult = 1f;
    private LossChoice loss = LossChoice.DEFAULT;
    private ReadSettings reads = ReadSettings.AUTO;
    private final Set<Setting> explicit = EnumSet.noneOf(Setting.class);

    private Builder() {}

    /**
     * Model name: resnet18, resnet34, resnet50 or resnet101; null = the checkpoint's when resuming,
     * else resnet18.
     */
    public Builder model(String name) {
      this.model = name;
      return this;
    }

    /** Epochs to reach (a resumed run continues to this count). */
    public Builder epochs(int e) {
      if (e < 1) {
        throw SettingException.of(Setting.EPOCHS, " must be at least 1, got " + e);
      }
      this.epochs = e;
      return this;
    }

    /** Samples per batch per device. */
    public Builder batchSize(int b) {
      if (b < 1) {
        throw SettingException.of(Setting.BATCH_SIZE, " must be at least 1, got " + b);
      }
      this.batchSize = b;
      return this;
    }

    /** Peak learning rate (a resume checks it against the checkpoint's). */
    public Builder learningRate(float lr) {
      this.learningRate = lr;
      explicit.add(Setting.LEARNING_RATE);
      return this;
    }

    /** sgd (with momentum) or adam (a resume checks it against the checkpoint's). */
    public Builder optimizer(String kind) {
      this.optimizer = Objects.requireNonNull(kind);
      explicit.add(Setting.OPTIMIZER);
      return this;
    }

    /** SGD momentum (a resume checks it against the checkpoint's). */
    public Builder momentum(float m) {
      this.momentum = m;
      explicit.add(Setting.MOMENTUM);
      return this;
    }

    /** L2 weight decay (a resume checks it against the checkpoint's). */
    public Builder weightDecay(float wd) {
      this.weightDecay = wd;
      explicit.add(Setting.WEIGHT_DECAY);
      return this;
    }

    /**
     * Warm-up steps; negative = 5% of the run's steps (a resume checks it against the
     * checkpoint's).
     */
    public Builder warmupSteps(long steps) {
      this.warmupSteps = steps;
      explicit.add(Setting.WARMUP_STEPS);
      return this;
    }

    /**
     * Positive weights, parsed from {@code auto}, {@code none} or a number (a resume checks them).
     */
    public Builder positiveWeight(String text) {
      this.positiveWeight = PositiveWeight.parse(text);
      explicit.add(Setting.POSITIVE_WEIGHT);
      return this;
    }

    /** Devices, one loader queue each. */
    public Builder devices(Device... d) {
      if (d.length == 0) {
        throw SettingException.of(Setting.DEVICES, ": none given");
      }
      this.devices = d.clone();
      return this;
    }

    /** Loader worker threads. */
    public Builder workers(int n) {
      if (n < 1) {
        throw SettingException.of(Setting.WORKERS, " must be at least 1, got " + n);
      }
      this.workers = n;
      return this;
    }

    /** Stop after this many steps in this run (0 = no limit); a checkpoint records where. */
    public Builder maxSteps(long n) {
      if (n < 0) {
        throw SettingException.of(Setting.MAX_STEPS, " must be >= 0, got " + n);
      }
      this.maxSteps = n;
      return this;
    }

    /** Where checkpoints go (null = none). */
    public Builder checkpointDir(Path dir) {
      this.checkpointDir = dir;
      return this;
    }

    /** Continue from the newest checkpoint in the checkpoint directory. */
    public Builder resume(boolean r) {
      this.resume = r;
      return this;
    }

    /** Seed of the loader order, augmentation and initial weights. */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /** SPARSE (pairs, targets built on the device) or MULTI_HOT labels. */
    public Builder labelMode(LabelMode m) {
      if (m != LabelMode.SPARSE && m != LabelMode.MULTI_HOT) {
        throw new IllegalArgumentException("labels must be SPARSE or MULTI_HOT, got " + m);
      }
      this.labelMode = m;
      return this;
    }

    /** Training augmentation (validation never augments). */
    public Builder augment(Augment a) {
      this.augment = Objects.requireNonNull(a);
      return this;
    }

    /** Validation batch size (default: the training batch). */
    public Builder evalBatchSize(int b) {
      this.evalBatchSize = b;
      return this;
    }

    /** The number type of the forward and backward passes (default fp32). */
    public Builder precision(Precision p) {
      this.precision = Objects.requireNonNull(p);
      return this;
    }

    /**
     * Start from a torchvision state dict ({@code .pth}): the backbone is imported, the output
     * layer is new (see {@code TorchvisionImport}). Not with a resume.
     */
    public Builder init(Path stateDict) {
      this.init = stateDict;
      return this;
    }

    /**
     * The first part that trains: the parts before it are frozen, their batch norms in inference
     * mode ({@code CONV1}, the default: everything trains; {@code FC}: only the output layer). A
     * resume checks it against the checkpoint's.
     */
    public Builder trainFrom(TorchvisionResNet.Part part) {
      this.trainFrom = Objects.requireNonNull(part);
      explicit.add(Setting.TRAIN_FROM);
      return this;
    }

    /** The output layer's learning rate ÷ the rest's (default 1; a resume checks it). */
    public Builder headLearningRateMultiplier(float m) {
      if (!(m > 0) || Float.isInfinite(m)) {
        throw SettingException.of(Setting.HEAD_LR_MULT, " must be a positive number, got " + m);
      }
      this.headLrMult = m;
      explicit.add(Setting.HEAD_LR_MULT);
      return this;
    }

    /** The loss (default: plain fused sigmoid cross-entropy). */
    public Builder loss(LossChoice l) {
      this.loss = Objects.requireNonNull(l);
      return this;
    }

    /**
     * How the training loader and the validation read chunks: the read mode (default: the automatic
     * choice) and read-ahead depth ({@code Loader.Builder.readMode}, {@code
     * Loader.Builder.readAhead}).
     */
    public Builder reads(ReadSettings r) {
      this.reads = Objects.requireNonNull(r);
      return this;
    }

    /** Builds the settings. */
    public TrainingSettings build() {
      if (resume && init != null) {
        throw SettingException.of(
            Setting.INIT, " starts a new run; ", Setting.RESUME, " continues one: not both");
      }
      if (resume && checkpointDir == null) {
        throw SettingException.of(Setting.RESUME, " needs ", Setting.CHECKPOINT_DIR, " DIR");
      }
      if (!(positiveWeight instanceof PositiveWeight.None) && !loss.takesPositiveWeights()) {
        throw new IllegalArgumentException(
            "--pos-weight applies to --loss sce without --neg-fraction only");
      }
      return new TrainingSettings(this);
    }
  }
}
