/**
 * Checkpoints: a JSON description ({@link io.jcolz.training.checkpoint.Checkpoint}, versioned:
 * {@code VERSION_START}..{@code VERSION_CURRENT}) next to a DJL parameter file, written atomically
 * with a {@code LATEST} pointer by {@link io.jcolz.training.checkpoint.Checkpoints}.
 *
 * <h2>History</h2>
 *
 * Version 1: model spec, vocabulary, optimizer settings, steps/epochs done, loader position and
 * settings, positive weights, validation thresholds, last loss and mAP, dataset id.
 *
 * <p>Version 2: the parameter file holds the torchvision-exact ResNets ({@link
 * io.jcolz.training.model.TorchvisionResNet}); {@code fine_tuning} ({@code train_from}, {@code
 * head_lr_mult}) records what a fine-tuning run freezes. Version 1 checkpoints are refused with a
 * line saying why (their DJL-zoo parameters fit no model of version 2).
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>No optimizer state (momentum / Adam moments).
 *   <li>The parameter file has no checksum of its own beyond what DJL checks when loading; shapes
 *       are checked against the spec.
 *   <li>One writer per directory; two runs writing the same directory race on {@code LATEST}.
 * </ul>
 */
package io.jcolz.training.checkpoint;
