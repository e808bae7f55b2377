package io.jcolz.training.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jcolz.training.model.ResNetSpec;
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
    String valDataset) {
  /** Version of {@code checkpoint.json} written. */
  public static final int VERSION_CURRENT = 1;

  /** Oldest version read. */
  public static final int VERSION_START = 1;

  private static final Gson GSON =
      new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

  /** Checks the vocabulary matches the spec. */
  public Checkpoint {
    if (labels.size() != spec.numLabels()) {
      throw new IllegalArgumentException(
          labels.size() + " label names for a model of " + spec.numLabels());
    }
    labels = List.copyOf(labels);
  }

  /**
   * This checkpoint as JSON.
   *
   * @return pretty-printed JSON
   */
  public String toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("format", "jcolz-checkpoint");
    o.addProperty("version", VERSION_CURRENT);
    JsonObject m = new JsonObject();
    m.addProperty("name", spec.name());
    m.addProperty("layers", spec.layers());
    m.addProperty("height", spec.height());
    m.addProperty("width", spec.width());
    m.addProperty("labels", spec.numLabels());
    o.add("model", m);
    o.add("labels", GSON.toJsonTree(labels));
    JsonObject opt = new JsonObject();
    opt.addProperty("kind", optimizer.kind());
    opt.addProperty("learning_rate", optimizer.learningRate());
    opt.addProperty("momentum", optimizer.momentum());
    opt.addProperty("weight_decay", optimizer.weightDecay());
    opt.addProperty("warmup_steps", optimizer.warmupSteps());
    opt.addProperty("total_steps", optimizer.totalSteps());
    o.add("optimizer", opt);
    o.addProperty("epochs_completed", epochsCompleted);
    o.addProperty("steps_done", stepsDone);
    JsonObject pos = new JsonObject();
    pos.addProperty("epoch", nextEpoch);
    pos.addProperty("batch", nextBatch);
    pos.addProperty("seed", seed);
    pos.addProperty("batch_size", batchSize);
    pos.addProperty("devices", devices);
    pos.addProperty("labels", labelMode);
    o.add("loader", pos);
    if (positiveWeights != null) {
      o.add("positive_weights", GSON.toJsonTree(positiveWeights));
    }
    if (thresholds != null) {
      o.add("thresholds", GSON.toJsonTree(thresholds));
    }
    o.addProperty("loss", loss);
    o.addProperty("map", map);
    o.addProperty("dataset", dataset);
    if (valDataset != null) {
      o.addProperty("val_dataset", valDataset);
    }
    return GSON.toJson(o);
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
      JsonObject o = JsonParser.parseString(json).getAsJsonObject();
      if (!o.has("format") || !"jcolz-checkpoint".equals(o.get("format").getAsString())) {
        throw new IllegalArgumentException(where + " is not a jcolz checkpoint");
      }
      int version = o.get("version").getAsInt();
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
      JsonObject m = o.getAsJsonObject("model");
      ResNetSpec spec =
          new ResNetSpec(
              m.get("layers").getAsInt(),
              m.get("height").getAsInt(),
              m.get("width").getAsInt(),
              m.get("labels").getAsInt());
      List<String> labels = new ArrayList<>();
      for (JsonElement e : o.getAsJsonArray("labels")) {
        labels.add(e.getAsString());
      }
      JsonObject opt = o.getAsJsonObject("optimizer");
      OptimizerSettings optimizer =
          new OptimizerSettings(
              opt.get("kind").getAsString(),
              opt.get("learning_rate").getAsFloat(),
              opt.get("momentum").getAsFloat(),
              opt.get("weight_decay").getAsFloat(),
              opt.get("warmup_steps").getAsLong(),
              opt.get("total_steps").getAsLong());
      JsonObject pos = o.getAsJsonObject("loader");
      return new Checkpoint(
          spec,
          labels,
          optimizer,
          o.get("epochs_completed").getAsInt(),
          o.get("steps_done").getAsLong(),
          pos.get("epoch").getAsLong(),
          pos.get("batch").getAsLong(),
          pos.get("seed").getAsLong(),
          pos.get("batch_size").getAsInt(),
          pos.get("devices").getAsInt(),
          pos.get("labels").getAsString(),
          floats(o, "positive_weights"),
          floats(o, "thresholds"),
          o.get("loss").getAsDouble(),
          o.get("map").getAsDouble(),
          o.get("dataset").getAsString(),
          o.has("val_dataset") && !o.get("val_dataset").isJsonNull()
              ? o.get("val_dataset").getAsString()
              : null);
    } catch (IllegalStateException
        | NullPointerException
        | UnsupportedOperationException
        | com.google.gson.JsonParseException
        | NumberFormatException e) {
      throw new IllegalArgumentException(
          where + ": damaged checkpoint description (" + e.getMessage() + ")", e);
    }
  }

  private static float[] floats(JsonObject o, String key) {
    if (!o.has(key) || o.get(key).isJsonNull()) {
      return null;
    }
    JsonArray a = o.getAsJsonArray(key);
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsFloat();
    }
    return out;
  }
}
