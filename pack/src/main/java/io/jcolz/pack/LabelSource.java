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
   * Whether some image has a positive of confidence below 1 (the dataset then stores {@code
   * label_confidence}, FORMAT.md §10.1).
   */
  default boolean hasConfidences() {
    return false;
  }

  /**
   * Whether some image has a verified negative (the dataset then stores {@code label_negatives}).
   */
  default boolean hasNegatives() {
    return false;
  }

  /**
   * The labels of one image. Immutable.
   *
   * @param indices sorted, distinct label indices: the positives
   * @param confidences one per positive, in (0, 1], or null when every one is 1
   * @param negatives sorted, distinct indices of verified negatives (disjoint from {@code indices})
   * @param dropped names of its labels that have no vocabulary entry (a fixed vocabulary from
   *     {@code --vocabulary-from} lacks them, or a folder appeared after the vocabulary was made);
   *     not in {@code indices}
   */
  record Lookup(int[] indices, float[] confidences, int[] negatives, List<String> dropped) {
    /** Positives of confidence 1 and no verified negatives. */
    public Lookup(int[] indices, List<String> dropped) {
      this(indices, null, new int[0], dropped);
    }

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

    /**
     * As {@link #of(Collection, Map)} with a confidence per name (distinct names): 0 makes a
     * verified negative, a value in (0, 1) a soft positive.
     */
    static Lookup of(List<String> names, float[] confidence, Map<String, Integer> index) {
      boolean soft = false;
      boolean negative = false;
      for (float c : confidence) {
        soft |= c > 0 && c < 1;
        negative |= c == 0;
      }
      if (!soft && !negative) {
        return of(names, index);
      }
      long[] pos = new long[names.size()]; // index << 32 | float bits: sorts by index
      int[] neg = new int[names.size()];
      int np = 0;
      int nn = 0;
      List<String> dropped = List.of();
      for (int j = 0; j < names.size(); j++) {
        Integer i = index.get(names.get(j));
        if (i == null) {
          if (dropped.isEmpty()) {
            dropped = new ArrayList<>(2);
          }
          dropped.add(names.get(j));
        } else if (confidence[j] == 0) {
          neg[nn++] = i;
        } else {
          pos[np++] = (long) i << 32 | (Float.floatToIntBits(confidence[j]) & 0xFFFFFFFFL);
        }
      }
      Arrays.sort(pos, 0, np);
      Arrays.sort(neg, 0, nn);
      int[] indices = new int[np];
      float[] conf = soft ? new float[np] : null;
      for (int j = 0; j < np; j++) {
        indices[j] = (int) (pos[j] >>> 32);
        if (conf != null) {
          conf[j] = Float.intBitsToFloat((int) pos[j]);
        }
      }
      return new Lookup(indices, conf, Arrays.copyOf(neg, nn), dropped);
    }

    /**
     * The lookup as label tokens that {@link #ofShipped} reads back (for a driver that ships the
     * labels it looked up to its tasks): a positive of confidence 1 as its name, others as {@code
     * name U+0001 confidence} (0 for a verified negative); dropped names last, as names.
     */
    public List<String> shipped(List<String> vocabulary) {
      List<String> out = new ArrayList<>(indices.length + negatives.length + dropped.size());
      for (int j = 0; j < indices.length; j++) {
        String name = vocabulary.get(indices[j]);
        out.add(confidences == null || confidences[j] == 1 ? name : name + SHIP + confidences[j]);
      }
      for (int i : negatives) {
        out.add(vocabulary.get(i) + SHIP + "0");
      }
      out.addAll(dropped);
      return out;
    }

    /** The lookup {@link #shipped} wrote, in the vocabulary {@code index}. */
    public static Lookup ofShipped(List<String> tokens, Map<String, Integer> index) {
      List<String> names = new ArrayList<>(tokens.size());
      float[] confidence = new float[tokens.size()];
      for (int j = 0; j < tokens.size(); j++) {
        String t = tokens.get(j);
        int at = t.lastIndexOf(SHIP);
        names.add(at < 0 ? t : t.substring(0, at));
        confidence[j] = at < 0 ? 1 : Float.parseFloat(t.substring(at + 1));
      }
      return of(names, confidence, index);
    }
  }

  /** Separates a shipped label's name from its confidence ({@link Lookup#shipped}). */
  char SHIP = '\u0001';

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
