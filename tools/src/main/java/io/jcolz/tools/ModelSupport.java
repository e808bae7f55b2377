package io.jcolz.tools;

import ai.djl.Device;
import io.jcolz.format.Dataset;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.data.BatchArrays;
import io.jcolz.training.loop.Devices;
import io.jcolz.training.loop.SettingException;
import io.jcolz.training.loop.TrainingSettings.Setting;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code train}, {@code eval} and {@code predict} share: parsing {@code --devices} (bad or
 * unavailable devices are usage errors, exit 2), the flag of each training setting in messages
 * ({@link #flag}), and opening a checkpoint against a dataset (missing checkpoint, missing labels
 * where needed, vocabulary or image-size mismatch: runtime errors, exit 1). Stateless and
 * thread-safe.
 */
final class ModelSupport {
  private ModelSupport() {}

  /** {@code --devices} → devices; exit 2 for bad syntax or GPUs the engine does not see. */
  static Device[] devices(String text) {
    try {
      return Devices.parse(text);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException(inFlags(e));
    }
  }

  /** The system property DJL's PyTorch engine reads, once, as it starts. */
  static final String CUDNN_BENCHMARK = "ai.djl.pytorch.cudnn_benchmark";

  /**
   * Turns on the cuDNN autotuner (DJL leaves it off) when {@code devices} names GPUs and the user
   * has not set the property; must run before the engine starts. Sets nothing else: no thread
   * counts, no affinity, no pinned memory.
   */
  static void cudnnAutotunerFor(String devices) {
    if (devices.strip().toLowerCase(java.util.Locale.ROOT).startsWith("gpu")
        && System.getProperty(CUDNN_BENCHMARK) == null) {
      System.setProperty(CUDNN_BENCHMARK, "true");
    }
  }

  /**
   * The devices a run trains on, for people: {@code cpu (N cores)}, or {@code gpu(i) NAME (compute
   * capability X.Y)} with the name from {@code nvidia-smi} when it answers within 5 s.
   */
  static String describe(Device[] devices) {
    List<String> parts = new ArrayList<>();
    for (Device d : devices) {
      if (!d.isGpu()) {
        parts.add(d + " (" + Runtime.getRuntime().availableProcessors() + " cores)");
        continue;
      }
      String name = gpuName(d.getDeviceId());
      String cc;
      try {
        cc = ai.djl.util.cuda.CudaUtils.getComputeCapability(d.getDeviceId());
      } catch (RuntimeException | LinkageError e) {
        cc = null;
      }
      parts.add(
          d
              + (name == null ? "" : " " + name)
              + (cc == null
                  ? ""
                  : " (compute capability " + cc.charAt(0) + "." + cc.substring(1) + ")")
              + (System.getProperty(CUDNN_BENCHMARK, "false").equals("true")
                  ? ", cuDNN autotuner on"
                  : ""));
    }
    return String.join(", ", parts);
  }

  /** The name nvidia-smi gives the CUDA device {@code id} (mapped through CUDA_VISIBLE_DEVICES). */
  private static String gpuName(int id) {
    String index = String.valueOf(id);
    String visible = System.getenv("CUDA_VISIBLE_DEVICES");
    if (visible != null && !visible.isBlank()) {
      String[] v = visible.split(",");
      if (id >= v.length) {
        return null;
      }
      index = v[id].strip();
    }
    try {
      Process p =
          new ProcessBuilder("nvidia-smi", "--query-gpu=name", "--format=csv,noheader", "-i", index)
              .redirectErrorStream(true)
              .start();
      if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      String outText = new String(p.getInputStream().readAllBytes()).strip();
      return p.exitValue() == 0 && !outText.isEmpty() && !outText.contains("\n") ? outText : null;
    } catch (java.io.IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * The flag of {@code train} (and {@code eval}, {@code predict}) that sets a training setting: the
   * one place the library's neutral setting names meet the command line's wording.
   */
  static String flag(Setting s) {
    return switch (s) {
      case MODEL -> "--model";
      case EPOCHS -> "--epochs";
      case BATCH_SIZE -> "--batch";
      case LEARNING_RATE -> "--lr";
      case OPTIMIZER -> "--optimizer";
      case MOMENTUM -> "--momentum";
      case WEIGHT_DECAY -> "--weight-decay";
      case WARMUP_STEPS -> "--warmup";
      case POSITIVE_WEIGHT -> "--pos-weight";
      case DEVICES -> "--devices";
      case WORKERS -> "--workers";
      case MAX_STEPS -> "--max-steps";
      case CHECKPOINT_DIR -> "--checkpoint";
      case RESUME -> "--resume";
      case VAL -> "--val";
      case PRECISION -> "--precision";
      case INIT -> "--init";
      case TRAIN_FROM -> "--freeze-until";
      case HEAD_LR_MULT -> "--head-lr-mult";
    };
  }

  /** A library error's message with settings worded as flags ({@link #flag}). */
  static String inFlags(IllegalArgumentException e) {
    return e instanceof SettingException s ? s.message(ModelSupport::flag) : e.getMessage();
  }

  /**
   * The checkpoint under {@code dir}, checked against {@code ds}'s image size and, when {@code ds}
   * has a label column (always for {@code labelsNeeded}), its label vocabulary. A dataset without a
   * label column — what {@code jcolz pack} writes without a label source — is accepted for
   * prediction.
   */
  static Checkpoints.Loaded checkpointFor(java.nio.file.Path dir, Dataset ds, boolean labelsNeeded)
      throws java.io.IOException {
    Checkpoints.Loaded loaded = Checkpoints.load(dir);
    Checkpoint c = loaded.checkpoint();
    if (labelsNeeded || ds.schema().labelColumn().isPresent()) {
      BatchArrays.checkVocabulary(
          "dataset " + ds.path(),
          BatchArrays.vocabulary(ds),
          "checkpoint " + loaded.directory(),
          c.labels());
    }
    int[] hw = BatchArrays.imageSize(ds);
    if (hw[0] != c.spec().height() || hw[1] != c.spec().width()) {
      throw new IllegalArgumentException(
          "dataset "
              + ds.path()
              + " has "
              + hw[0]
              + "×"
              + hw[1]
              + " images, the checkpoint's "
              + c.spec().name()
              + " was trained on "
              + c.spec().height()
              + "×"
              + c.spec().width());
    }
    return loaded;
  }
}
