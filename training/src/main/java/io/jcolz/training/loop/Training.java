package io.jcolz.training.loop;

import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.jcolz.format.Dataset;
import io.jcolz.loader.Loader;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss;
import io.jcolz.training.optim.OptimizerSettings;
import java.io.IOException;

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
 * batchSize}, and an epoch has {@code floor(batches / D)} steps (up to D−1 trailing batches per
 * epoch are not trained on: the one loader of the run delivers them, and they are skipped). On a
 * CPU machine D = 1 and this is the ordinary loop (DJL refuses two CPU devices in one trainer);
 * <b>the D &gt; 1 path has not been run end to end</b> (no GPU machine was available; the per-copy
 * update count is unit-tested with DJL's parameter server): batch-norm running statistics are not
 * parameters with gradients, so each copy keeps its own from its own batches, and the checkpoint
 * saves device 0's.
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
 * config set explicitly to other values; {@link TrainingCallbacks#started} reports those actually
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
 * Float32 by default. {@link Precision#BF16} computes forward and backward with a bfloat16 copy of
 * the model on every device, the loss and the optimizer in float32 on float32 master weights (no
 * loss scaling: bfloat16 has float32's exponent range; float16 would need it and is not offered).
 * It needs a DJL JNI bridge with bfloat16 in its type table ({@link Precision#BF16_PROPERTY}); DJL
 * 0.35.1's own has none, and bf16 is then refused before anything starts. On x86 CPUs without
 * AVX-512-BF16/AMX it gains nothing.
 *
 * <h2>Several devices</h2>
 *
 * A step runs every device at once ({@code DataParallelStep}: its javadoc says how gradients and
 * batch-norm statistics are combined). A checkpoint resumes on another number of devices when the
 * global batch (devices × batch) is the same; the order of samples is then unchanged.
 *
 * <h2>Structure</h2>
 *
 * A run is a {@link TrainingSession}: the checks and settings first, then per epoch a training, a
 * validation and a checkpoint step, all epochs over one training {@link Loader} started at the
 * resume position. Errors about a setting are {@link SettingException}s naming it as a {@link
 * TrainingSettings.Setting}, for a front end to word (the command line: as its flag).
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
   * @throws IllegalArgumentException for settings that do not fit the data or the checkpoint (a
   *     {@link SettingException} where the message is about settings)
   */
  public static TrainingOutcome run(
      Dataset train, Dataset val, TrainingSettings cfg, TrainingCallbacks listener)
      throws IOException, InterruptedException {
    try (TrainingSession session = TrainingSession.open(train, val, cfg, listener)) {
      return session.run();
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
}
