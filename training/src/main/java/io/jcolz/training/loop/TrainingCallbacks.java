package io.jcolz.training.loop;

import io.jcolz.loader.Batch;
import io.jcolz.loader.LoaderConfig;
import io.jcolz.training.model.ResNetSpec;
import io.jcolz.training.optim.OptimizerSettings;

/**
 * Callbacks of a {@link Training} run, all on the training thread (keep them cheap). Every method
 * has an empty default. Implementations need not be thread-safe.
 */
public interface TrainingCallbacks {
  /**
   * The run starts, after every check, with the settings it actually uses: on a resume those of the
   * checkpoint (model, optimizer, schedule, positive weights), not the config's.
   *
   * @param spec the model
   * @param optimizer optimizer and schedule
   * @param positiveWeights per-label positive weights, or null for none
   * @param resumed whether the run continues a checkpoint
   * @param stepsDone steps taken before this run
   */
  default void started(
      ResNetSpec spec,
      OptimizerSettings optimizer,
      float[] positiveWeights,
      boolean resumed,
      long stepsDone) {}

  /**
   * The training loader starts, configured as it reads (read mode, reads ahead, workers, order).
   *
   * @param config the loader's configuration
   */
  default void loaderStarted(LoaderConfig config) {}

  /**
   * An epoch starts.
   *
   * @param epoch 0-based epoch
   * @param steps steps this epoch will take
   */
  default void epochStarted(int epoch, long steps) {}

  /**
   * A batch was taken from a device queue (before it is uploaded). The batch is open only during
   * the call: copy what you need, do not close it.
   *
   * @param batch the batch (its epoch, index, device and rows)
   */
  default void batchTaken(Batch batch) {}

  /**
   * A step finished.
   *
   * @param epoch the epoch
   * @param step 1-based step within this epoch's run
   * @param images images the step trained on (all devices)
   * @param loss the step's loss
   */
  default void stepFinished(int epoch, long step, int images, float loss) {}

  /**
   * Training steps of an epoch are done; validation (if any) follows.
   *
   * @param epoch the epoch
   */
  default void validating(int epoch) {}

  /**
   * An epoch finished (after validation and checkpoint).
   *
   * @param stats its figures
   */
  default void epochFinished(EpochStats stats) {}
}
