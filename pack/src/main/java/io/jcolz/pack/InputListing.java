package io.jcolz.pack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * The planner's view of an input: its images in the pack's order (depth first, each folder sorted
 * by name), with the size and modification time a {@link ListingDigest} records. {@link #local}
 * walks a local folder with {@link SourceWalker}; the Spark job lists a Hadoop file system behind
 * the same interface.
 *
 * <p>Implementations need not be thread-safe: one listing at a time.
 */
public interface InputListing {
  /** What a listing finds, in listing order. */
  interface Visitor {
    /**
     * An image: {@code key} is its path below the input with '/' separators, {@code location} where
     * to read it (a URI), {@code folders} the folders on its path; {@code size} and {@code
     * modified} (epoch milliseconds) are -1 when its attributes cannot be read (its decode then
     * reports it).
     */
    void image(String key, String location, List<String> folders, long size, long modified)
        throws IOException;

    /** A file or folder that cannot be packed; {@code shown} names it. */
    default void skip(String shown, SkipReason reason, String detail) throws IOException {}

    /** A file that is not an image by its name (counted, not reported). */
    default void ignored() {}
  }

  /** Lists the input; an {@link IOException} when its root cannot be listed. */
  void list(Visitor v) throws IOException;

  /**
   * The local folder {@code root}, walked by {@link SourceWalker} (never entering {@code exclude},
   * the output, when not null).
   */
  static InputListing local(Path root, Path exclude) {
    return v ->
        new SourceWalker(root, exclude)
            .walk(
                new SourceWalker.Visitor() {
                  @Override
                  public void image(Path file, String key, List<String> folders)
                      throws IOException {
                    BasicFileAttributes a;
                    try {
                      a = Files.readAttributes(file, BasicFileAttributes.class);
                    } catch (IOException e) {
                      a = null; // unreadable: its decode reports it
                    }
                    v.image(
                        key,
                        file.toAbsolutePath().toUri().toString(),
                        folders,
                        a == null ? -1 : a.size(),
                        a == null ? -1 : a.lastModifiedTime().toMillis());
                  }

                  @Override
                  public void skip(String shown, SkipReason reason, String detail)
                      throws IOException {
                    v.skip(shown, reason, detail);
                  }

                  @Override
                  public void ignored(Path file) {
                    v.ignored();
                  }
                });
  }
}
