/**
 * Training-time augmentation on 8-bit RGB, written straight into a batch slot: random resized crop
 * and horizontal flip, seeded per sample by (seed, epoch, row) so pixels never depend on thread
 * timing or worker count.
 *
 * <h2>One name per concept</h2>
 *
 * <ul>
 *   <li>{@link io.jcolz.loader.augment.Augment}: what the loader is asked for ({@code none}, {@code
 *       flip}, {@code standard}, or an explicit augmentation), independent of the output size; the
 *       value of {@code LoaderConfig.augment} and of {@code --augment}. Immutable.
 *   <li>{@link io.jcolz.loader.augment.Augmentation}: that choice resolved for one output size,
 *       with its parameters ({@link io.jcolz.loader.augment.Augmentation#params}, a pure function
 *       of (seed, epoch, row) and the source size). Immutable.
 *   <li>{@link io.jcolz.loader.augment.Augmenter}: applies an augmentation, with scratch buffers;
 *       one per worker thread.
 * </ul>
 *
 * Resampling, pixel layouts and decoded images come from {@code io.jcolz.image}; this package is
 * the loader's only user of them beyond decoding.
 */
package io.jcolz.loader.augment;
