package io.jcolz.format.schema;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Partial, soft labels (format version 3; FORMAT.md §10.1): beside the label column (an {@code
 * int32_set} of positives), a dataset may hold
 *
 * <ul>
 *   <li>{@value #CONFIDENCE}, a {@code float32_list}: per row one confidence in (0, 1] per
 *       positive, in the order of the row's (sorted) label set — so the loader reads value <i>j</i>
 *       of both columns together, without a lookup;
 *   <li>{@value #NEGATIVES}, an {@code int32_set} of the label column's cardinality: the row's
 *       verified negatives, disjoint from its positives;
 * </ul>
 *
 * and metadata {@value #UNLISTED} = {@code negative} (absent: today's meaning) or {@code unknown}:
 * what a label that is neither a positive nor a listed negative of a row means.
 *
 * <p>Why a new CSR type rather than a convention on {@code bytes}: the count of a row's values is
 * then in the offsets (the same shape as the label set's, so "as many confidences as labels" is one
 * comparison of two offset differences), finiteness is a structure rule every decode checks, and
 * the new type is what makes a version-2 reader refuse the dataset by its version instead of
 * reading it with its unknowns taken for negatives.
 *
 * <p>A dataset without either column and without {@code unlisted = unknown} is a plain dataset:
 * written with exactly the bytes of version 2. One that has them is version 3 ({@link
 * #requiredVersion}).
 *
 * <p>Immutable and thread-safe; the static checks allocate nothing unless they find a problem.
 */
public final class PartialLabels {
  /** The confidence column's name. */
  public static final String CONFIDENCE = "label_confidence";

  /** The verified-negatives column's name. */
  public static final String NEGATIVES = "label_negatives";

  /** Metadata key: what an unlisted label means ({@link Unlisted}). */
  public static final String UNLISTED = "unlisted";

  /** The format version that introduced partial labels and {@code float32_list}. */
  public static final int VERSION = 3;

  /** What a label that a row neither lists as positive nor as a verified negative means. */
  public enum Unlisted {
    /** A negative (the default; every dataset before version 3). */
    NEGATIVE,
    /** Unknown: to be left out of a loss and of the metrics. */
    UNKNOWN;

    /** Lower-case name, as in metadata and on the command line. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The value named {@code id} (exact, lower case), or empty. */
    public static Optional<Unlisted> parse(String id) {
      for (Unlisted u : values()) {
        if (u.id().equals(id)) {
          return Optional.of(u);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * One row's labels, copied out of a dataset.
   *
   * @param positives the label set, sorted
   * @param confidences one per positive, same order; null = the dataset stores none (all 1)
   * @param negatives verified negatives, sorted; null = the dataset stores none
   */
  public record RowLabels(int[] positives, float[] confidences, int[] negatives) {
    /** The confidence of the {@code j}-th positive (1 when none are stored). */
    public float confidence(int j) {
      return confidences == null ? 1f : confidences[j];
    }
  }

  private static final ValueLayout.OfInt LE_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final String labelColumn;
  private final boolean confidence;
  private final boolean negatives;
  private final Unlisted unlisted;

  private PartialLabels(
      String labelColumn, boolean confidence, boolean negatives, Unlisted unlisted) {
    this.labelColumn = labelColumn;
    this.confidence = confidence;
    this.negatives = negatives;
    this.unlisted = unlisted;
  }

  /**
   * The convention as {@code schema} and {@code metadata} state it.
   *
   * @param where names the dataset in messages
   * @throws IllegalArgumentException metadata {@value #UNLISTED} is neither {@code negative} nor
   *     {@code unknown}, or it is {@code unknown} in a dataset without a label column
   */
  public static PartialLabels of(Schema schema, Map<String, String> metadata, String where) {
    String u = metadata.get(UNLISTED);
    Unlisted unlisted = Unlisted.NEGATIVE;
    if (u != null) {
      unlisted =
          Unlisted.parse(u)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          where
                              + ": metadata "
                              + UNLISTED
                              + " '"
                              + u
                              + "' is not negative or unknown"));
    }
    String label = schema.labelColumn().orElse(null);
    if (label == null && unlisted == Unlisted.UNKNOWN) {
      throw new IllegalArgumentException(
          where + ": metadata " + UNLISTED + " = unknown, but there is no label column");
    }
    return new PartialLabels(
        label,
        label != null && schema.indexOf(CONFIDENCE) >= 0,
        label != null && schema.indexOf(NEGATIVES) >= 0,
        unlisted);
  }

  /**
   * Checks the schema rules of the convention (called by {@link Schema}): a column named {@value
   * #CONFIDENCE} is a {@code float32_list} and one named {@value #NEGATIVES} an {@code int32_set}
   * of the label column's cardinality, and either needs a label column.
   */
  static void checkSchema(Schema schema) {
    int c = schema.indexOf(CONFIDENCE);
    int n = schema.indexOf(NEGATIVES);
    if (c < 0 && n < 0) {
      return;
    }
    if (schema.labelColumn().isEmpty()) {
      throw new IllegalArgumentException(
          "column '" + (c >= 0 ? CONFIDENCE : NEGATIVES) + "' needs a label column");
    }
    if (c >= 0 && schema.columns().get(c).type() != ColumnType.FLOAT32_LIST) {
      throw new IllegalArgumentException(
          "column '"
              + CONFIDENCE
              + "' must be float32_list, not "
              + schema.columns().get(c).type().jsonName());
    }
    if (n >= 0) {
      ColumnSpec neg = schema.columns().get(n);
      int card = schema.column(schema.labelColumn().get()).cardinality();
      if (neg.type() != ColumnType.INT32_SET || neg.cardinality() != card) {
        throw new IllegalArgumentException(
            "column '"
                + NEGATIVES
                + "' must be int32_set of the label column's cardinality "
                + card
                + ", not "
                + neg.type().jsonName()
                + (neg.type() == ColumnType.INT32_SET ? " of " + neg.cardinality() : ""));
      }
    }
  }

  /**
   * The lowest format version that can hold a dataset of this schema and metadata: {@value
   * #VERSION} when it has a {@code float32_list} column or follows the convention ({@link
   * #partial()}), else 1. A manifest (and a collection manifest) is written with the larger of this
   * and its kind's own version, so that a reader of version 2 refuses it by its header.
   *
   * @throws IllegalArgumentException as {@link #of}
   */
  public static int requiredVersion(Schema schema, Map<String, String> metadata) {
    for (ColumnSpec s : schema.columns()) {
      if (s.type().sinceVersion() > 1) {
        return VERSION;
      }
    }
    return of(schema, metadata, "dataset").partial() ? VERSION : 1;
  }

  /** The label column, when the dataset has one. */
  public Optional<String> labelColumn() {
    return Optional.ofNullable(labelColumn);
  }

  /** Whether rows carry a confidence per positive (column {@value #CONFIDENCE}). */
  public boolean hasConfidence() {
    return confidence;
  }

  /** Whether rows carry verified negatives (column {@value #NEGATIVES}). */
  public boolean hasNegatives() {
    return negatives;
  }

  /** What an unlisted label means. */
  public Unlisted unlisted() {
    return unlisted;
  }

  /** True when any of the version-3 label facts is there (a column, or unlisted = unknown). */
  public boolean partial() {
    return confidence || negatives || unlisted == Unlisted.UNKNOWN;
  }

  /**
   * Why one row's labels break the convention, or null: as many confidences as positives, each
   * finite in (0, 1]; no verified negative that is also a positive. Both sets sorted ascending (as
   * the format stores them).
   *
   * @param positives the row's label set
   * @param confidences its confidences, or null (none stored)
   * @param negatives its verified negatives, or null (none stored)
   */
  public static String rowProblem(int[] positives, float[] confidences, int[] negatives) {
    return rowProblem(
        MemorySegment.ofArray(positives),
        confidences == null ? null : MemorySegment.ofArray(confidences),
        negatives == null ? null : MemorySegment.ofArray(negatives),
        false);
  }

  /**
   * As {@link #rowProblem(int[], float[], int[])}, on the little-endian values a decoded chunk
   * holds ({@code ChunkView.setValues}, {@code listValues}): no copy, no allocation unless a
   * problem is found.
   */
  public static String rowProblem(
      MemorySegment positives, MemorySegment confidences, MemorySegment negatives) {
    return rowProblem(positives, confidences, negatives, true);
  }

  private static String rowProblem(
      MemorySegment positives,
      MemorySegment confidences,
      MemorySegment negatives,
      boolean littleEndian) {
    long n = positives.byteSize() / 4;
    if (confidences != null) {
      long c = confidences.byteSize() / 4;
      if (c != n) {
        return c + " confidences for " + n + " labels";
      }
      for (long j = 0; j < n; j++) {
        float f =
            littleEndian
                ? confidences.get(LE_FLOAT, 4 * j)
                : confidences.getAtIndex(ValueLayout.JAVA_FLOAT, j);
        if (!(f > 0f && f <= 1f)) {
          return "label "
              + label(positives, j, littleEndian)
              + " has confidence "
              + f
              + ", expected a number in (0, 1]";
        }
      }
    }
    if (negatives != null) {
      long m = negatives.byteSize() / 4;
      long i = 0;
      long k = 0;
      while (i < n && k < m) {
        int p = label(positives, i, littleEndian);
        int q = label(negatives, k, littleEndian);
        if (p == q) {
          return "label " + p + " is both a positive and a verified negative";
        }
        if (p < q) {
          i++;
        } else {
          k++;
        }
      }
    }
    return null;
  }

  private static int label(MemorySegment s, long j, boolean littleEndian) {
    return littleEndian ? s.get(LE_INT, 4 * j) : s.getAtIndex(ValueLayout.JAVA_INT, j);
  }

  @Override
  public String toString() {
    return "PartialLabels[label="
        + labelColumn
        + ", confidence="
        + confidence
        + ", negatives="
        + negatives
        + ", unlisted="
        + unlisted.id()
        + "]";
  }
}
