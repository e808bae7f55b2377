package io.jcolz.loader.order;

/**
 * The order of one dataset's rows in every epoch: {@link #epoch(long)} gives the epoch's sequence,
 * which maps each position {@code 0 .. rows()-1} to a distinct row.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface SampleOrder {
  /** Rows in the dataset (= positions in every epoch). */
  long rows();

  /** The sequence of epoch {@code epoch} (any long, usually 0, 1, 2 …). */
  EpochOrder epoch(long epoch);
}
