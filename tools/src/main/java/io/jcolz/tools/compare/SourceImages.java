package io.jcolz.tools.compare;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.images.PackedImages;
import io.jcolz.image.ResizeMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The original image files a dataset was packed from, exactly those it holds: one file per row, in
 * row order, found under the source directory by the row's key (a key is the file's path relative
 * to that directory, {@code /}-separated), paired with the row's labels. This is the "list the
 * files, look each one's labels up in a dictionary" input of the classic loaders. Files in the
 * directory that the pack skipped (broken, not images) or ignored are not rows, so no baseline
 * reads them; a row whose file is missing is an error naming it.
 *
 * <p>Immutable after construction and thread-safe.
 */
public final class SourceImages {
  private static final int EXAMPLES = 5;
  private static final int[] NO_LABELS = new int[0];

  private final Path dir;
  private final List<Path> files;
  private final List<String> keys;
  private final List<int[]> labels;
  private final int labelCount;
  private final int size;
  private final ResizeMode resize;

  /**
   * Reads the keys (and labels, when the dataset has a label column) of every row of {@code
   * dataset} and resolves each key under {@code dir}.
   *
   * @throws IllegalArgumentException the dataset has no key column or no size metadata, a key does
   *     not name a file under {@code dir}, or none does
   */
  public SourceImages(Dataset dataset, Path dir) throws IOException {
    this.dir = dir.toAbsolutePath().normalize();
    String keyColumn =
        dataset
            .schema()
            .keyColumn()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        dataset.path() + " has no key column to match source files by"));
    String labelColumn = dataset.schema().labelColumn().orElse(null);
    this.labelCount = labelColumn == null ? 0 : dataset.schema().column(labelColumn).cardinality();
    PackedImages packed = PackedImages.of(dataset);
    this.size =
        packed
            .size()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        dataset.path()
                            + " has no '"
                            + PackedImages.SIZE
                            + "' metadata (was it written by jcolz pack?)"));
    this.resize = ResizeMode.parse(packed.resize()).orElse(ResizeMode.SHORTER_SIDE_CENTER_CROP);
    int rows = Math.toIntExact(dataset.rowCount());
    List<Path> f = new ArrayList<>(rows);
    List<String> k = new ArrayList<>(rows);
    List<int[]> l = new ArrayList<>(rows);
    List<String> missing = new ArrayList<>();
    long missingCount = 0;
    Column keys = dataset.column(keyColumn);
    Column sets = labelColumn == null ? null : dataset.column(labelColumn);
    try (ChunkDecoder dk = dataset.newDecoder();
        ChunkDecoder dl = dataset.newDecoder()) {
      ChunkView lv = null;
      for (int c = 0; c < keys.chunkCount(); c++) {
        ChunkView kv = dk.decode(keys, c);
        for (int i = 0; i < kv.rowCount(); i++) {
          long row = kv.firstRow() + i;
          String key = kv.string(i);
          int[] set = NO_LABELS;
          if (sets != null) {
            if (lv == null || row >= lv.firstRow() + lv.rowCount()) {
              lv = dl.decode(sets, sets.chunkOf(row));
            }
            set = lv.set((int) (row - lv.firstRow()));
          }
          Path p = resolve(key);
          if (p == null || !Files.isRegularFile(p)) {
            if (missingCount++ < EXAMPLES) {
              missing.add(key);
            }
            continue;
          }
          f.add(p);
          k.add(key);
          l.add(set);
        }
      }
    }
    if (f.isEmpty() && rows > 0) {
      throw new IllegalArgumentException(
          "no file under "
              + this.dir
              + " matches a key of "
              + dataset.path()
              + " (--compare must name the directory the dataset was packed from), e.g. "
              + String.join(", ", missing));
    }
    if (missingCount > 0) {
      throw new IllegalArgumentException(
          missingCount
              + " of "
              + rows
              + " rows of "
              + dataset.path()
              + " have no file under "
              + this.dir
              + " (changed since the pack?), e.g. "
              + String.join(", ", missing));
    }
    this.files = List.copyOf(f);
    this.keys = List.copyOf(k);
    this.labels = List.copyOf(l);
  }

  /** The file a key names under the directory, or null when the key points outside it. */
  private Path resolve(String key) {
    if (key.isEmpty() || key.startsWith("/")) {
      return null;
    }
    Path p = dir.resolve(key).normalize();
    return p.startsWith(dir) && !p.equals(dir) ? p : null;
  }

  /** The source directory (absolute). */
  public Path dir() {
    return dir;
  }

  /** The file of every row, in row order. */
  public List<Path> files() {
    return files;
  }

  /** The key of every row, in row order. */
  public List<String> keys() {
    return keys;
  }

  /** Labels of {@code files().get(i)} (empty when the dataset has no label column). */
  public int[] labels(int i) {
    return labels.get(i);
  }

  /** Label vocabulary size (0 without a label column). */
  public int labelCount() {
    return labelCount;
  }

  /** Packed image side. */
  public int size() {
    return size;
  }

  /** Packed resize mode. */
  public ResizeMode resize() {
    return resize;
  }
}
