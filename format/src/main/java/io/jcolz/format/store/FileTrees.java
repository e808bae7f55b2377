package io.jcolz.format.store;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Deleting a directory tree: the one copy of the walk that every module uses (temporary
 * directories, checkpoints, pack leftovers, benchmark scratch space).
 *
 * <p>Symbolic links are deleted, never followed: a link inside the tree (or the path itself being a
 * link) removes the link and leaves what it points to alone.
 *
 * <p>Thread-safety: stateless; safe from any thread. Files another thread or process deletes at the
 * same time are not an error; files it creates in the tree meanwhile may make the final directory
 * deletion fail with {@link java.nio.file.DirectoryNotEmptyException}.
 */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes {@code path} and, if it is a directory, everything under it, deepest first. Does
   * nothing if {@code path} does not exist.
   *
   * @param path a file, a directory or a symbolic link
   * @throws IOException if something cannot be deleted (what was deleted before stays deleted)
   */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        path,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
              return FileVisitResult.CONTINUE; // deleted meanwhile
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
