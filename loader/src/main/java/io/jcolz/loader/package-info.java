/**
 * The jcolz loader: streams a dataset as batches into one bounded queue per device.
 *
 * <p>{@link io.jcolz.loader.Loader#builder} collects settings; its {@code config()} resolves them
 * into an immutable {@link io.jcolz.loader.LoaderConfig} whose {@link io.jcolz.loader.MemoryBudget}
 * is the off-heap bound, known before anything starts; {@code start()} makes the {@link
 * io.jcolz.loader.Loader}, which owns the workers (their work split: the package-private {@code
 * Scheduler}, per chunk decode and per chunk of a batch). {@link io.jcolz.loader.Batch} is what a
 * consumer takes, reads and closes; {@link io.jcolz.loader.LoaderStats} says where the worker time
 * went; {@link io.jcolz.loader.LoaderBench} measures throughput against the single-thread
 * decompress ceiling. One package per concept: {@code order} (which rows, in which order, on which
 * rank), {@code cache} (decoded chunks shared by workers), {@code batch} (pooled buffers, pixel and
 * label assembly, the sample-writer seam to the {@code jcolz-image} module's decoders), {@code
 * queue} (per-device ordered bounded queues and the delivery policy), {@code augment} (random
 * resized crop and flip into a batch slot), {@code read} (chunks read ahead of their decode, on I/O
 * threads, into a bounded pool of off-heap buffers).
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Delivery is round-robin by batch index (deterministic); a slow device holds the others back
 *       once its queue is full — there is no work stealing.
 *   <li>{@code RANDOM} order decodes about one chunk per sample on datasets larger than the cache:
 *       use {@code QUASI_RANDOM} for large raw datasets.
 *   <li>JPEG rows are decoded by libjpeg-turbo (through FFM, when {@code libturbojpeg.so.0} is
 *       installed) straight from the decompressed chunk into a reused off-heap buffer per worker;
 *       without it, and for the files TurboJPEG refuses, by the JDK's ImageIO reader into a new
 *       array per image ({@code io.jcolz.image.JpegDecoder}). Raw rows allocate nothing per sample.
 *   <li>The work split takes one lock per chunk decode, per chunk of a batch and per batch (about
 *       10,000 times a second at 40,000 images/s of 224 px raw), never per sample; scaling beyond 2
 *       cores has not been measured by this project yet (BENCHMARKS.md, "Loader").
 *   <li>A label or key chunk serves rows of many quasi-random windows, so it is decoded once per
 *       epoch only when its whole column fits the default cache (the case up to the image cache's
 *       size, see {@link io.jcolz.loader.LoaderConfig}); larger ones are decoded again as needed.
 *   <li>Reads ahead start when a chunk's decode is queued (its batch registered in the lookahead);
 *       the first chunks of a batch registered while the workers are idle are often taken before
 *       their read starts and read by the worker itself ({@link
 *       io.jcolz.loader.LoaderStats#readsInline()}).
 *   <li>Partial labels (format version 3) come as soft targets and a mask ({@link
 *       io.jcolz.loader.batch.TargetMode}): the confidence and verified-negative columns are read
 *       as their own cached columns and combined when a batch is finished, from per-batch scratch
 *       of {@code B × maxLabelsPerSample} values each — so in either label mode a batch holds at
 *       most that many positives and verified negatives (the same capacity as SPARSE labels).
 *   <li>No DJL types here: the training module adapts {@link io.jcolz.loader.Batch} to NDArrays.
 * </ul>
 */
package io.jcolz.loader;
