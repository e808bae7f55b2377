package io.jcolz.format;

import io.jcolz.format.column.ChunkView;
import io.jcolz.format.schema.PartialLabels;
import java.lang.foreign.MemorySegment;

/**
 * Reads a dataset's labels row by row: the positives, their confidences and the verified negatives
 * (FORMAT.md §10.1, {@link PartialLabels}), in place in the decoded chunks. {@link #seek} decodes
 * the chunk of each label column that holds the row, only when it differs from the one already
 * decoded (columns may be chunked differently), so a scan in row order decodes each chunk once and
 * allocates nothing per row.
 *
 * <pre>{@code
 * try (LabelReader r = dataset.labelReader()) {
 *   for (long row = 0; row < dataset.rowCount(); row++) {
 *     r.seek(row);
 *     MemorySegment pos = r.positives();   // little-endian int32, sorted
 *     MemorySegment conf = r.confidences(); // little-endian float32, one per positive; null = all 1
 *     MemorySegment neg = r.negatives();    // little-endian int32, sorted; null = none stored
 *   }
 * }
 * }</pre>
 *
 * <p>The segments stay valid until the next {@link #seek} or {@link #close}. The loader, which
 * decodes chunks itself, reads the same values from {@link ChunkView#setValues} and {@link
 * ChunkView#listValues} of the columns {@link #convention()} names.
 *
 * <p>Not thread-safe: one reader per thread (it holds a chunk decoder per label column).
 */
public final class LabelReader implements AutoCloseable {
  private final PartialLabels convention;
  private final Column[] columns = new Column[3];
  private final ChunkDecoder[] decoders = new ChunkDecoder[3];
  private final ChunkView[] views = new ChunkView[3];
  private final int[] chunks = {-1, -1, -1};
  private final MemorySegment[] values = new MemorySegment[3];
  private long row = -1;
  private int failed = -1;
  private long decodes;

  LabelReader(Dataset ds) {
    this.convention = ds.partialLabels();
    String label =
        convention
            .labelColumn()
            .orElseThrow(
                () -> new IllegalStateException("dataset " + ds.path() + " has no label column"));
    columns[0] = ds.column(label);
    columns[1] = convention.hasConfidence() ? ds.column(PartialLabels.CONFIDENCE) : null;
    columns[2] = convention.hasNegatives() ? ds.column(PartialLabels.NEGATIVES) : null;
    boolean ok = false;
    try {
      for (int c = 0; c < 3; c++) {
        if (columns[c] != null) {
          decoders[c] = ds.newDecoder();
        }
      }
      ok = true;
    } finally {
      if (!ok) {
        close();
      }
    }
  }

  /** The dataset's label convention: which columns there are and what an unlisted label means. */
  public PartialLabels convention() {
    return convention;
  }

  /**
   * Makes {@code row} (a dataset row) the current row.
   *
   * @throws CorruptDatasetException a chunk it needed is damaged
   * @throws IndexOutOfBoundsException no such row
   */
  public LabelReader seek(long row) throws CorruptDatasetException {
    for (int c = 0; c < 3; c++) {
      Column col = columns[c];
      if (col == null) {
        continue;
      }
      ChunkView v = views[c];
      if (v == null || row < v.firstRow() || row >= v.firstRow() + v.rowCount()) {
        int k = col.chunkOf(row);
        views[c] = null; // a failed decode leaves no stale view
        failed = c;
        decodes++;
        v = decoders[c].decode(col, k);
        failed = -1;
        views[c] = v;
        chunks[c] = k;
      }
      int i = (int) (row - v.firstRow());
      values[c] = c == 1 ? v.listValues(i) : v.setValues(i);
    }
    this.row = row;
    return this;
  }

  /** The current row. */
  public long row() {
    return row;
  }

  /** The current row's positives: little-endian int32, sorted ascending. */
  public MemorySegment positives() {
    return values[0];
  }

  /**
   * The current row's confidences, one little-endian float32 per positive in the same order, or
   * null when the dataset stores none (every positive has confidence 1).
   */
  public MemorySegment confidences() {
    return values[1];
  }

  /**
   * The current row's verified negatives (little-endian int32, sorted), or null when the dataset
   * stores none.
   */
  public MemorySegment negatives() {
    return values[2];
  }

  /** Why the current row breaks the label rules ({@link PartialLabels#rowProblem}), or null. */
  public String problem() {
    return PartialLabels.rowProblem(values[0], values[1], values[2]);
  }

  /**
   * The chunk number (in the label column's numbering) of the current row, for messages.
   *
   * @param which 0 the label column, 1 the confidence column, 2 the negatives column
   */
  int chunk(int which) {
    return chunks[which];
  }

  /**
   * The label column {@code which} (0 labels, 1 confidences, 2 negatives), or null when the dataset
   * has none.
   */
  Column column(int which) {
    return columns[which];
  }

  /** Which column's chunk the last {@link #seek} failed to decode (as {@link #column}), or -1. */
  int failedColumn() {
    return failed;
  }

  /** Chunk decodes tried so far, failed ones included (for tests). */
  long decodes() {
    return decodes;
  }

  @Override
  public void close() {
    for (int c = 0; c < 3; c++) {
      if (decoders[c] != null) {
        decoders[c].close();
        decoders[c] = null;
      }
      views[c] = null;
      values[c] = null;
    }
  }
}
