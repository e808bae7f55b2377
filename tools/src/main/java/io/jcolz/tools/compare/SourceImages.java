package io.jcolz.tools.compare;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.images.PackedImages;
import io.jcolz.loader.image.ResizeMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The original image files a dataset was packed from, paired with their labels: the label map (key
 * → label indices) is read from the dataset's key and label columns, and the files are found under
 * the source directory by key (a key is the file's path relative to that directory). This is the
 * "list the files, look each one's labels up in a map" input of the classic loaders.
 *
 * <p>Immutable after construction and thread-safe.
 */
public final class SourceImages {
  private final Path dir;
  private final List<Path> files = new ArrayList<>();
  private final List<int[]> labels = new ArrayList<>();
  private final Map<String, int[]> labelMap = new HashMap<>();
  private final int labelCount;
  private final int size;
  private final ResizeMode resize;

  /** Reads the label map from {@code dataset} and matches the files under {@code dir}. */
  public SourceImages(Dataset dataset, Path dir) throws IOException {
    this.dir = dir;
    String keyColumn =
        dataset
            .schema()
            .keyColumn()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        dataset.path() + " has no key column to match source files by"));
    String labelColumn =
        dataset
            .schema()
            .labelColumn()
            .orElseThrow(
                () -> new IllegalArgumentException(dataset.path() + " has no label column"));
    this.labelCount = dataset.schema().column(labelColumn).cardinality();
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
    Column keys = dataset.column(keyColumn);
    Column sets = dataset.column(labelColumn);
    try (ChunkDecoder dk = dataset.newDecoder();
        ChunkDecoder dl = dataset.newDecoder()) {
      ChunkView lv = null;
      for (int k = 0; k < keys.chunkCount(); k++) {
        ChunkView kv = dk.decode(keys, k);
        for (int i = 0; i < kv.rowCount(); i++) {
          long row = kv.firstRow() + i;
          if (lv == null || row >= lv.firstRow() + lv.rowCount()) {
            lv = dl.decode(sets, sets.chunkOf(row));
          }
          labelMap.put(kv.string(i), lv.set((int) (row - lv.firstRow())));
        }
      }
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
        int[] l = labelMap.get(dir.relativize(p).toString().replace('\\', '/'));
        if (l != null) {
          files.add(p);
          labels.add(l);
        }
      }
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException(
          "no file under "
              + dir
              + " matches a key of "
              + dataset.path()
              + " (--compare must name the directory the dataset was packed from)");
    }
  }

  /** The source directory. */
  public Path dir() {
    return dir;
  }

  /** Files that are rows of the dataset, sorted. */
  public List<Path> files() {
    return files;
  }

  /** Labels of {@code files().get(i)}, from the map. */
  public int[] labels(int i) {
    return labels.get(i);
  }

  /** The key → labels map itself. */
  public Map<String, int[]> labelMap() {
    return labelMap;
  }

  /** Label vocabulary size. */
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
