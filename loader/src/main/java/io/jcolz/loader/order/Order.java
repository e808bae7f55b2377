package io.jcolz.loader.order;

/**
 * How the rows of a dataset are visited in an epoch. Every order is a pure function of (dataset
 * chunk layout, seed, epoch): the same arguments give the same sequence on any machine, whatever
 * the worker count.
 *
 * <p>Thread-safe (an enum).
 */
public enum Order {
  /** Rows in storage order, every epoch the same. Fastest; no shuffling. */
  SEQUENTIAL,
  /**
   * A full pseudo-random permutation of the rows, different every epoch ({@link Permutation}). Each
   * sample may need its own chunk decode: fine for datasets whose decoded chunks fit the chunk
   * cache or whose chunks hold few rows, slow for large raw datasets with big chunks.
   */
  RANDOM,
  /**
   * Chunks in a shuffled order, grouped into windows of {@code window} consecutive chunks of that
   * order; the rows of each window in a shuffled order. Reads stay chunk-local (each chunk is
   * decoded about once per epoch when the cache holds a few windows), while a batch mixes rows of
   * {@code window} random places of the dataset.
   */
  QUASI_RANDOM;

  /** The sample order of a dataset with this chunk layout, for any epoch. */
  public SampleOrder over(ChunkLayout layout, long seed, int window) {
    return switch (this) {
      case SEQUENTIAL -> new SequentialOrder(layout.rows());
      case RANDOM -> new RandomOrder(layout.rows(), seed);
      case QUASI_RANDOM -> new QuasiRandomOrder(layout, seed, window);
    };
  }
}
