package io.jcolz.format.images;

import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The packed-image convention: which columns of a dataset hold an image collection and which
 * metadata say how its pixels were made. {@code jcolz pack} writes it; the loader, training and the
 * tools read it back through {@link #of(Dataset)}; any other writer that follows it is read the
 * same way (FORMAT.md, "The packed-image convention").
 *
 * <table>
 *   <caption>Columns</caption>
 *   <tr><th>name</th><th>type</th><th>holds</th></tr>
 *   <tr><td>{@value #KEY}</td><td>string, the key column</td><td>the image's key (its path)</td></tr>
 *   <tr><td>{@value #IMAGE}</td><td>uint8 tensor [S, S, 3]</td><td>RGB pixels, HWC
 *       (modes raw and smart)</td></tr>
 *   <tr><td>{@value #JPEG}</td><td>bytes</td><td>a JPEG (modes jpeg and smart; empty where
 *       smart stored the row raw)</td></tr>
 *   <tr><td>{@value #LABELS}</td><td>int32 set, the label column</td><td>label indices into the
 *       vocabulary</td></tr>
 *   <tr><td>{@value PartialLabels#CONFIDENCE}</td><td>float32 list (optional)</td><td>a confidence
 *       per label of {@value #LABELS}, same order</td></tr>
 *   <tr><td>{@value PartialLabels#NEGATIVES}</td><td>int32 set (optional)</td><td>verified
 *       negatives</td></tr>
 * </table>
 *
 * <p>Metadata: {@value #MODE} = {@code raw | jpeg | smart}, {@value #SIZE} = S, {@value #RESIZE} =
 * the {@code --resize} name, {@value #QUALITY} = the JPEG quality (jpeg and smart).
 *
 * <p>Immutable and thread-safe.
 */
public final class PackedImages {
  /** The key column's name. */
  public static final String KEY = "key";

  /** The raw pixel column's name. */
  public static final String IMAGE = "image";

  /** The encoded image column's name. */
  public static final String JPEG = "jpeg";

  /** The label column's name. */
  public static final String LABELS = "labels";

  /** Metadata key: the {@link Storage} id. */
  public static final String MODE = "mode";

  /** Metadata key: the side S of the stored S×S images. */
  public static final String SIZE = "size";

  /** Metadata key: how sources were fitted to S×S (a resize mode's name). */
  public static final String RESIZE = "resize";

  /** Metadata key: the JPEG quality of the {@value #JPEG} column. */
  public static final String QUALITY = "quality";

  /** The resize name assumed when a dataset records none: shorter side to S, centre crop. */
  public static final String DEFAULT_RESIZE = "shorter-side+center-crop";

  /** How the pixels are stored. */
  public enum Storage {
    /** Resized uint8 H×W×3 pixels in {@value PackedImages#IMAGE}: exact, decoded by nothing. */
    RAW,
    /** A JPEG per row in {@value PackedImages#JPEG}: smaller, decoded by the loader. */
    JPEG,
    /**
     * Per row, raw pixels or a JPEG: both columns exist, and a row's unused one holds zeros (raw)
     * or zero bytes (jpeg).
     */
    SMART;

    /** Lower-case name, as written in metadata and on the command line. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The storage named {@code id} (any case), or empty. */
    public static Optional<Storage> parse(String id) {
      for (Storage s : values()) {
        if (s.id().equalsIgnoreCase(id.trim())) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }

    /** Whether rows of this storage may hold raw pixels. */
    public boolean hasRaw() {
      return this != JPEG;
    }

    /** Whether rows of this storage may hold a JPEG. */
    public boolean hasJpeg() {
      return this != RAW;
    }
  }

  private final Storage storage;
  private final String imageColumn;
  private final String jpegColumn;
  private final int[] imageShape;
  private final Integer size;
  private final String resize;
  private final Integer quality;
  private final PartialLabels labels;

  private PackedImages(
      Storage storage,
      String imageColumn,
      String jpegColumn,
      int[] imageShape,
      Integer size,
      String resize,
      Integer quality,
      PartialLabels labels) {
    this.storage = storage;
    this.labels = labels;
    this.imageColumn = imageColumn;
    this.jpegColumn = jpegColumn;
    this.imageShape = imageShape;
    this.size = size;
    this.resize = resize;
    this.quality = quality;
  }

  // ---- writing ----

  /**
   * The schema of a packed-image dataset: {@value #KEY} (when {@code keys}), then {@value #IMAGE}
   * and/or {@value #JPEG} as {@code storage} needs, then {@value #LABELS} (when {@code labelCount >
   * 0}); every column Zstd at {@code level}.
   *
   * @param chunkRows rows per image chunk, 0 = the format's default (about 4 MiB per chunk)
   */
  public static Schema schema(
      Storage storage, int size, int labelCount, boolean keys, int level, int chunkRows) {
    return schema(storage, size, labelCount, keys, level, chunkRows, false, false);
  }

  /**
   * As {@link #schema(Storage, int, int, boolean, int, int)}, with partial labels (FORMAT.md
   * §10.1): after {@value #LABELS}, {@value PartialLabels#CONFIDENCE} (a confidence per positive)
   * when {@code confidences}, and {@value PartialLabels#NEGATIVES} (verified negatives) when {@code
   * negatives}, both chunked like {@value #LABELS}. A dataset with either is format version 3; with
   * neither, this is exactly the version-2 schema. (What an unlisted label means is metadata:
   * {@code writer.putMetadata(PartialLabels.UNLISTED, "unknown")}.)
   *
   * @throws IllegalArgumentException {@code confidences} or {@code negatives} without labels
   */
  public static Schema schema(
      Storage storage,
      int size,
      int labelCount,
      boolean keys,
      int level,
      int chunkRows,
      boolean confidences,
      boolean negatives) {
    if ((confidences || negatives) && labelCount <= 0) {
      throw new IllegalArgumentException("confidences or verified negatives need labels");
    }
    Schema.Builder b = Schema.builder();
    if (keys) {
      b.column(ColumnSpec.string(KEY).withCodec(Codec.ZSTD, level)).keyColumn(KEY);
    }
    if (storage.hasRaw()) {
      ColumnSpec img = ColumnSpec.uint8Tensor(IMAGE, size, size, 3).withCodec(Codec.ZSTD, level);
      b.column(chunkRows > 0 ? img.withChunkRows(chunkRows) : img);
    }
    if (storage.hasJpeg()) {
      ColumnSpec jpg = ColumnSpec.bytes(JPEG).withCodec(Codec.ZSTD, level);
      b.column(chunkRows > 0 ? jpg.withChunkRows(chunkRows).withChunkBytes(0) : jpg);
    }
    if (labelCount > 0) {
      b.column(ColumnSpec.int32Set(LABELS, labelCount).withCodec(Codec.ZSTD, level))
          .labelColumn(LABELS);
    }
    if (confidences) {
      b.column(ColumnSpec.float32List(PartialLabels.CONFIDENCE).withCodec(Codec.ZSTD, level));
    }
    if (negatives) {
      b.column(
          ColumnSpec.int32Set(PartialLabels.NEGATIVES, labelCount).withCodec(Codec.ZSTD, level));
    }
    return b.build();
  }

  /**
   * Records how the pixels were made.
   *
   * @param resize the resize mode's name ({@link #DEFAULT_RESIZE} for shorter side + centre crop)
   * @param quality the JPEG quality, recorded when {@code storage} stores JPEGs
   */
  public static void putMetadata(
      DatasetWriter writer, Storage storage, int size, String resize, int quality) {
    metadata(storage, size, resize, quality).forEach(writer::putMetadata);
  }

  /** The metadata {@link #putMetadata} records, as an ordered map (for a collection manifest). */
  public static java.util.Map<String, String> metadata(
      Storage storage, int size, String resize, int quality) {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put(MODE, storage.id());
    m.put(SIZE, Integer.toString(size));
    m.put(RESIZE, resize);
    if (storage.hasJpeg()) {
      m.put(QUALITY, Integer.toString(quality));
    }
    return m;
  }

  // ---- reading ----

  /**
   * Reads the convention back from an open dataset. Nothing is required: a dataset without metadata
   * gets its storage from its columns ({@value #IMAGE} alone: raw; {@value #JPEG} alone: jpeg;
   * both: smart), and the accessors say what is missing.
   *
   * @throws IllegalArgumentException metadata {@value #MODE} or {@value #SIZE} is not valid
   */
  public static PackedImages of(Dataset dataset) {
    return of(dataset.schema(), dataset.metadata(), dataset.path().toString());
  }

  /** As {@link #of(Dataset)}, from a schema and metadata; {@code where} names them in messages. */
  public static PackedImages of(Schema schema, Map<String, String> metadata, String where) {
    boolean hasImage = has(schema, IMAGE, ColumnType.UINT8_TENSOR);
    boolean hasJpeg = has(schema, JPEG, ColumnType.BYTES);
    String mode = metadata.get(MODE);
    Storage storage;
    if (mode != null) {
      storage =
          Storage.parse(mode)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          where + ": metadata mode '" + mode + "' is not raw, jpeg or smart"));
    } else {
      storage = hasImage && hasJpeg ? Storage.SMART : hasJpeg ? Storage.JPEG : Storage.RAW;
    }
    String image = hasImage && storage.hasRaw() ? IMAGE : null;
    String jpeg = hasJpeg && storage.hasJpeg() ? JPEG : null;
    int[] shape = image == null ? null : schema.column(IMAGE).shape().clone();
    return new PackedImages(
        storage,
        image,
        jpeg,
        shape,
        positiveInt(metadata, SIZE, where),
        metadata.getOrDefault(RESIZE, DEFAULT_RESIZE),
        positiveInt(metadata, QUALITY, where),
        PartialLabels.of(schema, metadata, where));
  }

  private static boolean has(Schema schema, String name, ColumnType type) {
    int i = schema.indexOf(name);
    return i >= 0 && schema.columns().get(i).type() == type;
  }

  private static Integer positiveInt(Map<String, String> metadata, String key, String where) {
    String v = metadata.get(key);
    if (v == null) {
      return null;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        where + ": metadata " + key + " '" + v + "' is not a positive number");
  }

  /** How the pixels are stored (metadata, else inferred from the columns). */
  public Storage storage() {
    return storage;
  }

  /** The raw pixel column to read, when the storage has raw pixels and the schema the column. */
  public Optional<String> imageColumn() {
    return Optional.ofNullable(imageColumn);
  }

  /** The encoded image column to read, when the storage has JPEGs and the schema the column. */
  public Optional<String> jpegColumn() {
    return Optional.ofNullable(jpegColumn);
  }

  /** Metadata {@value #SIZE}. */
  public OptionalInt size() {
    return size == null ? OptionalInt.empty() : OptionalInt.of(size);
  }

  /** Metadata {@value #RESIZE}, or {@link #DEFAULT_RESIZE}. */
  public String resize() {
    return resize;
  }

  /** Metadata {@value #QUALITY}. */
  public OptionalInt quality() {
    return quality == null ? OptionalInt.empty() : OptionalInt.of(quality);
  }

  /**
   * The labels: the label column ({@value #LABELS} when packed), whether confidences and verified
   * negatives are stored, and what an unlisted label means (FORMAT.md §10.1).
   */
  public PartialLabels labels() {
    return labels;
  }

  /**
   * The stored image size {@code {height, width}}: the raw column's shape when it is read, else
   * metadata {@value #SIZE}.
   *
   * @throws IllegalArgumentException neither is there, or the raw column is not H×W×C
   */
  public int[] imageSize(String where) {
    if (imageShape != null) {
      if (imageShape.length != 3) {
        throw new IllegalArgumentException(
            where
                + ": image column '"
                + IMAGE
                + "' has shape "
                + java.util.Arrays.toString(imageShape)
                + "; images are H×W×C tensors");
      }
      return new int[] {imageShape[0], imageShape[1]};
    }
    if (size == null) {
      throw new IllegalArgumentException(
          where
              + " has neither a raw '"
              + IMAGE
              + "' column nor metadata '"
              + SIZE
              + "': cannot tell the image size");
    }
    return new int[] {size, size};
  }

  @Override
  public String toString() {
    return "PackedImages[" + storage.id() + ", image=" + imageColumn + ", jpeg=" + jpegColumn + "]";
  }
}
