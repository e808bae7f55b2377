package io.jcolz.format.store;

import java.nio.file.Path;

/**
 * File names inside a dataset directory.
 *
 * <pre>
 * DS/manifest.jcm          the manifest (written last; its presence marks a committed dataset)
 * DS/columns/NAME.col      one file per column
 * DS/keys.cmap             Chronicle Map: key → row (when the schema has a key column)
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class DatasetLayout {
  /** Manifest file name. */
  public static final String MANIFEST = "manifest.jcm";

  /** Column directory name. */
  public static final String COLUMNS = "columns";

  /** Key index file name. */
  public static final String KEY_INDEX = "keys.cmap";

  private DatasetLayout() {}

  /** Relative path of a column's file, as written in the manifest. */
  public static String columnFile(String column) {
    return COLUMNS + "/" + column + ".col";
  }

  /** Absolute path of the manifest of dataset {@code dir}. */
  public static Path manifest(Path dir) {
    return dir.resolve(MANIFEST);
  }
}
