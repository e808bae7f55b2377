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
  record Lookup(int[] indices, List<String> dropped) {}

  @Override
  void close() throws IOException;
}
