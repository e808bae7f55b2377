/**
 * Optimizer settings (SGD with momentum or Adam, L2 weight decay, gradient clipping) and the
 * linear warm-up + cosine learning-rate schedule as a DJL {@code Tracker}, continued after a
 * resume by a step offset.
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Weight decay is DJL's L2 term on every parameter (batch-norm and biases included); Adam
 *       with it is not AdamW.
 *   <li>The schedule is per step and ends at 1% of the peak rate; its length is fixed when the
 *       run starts (epochs × steps per epoch).
 * </ul>
 */
package io.jcolz.training.optim;
