package io.jcolz.loader.order;

import io.jcolz.format.Column;

/**
 * How a column's rows are cut into chunks: what {@link Order#QUASI_RANDOM} keeps reads local to.
 * Chunks cover {@code [0, rows())} in order, back to back.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface ChunkLayout {
  /** Total rows. */
  long rows();

  /** Number of chunks. */
  int chunkCount();

  /** First row of chunk {@code k}. */
  long firstRow(int k);

  /** Rows in chunk {@code k} (at least one). */
  int rowCount(int k);

  /** The layout of a mapped column file (reads its chunk index in place). */
  static ChunkLayout of(Column column) {
    return new ChunkLayout() {
      @Override
      public long rows() {
        return column.rowCount();
      }

      @Override
      public int chunkCount() {
        return column.chunkCount();
      }

      @Override
      public long firstRow(int k) {
        return column.firstRow(k);
      }

      @Override
      public int rowCount(int k) {
        return column.rowCount(k);
      }
    };
  }

  /** {@code rows} rows in chunks of {@code chunkRows}, the last one possibly shorter. */
  static ChunkLayout uniform(long rows, int chunkRows) {
    if (rows < 0 || chunkRows <= 0) {
      throw new IllegalArgumentException("rows " + rows + ", chunk rows " + chunkRows);
    }
    long chunks = (rows + chunkRows - 1) / chunkRows;
    if (chunks > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(chunks + " chunks");
    }
    return new ChunkLayout() {
      @Override
      public long rows() {
        return rows;
      }

      @Override
      public int chunkCount() {
        return (int) chunks;
      }

      @Override
      public long firstRow(int k) {
        return (long) k * chunkRows;
      }

      @Override
      public int rowCount(int k) {
        return (int) Math.min(chunkRows, rows - (long) k * chunkRows);
      }
    };
  }
}
