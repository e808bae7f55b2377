package io.jcolz.spark;

import io.jcolz.pack.InputListing;
import io.jcolz.pack.SourceWalker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An {@link InputListing} of a folder on a Hadoop file system that is not the local one: the order
 * and the rules of {@link SourceWalker} (depth first, each folder's entries sorted by name, names
 * starting with '.' passed over, images known by {@link SourceWalker#isImageName}), with sizes and
 * modification times from the file statuses. What SourceWalker does about links and unreadable
 * names has no counterpart here: the file system lists what it holds.
 *
 * <p>Not thread-safe: one listing at a time.
 */
final class HadoopListing implements InputListing {
  private final String input;
  private final Configuration conf;

  /** The listing of the folder {@code input} (a Hadoop URI). */
  HadoopListing(String input, Configuration conf) {
    this.input = input;
    this.conf = conf;
  }

  @Override
  public void list(Visitor v) throws IOException {
    Path root = new Path(input);
    FileSystem fs = root.getFileSystem(conf);
    if (!fs.getFileStatus(root).isDirectory()) {
      throw new IOException(input + " is not a directory");
    }
    walk(fs, root, new ArrayList<>(), v);
  }

  private static void walk(FileSystem fs, Path dir, List<String> folders, Visitor v)
      throws IOException {
    FileStatus[] children = fs.listStatus(dir);
    Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
    for (FileStatus s : children) {
      String name = s.getPath().getName();
      if (name.startsWith(".")) {
        continue;
      }
      if (s.isDirectory()) {
        folders.add(name);
        walk(fs, s.getPath(), folders, v);
        folders.removeLast();
      } else if (SourceWalker.isImageName(name)) {
        String key = folders.isEmpty() ? name : String.join("/", folders) + "/" + name;
        v.image(
            key, s.getPath().toString(), List.copyOf(folders), s.getLen(), s.getModificationTime());
      } else {
        v.ignored();
      }
    }
  }
}
