package io.jcolz.training.loop;

/**
 * Figures of one epoch (or of the part of it a run covered). Immutable.
 *
 * @param epoch 0-based epoch
 * @param steps optimizer steps taken
 * @param images images trained on
 * @param loss mean training loss over the steps
 * @param seconds wall time of the training steps (validation excluded)
 * @param imagesPerSecond images ÷ seconds
 * @param dataStall time spent waiting for batches ÷ step time, in [0, 1]
 * @param map validation mAP, NaN without a validation set
 * @param learningRate learning rate of the last step
 * @param complete whether the whole epoch was trained (false when {@code maxSteps} stopped it)
 */
public record EpochStats(
    int epoch,
    long steps,
    long images,
    double loss,
    double seconds,
    double imagesPerSecond,
    double dataStall,
    double map,
    float learningRate,
    boolean complete) {}
