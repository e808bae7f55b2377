package io.jcolz.spark;

import io.jcolz.format.store.ManifestFile;
import io.jcolz.format.store.SiblingLayout;
import io.jcolz.pack.PackPlan;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * The Hadoop FileSystem operations of a pack whose output is not on the local file system: small
 * files copied through a local temporary file (the format library reads and writes {@link
 * java.nio.file.Path}s), directories copied up, and the rename that commits a part, a manifest or
 * the collection without replacing what is there.
 *
 * <p>Stateless and thread-safe.
 */
final class HadoopFs {
  private HadoopFs() {}

  /**
   * Whether {@code uri} names the local file system: no scheme (a local path, as for {@code jcolz
   * pack}; not {@code fs.defaultFS}), {@code file:}, or a scheme whose FileSystem is Hadoop's
   * {@link LocalFileSystem}. The pack then uses the packer library's own local commit.
   */
  static boolean isLocal(String uri, Configuration conf) throws IOException {
    String scheme = new Path(uri).toUri().getScheme();
    if (scheme == null || scheme.equals("file")) {
      return true;
    }
    return new Path(uri).getFileSystem(conf) instanceof LocalFileSystem;
  }

  /** The local path of a URI {@link #isLocal} accepted. */
  static java.nio.file.Path localPath(String uri) {
    return java.nio.file.Path.of(new Path(uri).toUri().getPath());
  }

  /**
   * A configuration's entries, to ship to the tasks (a {@link Configuration} is not serializable).
   */
  static HashMap<String, String> entries(Configuration conf) {
    HashMap<String, String> m = new HashMap<>();
    for (Map.Entry<String, String> e : conf) {
      m.put(e.getKey(), e.getValue());
    }
    return m;
  }

  /** A configuration holding {@code entries} (see {@link #entries}). */
  static Configuration configuration(Map<String, String> entries) {
    Configuration c = new Configuration(false);
    entries.forEach(c::set);
    return c;
  }

  /** {@code .NAME.tmp-XXXXXXXX} beside {@code p} ({@link SiblingLayout#temporaryName}). */
  static Path temporary(Path p) {
    return new Path(p.getParent(), SiblingLayout.temporaryName(p.getName()));
  }

  /** {@code .NAME.old-XXXXXXXX} beside {@code p} ({@link SiblingLayout#oldName}). */
  static Path old(Path p) {
    return new Path(p.getParent(), SiblingLayout.oldName(p.getName()));
  }

  /** Copies {@code remote} to the local {@code file}. */
  static void download(FileSystem fs, Path remote, java.nio.file.Path file) throws IOException {
    try (InputStream in = fs.open(remote)) {
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Writes the local {@code file} to {@code target} under a temporary name and renames it onto
   * {@code target}, replacing an earlier copy; a reader sees the old file, the new one, or none.
   */
  static void upload(FileSystem fs, java.nio.file.Path file, Path target) throws IOException {
    Path tmp = temporary(target);
    try {
      try (OutputStream out = fs.create(tmp, false)) {
        Files.copy(file, out);
      }
      if (fs.exists(target)) {
        fs.delete(target, false);
      }
      if (!renameNoReplace(fs, tmp, target)) {
        throw new IOException(target + " appeared while it was being written (another pack?)");
      }
    } finally {
      fs.delete(tmp, false);
    }
  }

  /** The plan at {@code file}, or null when there is none. */
  static PackPlan readPlan(FileSystem fs, Path file, java.nio.file.Path scratch)
      throws IOException {
    if (!fs.exists(file)) {
      return null;
    }
    java.nio.file.Path local = scratch.resolve(PackPlan.FILE);
    download(fs, file, local);
    return PackPlan.read(local);
  }

  /** The manifest at {@code file} (read and checked through a local copy under {@code scratch}). */
  static ManifestFile.Checked readManifest(FileSystem fs, Path file, java.nio.file.Path scratch)
      throws IOException {
    java.nio.file.Path local =
        scratch.resolve("manifest-" + UUID.randomUUID().toString().substring(0, 8) + ".jcm");
    try {
      download(fs, file, local);
      return ManifestFile.readChecked(local);
    } finally {
      Files.deleteIfExists(local);
    }
  }

  /**
   * Renames {@code src} onto {@code dst} if nothing is at {@code dst}; returns false, leaving
   * {@code src}, when something is. Through {@link FileContext} where the file system has an {@code
   * AbstractFileSystem} binding (HDFS: one atomic rename that fails on an existing target; S3A:
   * check, then copy and delete); else through {@link FileSystem#rename}, whose rename onto an
   * existing directory moves {@code src} into it (HDFS) or copies it there: such a move is detected
   * and undone.
   */
  static boolean renameNoReplace(FileSystem fs, Path src, Path dst) throws IOException {
    Path s = fs.makeQualified(src);
    Path d = fs.makeQualified(dst);
    FileContext fc;
    try {
      fc = FileContext.getFileContext(fs.getUri(), fs.getConf());
    } catch (UnsupportedFileSystemException e) {
      fc = null;
    }
    if (fc != null) {
      try {
        fc.rename(s, d, Options.Rename.NONE);
        return true;
      } catch (FileAlreadyExistsException | java.nio.file.FileAlreadyExistsException e) {
        return false;
      }
    }
    if (fs.exists(d)) {
      return false;
    }
    boolean renamed = fs.rename(s, d);
    Path inside = new Path(d, s.getName());
    if (fs.exists(inside)) { // dst appeared meanwhile and src went into it: undo
      fs.delete(inside, true);
      return false;
    }
    if (!renamed) {
      if (fs.exists(d)) {
        return false;
      }
      throw new IOException("cannot rename " + s + " to " + d);
    }
    return true;
  }
}
