package io.jcolz.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * A jcolz dataset as a DJL {@link RandomAccessDataset}, so DJL users can hand it to {@code
 * EasyTrain.fit} or iterate {@code getData(manager)} like any DJL dataset:
 *
 * <pre>{@code
 * try (Dataset ds = Dataset.open(dir)) {
 *   JcolzDataset data = JcolzDataset.builder(ds).setSampling(64, true).build();
 *   EasyTrain.fit(trainer, epochs, data, null);
 * }
 * }</pre>
 *
 * Record {@code i} is row {@code i}: data = one float32 image {@code [3, H, W]}, normalised as
 * {@link BatchArrays#normalize} does; labels = one float32 multi-hot vector {@code [L]} (DJL's
 * stacking batchifier makes {@code [B, 3, H, W]} and {@code [B, L]}, which {@link
 * io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss} takes as dense targets).
 *
 * <p>This is the convenience path: one random row read (one chunk decode, served by the dataset's
 * decoder pool) per record on DJL's threads. For speed use {@link io.jcolz.loader.Loader} directly
 * (whole batches assembled off-heap by workers that decode each chunk once), as {@code jcolz train}
 * does. Raw-mode datasets only (an {@code image} uint8 tensor {@code H × W × 3}); encoded-image
 * datasets are refused with a message.
 *
 * <p>Thread-safety: {@link #get} is safe from several threads (the dataset's reads are); the
 * dataset must stay open while this view is used.
 */
public final class JcolzDataset extends RandomAccessDataset {
  private final Dataset dataset;
  private final String imageColumn;
  private final String labelColumn;
  private final int height;
  private final int width;
  private final int numLabels;

  private JcolzDataset(Builder builder) {
    super(builder);
    this.dataset = builder.dataset;
    this.imageColumn = builder.imageColumn;
    int i = dataset.schema().indexOf(imageColumn);
    if (i < 0) {
      throw new IllegalArgumentException(
          "dataset "
              + dataset.path()
              + " has no column '"
              + imageColumn
              + "' (JcolzDataset reads raw-mode datasets)");
    }
    ColumnSpec image = dataset.schema().columns().get(i);
    if (image.type() != ColumnType.UINT8_TENSOR
        || image.shape().length != 3
        || image.shape()[2] != 3) {
      throw new IllegalArgumentException(
          "column '"
              + imageColumn
              + "' of "
              + dataset.path()
              + " is not an H×W×3 uint8 tensor: "
              + image);
    }
    this.height = image.shape()[0];
    this.width = image.shape()[1];
    this.labelColumn =
        dataset
            .schema()
            .labelColumn()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "dataset " + dataset.path() + " has no label column"));
    this.numLabels = dataset.column(labelColumn).spec().cardinality();
    if (builder.vocabulary != null) {
      BatchArrays.checkVocabulary(
          "dataset " + dataset.path(),
          dataset.labels() == null ? List.of() : dataset.labels(),
          builder.vocabularyWhat,
          builder.vocabulary);
    }
  }

  /**
   * A builder over an open dataset.
   *
   * @param dataset the dataset (kept open by the caller)
   * @return the builder; call {@code setSampling} before {@code build}
   */
  public static Builder builder(Dataset dataset) {
    return new Builder(dataset);
  }

  @Override
  public Record get(NDManager manager, long index) throws IOException {
    byte[] hwc = dataset.readTensor(imageColumn, index);
    int[] labels = dataset.readSet(labelColumn, index);
    NDArray image;
    try (NDArray raw =
            manager.create(
                java.nio.ByteBuffer.wrap(hwc), new Shape(height, width, 3), DataType.UINT8);
        NDArray chw = raw.transpose(2, 0, 1).expandDims(0)) {
      image = BatchArrays.normalize(chw);
    }
    NDArray squeezed = image.squeeze(0);
    image.close();
    float[] multiHot = new float[numLabels];
    for (int l : labels) {
      multiHot[l] = 1f;
    }
    return new Record(new NDList(squeezed), new NDList(manager.create(multiHot)));
  }

  @Override
  protected long availableSize() {
    return dataset.rowCount();
  }

  @Override
  public void prepare(Progress progress) {
    // the dataset is already open and needs no preparation
  }

  /**
   * The label vocabulary.
   *
   * @return names in index order
   */
  public List<String> labels() {
    return dataset.labels();
  }

  /**
   * The image shape of one record.
   *
   * @return {@code (3, H, W)}
   */
  public Shape imageShape() {
    return new Shape(3, height, width);
  }

  /** Builds a {@link JcolzDataset}. Not thread-safe. */
  public static final class Builder extends RandomAccessDataset.BaseBuilder<Builder> {
    private final Dataset dataset;
    private String imageColumn = PackedImages.IMAGE;
    private List<String> vocabulary;
    private String vocabularyWhat;

    private Builder(Dataset dataset) {
      this.dataset = Objects.requireNonNull(dataset);
    }

    /**
     * Sets the raw image column (default {@code image}).
     *
     * @param name a uint8 tensor column H×W×3
     * @return this builder
     */
    public Builder optImageColumn(String name) {
      this.imageColumn = Objects.requireNonNull(name);
      return this;
    }

    /**
     * Requires the dataset's label vocabulary to equal {@code labels} — the one the model was
     * trained on (the training set's {@code labels()}, or a checkpoint's) — so that a validation
     * set of another vocabulary fails at {@link #build()} with both sizes and the first difference
     * named, instead of deep in a reshape.
     *
     * @param what what {@code labels} belong to, for the message (e.g. "the training set")
     * @param labels the expected names, index order
     * @return this builder
     */
    public Builder optVocabulary(String what, List<String> labels) {
      this.vocabularyWhat = Objects.requireNonNull(what);
      this.vocabulary = List.copyOf(labels);
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * Builds the view.
     *
     * @return the dataset view
     * @throws IllegalArgumentException the dataset does not fit (no such column, not H×W×3 uint8,
     *     no labels, or a vocabulary other than {@link #optVocabulary}'s)
     */
    public JcolzDataset build() {
      return new JcolzDataset(this);
    }
  }
}
