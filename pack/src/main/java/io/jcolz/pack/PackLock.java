package io.jcolz.pack;

import io.jcolz.format.store.FileTrees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

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
 * <p>The lock file is deleted when the pack ends, so a lock must be taken on the file that is at
 * the path, not on one its holder has just deleted: between opening the file and locking it, the
 * holder may delete it and release, and a third pack may create a new file and lock that; both
 * would then hold "the" lock. So after locking, a pack writes a token of its own into the locked
 * file and reads the path back: if the path does not show its token, it locked a deleted file and
 * tries again on the current one. The holder deletes the file before it releases the lock (never
 * after: a pack that locked the file in between would lose it to the deletion while holding it).
 *
 * <p>Not thread-safe; one per pack.
 */
public final class PackLock implements AutoCloseable {
  /** Times the lock file may be found replaced while locking before giving up. */
  private static final int ATTEMPTS = 100;

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final byte[] token;

  private PackLock(Path file, FileChannel channel, FileLock lock, byte[] token) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.token = token;
  }

  /** The lock file of output {@code out}. */
  public static Path lockFile(Path out) {
    Path abs = out.toAbsolutePath().normalize();
    return abs.resolveSibling("." + abs.getFileName() + ".pack.lock");
  }

  /** The lock file of shard {@code index}/{@code count} of output {@code out}. */
  public static Path shardLockFile(Path out, int index, int count) {
    Path abs = out.toAbsolutePath().normalize();
    return abs.resolveSibling(
        "." + abs.getFileName() + ".shard-" + index + "-of-" + count + ".lock");
  }

  /** Takes the lock of {@code out}, or fails with a message naming the other pack's lock file. */
  public static PackLock acquire(Path out) throws IOException {
    return acquireFile(out, lockFile(out));
  }

  /**
   * Takes the lock of one shard of {@code out}: shards of one pack run at once, each under its own
   * lock, while two runs of the same shard exclude each other.
   */
  public static PackLock acquireShard(Path out, int index, int count) throws IOException {
    return acquireFile(out, shardLockFile(out, index, count));
  }

  private static PackLock acquireFile(Path out, Path f) throws IOException {
    Files.createDirectories(f.getParent());
    for (int i = 0; i < ATTEMPTS; i++) {
      PackLock l =
          lockOpened(
              out, f, FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE));
      if (l != null) {
        return l;
      }
    }
    throw new IOException(
        "could not lock " + f + ": it was replaced " + ATTEMPTS + " times while locking");
  }

  /**
   * Locks the file open in {@code ch} (which it takes over) and checks that it is still the file at
   * {@code f}. Returns null, with {@code ch} closed, when it is not (its holder deleted it after
   * {@code ch} was opened: lock the current one instead).
   *
   * @throws IOException another pack holds the lock (in this process too)
   */
  static PackLock lockOpened(Path out, Path f, FileChannel ch) throws IOException {
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null; // held by another PackLock of this process
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (l == null) {
      ch.close();
      throw new IOException("another jcolz pack is writing " + out + " (it holds " + f + ")");
    }
    try {
      byte[] token =
          (ProcessHandle.current().pid() + " " + UUID.randomUUID() + "\n")
              .getBytes(StandardCharsets.US_ASCII);
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(token), 0);
      if (!shows(f, token)) {
        l.release();
        ch.close();
        return null;
      }
      return new PackLock(f, ch, l, token);
    } catch (IOException | RuntimeException | Error e) {
      ch.close(); // releases the lock
      throw e;
    }
  }

  /**
   * Whether the file at {@code f} holds {@code token}, i.e. is the file this process locked and
   * wrote it to.
   */
  private static boolean shows(Path f, byte[] token) throws IOException {
    try {
      return Arrays.equals(Files.readAllBytes(f), token);
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /**
   * Removes the leftovers of interrupted packs to {@code out}; returns one line per thing removed
   * or kept.
   */
  public List<String> removeLeftovers(Path out) throws IOException {
    Path abs = out.toAbsolutePath().normalize();
    String name = abs.getFileName().toString();
    List<String> lines = new ArrayList<>();
    boolean exists = Files.exists(abs);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(abs.getParent(), "." + name + ".*")) {
      for (Path p : ds) {
        String n = p.getFileName().toString().substring(name.length() + 1);
        if (n.startsWith(".tmp-") || (n.startsWith(".labels-") && n.endsWith(".cmap"))) {
          FileTrees.deleteRecursively(p);
          lines.add("removed " + p + ", left by an interrupted pack");
        } else if (n.startsWith(".old-")) {
          if (exists) {
            FileTrees.deleteRecursively(p);
            lines.add("removed " + p + ", left by an interrupted overwrite");
          } else {
            lines.add(
                "kept "
                    + p
                    + ": the previous dataset, left by an overwrite that was interrupted; move it back or delete it");
          }
        }
      }
    }
    return lines;
  }

  /**
   * Deletes the lock file, then releases the lock. Deleting first is deliberate (see the class
   * comment): a pack that opened the file before the deletion finds, once it has the lock, that the
   * path no longer shows its token, and retries on the path.
   */
  @Override
  public void close() throws IOException {
    try {
      if (shows(file, token)) { // not if someone removed it and another pack made a new one
        Files.deleteIfExists(file);
      }
    } finally {
      try {
        lock.release();
      } finally {
        channel.close();
      }
    }
  }
}
