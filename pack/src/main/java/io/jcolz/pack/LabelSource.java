package io.jcolz.pack;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the labels of an image come from: a label file ({@link LabelFile}) or the folders on its
 * path ({@link FolderLabels}). The vocabulary is sorted by name, so label index i is the i-th name
 * in {@link String#compareTo} order whatever the order of the input.
 *
 * <p>Implementations are thread-safe for {@link #labels}: pack workers call it concurrently.
 */
public interface LabelSource extends AutoCloseable {
  /** Label names, sorted; index i of a label set refers to element i. */
  List<String> vocabulary();

  /**
   * The labels of the image {@code key} found in {@code folders}, or null when the source has no
   * entry for it (the image is then packed with an empty set). Counts nothing: the caller counts
   * unlabelled images and dropped names only for the rows it actually writes, since the image may
   * still turn out to be unreadable.
   */
  Lookup labels(String key, List<String> folders) throws IOException;

  /**
   * The labels of one image. Immutable.
   *
   * @param indices sorted, distinct label indices
   * @param dropped names of its labels that have no vocabulary entry (a fixed vocabulary from
   *     {@code --vocabulary-from} lacks them, or a folder appeared after the vocabulary was made);
   *     not in {@code indices}
   */
  record Lookup(int[] indices, List<String> dropped) {
    /**
     * The lookup of label {@code names} in a vocabulary given as name → index: sorted, distinct
     * indices, and the names it lacks.
     */
    static Lookup of(Collection<String> names, Map<String, Integer> index) {
      int[] out = new int[names.size()];
      int n = 0;
      List<String> dropped = List.of();
      for (String name : names) {
        Integer i = index.get(name);
        if (i != null) {
          out[n++] = i;
        } else {
          if (dropped.isEmpty()) {
            dropped = new ArrayList<>(2);
          }
          dropped.add(name);
        }
      }
      int[] sorted = Arrays.copyOf(out, n);
      Arrays.sort(sorted);
      return new Lookup(Arrays.stream(sorted).distinct().toArray(), dropped);
    }
  }

  /** Name → index of {@code vocabulary}. */
  static Map<String, Integer> indexOf(List<String> vocabulary) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < vocabulary.size(); i++) {
      index.put(vocabulary.get(i), i);
    }
    return index;
  }

  @Override
  void close() throws IOException;
}
