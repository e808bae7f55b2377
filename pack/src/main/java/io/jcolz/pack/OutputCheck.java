package io.jcolz.pack;

import io.jcolz.format.store.CollectionManifestFile;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.ManifestFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a pack may replace: {@code --overwrite} replaces a jcolz dataset (a directory whose {@code
 * collection.jcm} or {@code manifest.jcm} opens) or an empty directory, and nothing else; a regular
 * file or a folder of other things at {@code --out} is refused, whatever the flags, with one line
 * saying what is there. Nothing a user owns is deleted by a pack.
 *
 * <p>Stateless and thread-safe.
 */
public final class OutputCheck {
  private OutputCheck() {}

  /** {@code --out} names something a pack must not replace (the message says what). */
  public static final class NotADatasetException extends IOException {
    private static final long serialVersionUID = 1L;

    NotADatasetException(String message) {
      super(message);
    }
  }

  /**
   * Refuses an existing {@code out} that is not a jcolz dataset or an empty directory; returns
   * whether something (replaceable) is there.
   *
   * @throws NotADatasetException a regular file, or a directory holding anything but a dataset
   */
  public static boolean requireReplaceable(Path out) throws IOException {
    if (!Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    if (!Files.isDirectory(out)) {
      throw new NotADatasetException(
          out
              + " is "
              + (Files.isRegularFile(out) ? "a regular file" : "not a directory")
              + ", not a dataset: a pack writes a dataset directory there; choose another --out");
    }
    if (isDataset(out)) {
      return true;
    }
    List<String> names = new ArrayList<>();
    int count = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(out)) {
      for (Path p : ds) {
        if (count++ < 3) {
          names.add(p.getFileName().toString());
        }
      }
    }
    if (count == 0) {
      return true;
    }
    names.sort(null);
    if (Files.exists(DatasetLayout.collectionManifest(out))
        || Files.exists(DatasetLayout.manifest(out))) {
      throw new NotADatasetException(
          out
              + " holds a manifest that does not open (a damaged dataset?): a pack replaces only a"
              + " dataset that opens, even with --overwrite; remove it yourself if it should go,"
              + " or choose another --out");
    }
    throw new NotADatasetException(
        out
            + " is a folder that is not a jcolz dataset (it holds "
            + String.join(", ", names)
            + (count > names.size() ? " and " + (count - names.size()) + " more" : "")
            + "): a pack replaces only a jcolz dataset, even with --overwrite; choose another --out");
  }

  /** Whether {@code dir}'s collection manifest or dataset manifest opens. */
  public static boolean isDataset(Path dir) {
    try {
      CollectionManifestFile.read(DatasetLayout.collectionManifest(dir));
      return true;
    } catch (IOException | RuntimeException e) {
      // not a collection: a single dataset?
    }
    try {
      ManifestFile.read(DatasetLayout.manifest(dir));
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
