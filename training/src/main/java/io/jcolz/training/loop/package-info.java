/**
 * The training loop: {@link io.jcolz.training.loop.Training} trains a multi-label ResNet on batches
 * from the jcolz loader's per-device queues, the devices of a step at once ({@code
 * DataParallelStep}: gradients summed by a tree, float32 master weights on device 0, optional
 * bfloat16 replicas, {@link io.jcolz.training.loop.Precision}), the fused sigmoid cross-entropy
 * loss (sparse or multi-hot labels) and a warm-up + cosine schedule; reports loss, validation mAP,
 * images/s and data stall per epoch; checkpoints every epoch and resumes. {@link
 * io.jcolz.training.loop.Inference} streams a dataset through a model (validation, eval, predict).
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Several devices run at once and are proven on the CPU (replicas sharing it: the step of the
 *       concatenated batch within 1e-5), but have not run on GPUs. Batch-norm statistics: each
 *       device normalises with its own batch; device 0's running statistics are the model's and
 *       every device gets them at each step. The gradient sum is not overlapped with the backward
 *       pass and uses no NCCL (README, "On NVIDIA GPUs", for its cost per step).
 *   <li>A checkpoint resumes on another number of devices only with the same global batch (devices
 *       × batch).
 *   <li>One process, one rank: the loader can shard across ranks, but there is no multi-process
 *       (distributed) gradient reduction here.
 *   <li>Optimizer state (momentum, Adam moments) is not checkpointed (DJL does not expose it); a
 *       resumed run restarts it. Parameters, schedule position and loader position are exact.
 *   <li>bf16 needs a DJL JNI bridge built with bfloat16 (DJL 0.35.1's has none; {@link
 *       io.jcolz.training.loop.Precision#BF16_PROPERTY}); no loss scaling, so no fp16.
 *   <li>With D devices, up to D−1 trailing batches of each epoch are not trained on.
 *   <li>Checkpoints are written at epoch ends and when {@code maxSteps} stops a run, not every N
 *       steps; a crash loses at most the current epoch.
 * </ul>
 */
package io.jcolz.training.loop;
