package io.jcolz.tools.pack;

import java.io.IOException;
import java.util.List;

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
   * The sorted, distinct label indices of the image {@code key} found in {@code folders}, or null
   * when the source has no entry for it (the image is then packed with an empty set and counted).
   */
  int[] labels(String key, List<String> folders) throws IOException;

  /** Label names dropped because a fixed vocabulary ({@code --vocabulary-from}) lacks them: occurrences. */
  default long droppedLabels() {
    return 0;
  }

  /** A few of the dropped names, sorted. */
  default List<String> droppedExamples() {
    return List.of();
  }

  @Override
  void close() throws IOException;
}
