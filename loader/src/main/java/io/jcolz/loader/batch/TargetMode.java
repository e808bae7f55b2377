package io.jcolz.loader.batch;

/**
 * Whether a batch carries plain labels, or soft targets with a mask for a dataset of partial labels
 * (format version 3: confidences, verified negatives, unknowns). Thread-safe (an enum).
 *
 * <p>With targets, a label of a sample is one of:
 *
 * <ul>
 *   <li>a <b>positive</b>: target = its confidence (1 when the dataset stores none), weight 1;
 *   <li>a <b>verified negative</b>: target 0, weight 1;
 *   <li><b>unlisted</b>: target 0, weight 1 ({@link #UNLISTED_NEGATIVE}) or 0 ({@link
 *       #UNLISTED_UNKNOWN}: unknown, left out of a loss and of the metrics).
 * </ul>
 */
public enum TargetMode {
  /** Plain labels, as for a dataset of version 1 or 2: every unlisted label is a negative. */
  PLAIN,
  /** Targets and mask; an unlisted label is a negative (weight 1). */
  UNLISTED_NEGATIVE,
  /** Targets and mask; an unlisted label is unknown (weight 0). */
  UNLISTED_UNKNOWN;

  /** Whether the batch carries targets and a mask (not {@link #PLAIN}). */
  public boolean partial() {
    return this != PLAIN;
  }

  /** The weight of a label a sample does not list: 0 for {@link #UNLISTED_UNKNOWN}, else 1. */
  public float unlistedWeight() {
    return this == UNLISTED_UNKNOWN ? 0f : 1f;
  }
}
