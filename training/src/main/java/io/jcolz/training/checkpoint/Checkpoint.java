package io.jcolz.training.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.images.PackedImages;
import io.jcolz.training.model.ResNetSpec;
import io.jcolz.training.model.TorchvisionResNet;
import io.jcolz.training.optim.OptimizerSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a checkpoint says besides the parameters: model spec, label vocabulary, optimizer
 * settings, progress (epochs completed, steps taken) and the loader position to continue from, the
 * loader settings that position is valid for (seed, batch, devices, label form), the positive
 * weights used, per-label thresholds chosen on the validation set, the last metrics, and the ids of
 * the training and validation datasets. Stored as {@code checkpoint.json} next to the parameter
 * file by {@link Checkpoints}.
 *
 * <p>Thread-safety: immutable (arrays are not copied: do not modify them).
 *
 * @param spec model depth, image size and label count
 * @param labels the label vocabulary (index order); must equal the dataset's to resume/evaluate
 * @param optimizer optimizer and schedule
 * @param epochsCompleted whole epochs done
 * @param stepsDone optimizer steps taken
 * @param nextEpoch loader position: epoch of the next batch
 * @param nextBatch loader position: index (this rank's numbering) of the next batch in that epoch
 * @param seed loader shuffle seed
 * @param batchSize samples per batch per device
 * @param devices number of devices (loader queues)
 * @param labelMode {@code SPARSE} or {@code MULTI_HOT}
 * @param positiveWeights per-label positive weights, or null for none
 * @param thresholds per-label thresholds chosen on the validation set after the last epoch, or null
 *     when the run that wrote the checkpoint had no validation set
 * @param loss mean training loss of the last epoch
 * @param map validation mAP of the last epoch, or NaN when the run that wrote the checkpoint had no
 *     validation set (a resumed run does not carry an older model's mAP)
 * @param dataset the training dataset's id
 * @param valDataset the id of the validation dataset the thresholds and mAP come from, or null
 *     without one (read as null from checkpoints written before it was recorded)
 * @param fineTuning the frozen part and the head's learning-rate multiplier ({@link
 *     FineTuning#NONE} when everything trains at one rate)
 * @param resize how the training images were fitted to {@code height × width} when packed: the
 *     training set's {@code resize} metadata (a {@code ResizeMode} id, {@code
 *     PackedImages.RESIZE}), what serving ({@code io.jcolz.training.serve}) applies to new images;
 *     {@link #DEFAULT_RESIZE} when not given and for checkpoints written before it was recorded
 */
public record Checkpoint(
    ResNetSpec spec,
    List<String> labels,
    OptimizerSettings optimizer,
    int epochsCompleted,
    long stepsDone,
    long nextEpoch,
    long nextBatch,
    long seed,
    int batchSize,
    int devices,
    String labelMode,
    float[] positiveWeights,
    float[] thresholds,
    double loss,
    double map,
    String dataset,
    String valDataset,
    FineTuning fineTuning,
    String resize) {
  /**
   * The resize assumed when none is recorded: {@code jcolz pack}'s default (shorter side to the
   * size, centre crop), {@code PackedImages.DEFAULT_RESIZE}.
   */
  public static final String DEFAULT_RESIZE = PackedImages.DEFAULT_RESIZE;

  /**
   * Version of {@code checkpoint.json} written: 2 since the models are torchvision's layout (their
   * parameter files differ from version 1's).
   */
  public static final int VERSION_CURRENT = 2;

  /**
   * Oldest version read. Version 1 checkpoints hold the DJL-zoo ResNets of earlier jcolz releases
   * (ResNet v1, biased bottleneck convolutions), whose parameters fit no model of this release;
   * they are refused with a line saying so.
   */
  public static final int VERSION_START = 2;

  /**
   * What a fine-tuning run freezes and how fast its head learns.
   *
   * @param trainFrom the first part that trains ({@code CONV1}: everything trains; {@code FC}: the
   *     backbone is frozen); the parts before it are frozen, their batch norms in inference mode
   * @param headLearningRateMultiplier the output layer's learning rate ÷ the backbone's (> 0)
   */
  public record FineTuning(TorchvisionResNet.Part trainFrom, float headLearningRateMultiplier) {
    /** Everything trains, at one learning rate. */
    public static final FineTuning NONE = new FineTuning(TorchvisionResNet.Part.CONV1, 1f);

    /** Checks the multiplier. */
    public FineTuning {
      java.util.Objects.requireNonNull(trainFrom);
      if (!(headLearningRateMultiplier > 0) || Float.isInfinite(headLearningRateMultiplier)) {
        throw new IllegalArgumentException(
            "head learning-rate multiplier must be positive, got " + headLearningRateMultiplier);
      }
    }
  }

  /**
   * A checkpoint of a run without fine-tuning settings ({@link FineTuning#NONE}).
   *
   * @param spec see the record
   * @param labels see the record
   * @param optimizer see the record
   * @param epochsCompleted see the record
   * @param stepsDone see the record
   * @param nextEpoch see the record
   * @param nextBatch see the record
   * @param seed see the record
   * @param batchSize see the record
   * @param devices see the record
   * @param labelMode see the record
   * @param positiveWeights see the record
   * @param thresholds see the record
   * @param loss see the record
   * @param map see the record
   * @param dataset see the record
   * @param valDataset see the record
   */
  public Checkpoint(
      ResNetSpec spec,
      List<String> labels,
      OptimizerSettings optimizer,
      int epochsCompleted,
      long stepsDone,
      long nextEpoch,
      long nextBatch,
      long seed,
      int batchSize,
      int devices,
      String labelMode,
      float[] positiveWeights,
      float[] thresholds,
      double loss,
      double map,
      String dataset,
      String valDataset) {
    this(
        spec,
        labels,
        optimizer,
        epochsCompleted,
        stepsDone,
        nextEpoch,
        nextBatch,
        seed,
        batchSize,
        devices,
        labelMode,
        positiveWeights,
        thresholds,
        loss,
        map,
        dataset,
        valDataset,
        FineTuning.NONE,
        null);
  }

  /**
   * Reads and writes the description. NaN and infinities are plain JSON literals ({@code NaN},
   * {@code Infinity}), not strings, as the checkpoints written before this code used Gson wrote
   * them; the pretty-printing matches Gson's too ({@code "key": value}, one array element a line).
   */
  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
          .build();

  private static final DefaultPrettyPrinter PRETTY =
      new DefaultPrettyPrinter(
              Separators.createDefaultInstance()
                  .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
          .withObjectIndenter(new DefaultIndenter("  ", "\n"))
          .withArrayIndenter(new DefaultIndenter("  ", "\n"));

  /** Checks the vocabulary matches the spec. */
  public Checkpoint {
    if (labels.size() != spec.numLabels()) {
      throw new IllegalArgumentException(
          labels.size() + " label names for a model of " + spec.numLabels());
    }
    labels = List.copyOf(labels);
    fineTuning = fineTuning == null ? FineTuning.NONE : fineTuning;
    resize = resize == null ? DEFAULT_RESIZE : resize;
  }

  /**
   * This checkpoint as JSON.
   *
   * @return pretty-printed JSON
   */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", "jcolz-checkpoint");
    o.put("version", VERSION_CURRENT);
    ObjectNode m = o.putObject("model");
    m.put("name", spec.name());
    m.put("layers", spec.layers());
    m.put("height", spec.height());
    m.put("width", spec.width());
    m.put("labels", spec.numLabels());
    if (!resize.equals(DEFAULT_RESIZE)) { // absent: pack's default, as before it was recorded
      m.put("resize", resize);
    }
    ArrayNode names = o.putArray("labels");
    labels.forEach(names::add);
    ObjectNode opt = o.putObject("optimizer");
    opt.put("kind", optimizer.kind());
    opt.put("learning_rate", optimizer.learningRate());
    opt.put("momentum", optimizer.momentum());
    opt.put("weight_decay", optimizer.weightDecay());
    opt.put("warmup_steps", optimizer.warmupSteps());
    opt.put("total_steps", optimizer.totalSteps());
    o.put("epochs_completed", epochsCompleted);
    o.put("steps_done", stepsDone);
    ObjectNode pos = o.putObject("loader");
    pos.put("epoch", nextEpoch);
    pos.put("batch", nextBatch);
    pos.put("seed", seed);
    pos.put("batch_size", batchSize);
    pos.put("devices", devices);
    pos.put("labels", labelMode);
    putFloats(o, "positive_weights", positiveWeights);
    putFloats(o, "thresholds", thresholds);
    o.put("loss", loss);
    o.put("map", map);
    o.put("dataset", dataset);
    if (valDataset != null) {
      o.put("val_dataset", valDataset);
    }
    if (!fineTuning.equals(FineTuning.NONE)) { // absent: everything trains at one rate
      ObjectNode ft = o.putObject("fine_tuning");
      ft.put("train_from", fineTuning.trainFrom().toString());
      ft.put("head_lr_mult", fineTuning.headLearningRateMultiplier());
    }
    try {
      return JSON.writer(PRETTY).writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree failed to print", e); // cannot happen
    }
  }

  private static void putFloats(ObjectNode o, String key, float[] values) {
    if (values != null) {
      ArrayNode a = o.putArray(key);
      for (float v : values) {
        a.add(v);
      }
    }
  }

  /**
   * Reads {@code checkpoint.json}.
   *
   * @param json the text
   * @param where the file, for messages
   * @return the checkpoint
   * @throws IllegalArgumentException if it is not a checkpoint of a version this code reads
   */
  public static Checkpoint fromJson(String json, String where) {
    try {
      JsonNode o = JSON.readTree(json);
      if (o == null || !o.isObject()) {
        throw new Damaged("not a JSON object");
      }
      if (!o.path("format").asText("").equals("jcolz-checkpoint")) {
        throw new IllegalArgumentException(where + " is not a jcolz checkpoint");
      }
      int version = integer(o, "version");
      if (version == 1) {
        throw new IllegalArgumentException(
            where
                + ": checkpoint version 1 holds the DJL-zoo ResNets of jcolz before version 2's"
                + " torchvision-exact models; its parameters fit no model now: train again (or"
                + " --init from a torchvision state dict)");
      }
      if (version < VERSION_START || version > VERSION_CURRENT) {
        throw new IllegalArgumentException(
            where
                + ": checkpoint version "
                + version
                + " vs supported ["
                + VERSION_START
                + ", "
                + VERSION_CURRENT
                + "]");
      }
      JsonNode m = object(o, "model");
      ResNetSpec spec =
          new ResNetSpec(
              integer(m, "layers"),
              integer(m, "height"),
              integer(m, "width"),
              integer(m, "labels"));
      List<String> labels = new ArrayList<>();
      for (JsonNode e : array(o, "labels")) {
        labels.add(textValue(e, "labels[]"));
      }
      JsonNode opt = object(o, "optimizer");
      OptimizerSettings optimizer =
          new OptimizerSettings(
              text(opt, "kind"),
              (float) number(opt, "learning_rate"),
              (float) number(opt, "momentum"),
              (float) number(opt, "weight_decay"),
              longInteger(opt, "warmup_steps"),
              longInteger(opt, "total_steps"));
      JsonNode pos = object(o, "loader");
      return new Checkpoint(
          spec,
          labels,
          optimizer,
          integer(o, "epochs_completed"),
          longInteger(o, "steps_done"),
          longInteger(pos, "epoch"),
          longInteger(pos, "batch"),
          longInteger(pos, "seed"),
          integer(pos, "batch_size"),
          integer(pos, "devices"),
          text(pos, "labels"),
          floats(o, "positive_weights"),
          floats(o, "thresholds"),
          number(o, "loss"),
          number(o, "map"),
          text(o, "dataset"),
          o.hasNonNull("val_dataset") ? text(o, "val_dataset") : null,
          o.hasNonNull("fine_tuning") ? fineTuning(object(o, "fine_tuning")) : FineTuning.NONE,
          m.hasNonNull("resize") ? text(m, "resize") : null);
    } catch (Damaged e) {
      throw damaged(where, e.getMessage(), e);
    } catch (JsonProcessingException e) {
      throw damaged(where, e.getOriginalMessage(), e);
    }
  }

  private static FineTuning fineTuning(JsonNode ft) throws Damaged {
    try {
      return new FineTuning(
          TorchvisionResNet.Part.parse(text(ft, "train_from")), (float) number(ft, "head_lr_mult"));
    } catch (IllegalArgumentException e) {
      throw new Damaged("fine_tuning: " + e.getMessage());
    }
  }

  private static IllegalArgumentException damaged(String where, String why, Exception cause) {
    return new IllegalArgumentException(
        where + ": damaged checkpoint description (" + why + ")", cause);
  }

  /** A field missing or of the wrong type; becomes the "damaged" message. */
  private static final class Damaged extends Exception {
    Damaged(String message) {
      super(message, null, false, false);
    }
  }

  private static JsonNode field(JsonNode o, String key) throws Damaged {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      throw new Damaged("no " + key);
    }
    return v;
  }

  private static JsonNode object(JsonNode o, String key) throws Damaged {
    JsonNode v = field(o, key);
    if (!v.isObject()) {
      throw new Damaged(key + " is not an object");
    }
    return v;
  }

  private static JsonNode array(JsonNode o, String key) throws Damaged {
    JsonNode v = field(o, key);
    if (!v.isArray()) {
      throw new Damaged(key + " is not an array");
    }
    return v;
  }

  private static String text(JsonNode o, String key) throws Damaged {
    return textValue(field(o, key), key);
  }

  private static String textValue(JsonNode v, String what) throws Damaged {
    if (!v.isTextual()) {
      throw new Damaged(what + " is not a string: " + v);
    }
    return v.textValue();
  }

  private static long longInteger(JsonNode o, String key) throws Damaged {
    JsonNode v = field(o, key);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new Damaged(key + " is not an integer: " + v);
    }
    return v.longValue();
  }

  private static int integer(JsonNode o, String key) throws Damaged {
    JsonNode v = field(o, key);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new Damaged(key + " is not a 32-bit integer: " + v);
    }
    return v.intValue();
  }

  private static double number(JsonNode o, String key) throws Damaged {
    return numberValue(field(o, key), key);
  }

  private static double numberValue(JsonNode v, String what) throws Damaged {
    if (!v.isNumber()) {
      throw new Damaged(what + " is not a number: " + v);
    }
    return v.doubleValue();
  }

  private static float[] floats(JsonNode o, String key) throws Damaged {
    if (!o.hasNonNull(key)) {
      return null;
    }
    JsonNode a = array(o, key);
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) numberValue(a.get(i), key + "[" + i + "]");
    }
    return out;
  }
}
