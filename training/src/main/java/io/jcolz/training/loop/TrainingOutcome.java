package io.jcolz.training.loop;

import io.jcolz.training.model.ResNetSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * What a {@link Training} run did. Immutable (arrays not copied).
 *
 * @param spec the model trained
 * @param epochs figures of each epoch this run trained (empty if a resumed run had nothing left)
 * @param epochsCompleted whole epochs done in total, counting those before a resume
 * @param stepsDone optimizer steps taken in total
 * @param loss mean training loss of the last epoch run
 * @param map validation mAP measured by this run after its last epoch (NaN without validation, or
 *     when the run trained nothing; never a resumed checkpoint's older figure)
 * @param imagesPerSecond images trained ÷ training seconds, over this run
 * @param dataStall batch-wait time ÷ step time, over this run
 * @param seconds wall time of the whole run (validation and checkpoints included)
 * @param checkpoint the last checkpoint written, or null
 * @param thresholds per-label thresholds chosen on the validation set by this run, or null
 */
public record TrainingOutcome(
    ResNetSpec spec,
    List<EpochStats> epochs,
    int epochsCompleted,
    long stepsDone,
    double loss,
    double map,
    double imagesPerSecond,
    double dataStall,
    double seconds,
    Path checkpoint,
    float[] thresholds) {}
