package io.jcolz.loader.order;

/**
 * The part of every epoch that one rank of {@code world} sees, and how it is cut into batches.
 * Ranks take contiguous blocks of the epoch's sequence, so a quasi-random epoch stays chunk-local
 * on every rank (a strided split would make every rank decode every chunk).
 *
 * <ul>
 *   <li>{@code dropLast = true}: every rank gets {@code m = floor(floor(N / world) / B) × B}
 *       positions, {@code [rank × m, (rank+1) × m)}: disjoint, equal-size, whole batches. The union
 *       is the epoch minus its last {@code N − world × m < world × B} positions (different rows
 *       each epoch in the shuffled orders).
 *   <li>{@code dropLast = false}: rank r gets {@code [floor(r N / world), floor((r+1) N / world))}:
 *       disjoint, sizes differ by at most one, the union is the whole epoch, and a rank's last
 *       batch may be short. (Ranks may then have one batch more or fewer: use {@code dropLast} for
 *       lock-step data-parallel training.)
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public record Shard(long epochSize, int rank, int world, int batchSize, boolean dropLast) {
  /** Validates the arguments. */
  public Shard {
    if (world <= 0 || rank < 0 || rank >= world) {
      throw new IllegalArgumentException(
          "rank " + rank + " of world " + world + ": need 0 <= rank < world");
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size " + batchSize + " must be > 0");
    }
    if (epochSize < 0) {
      throw new IllegalArgumentException("epoch of " + epochSize + " rows");
    }
  }

  /** First epoch position of this rank's part. */
  public long start() {
    if (dropLast) {
      return rank * perRankDropLast();
    }
    return split(rank);
  }

  /** Number of positions in this rank's part. */
  public long length() {
    if (dropLast) {
      return perRankDropLast();
    }
    return split(rank + 1) - split(rank);
  }

  /** Batches per epoch on this rank. */
  public long batches() {
    long len = length();
    return dropLast ? len / batchSize : (len + batchSize - 1) / batchSize;
  }

  /** First epoch position of this rank's batch {@code i}. */
  public long batchStart(long i) {
    checkBatch(i);
    return start() + i * batchSize;
  }

  /**
   * Number of samples in this rank's batch {@code i} (the batch size, or less for a last batch).
   */
  public int batchLength(long i) {
    checkBatch(i);
    return (int) Math.min(batchSize, length() - i * batchSize);
  }

  private void checkBatch(long i) {
    if (i < 0 || i >= batches()) {
      throw new IndexOutOfBoundsException("batch " + i + " of " + batches() + " on rank " + rank);
    }
  }

  private long perRankDropLast() {
    return epochSize / world / batchSize * batchSize;
  }

  private long split(int r) {
    return Math.multiplyExact((long) r, epochSize) / world;
  }
}
