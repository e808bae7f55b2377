package io.jcolz.pack;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * {@code --labels-from-dirs}: every folder between the input folder and the file is one label, by
 * its name ({@code animals/birds/owl.png} → {animals, birds}); an image directly in the input
 * folder has no labels. Two folders of the same name at different places are the same label.
 *
 * <p>Thread-safe.
 */
public final class FolderLabels implements LabelSource {
  private final List<String> vocabulary;
  private final Map<String, Integer> index;

  /**
   * @param names every folder name found on an image's path (from the counting walk)
   */
  public FolderLabels(SortedSet<String> names) {
    this(names, null);
  }

  /**
   * @param names every folder name found on an image's path (from the counting walk)
   * @param fixed the vocabulary to use instead of {@code names} (folders not in it are dropped), or
   *     null
   */
  public FolderLabels(SortedSet<String> names, List<String> fixed) {
    this.vocabulary = List.copyOf(fixed != null ? fixed : new ArrayList<>(names));
    this.index = LabelSource.indexOf(vocabulary);
  }

  @Override
  public List<String> vocabulary() {
    return vocabulary;
  }

  @Override
  public Lookup labels(String key, List<String> folders) {
    return Lookup.of(
        folders,
        index); // a folder not in the vocabulary is dropped (fixed, or created after the walk)
  }

  @Override
  public void close() {}
}
