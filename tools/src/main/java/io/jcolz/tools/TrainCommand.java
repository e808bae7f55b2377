package io.jcolz.tools;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.loop.EpochStats;
import io.jcolz.training.loop.Precision;
import io.jcolz.training.loop.SettingException;
import io.jcolz.training.loop.Training;
import io.jcolz.training.loop.TrainingCallbacks;
import io.jcolz.training.loop.TrainingOutcome;
import io.jcolz.training.loop.TrainingSettings;
import io.jcolz.training.loss.LossChoice;
import io.jcolz.training.model.ResNetSpec;
import io.jcolz.training.model.TorchvisionResNet;
import io.jcolz.training.optim.OptimizerSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcolz train DS}: trains a multi-label ResNet on a dataset ({@link Training}) and prints
 * per-epoch loss, validation mAP, images/s and data stall; with {@code --json} the last stdout line
 * is one object ({@code epochs, steps, loss, map, images_per_s, data_stall, seconds, checkpoint,
 * model, devices, precision, step_ms_median, image_size, history}); without {@code --json} the
 * first line names the devices. On GPUs it turns on DJL's cuDNN autotuner ({@code
 * -Dai.djl.pytorch.cudnn_benchmark=true} unless set) and sets nothing else. {@code --resume}
 * continues with the checkpoint's model, optimizer, schedule and positive weights — the header line
 * prints those — and refuses {@code --lr}, {@code --optimizer}, {@code --momentum}, {@code
 * --weight-decay}, {@code --warmup} or {@code --pos-weight} given with another value than the
 * checkpoint's, and a training dataset other than the checkpoint's (by dataset id). Exit codes: 0
 * done; 1 runtime failure (unreadable dataset, missing checkpoint on {@code --resume}, label
 * vocabulary or image size mismatch, a resume that does not match the checkpoint); 2 usage error
 * (bad option values, {@code --devices gpu} without a visible GPU, {@code --checkpoint DIR} already
 * holding a checkpoint without {@code --resume}). Not thread-safe.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Train a multi-label ResNet on a dataset (DJL, PyTorch engine); checkpoint every epoch.")
public final class TrainCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DS", description = "training dataset directory")
  Path dataset;

  @Option(
      names = "--val",
      paramLabel = "DS2",
      description = "held-out dataset for mAP each epoch (same labels)")
  Path val;

  @Option(
      names = "--model",
      description =
          "resnet18, resnet34, resnet50 or resnet101, torchvision's architectures (default: resnet18, or the checkpoint's with --resume)")
  String model;

  @Option(
      names = "--init",
      paramLabel = "FILE",
      description =
          "start from a torchvision state dict (.pth, e.g. torchvision's ImageNet weights) for --model: the backbone is imported, fc is replaced by a new layer sized to the labels")
  Path init;

  @Option(
      names = "--freeze-backbone",
      description =
          "train only the last layer (fc); the backbone's weights and batch-norm statistics stay as they are")
  boolean freezeBackbone;

  @Option(
      names = "--freeze-until",
      paramLabel = "STAGE",
      description =
          "freeze everything before STAGE (conv1, layer1, layer2, layer3, layer4 or fc), batch norms included")
  String freezeUntil;

  @Option(
      names = "--head-lr-mult",
      paramLabel = "X",
      description = "learning rate of the last layer ÷ the backbone's (default: 1)")
  float headLrMult = 1f;

  @Option(
      names = "--epochs",
      description = "epochs to reach, counting those before --resume (default: ${DEFAULT-VALUE})")
  int epochs = 10;

  @Option(names = "--batch", description = "batch size per device (default: ${DEFAULT-VALUE})")
  int batch = 64;

  @Option(names = "--lr", description = "peak learning rate (default: ${DEFAULT-VALUE})")
  float lr = 1e-3f;

  @Option(
      names = "--optimizer",
      description = "sgd (momentum 0.9) or adam (default: ${DEFAULT-VALUE})")
  String optimizer = "adam";

  @Option(names = "--momentum", description = "SGD momentum (default: ${DEFAULT-VALUE})")
  float momentum = 0.9f;

  @Option(names = "--weight-decay", description = "L2 weight decay (default: ${DEFAULT-VALUE})")
  float weightDecay = 1e-4f;

  @Option(
      names = "--warmup",
      paramLabel = "STEPS",
      description = "linear warm-up steps before the cosine decay (default: 5%% of all steps)")
  long warmup = -1;

  @Option(
      names = "--pos-weight",
      paramLabel = "auto|none|W",
      description =
          "positive weight: auto = per-label negatives/positives of DS capped at 100, none, or one number (default: ${DEFAULT-VALUE})")
  String posWeight = "none";

  @Option(
      names = "--loss",
      paramLabel = "sce|asl|focal",
      description =
          "sce: fused sigmoid cross-entropy; asl: asymmetric loss (Ridnik et al. 2021); focal: ASL with gamma+ = gamma- = --asl-gamma-neg (default 2) and no clip. Unknown labels (weight 0) are excluded (default: ${DEFAULT-VALUE})")
  String lossKind = "sce";

  @Option(
      names = "--asl-gamma-pos",
      description = "ASL focusing parameter of positives (default: ${DEFAULT-VALUE})")
  float aslGammaPos = 1f;

  @Option(
      names = "--asl-gamma-neg",
      description =
          "ASL focusing parameter of negatives; focal's gamma (default: 4 for asl, 2 for focal)")
  Float aslGammaNeg;

  @Option(
      names = "--asl-clip",
      description = "ASL probability margin on negatives, in [0, 1) (default: ${DEFAULT-VALUE})")
  float aslClip = 0.05f;

  @Option(
      names = "--neg-fraction",
      description =
          "keep this seeded fraction of each row's negatives per step, positives always (default: ${DEFAULT-VALUE}, all)")
  float negFraction = 1f;

  @Option(
      names = "--labels",
      paramLabel = "sparse|multi-hot",
      description =
          "label form fed to the loss: sparse (row,label) pairs, targets built on the device, or multi-hot (default: sparse)",
      converter = Converters.LabelFormConverter.class)
  LabelMode labels = LabelMode.SPARSE;

  @Option(
      names = "--augment",
      description = "none, flip or standard (random resized crop + flip) (default: flip)",
      converter = Converters.AugmentConverter.class)
  Augment augment = Augment.flip();

  @Option(
      names = "--devices",
      description = "cpu, gpu (all) or gpu0,gpu1,... (default: ${DEFAULT-VALUE})")
  String devices = "cpu";

  @Option(
      names = "--precision",
      paramLabel = "fp32|bf16",
      description =
          "number type of the forward and backward passes; bf16 keeps float32 master weights and loss (default: ${DEFAULT-VALUE})")
  String precision = "fp32";

  @Option(names = "--workers", description = "loader worker threads (default: all cores)")
  int workers = Runtime.getRuntime().availableProcessors();

  @Mixin ReadOptions read = new ReadOptions();

  @Option(
      names = "--max-steps",
      description =
          "stop after N steps in this run, checkpointing the position (default: no limit)")
  long maxSteps;

  @Option(
      names = "--checkpoint",
      paramLabel = "DIR",
      description = "write a checkpoint here after every epoch")
  Path checkpoint;

  @Option(
      names = "--resume",
      description = "continue from the newest checkpoint in --checkpoint DIR")
  boolean resume;

  @Option(
      names = "--seed",
      description = "seed of order, augmentation and initial weights (default: ${DEFAULT-VALUE})")
  long seed;

  @Mixin JsonOption json = new JsonOption();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private Device[] trainedOn;

  /** Wall time between consecutive step ends within an epoch (data wait included), ms. */
  private final List<Double> stepMillis = new ArrayList<>();

  /** The training loader's configuration, echoed by {@code --json} (null before it starts). */
  private io.jcolz.loader.LoaderConfig trainLoader;

  @Override
  public Integer call() throws Exception {
    TrainingSettings cfg = config();
    trainedOn = cfg.devices();
    PrintWriter out = spec.commandLine().getOut();
    try (Dataset train = Dataset.open(dataset);
        Dataset v = val == null ? null : Dataset.open(val)) {
      String header =
          String.format(
              Locale.ROOT,
              "training on %s (%s rows)%s",
              dataset,
              CliSupport.count(train.rowCount()),
              v == null ? "" : ", validating on " + val);
      if (!json.on()) {
        out.println("devices: " + ModelSupport.describe(cfg.devices()));
      }
      TrainingOutcome r;
      try {
        r = Training.run(train, v, cfg, new Listener(out, header, epochs, cfg.devices().length));
      } catch (SettingException e) { // a runtime failure (exit 1), worded with the flags
        throw new IllegalArgumentException(ModelSupport.inFlags(e), e);
      }
      if (json.on()) {
        CliSupport.printJson(out, toJson(r));
      } else {
        if (r.epochs().isEmpty()) {
          out.printf(
              Locale.ROOT,
              "nothing to do: the checkpoint has %d of %d epochs%n",
              r.epochsCompleted(),
              epochs);
        }
        out.printf(
            Locale.ROOT,
            "done: %d epochs, %d steps, loss %.4f%s, %.0f images/s, data stall %.1f%%, %.1f s%s%n",
            r.epochsCompleted(),
            r.stepsDone(),
            r.loss(),
            Double.isNaN(r.map()) ? "" : String.format(Locale.ROOT, ", val mAP %.4f", r.map()),
            r.imagesPerSecond(),
            100 * r.dataStall(),
            r.seconds(),
            r.checkpoint() == null ? "" : ", checkpoint " + r.checkpoint());
      }
    }
    return Main.OK;
  }

  private TrainingSettings config() {
    Knobs.batch("--batch", batch);
    Knobs.threads("--workers", workers);
    ModelSupport.cudnnAutotunerFor(devices);
    Device[] devs = ModelSupport.devices(devices);
    if (resume && checkpoint == null) {
      throw new Main.UsageException("--resume needs --checkpoint DIR");
    }
    if (checkpoint != null && !resume && Checkpoints.exists(checkpoint)) {
      throw new Main.UsageException(
          "--checkpoint "
              + checkpoint
              + " already holds a checkpoint: add --resume to continue it, or choose another directory");
    }
    if (!(lr > 0) || Float.isInfinite(lr)) {
      throw new Main.UsageException("--lr must be a positive number, got " + lr);
    }
    Knobs.atMost("--lr", lr, Knobs.MAX_LEARNING_RATE);
    Knobs.within("--weight-decay", weightDecay, 0, Knobs.MAX_WEIGHT_DECAY);
    Knobs.fraction("--momentum", momentum);
    io.jcolz.loader.read.ReadSettings reads = read.settings();
    try {
      if (model != null) {
        io.jcolz.training.model.ResNetSpec.of(model, 32, 32, 1); // validates the name
      }
      new OptimizerSettings(optimizer, lr, momentum, weightDecay, 0, 1); // validates
      TrainingSettings.Builder b =
          TrainingSettings.builder()
              .model(model)
              .epochs(epochs)
              .batchSize(batch)
              .labelMode(labels)
              .augment(augment)
              .devices(devs)
              .workers(workers)
              .reads(reads)
              .maxSteps(maxSteps)
              .checkpointDir(checkpoint)
              .resume(resume)
              .seed(seed)
              .precision(Precision.parse(precision))
              .loss(
                  new LossChoice(
                      lossKind,
                      aslGammaPos,
                      aslGammaNeg != null ? aslGammaNeg : "focal".equals(lossKind) ? 2f : 4f,
                      aslClip,
                      negFraction));
      // only options given on the command line: a resume keeps the checkpoint's settings and
      // refuses given ones that differ (the defaults here equal the builder's)
      if (given("--lr")) {
        b.learningRate(lr);
      }
      if (given("--optimizer")) {
        b.optimizer(optimizer);
      }
      if (given("--momentum")) {
        b.momentum(momentum);
      }
      if (given("--weight-decay")) {
        b.weightDecay(weightDecay);
      }
      if (given("--warmup")) {
        b.warmupSteps(warmup);
      }
      if (given("--pos-weight")) {
        b.positiveWeight(posWeight);
      }
      if (init != null) {
        b.init(init);
      }
      if (freezeBackbone && freezeUntil != null) {
        throw new Main.UsageException("--freeze-backbone and --freeze-until: give one");
      }
      if (freezeBackbone) {
        b.trainFrom(TorchvisionResNet.Part.FC);
      } else if (freezeUntil != null) {
        b.trainFrom(TorchvisionResNet.Part.parse(freezeUntil));
      }
      if (given("--head-lr-mult")) {
        b.headLearningRateMultiplier(headLrMult);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException(ModelSupport.inFlags(e));
    }
  }

  /** Whether {@code option} was on the command line (true when there is no parse result to ask). */
  private boolean given(String option) {
    picocli.CommandLine.ParseResult pr = spec.commandLine().getParseResult();
    return pr == null || pr.hasMatchedOption(option);
  }

  private ObjectNode toJson(TrainingOutcome r) {
    ObjectNode j = CliSupport.object();
    j.put("epochs", r.epochsCompleted());
    j.put("steps", r.stepsDone());
    CliSupport.putNumber(j, "loss", r.loss());
    CliSupport.putNumber(j, "map", r.map());
    j.put("images_per_s", r.imagesPerSecond());
    j.put("data_stall", r.dataStall());
    j.put("seconds", r.seconds());
    if (r.checkpoint() == null) {
      j.putNull("checkpoint");
    } else {
      j.put("checkpoint", r.checkpoint().toString());
    }
    j.put("model", r.spec().name());
    j.put("devices", ModelSupport.describe(trainedOn));
    if (stepMillis.isEmpty()) {
      j.putNull("step_ms_median");
    } else {
      List<Double> sorted = new ArrayList<>(stepMillis);
      java.util.Collections.sort(sorted);
      j.put("step_ms_median", sorted.get(sorted.size() / 2));
    }
    j.put("precision", precision);
    j.put("image_size", r.spec().height());
    j.put("labels", r.spec().numLabels());
    if (trainLoader != null) { // as the training loader reads, not as asked
      j.put("read_mode", trainLoader.readMode().label());
      j.put("read_mode_reason", trainLoader.readModeChoice().reason());
      j.put("read_ahead", trainLoader.readAhead());
    }
    ArrayNode history = j.putArray("history");
    for (EpochStats e : r.epochs()) {
      ObjectNode h = history.addObject();
      h.put("epoch", e.epoch() + 1);
      h.put("steps", e.steps());
      CliSupport.putNumber(h, "loss", e.loss());
      CliSupport.putNumber(h, "map", e.map());
      h.put("images_per_s", e.imagesPerSecond());
      h.put("data_stall", e.dataStall());
      h.put("seconds", e.seconds());
      h.put("lr", e.learningRate());
      h.put("complete", e.complete());
    }
    return j;
  }

  /** Per-epoch lines on stdout (not with --json) and a bar on a terminal. */
  private final class Listener implements TrainingCallbacks {
    private final PrintWriter out;
    private final String header;
    private final int epochs;
    private final int devices;
    private final boolean bar = CliSupport.stderrIsTerminal();
    private ProgressBar progress;
    private long lastStepEnd;

    Listener(PrintWriter out, String header, int epochs, int devices) {
      this.out = out;
      this.header = header;
      this.epochs = epochs;
      this.devices = devices;
    }

    @Override
    public void loaderStarted(io.jcolz.loader.LoaderConfig config) {
      if (trainLoader == null && !json.on()) { // how the first training loader reads, and why
        out.printf(
            Locale.ROOT,
            "reads: %s, read ahead %s (%s)%n",
            config.readMode().label(),
            config.readAhead() == 0 ? "off" : config.readAhead() + " chunks",
            config.readModeChoice().reason());
        out.flush();
      }
      trainLoader = config;
    }

    /** The settings in use: on a resume the checkpoint's, not the command line's defaults. */
    @Override
    public void started(
        ResNetSpec spec,
        OptimizerSettings o,
        float[] positiveWeights,
        boolean resumed,
        long stepsDone) {
      if (json.on()) {
        return;
      }
      out.printf(
          Locale.ROOT,
          "%s, %s %d×%d, batch %d × %d device(s), %s lr %s%s, weight decay %s, warm-up %d of %d steps, "
              + "pos-weight %s, %d epochs%s%n",
          header,
          spec.name(),
          spec.height(),
          spec.width(),
          batch,
          devices,
          o.kind(),
          o.learningRate(),
          o.kind().equals("sgd") ? " momentum " + o.momentum() : "",
          o.weightDecay(),
          o.warmupSteps(),
          o.totalSteps(),
          Training.describeWeights(positiveWeights),
          epochs,
          resumed
              ? String.format(
                  Locale.ROOT, "; resuming at step %d with the checkpoint's settings", stepsDone)
              : "");
      out.flush();
    }

    @Override
    public void epochStarted(int epoch, long steps) {
      lastStepEnd = 0; // validation and checkpoints between epochs are not a step
      if (bar) {
        progress =
            Progress.items(
                String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, epochs),
                steps * batch * devices,
                "img");
      }
    }

    @Override
    public void stepFinished(int epoch, long step, int images, float loss) {
      long now = System.nanoTime();
      if (lastStepEnd != 0) {
        stepMillis.add((now - lastStepEnd) / 1e6);
      }
      lastStepEnd = now;
      if (progress != null) {
        progress.stepBy(images);
        progress.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", loss));
      }
    }

    @Override
    public void validating(int epoch) {
      if (progress != null) {
        progress.setExtraMessage("validating");
      }
    }

    @Override
    public void epochFinished(EpochStats e) {
      if (progress != null) {
        progress.close();
        progress = null;
      }
      if (!json.on()) {
        out.printf(
            Locale.ROOT,
            "epoch %d/%d  loss %.4f%s  %.0f images/s  data stall %.1f%%  %.1f s%s%n",
            e.epoch() + 1,
            epochs,
            e.loss(),
            Double.isNaN(e.map()) ? "" : String.format(Locale.ROOT, "  val mAP %.4f", e.map()),
            e.imagesPerSecond(),
            100 * e.dataStall(),
            e.seconds(),
            e.complete() ? "" : "  (stopped by --max-steps)");
        out.flush();
      }
    }
  }
}
