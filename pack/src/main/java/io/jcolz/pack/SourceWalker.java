package io.jcolz.pack;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Walks an input folder depth-first, the entries of each folder sorted by name ({@link
 * String#compareTo} of the file name), so the order is the same on every run and every file system.
 * Only one folder's listing is held at a time: a tree of 12M files walks in constant heap per
 * level.
 *
 * <ul>
 *   <li>Files whose extension is one of {@link #EXTENSIONS} (any case) are images to pack; other
 *       files are ignored (counted), as are names starting with '.' (hidden files, and the pack's
 *       own temporary directories when {@code --out} is inside {@code --input}) and the output
 *       directory itself.
 *   <li>Symbolic links are followed. A link that loops ({@code ELOOP}) or a linked folder that is
 *       one of its own ancestors is reported as {@link SkipReason#SYMLINK_LOOP}; a broken link as
 *       {@link SkipReason#UNREADABLE}.
 *   <li>A folder that cannot be listed is reported once as {@link SkipReason#UNREADABLE}.
 *   <li>A name the JVM cannot represent faithfully as a string (not UTF-8 under a UTF-8 locale) is
 *       {@link SkipReason#BAD_NAME}: its key could not name the file again.
 * </ul>
 *
 * <p>Not thread-safe; one walk at a time.
 */
public final class SourceWalker {
  /** Extensions (lower case) of files that are treated as images. */
  public static final Set<String> EXTENSIONS =
      Set.of(
          "jpg", "jpeg", "jpe", "jfif", "png", "gif", "bmp", "tif", "tiff", "webp", "pbm", "pgm",
          "ppm", "pnm");

  /** What the walk finds, in walk order. */
  public interface Visitor {
    /**
     * An image file: {@code key} is its path below the root with '/' separators; {@code folders}
     * the folders on it.
     */
    void image(Path file, String key, List<String> folders) throws IOException;

    /** A file or folder that cannot be packed; {@code shown} names it. */
    void skip(String shown, SkipReason reason, String detail) throws IOException;

    /** A file that is not an image by its name (counted, not reported). */
    default void ignored(Path file) {}
  }

  private final Path root;
  private final Path exclude;

  /**
   * @param root the input folder
   * @param exclude a path never to enter (the output dataset), or null
   */
  public SourceWalker(Path root, Path exclude) {
    this.root = root;
    this.exclude = exclude == null ? null : exclude.toAbsolutePath().normalize();
  }

  /** Walks the tree; an {@link IOException} only when the root itself cannot be listed. */
  public void walk(Visitor v) throws IOException {
    BasicFileAttributes attrs = Files.readAttributes(root, BasicFileAttributes.class);
    if (!attrs.isDirectory()) {
      throw new java.nio.file.NotDirectoryException(root.toString());
    }
    Deque<Object> ancestors = new ArrayDeque<>();
    ancestors.push(fileKey(root, attrs));
    List<Path> children = list(root); // the root failing to list is fatal
    walk(root, children, new ArrayList<>(), ancestors, v);
  }

  private static Object fileKey(Path p, BasicFileAttributes a) {
    Object k = a.fileKey();
    return k != null ? k : p.toAbsolutePath().normalize();
  }

  private static List<Path> list(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        out.add(p);
      }
    }
    out.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return out;
  }

  private void walk(
      Path dir, List<Path> children, List<String> folders, Deque<Object> ancestors, Visitor v)
      throws IOException {
    for (Path child : children) {
      String name = child.getFileName().toString();
      if (name.startsWith(".")) {
        continue;
      }
      if (exclude != null && child.toAbsolutePath().normalize().equals(exclude)) {
        continue;
      }
      String shown = child.toString();
      if (!dir.resolve(name).equals(child) || name.indexOf('\uFFFD') >= 0) {
        v.skip(
            shown,
            SkipReason.BAD_NAME,
            "the name is not valid "
                + System.getProperty("sun.jnu.encoding", "UTF-8")
                + "; rename the file, or run with a UTF-8 locale");
        continue;
      }
      BasicFileAttributes attrs;
      try {
        BasicFileAttributes own =
            Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        attrs = own.isSymbolicLink() ? Files.readAttributes(child, BasicFileAttributes.class) : own;
      } catch (NoSuchFileException e) {
        v.skip(
            shown,
            SkipReason.UNREADABLE,
            Files.isSymbolicLink(child) ? "broken symbolic link" : "vanished");
        continue;
      } catch (FileSystemException e) {
        String why = String.valueOf(e.getReason()).toLowerCase(Locale.ROOT);
        if (why.contains("too many levels of symbolic links")) {
          v.skip(shown, SkipReason.SYMLINK_LOOP, "symbolic link loops");
        } else {
          v.skip(
              shown, SkipReason.UNREADABLE, e.getReason() == null ? e.toString() : e.getReason());
        }
        continue;
      }
      if (attrs.isDirectory()) {
        Object key = fileKey(child, attrs);
        if (ancestors.contains(key)) {
          v.skip(shown, SkipReason.SYMLINK_LOOP, "links back to a folder above it");
          continue;
        }
        List<Path> grand;
        try {
          grand = list(child);
        } catch (AccessDeniedException e) {
          v.skip(shown, SkipReason.UNREADABLE, "folder cannot be listed: permission denied");
          continue;
        } catch (IOException e) {
          v.skip(shown, SkipReason.UNREADABLE, "folder cannot be listed: " + e);
          continue;
        }
        ancestors.push(key);
        folders.add(name);
        walk(child, grand, folders, ancestors, v);
        folders.removeLast();
        ancestors.pop();
      } else if (attrs.isRegularFile()) {
        if (!isImageName(name)) {
          v.ignored(child);
          continue;
        }
        String key = folders.isEmpty() ? name : String.join("/", folders) + "/" + name;
        v.image(child, key, List.copyOf(folders));
      } else if (isImageName(name)) {
        v.skip(shown, SkipReason.UNREADABLE, "not a regular file");
      } else {
        v.ignored(child);
      }
    }
  }

  /** Whether a file name has an image extension. */
  public static boolean isImageName(String name) {
    int dot = name.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }
}
