package io.jcolz.loader.order;

import java.util.Arrays;

/**
 * {@link Order#QUASI_RANDOM}. For epoch e: the chunks are permuted ({@link Permutation} keyed by
 * (seed, e)) and the permuted sequence is cut into windows of {@code window} chunks; window w's
 * rows (those of its chunks, taken in permuted chunk order) are visited in the order of a
 * permutation keyed by (seed, e, w). Positions run through window 0, then window 1, and so on.
 *
 * <p>Memory per epoch object: the chunk permutation as an {@code int[chunkCount]} and the window
 * start positions as a {@code long[chunkCount / window + 1]} — at 12 M rows in 27-row chunks (224
 * px raw, 4 MiB chunks), 1.8 MB + 0.2 MB. Each {@link EpochOrder} is computed in one O(chunkCount)
 * pass when asked for.
 *
 * <p>Immutable and thread-safe.
 */
final class QuasiRandomOrder implements SampleOrder {
  private final ChunkLayout layout;
  private final long seed;
  private final int window;

  QuasiRandomOrder(ChunkLayout layout, long seed, int window) {
    if (window <= 0) {
      throw new IllegalArgumentException(
          "quasi-random window of " + window + " chunks must be > 0");
    }
    this.layout = layout;
    this.seed = seed;
    this.window = window;
  }

  @Override
  public long rows() {
    return layout.rows();
  }

  @Override
  public EpochOrder epoch(long epoch) {
    return new Epoch(epoch);
  }

  private final class Epoch implements EpochOrder {
    private final long epoch;
    private final int[] perm;
    private final long[] windowStart;

    Epoch(long epoch) {
      this.epoch = epoch;
      int chunks = layout.chunkCount();
      long chunkKey = Mix.key(seed, 0x5143484BL, epoch);
      perm = new int[chunks];
      for (int i = 0; i < chunks; i++) {
        perm[i] = (int) Permutation.apply(i, chunks, chunkKey);
      }
      int windows = (chunks + window - 1) / window;
      windowStart = new long[windows + 1];
      long pos = 0;
      for (int i = 0; i < chunks; i++) {
        if (i % window == 0) {
          windowStart[i / window] = pos;
        }
        pos += layout.rowCount(perm[i]);
      }
      windowStart[windows] = pos;
      if (pos != layout.rows()) {
        throw new IllegalStateException(
            "chunks hold " + pos + " rows, the layout says " + layout.rows());
      }
    }

    @Override
    public long size() {
      return layout.rows();
    }

    @Override
    public long row(long position) {
      if (position < 0 || position >= layout.rows()) {
        throw new IndexOutOfBoundsException("position " + position + " of " + layout.rows());
      }
      int i = Arrays.binarySearch(windowStart, position);
      int w = i >= 0 ? i : -i - 2;
      long size = windowStart[w + 1] - windowStart[w];
      long local =
          Permutation.apply(position - windowStart[w], size, Mix.key(seed, 0x5157494EL, epoch, w));
      int end = Math.min(perm.length, (w + 1) * window);
      for (int j = w * window; j < end; j++) {
        int c = perm[j];
        int n = layout.rowCount(c);
        if (local < n) {
          return layout.firstRow(c) + local;
        }
        local -= n;
      }
      throw new IllegalStateException("position " + position + " falls outside window " + w);
    }
  }
}
