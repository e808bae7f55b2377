package io.jcolz.loader.order;

/** {@link Order#SEQUENTIAL}: position p is row p. O(1) memory. Immutable and thread-safe. */
final class SequentialOrder implements SampleOrder, EpochOrder {
  private final long rows;

  SequentialOrder(long rows) {
    this.rows = rows;
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public EpochOrder epoch(long epoch) {
    return this;
  }

  @Override
  public long size() {
    return rows;
  }

  @Override
  public long row(long position) {
    if (position < 0 || position >= rows) {
      throw new IndexOutOfBoundsException("position " + position + " of " + rows);
    }
    return position;
  }

  @Override
  public void rows(long from, int count, long[] out) {
    if (from < 0 || from + count > rows) {
      throw new IndexOutOfBoundsException("positions " + from + "+" + count + " of " + rows);
    }
    for (int i = 0; i < count; i++) {
      out[i] = from + i;
    }
  }
}
