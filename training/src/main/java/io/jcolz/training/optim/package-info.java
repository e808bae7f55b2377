/**
 * Optimizer settings (SGD with momentum or Adam, L2 weight decay, gradient clipping) and the linear
 * warm-up + cosine learning-rate schedule as a DJL {@code Tracker}, continued after a resume by a
 * step offset and advanced once per step with any number of devices.
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Weight decay is DJL's L2 term on every parameter (batch-norm and biases included); Adam
 *       with it is not AdamW.
 *   <li>The schedule is per step and ends at 1% of the peak rate; its length is fixed when the run
 *       starts (epochs × steps per epoch).
 *   <li>The gradient clip is DJL's: from above only ({@code clamp_max}), not symmetric.
 * </ul>
 */
package io.jcolz.training.optim;
