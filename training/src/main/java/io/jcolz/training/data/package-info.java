/**
 * Bridges between jcolz data and DJL: {@link io.jcolz.training.data.BatchArrays} turns a loader
 * batch into device arrays (uint8 upload, float conversion and ImageNet normalisation on the
 * device; labels as sparse pairs or multi-hot), {@link io.jcolz.training.data.JcolzDataset} is a
 * DJL {@code RandomAccessDataset} view for {@code EasyTrain}, {@link
 * io.jcolz.training.data.LabelCounts} counts positives per label (for {@code --pos-weight auto} and
 * the initial output bias).
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>{@code JcolzDataset} reads raw-mode datasets only (no JPEG decoding) and reads one row at a
 *       time; it is the compatibility path, not the fast one (use the loader).
 *   <li>Normalisation is fixed to the ImageNet channel mean and standard deviation.
 * </ul>
 */
package io.jcolz.training.data;
