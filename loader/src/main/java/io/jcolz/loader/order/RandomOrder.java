package io.jcolz.loader.order;

/**
 * {@link Order#RANDOM}: position p of epoch e is {@link Permutation#apply}(p, rows, key(seed, e)).
 * O(1) memory whatever the row count. Immutable and thread-safe.
 */
final class RandomOrder implements SampleOrder {
  private final long rows;
  private final long seed;

  RandomOrder(long rows, long seed) {
    this.rows = rows;
    this.seed = seed;
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public EpochOrder epoch(long epoch) {
    long key = Mix.key(seed, 0x52414E44L, epoch);
    return new EpochOrder() {
      @Override
      public long size() {
        return rows;
      }

      @Override
      public long row(long position) {
        return Permutation.apply(position, rows, key);
      }
    };
  }
}
