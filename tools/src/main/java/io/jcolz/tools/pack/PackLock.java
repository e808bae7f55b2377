package io.jcolz.tools.pack;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The lock file {@code .NAME.pack.lock} next to the output {@code NAME}: held (an OS file lock,
 * released by the kernel when the process dies, however it dies) while a pack writes {@code NAME},
 * so a second pack to the same output is refused instead of deleting the first one's files.
 *
 * <p>Having the lock, a pack removes the leftovers of an interrupted earlier pack to the same
 * output: the writer's hidden temporary directories {@code .NAME.tmp-*}, label maps {@code
 * .NAME.labels-*.cmap}, and old copies {@code .NAME.old-*} when {@code NAME} itself exists (when it
 * does not, the old copy is the only complete dataset left by a crash during an overwrite, and is
 * kept and reported).
 *
 * <p>Not thread-safe; one per pack.
 */
public final class PackLock implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private PackLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /** The lock file of output {@code out}. */
  public static Path lockFile(Path out) {
    Path abs = out.toAbsolutePath().normalize();
    return abs.resolveSibling("." + abs.getFileName() + ".pack.lock");
  }

  /** Takes the lock of {@code out}, or fails with a message naming the other pack's lock file. */
  public static PackLock acquire(Path out) throws IOException {
    Path f = lockFile(out);
    Files.createDirectories(f.getParent());
    FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    if (l == null) {
      ch.close();
      throw new IOException("another jcolz pack is writing " + out + " (it holds " + f + ")");
    }
    return new PackLock(f, ch, l);
  }

  /** Removes the leftovers of interrupted packs to {@code out}; returns one line per thing removed or kept. */
  public List<String> removeLeftovers(Path out) throws IOException {
    Path abs = out.toAbsolutePath().normalize();
    String name = abs.getFileName().toString();
    List<String> lines = new ArrayList<>();
    boolean exists = Files.exists(abs);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(abs.getParent(), "." + name + ".*")) {
      for (Path p : ds) {
        String n = p.getFileName().toString().substring(name.length() + 1);
        if (n.startsWith(".tmp-") || (n.startsWith(".labels-") && n.endsWith(".cmap"))) {
          deleteRecursively(p);
          lines.add("removed " + p + ", left by an interrupted pack");
        } else if (n.startsWith(".old-")) {
          if (exists) {
            deleteRecursively(p);
            lines.add("removed " + p + ", left by an interrupted overwrite");
          } else {
            lines.add("kept " + p + ": the previous dataset, left by an overwrite that was interrupted; move it back or delete it");
          }
        }
      }
    }
    return lines;
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> s = Files.walk(p)) {
        for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(q);
        }
      }
    } else {
      Files.deleteIfExists(p);
    }
  }

  /** Releases the lock and deletes the lock file. */
  @Override
  public void close() throws IOException {
    try {
      Files.deleteIfExists(file);
    } finally {
      try {
        lock.release();
      } finally {
        channel.close();
      }
    }
  }
}
