/**
 * Batch buffers and their assembly: {@link io.jcolz.loader.batch.BatchSpec} (shape and bytes;
 * {@link io.jcolz.loader.batch.LabelMode} dense or sparse, {@link io.jcolz.loader.batch.TargetMode}
 * plain labels or soft targets and a mask), {@link io.jcolz.loader.batch.BatchPool} (bounded,
 * recycled off-heap buffers), {@link io.jcolz.loader.batch.Pixels} (HWC → NCHW/NHWC with flip,
 * word-wise), and {@link io.jcolz.loader.batch.SampleWriter}, the per-sample seam whose default
 * {@link io.jcolz.loader.batch.ImageSampleWriter} decodes through {@code io.jcolz.image} and
 * augments through {@code io.jcolz.loader.augment}.
 */
package io.jcolz.loader.batch;
