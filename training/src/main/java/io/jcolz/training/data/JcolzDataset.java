package io.jcolz.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.translate.Pipeline;
import ai.djl.translate.Transform;
import ai.djl.util.Progress;
import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.PartialLabels;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * Record {@code i} is row {@code i}; labels = one float32 multi-hot vector {@code [L]}. The image
 * comes in one of two {@link RecordLayout}s:
 *
 * <ul>
 *   <li>{@link RecordLayout#NORMALIZED_CHW} (default): float32 {@code [3, H, W]}, normalised as
 *       {@link BatchArrays#normalize} does — ready for a model, as {@code jcolz train} feeds it.
 *       DJL's image transforms ({@code ai.djl.modality.cv.transform}) do not fit this record, so a
 *       pipeline holding one is refused at {@link Builder#build()}.
 *   <li>{@link RecordLayout#HWC_UINT8}: uint8 {@code [H, W, 3]}, un-normalised, as DJL's {@code
 *       ImageFolder} delivers it — for a DJL pipeline such as {@code Resize → CenterCrop → ToTensor
 *       → Normalize}. {@link Builder#build()} refuses a pipeline whose order cannot fit: {@code
 *       Normalize} before {@code ToTensor}, or an HWC transform (resize, crop, flip, colour) after
 *       it.
 * </ul>
 *
 * DJL's stacking batchifier makes {@code [B, 3, H, W]} (or {@code [B, H, W, 3]}) and {@code [B,
 * L]}, which {@link io.jcolz.training.loss.FusedSigmoidCrossEntropyLoss} takes as dense targets. On
 * a dataset of partial labels (format version 3) the labels are two vectors {@code [L]}, the target
 * (a positive's confidence) and the mask (0 where the label is unknown), stacked into the {@code
 * [B, L]} pair {@link io.jcolz.training.loss.AsymmetricLoss} takes; they are read per record
 * through {@code Dataset.readLabels} (a chunk decode of each label column per record).
 *
 * <p>This is the convenience path: random row reads on DJL's threads, through a small LRU cache of
 * decoded chunks per column ({@link Builder#optChunkCache}; {@link #chunkDecodes()} counts the
 * misses), so reading rows in order costs one decode per chunk, not per record. For speed use
 * {@link io.jcolz.loader.Loader} directly (whole batches assembled off-heap by workers that decode
 * each chunk once), as {@code jcolz train} does. Raw-mode datasets only (an {@code image} uint8
 * tensor {@code H × W × 3}); encoded-image datasets are refused with a message.
 *
 * <p>Thread-safety: {@link #get} is safe from several threads (the cache is synchronised; two
 * threads missing the same chunk may both decode it); the dataset must stay open while this view is
 * used.
 */
public final class JcolzDataset extends RandomAccessDataset {
  /** Decoded chunks kept per column by default. */
  public static final int DEFAULT_CACHE_CHUNKS = 4;

  private final Dataset dataset;
  private final String imageColumn;
  private final String labelColumn;
  private final int height;
  private final int width;
  private final int numLabels;
  private final RecordLayout layout;
  private final DecodedChunks<byte[]> images;
  private final DecodedChunks<int[][]> labelSets;

  /** The form of a record's image. */
  public enum RecordLayout {
    /** float32 {@code [3, H, W]}, ImageNet-normalised: what a jcolz-trained model takes. */
    NORMALIZED_CHW,
    /** uint8 {@code [H, W, 3]}, un-normalised: what DJL's image transforms take. */
    HWC_UINT8
  }

  private JcolzDataset(Builder builder) {
    super(builder);
    this.dataset = builder.dataset;
    this.layout = builder.layout;
    checkPipeline(builder.layout, builder.pipelineOrNull());
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
    this.labelColumn = dataset.labelColumnName();
    this.numLabels = dataset.column(labelColumn).spec().cardinality();
    int pixels = height * width * 3;
    this.images =
        new DecodedChunks<>(
            dataset,
            dataset.column(imageColumn),
            builder.cacheChunks,
            v -> {
              byte[] out = new byte[v.rowCount() * pixels];
              for (int r = 0; r < v.rowCount(); r++) {
                MemorySegment.copy(v.tensor(r), ValueLayout.JAVA_BYTE, 0, out, r * pixels, pixels);
              }
              return out;
            });
    this.labelSets =
        new DecodedChunks<>(
            dataset,
            dataset.column(labelColumn),
            builder.cacheChunks,
            v -> {
              int[][] out = new int[v.rowCount()][];
              for (int r = 0; r < v.rowCount(); r++) {
                out[r] = v.set(r);
              }
              return out;
            });
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

  /** Image transforms that need a CHW float tensor (after {@code ToTensor}). */
  private static final java.util.Set<String> CHW_TRANSFORMS = java.util.Set.of("Normalize");

  /** Not image transforms (label encoding). */
  private static final java.util.Set<String> NOT_IMAGE = java.util.Set.of("OneHot");

  private static final String CV_TRANSFORMS = "ai.djl.modality.cv.transform.";

  /** Refuses a pipeline of DJL image transforms that cannot fit the record layout. */
  static void checkPipeline(RecordLayout layout, Pipeline pipeline) {
    if (pipeline == null) {
      return;
    }
    boolean tensor = false; // whether ToTensor has run: HWC uint8 became CHW float in [0, 1]
    int k = 0;
    for (Transform t : pipeline.getTransforms()) {
      String cls = t.getClass().getName();
      String name = t.getClass().getSimpleName();
      if (cls.startsWith(CV_TRANSFORMS) && !NOT_IMAGE.contains(name)) {
        if (layout == RecordLayout.NORMALIZED_CHW) {
          throw new IllegalArgumentException(
              "pipeline transform "
                  + k
                  + " ("
                  + name
                  + ") expects an HWC image as ImageFolder delivers, but JcolzDataset records are"
                  + " already normalised float32 [3, H, W]: build with"
                  + " optRecordLayout(RecordLayout.HWC_UINT8) to use DJL's image transforms");
        }
        if (name.equals("ToTensor")) {
          if (tensor) {
            throw new IllegalArgumentException(
                "pipeline transform " + k + " (ToTensor) runs a second time");
          }
          tensor = true;
        } else if (CHW_TRANSFORMS.contains(name) && !tensor) {
          throw new IllegalArgumentException(
              "pipeline transform "
                  + k
                  + " ("
                  + name
                  + ") needs a float32 [3, H, W] tensor but the record is still uint8 [H, W, 3]:"
                  + " put ToTensor before it");
        } else if (!CHW_TRANSFORMS.contains(name) && tensor) {
          throw new IllegalArgumentException(
              "pipeline transform "
                  + k
                  + " ("
                  + name
                  + ") works on an HWC image but comes after ToTensor, which made it [3, H, W]:"
                  + " put it before ToTensor");
        }
      }
      k++;
    }
  }

  @Override
  public Record get(NDManager manager, long index) throws IOException {
    if (index < 0 || index >= dataset.rowCount()) {
      throw new IndexOutOfBoundsException(
          "record " + index + " of " + dataset.rowCount() + " in " + dataset.path());
    }
    int pixels = height * width * 3;
    Column imageCol = dataset.column(imageColumn);
    int ik = imageCol.chunkOf(index);
    byte[] chunk = images.get(ik);
    int at = (int) (index - imageCol.firstRow(ik)) * pixels;
    Column labelCol = dataset.column(labelColumn);
    int lk = labelCol.chunkOf(index);
    int[] labels = labelSets.get(lk)[(int) (index - labelCol.firstRow(lk))];
    NDArray squeezed;
    try (NDArray raw =
        manager.create(
            java.nio.ByteBuffer.wrap(chunk, at, pixels).slice(),
            new Shape(height, width, 3),
            DataType.UINT8)) {
      if (layout == RecordLayout.HWC_UINT8) {
        squeezed = raw.duplicate();
      } else {
        NDArray image;
        try (NDArray chw = raw.transpose(2, 0, 1).expandDims(0)) {
          image = BatchArrays.normalize(chw);
        }
        squeezed = image.squeeze(0);
        image.close();
      }
    }
    if (dataset.partialLabels().partial()) {
      return new Record(new NDList(squeezed), partialLabels(manager, index));
    }
    float[] multiHot = new float[numLabels];
    for (int l : labels) {
      multiHot[l] = 1f;
    }
    return new Record(new NDList(squeezed), new NDList(manager.create(multiHot)));
  }

  /** Row {@code index}'s target and mask {@code [L]} each, from the dataset's row reader. */
  private NDList partialLabels(NDManager manager, long index) throws IOException {
    PartialLabels.RowLabels row = dataset.readLabels(index);
    boolean unknown = dataset.partialLabels().unlisted() == PartialLabels.Unlisted.UNKNOWN;
    float[] target = new float[numLabels];
    float[] mask = new float[numLabels];
    java.util.Arrays.fill(mask, unknown ? 0f : 1f);
    for (int j = 0; j < row.positives().length; j++) {
      target[row.positives()[j]] = row.confidence(j);
      mask[row.positives()[j]] = 1f;
    }
    if (row.negatives() != null) {
      for (int n : row.negatives()) {
        mask[n] = 1f;
      }
    }
    return new NDList(manager.create(target), manager.create(mask));
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
   * The image shape of one record, before any pipeline.
   *
   * @return {@code (3, H, W)}, or {@code (H, W, 3)} for {@link RecordLayout#HWC_UINT8}
   */
  public Shape imageShape() {
    return layout == RecordLayout.HWC_UINT8
        ? new Shape(height, width, 3)
        : new Shape(3, height, width);
  }

  /**
   * The record layout.
   *
   * @return the layout the builder set
   */
  public RecordLayout recordLayout() {
    return layout;
  }

  /**
   * Chunks decoded so far (cache misses), image and label columns together.
   *
   * @return the count
   */
  public long chunkDecodes() {
    return images.decodes() + labelSets.decodes();
  }

  /** Builds a {@link JcolzDataset}. Not thread-safe. */
  public static final class Builder extends RandomAccessDataset.BaseBuilder<Builder> {
    private final Dataset dataset;
    private String imageColumn = PackedImages.IMAGE;
    private List<String> vocabulary;
    private RecordLayout layout = RecordLayout.NORMALIZED_CHW;
    private int cacheChunks = DEFAULT_CACHE_CHUNKS;
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
     * The record layout (default {@link RecordLayout#NORMALIZED_CHW}).
     *
     * @param layout the layout
     * @return this builder
     */
    public Builder optRecordLayout(RecordLayout layout) {
      this.layout = Objects.requireNonNull(layout);
      return this;
    }

    /**
     * Decoded chunks kept per column (default {@value #DEFAULT_CACHE_CHUNKS}); an LRU.
     *
     * @param chunks at least 1
     * @return this builder
     */
    public Builder optChunkCache(int chunks) {
      if (chunks < 1) {
        throw new IllegalArgumentException("chunk cache " + chunks + " must be >= 1 chunk");
      }
      this.cacheChunks = chunks;
      return this;
    }

    Pipeline pipelineOrNull() {
      return pipeline;
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
