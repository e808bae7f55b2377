/**
 * Bridges between jcolz data and DJL: {@link io.jcolz.training.data.BatchArrays} turns a loader
 * batch into device arrays (uint8 upload, float conversion and ImageNet normalisation on the
 * device; labels as sparse pairs or multi-hot, or for partial labels the target and mask of {@code
 * lossLabels}; {@code copy} copies a batch exactly once), {@link
 * io.jcolz.training.data.JcolzDataset} is a DJL {@code RandomAccessDataset} view for {@code
 * EasyTrain} (normalised CHW or HWC uint8 records for DJL's image transforms), {@link
 * io.jcolz.training.data.LoaderDataset} is the fast DJL {@code Dataset} that streams a loader,
 * {@link io.jcolz.training.data.LabelCounts} counts positives per label (for {@code --pos-weight
 * auto} and the initial output bias).
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>{@code JcolzDataset} reads raw-mode datasets only (no JPEG decoding), a record at a time
 *       through a small cache of decoded chunks; it is the compatibility path, not the fast one
 *       ({@code LoaderDataset} or the loader).
 *   <li>Normalisation is fixed to the ImageNet channel mean and standard deviation.
 * </ul>
 */
package io.jcolz.training.data;
