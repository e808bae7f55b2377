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
 * <p>A collection (format version 2) instead holds:
 *
 * <pre>
 * DS/collection.jcm        the collection manifest (written last, replaced by atomic rename)
 * DS/parts/NAME/           one complete version-1 dataset per part
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

  /** Collection manifest file name. */
  public static final String COLLECTION_MANIFEST = "collection.jcm";

  /** Directory of a collection's parts. */
  public static final String PARTS = "parts";

  private DatasetLayout() {}

  /** The name of part {@code index} as pack writes it: {@code part-} and 6 or more digits. */
  public static String partName(int index) {
    return String.format(java.util.Locale.ROOT, "part-%06d", index);
  }

  /** Directory of part {@code name} of collection {@code dir}. */
  public static Path part(Path dir, String name) {
    return dir.resolve(PARTS).resolve(name);
  }

  /** Absolute path of the collection manifest of {@code dir}. */
  public static Path collectionManifest(Path dir) {
    return dir.resolve(COLLECTION_MANIFEST);
  }

  /** Relative path of a column's file, as written in the manifest. */
  public static String columnFile(String column) {
    return COLUMNS + "/" + column + ".col";
  }

  /** Absolute path of the manifest of dataset {@code dir}. */
  public static Path manifest(Path dir) {
    return dir.resolve(MANIFEST);
  }
}
