package io.jcolz.pack;

import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.image.ResizeMode;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The settings flags of a pack, declared once for every front door: a picocli mixin that {@code
 * jcolz pack} and the Spark job ({@code io.jcolz.spark.PackJob}) both use ({@code @Mixin PackFlags
 * flags}), so the two parse {@code --size}, {@code --mode}, {@code --part-rows} and the rest the
 * same way, with the same defaults and the same one-line errors. Where the input, the output and
 * the labels live is each front door's own (local paths for the CLI, Hadoop URIs for Spark).
 *
 * <p>picocli is an optional dependency of {@code jcolz-pack}: only a front door that parses flags
 * needs it on the class path. Not thread-safe: picocli fills the fields, then one thread reads
 * them.
 */
public final class PackFlags {
  /** Images per part. */
  @Option(
      names = "--part-rows",
      paramLabel = "N",
      description = "images per part (default: ${DEFAULT-VALUE}, ~3 GB raw at 224 px)")
  public int partRows = PackOptions.DEFAULT_PART_ROWS;

  /** Discard an unfinished pack first. */
  @Option(
      names = "--restart",
      description = "discard an unfinished pack (or append) at --out and start over")
  public boolean restart;

  /** The dataset whose label vocabulary to use, or null. */
  @Option(
      names = "--vocabulary-from",
      paramLabel = "DS",
      description =
          "use the label vocabulary (names and indices) of dataset DS, e.g. the training set when packing "
              + "its validation set; label names not in it are dropped and counted")
  public Path vocabularyFrom;

  /** Image side in pixels. */
  @Option(
      names = "--size",
      paramLabel = "S",
      description = "images become SxS pixels (default: ${DEFAULT-VALUE})")
  public int size = 224;

  /** How an image becomes square. */
  @Option(
      names = "--resize",
      paramLabel = "HOW",
      description = "shorter-side+center-crop (default), stretch, or pad (letterbox on white)",
      converter = ResizeConverter.class)
  public ResizeMode resize = ResizeMode.SHORTER_SIDE_CENTER_CROP;

  /** How pixels are stored. */
  @Option(
      names = "--mode",
      paramLabel = "MODE",
      description =
          "raw: exact resized pixels, Zstd per chunk (default); jpeg: re-encoded at --quality, decoded by "
              + "the loader; smart: per image raw if zstd(pixels) <= 2x its JPEG size, else JPEG",
      converter = StorageConverter.class)
  public PackedImages.Storage mode = PackedImages.Storage.RAW;

  /** JPEG quality. */
  @Option(
      names = "--quality",
      paramLabel = "Q",
      description = "JPEG quality 1..100 for jpeg/smart (default: ${DEFAULT-VALUE})")
  public int quality = 90;

  /** Decoding threads (of each task, on Spark). */
  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "decoding threads (default: all cores, ${DEFAULT-VALUE})")
  public int threads = Runtime.getRuntime().availableProcessors();

  /** Rows per image chunk (0: about 4 MiB per chunk). */
  @Option(
      names = "--chunk-rows",
      paramLabel = "N",
      description = "rows per image chunk (default: about 4 MiB per chunk)")
  public int chunkRows;

  /** Zstd level. */
  @Option(
      names = "--level",
      paramLabel = "L",
      description =
          "Zstd level -7..22 (default: ${DEFAULT-VALUE}); lower packs and loads faster for more"
              + " bytes: -2 loads raw pixels about 1.5x faster for 14-22%% more bytes")
  public int level = ColumnSpec.DEFAULT_LEVEL;

  /** Chunk codec choice. */
  @Option(
      names = "--codec",
      paramLabel = "C",
      description =
          "chunk codec: auto (default) measures each part's columns on their first chunk and stores a "
              + "column uncompressed where Zstd saves under 10%% (photo pixels, JPEGs: faster to load); "
              + "zstd or none force it for every column",
      converter = CodecConverter.class)
  public CodecChoice codec = CodecChoice.AUTO;

  /** Smallest shorter side kept. */
  @Option(
      names = "--min-side",
      paramLabel = "PX",
      description = "skip images whose shorter side is below PX (default: ${DEFAULT-VALUE})")
  public int minSide = 2;

  /** Replace a dataset at the output. */
  /** How the label file is read. */
  @Option(
      names = "--labels-format",
      paramLabel = "F",
      description =
          "how --labels is read: auto (default: by the file's name and first line), csv, tsv, jsonl, or "
              + "openimages (Open Images' ImageID,Source,LabelName,Confidence CSV; an image matches its "
              + "ImageID by file name without extension)",
      converter = LabelFormatConverter.class)
  public LabelFormat labelsFormat = LabelFormat.AUTO;

  /** What a label an image's labels do not list means. */
  @Option(
      names = "--unlisted",
      paramLabel = "U",
      description =
          "what a label an image's labels do not list means: negative (default) or unknown (left out "
              + "of the loss and the metrics; recorded in the dataset, format version 3); an append "
              + "keeps the collection's",
      converter = UnlistedConverter.class)
  public PartialLabels.Unlisted unlisted = PartialLabels.Unlisted.NEGATIVE;

  @Option(
      names = "--overwrite",
      description =
          "replace an existing jcolz dataset at --out (atomically, on success); anything else"
              + " there (a file, a folder of other things) is refused, never deleted")
  public boolean overwrite;

  /**
   * Sets these flags on {@code b} (all but {@code --vocabulary-from}, which a front door checks
   * against its label flags first) and returns it.
   */
  public PackOptions.Builder applyTo(PackOptions.Builder b) {
    return b.size(size)
        .resize(resize)
        .mode(mode)
        .quality(quality)
        .threads(threads)
        .chunkRows(chunkRows)
        .level(level)
        .codec(codec)
        .overwrite(overwrite)
        .minSide(minSide)
        .partRows(partRows)
        .restart(restart)
        .labelsFormat(labelsFormat)
        .unlisted(unlisted);
  }

  private static TypeConversionException bad(String value, String choices) {
    return new TypeConversionException("'" + value + "' is not " + choices);
  }

  /** {@code --mode}: raw, jpeg (or jpg), smart. Stateless. */
  public static final class StorageConverter implements ITypeConverter<PackedImages.Storage> {
    @Override
    public PackedImages.Storage convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      return PackedImages.Storage.parse(v.equals("jpg") ? "jpeg" : v)
          .orElseThrow(() -> bad(value, "raw, jpeg or smart"));
    }
  }

  /** {@code --labels-format}: auto, csv, tsv, jsonl, openimages. Stateless. */
  public static final class LabelFormatConverter implements ITypeConverter<LabelFormat> {
    @Override
    public LabelFormat convert(String value) {
      return LabelFormat.parse(value)
          .orElseThrow(() -> bad(value, "auto, csv, tsv, jsonl or openimages"));
    }
  }

  /** {@code --unlisted}: negative, unknown. Stateless. */
  public static final class UnlistedConverter implements ITypeConverter<PartialLabels.Unlisted> {
    @Override
    public PartialLabels.Unlisted convert(String value) {
      return PartialLabels.Unlisted.parse(value.trim().toLowerCase(Locale.ROOT))
          .orElseThrow(() -> bad(value, "negative or unknown"));
    }
  }

  /** {@code --codec}: auto, zstd, none. Stateless. */
  public static final class CodecConverter implements ITypeConverter<CodecChoice> {
    @Override
    public CodecChoice convert(String value) {
      return CodecChoice.parse(value).orElseThrow(() -> bad(value, "auto, zstd or none"));
    }
  }

  /** {@code --resize}: shorter-side+center-crop (or center-crop, crop), stretch, pad. Stateless. */
  public static final class ResizeConverter implements ITypeConverter<ResizeMode> {
    @Override
    public ResizeMode convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      return ResizeMode.parse(
              v.equals("center-crop") || v.equals("crop") ? "shorter-side+center-crop" : v)
          .orElseThrow(() -> bad(value, "shorter-side+center-crop, stretch or pad"));
    }
  }
}
