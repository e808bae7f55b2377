/**
 * The training loop: {@link io.jcolz.training.loop.Training} trains a multi-label ResNet on batches
 * from the jcolz loader's per-device queues with DJL's {@code Trainer}, the fused sigmoid
 * cross-entropy loss (sparse or multi-hot labels) and a warm-up + cosine schedule; reports loss,
 * validation mAP, images/s and data stall per epoch; checkpoints every epoch and resumes. {@link
 * io.jcolz.training.loop.Inference} streams a dataset through a model (validation, eval, predict).
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Several devices (one loader queue each, gradients summed by DJL's parameter store) is the
 *       same code path as one, but has only run with one CPU device: no GPU was available.
 *       Batch-norm statistics are per device; device 0's are saved.
 *   <li>One process, one rank: the loader can shard across ranks, but there is no multi-process
 *       (distributed) gradient reduction here.
 *   <li>Optimizer state (momentum, Adam moments) is not checkpointed (DJL does not expose it); a
 *       resumed run restarts it. Parameters, schedule position and loader position are exact.
 *   <li>Float32 only; no mixed precision (see {@link io.jcolz.training.loop.Training}).
 *   <li>With D devices, up to D−1 trailing batches of each epoch are not trained on.
 *   <li>Checkpoints are written at epoch ends and when {@code maxSteps} stops a run, not every N
 *       steps; a crash loses at most the current epoch.
 * </ul>
 */
package io.jcolz.training.loop;
