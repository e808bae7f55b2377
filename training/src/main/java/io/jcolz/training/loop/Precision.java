package io.jcolz.training.loop;

import ai.djl.ndarray.types.DataType;
import io.jcolz.training.loop.TrainingConfig.Setting;
import java.util.Locale;

/**
 * The number type a training step computes in. The optimizer always updates float32 master weights
 * and the loss is always computed in float32 ({@link DataParallelStep}). Thread-safe (an enum).
 */
public enum Precision {
  /** Float32 throughout. */
  FP32(DataType.FLOAT32),
  /**
   * A bfloat16 copy of the model for the forward and backward passes; float32 master weights,
   * optimizer and loss. No loss scaling (bfloat16 has float32's exponent range).
   */
  BF16(DataType.BFLOAT16);

  private final DataType dataType;

  Precision(DataType dataType) {
    this.dataType = dataType;
  }

  /** The type the replicas compute in. */
  DataType dataType() {
    return dataType;
  }

  /**
   * Parses {@code fp32} or {@code bf16} (any case).
   *
   * @param text the setting's text
   * @return the precision
   * @throws SettingException for other text
   */
  public static Precision parse(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "fp32", "float32" -> FP32;
      case "bf16", "bfloat16" -> BF16;
      default ->
          throw SettingException.of(Setting.PRECISION, " must be fp32 or bf16, not '" + text + "'");
    };
  }

  /** {@code fp32} or {@code bf16}. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
