package io.jcolz.spark;

import java.io.Serializable;

/**
 * What a task reports to the driver for its part. Immutable.
 *
 * @param position the part's position in the plan
 * @param rows rows of the committed part
 * @param bytesIn bytes of image files this attempt read (0 when the part was already there)
 * @param kept whether the part was already committed (by an earlier run or another attempt)
 * @param seconds wall time of the task
 */
public record PartOutcome(int position, long rows, long bytesIn, boolean kept, double seconds)
    implements Serializable {}
