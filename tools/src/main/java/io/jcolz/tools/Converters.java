package io.jcolz.tools;

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
