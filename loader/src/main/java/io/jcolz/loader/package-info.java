/**
 * The jcolz loader: streams a dataset as batches into one bounded queue per device.
 *
 * <p>{@link io.jcolz.loader.Loader} (built with {@link io.jcolz.loader.Loader#builder}) owns the
 * workers; {@link io.jcolz.loader.Batch} is what a consumer takes, reads and closes; {@link
 * io.jcolz.loader.MemoryBudget} is the off-heap bound reported up front; {@link
 * io.jcolz.loader.LoaderBench} measures throughput against the single-thread decompress ceiling.
 * One package per concept: {@code order} (which rows, in which order, on which rank), {@code cache}
 * (decoded chunks shared by workers), {@code batch} (pooled buffers, pixel and label assembly, the
 * sample-writer seam to {@code image}), {@code queue} (per-device ordered bounded queues and the
 * delivery policy), {@code image} (decode, resize, augment).
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Delivery is round-robin by batch index (deterministic); a slow device holds the others back
 *       once its queue is full — there is no work stealing.
 *   <li>{@code RANDOM} order decodes about one chunk per sample on datasets larger than the cache:
 *       use {@code QUASI_RANDOM} for large raw datasets.
 *   <li>JPEG rows are decoded through ImageIO into a new array per image (the decoder's own
 *       allocation); raw rows allocate nothing per sample.
 *   <li>No DJL types here: the training module adapts {@link io.jcolz.loader.Batch} to NDArrays.
 * </ul>
 */
package io.jcolz.loader;
