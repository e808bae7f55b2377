package io.jcolz.training.loop;

import ai.djl.ndarray.types.DataType;
import io.jcolz.training.loop.TrainingSettings.Setting;
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
   * The system property that says the loaded DJL PyTorch JNI bridge maps bfloat16: {@code true}
   * where it was built with that mapping ({@code bench/gpu/run.sh} builds one on the GPU machine).
   * DJL 0.35.1's own bridge has no bfloat16 in its type table ({@code GetScalarTypeFromDType} in
   * {@code djl_pytorch_utils.h} ends in a bare {@code throw;}), so creating a bfloat16 tensor with
   * it aborts the JVM ("terminate called without an active exception"): nothing can catch it.
   */
  public static final String BF16_PROPERTY = "jcolz.bf16";

  /** Whether the JNI bridge is declared to map bfloat16 ({@link #BF16_PROPERTY}). */
  static boolean bf16Available() {
    return Boolean.getBoolean(BF16_PROPERTY);
  }

  /**
   * Refuses a precision the loaded engine cannot run.
   *
   * @throws SettingException for {@link #BF16} without {@link #BF16_PROPERTY}
   */
  void checkAvailable() {
    if (this == BF16 && !bf16Available()) {
      throw SettingException.of(
          Setting.PRECISION,
          " bf16: DJL 0.35.1's PyTorch JNI bridge has no bfloat16 type (a bfloat16 tensor aborts"
              + " the JVM); use a bridge built with bfloat16, as bench/gpu/run.sh builds on the GPU"
              + " machine, and -D"
              + BF16_PROPERTY
              + "=true");
    }
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
