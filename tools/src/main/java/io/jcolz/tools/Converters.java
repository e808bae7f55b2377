package io.jcolz.tools;

import io.jcolz.format.images.PackedImages;
import io.jcolz.image.ResizeMode;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.LabelMode;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for the option values that are names (any case): a bad value is a usage error
 * (exit 2) whose one line names the option, the value and the choices. Stateless and thread-safe.
 */
final class Converters {
  private Converters() {}

  private static TypeConversionException bad(String value, String choices) {
    return new TypeConversionException("'" + value + "' is not " + choices);
  }

  /** {@code pack --mode}: raw, jpeg (or jpg), smart. */
  static final class StorageConverter implements ITypeConverter<PackedImages.Storage> {
    @Override
    public PackedImages.Storage convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      return PackedImages.Storage.parse(v.equals("jpg") ? "jpeg" : v)
          .orElseThrow(() -> bad(value, "raw, jpeg or smart"));
    }
  }

  /** {@code pack --codec}: auto, zstd, none. */
  static final class CodecConverter implements ITypeConverter<io.jcolz.pack.CodecChoice> {
    @Override
    public io.jcolz.pack.CodecChoice convert(String value) {
      return io.jcolz.pack.CodecChoice.parse(value)
          .orElseThrow(() -> bad(value, "auto, zstd or none"));
    }
  }

  /** {@code pack --labels-format}: auto, csv, tsv, jsonl, openimages. */
  static final class LabelFormatConverter implements ITypeConverter<io.jcolz.pack.LabelFormat> {
    @Override
    public io.jcolz.pack.LabelFormat convert(String value) {
      return io.jcolz.pack.LabelFormat.parse(value)
          .orElseThrow(() -> bad(value, "auto, csv, tsv, jsonl or openimages"));
    }
  }

  /** {@code pack --unlisted}: negative, unknown. */
  static final class UnlistedConverter
      implements ITypeConverter<io.jcolz.format.schema.PartialLabels.Unlisted> {
    @Override
    public io.jcolz.format.schema.PartialLabels.Unlisted convert(String value) {
      return io.jcolz.format.schema.PartialLabels.Unlisted.parse(
              value.trim().toLowerCase(Locale.ROOT))
          .orElseThrow(() -> bad(value, "negative or unknown"));
    }
  }

  /** {@code pack --resize}: shorter-side+center-crop (or center-crop, crop), stretch, pad. */
  static final class ResizeConverter implements ITypeConverter<ResizeMode> {
    @Override
    public ResizeMode convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      return ResizeMode.parse(
              v.equals("center-crop") || v.equals("crop") ? "shorter-side+center-crop" : v)
          .orElseThrow(() -> bad(value, "shorter-side+center-crop, stretch or pad"));
    }
  }

  /** {@code --augment}: none, flip, standard (random resized crop + flip). */
  static final class AugmentConverter implements ITypeConverter<Augment> {
    @Override
    public Augment convert(String value) {
      return Augment.parse(value).orElseThrow(() -> bad(value, "none, flip or standard"));
    }
  }

  /** {@code train --labels}: sparse, multi-hot (or multi_hot, multihot). */
  static final class LabelFormConverter implements ITypeConverter<LabelMode> {
    @Override
    public LabelMode convert(String value) {
      return switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "sparse" -> LabelMode.SPARSE;
        case "multi-hot", "multi_hot", "multihot" -> LabelMode.MULTI_HOT;
        default -> throw bad(value, "sparse or multi-hot");
      };
    }
  }
}
