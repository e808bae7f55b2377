package io.jcolz.pack;

import java.util.Locale;
import java.util.Optional;

/**
 * How {@code --labels FILE} is read ({@code --labels-format}): by its name and first line ({@link
 * #AUTO}, the default), as delimited text, as JSON lines, or as an Open Images label CSV. See
 * {@link LabelFile} for each form.
 *
 * <p>Immutable and thread-safe.
 */
public enum LabelFormat {
  /**
   * By the file name ({@code .csv}, {@code .tsv}/{@code .tab}, {@code .jsonl}...), else its first
   * line.
   */
  AUTO,
  /** {@code key,label label:0.7 -label} with commas. */
  CSV,
  /** {@code key<TAB>label label:0.7 -label} with tabs. */
  TSV,
  /** <code>{"key": ..., "labels": [...] or {"name": confidence, ...}}</code> per line. */
  JSONL,
  /**
   * Open Images' {@code ImageID,Source,LabelName,Confidence} with a header, several rows per image,
   * images matched by file stem.
   */
  OPENIMAGES;

  /** Lower-case name, as on the command line and in a plan's settings. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The format named {@code id} (any case), or empty. */
  public static Optional<LabelFormat> parse(String id) {
    for (LabelFormat f : values()) {
      if (f.id().equalsIgnoreCase(id.strip())) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
