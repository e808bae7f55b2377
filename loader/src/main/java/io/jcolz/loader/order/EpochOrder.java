package io.jcolz.loader.order;

/**
 * One epoch's sequence of rows: a permutation of {@code [0, size())}, evaluated point by point so
 * any shard or resume point needs no state beyond this object.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface EpochOrder {
  /** Number of positions (the dataset's row count). */
  long size();

  /** The row at {@code position}. */
  long row(long position);

  /** Fills {@code out[0 .. count)} with the rows at positions {@code from .. from+count-1}. */
  default void rows(long from, int count, long[] out) {
    for (int i = 0; i < count; i++) {
      out[i] = row(from + i);
    }
  }
}
