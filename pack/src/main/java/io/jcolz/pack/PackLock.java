package io.jcolz.pack;

import io.jcolz.format.store.FileTrees;
import io.jcolz.format.store.SiblingLayout;
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
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The lock file {@code .NAME.pack.lock} next to the output {@code NAME}: held (an OS file lock,
 * released by the kernel when the process dies, however it dies) while a pack writes {@code NAME},
 * so a second pack to the same output is refused, naming the first one's pid, instead of deleting
 * the first one's files.
 *
 * <p>Who holds it how: a plain pack, an {@code --append}, a {@code --finish} and the Spark driver's
 * pack hold it exclusively; a {@code --shard i/n} run holds it shared (shards of one pack run at
 * once) and, exclusively, its own {@code .NAME.shard-i-of-n.lock}, so two runs of the same shard
 * exclude each other and no plain pack, append or finish runs while any shard does.
 *
 * <p>Having the lock, a pack removes the leftovers of an interrupted earlier pack to the same
 * output: the writer's hidden temporary directories {@code .NAME.tmp-*}, label maps {@code
 * .NAME.labels-*.cmap}, and old copies {@code .NAME.old-*} when {@code NAME} itself exists (when it
 * does not, the old copy is the only complete dataset left by a crash during an overwrite, and is
 * kept and reported).
 *
 * <p><b>Why locks are kept by open files.</b> The OS lock is a POSIX record lock ({@code fcntl},
 * what {@link FileChannel#tryLock} takes on Linux and macOS), and the kernel drops every such lock
 * a process holds on a file when that process closes <em>any</em> descriptor of the file. An
 * earlier version read the lock file back with {@code Files.readAllBytes} right after locking it:
 * opening and closing that second descriptor silently released the lock, so a second pack was let
 * in, removed the first one's part in progress and took over. So: no code in this process opens a
 * lock file this process holds (a JVM-wide table of held locks answers for them), and the check
 * below reads through a second channel that stays open as long as the lock is held.
 *
 * <p><b>Deleted and re-created files.</b> An exclusive holder deletes the lock file before it
 * releases it. Between opening the file and locking it, its holder may delete it and release, and a
 * third pack may create a new file and lock that; both would then hold "the" lock. So after
 * locking, a pack writes a token of its own into the locked file and reads the path back (through
 * the channel it keeps open): if the path does not show its token, it locked a deleted file and
 * tries again on the current one. Shared holders append their token (they never delete the file;
 * the next exclusive holder does).
 *
 * <p>Thread-safe to acquire from many threads (the table is synchronized); one {@code PackLock} is
 * used and closed by one thread.
 */
public final class PackLock implements AutoCloseable {
  /** Times the lock file may be found replaced while locking before giving up. */
  private static final int ATTEMPTS = 100;

  /** The lock files this process holds, by absolute path: never opened a second time. */
  private static final Map<Path, Held> HELD = new HashMap<>();

  /** Channels that must not be closed (see {@link #lockOpened}). */
  private static final List<FileChannel> LEAKED = Collections.synchronizedList(new ArrayList<>());

  /** One lock file held by this process: its channels and how many holders share it. */
  private static final class Held {
    final Path file;
    final boolean shared;
    final FileChannel channel;
    final FileChannel reader;
    final FileLock lock;
    final Object fileKey;
    int holders = 1;

    Held(
        Path file,
        boolean shared,
        FileChannel channel,
        FileChannel reader,
        FileLock lock,
        Object fileKey) {
      this.file = file;
      this.shared = shared;
      this.channel = channel;
      this.reader = reader;
      this.lock = lock;
      this.fileKey = fileKey;
    }
  }

  private final List<Held> held;
  private boolean closed;

  private PackLock(List<Held> held) {
    this.held = held;
  }

  /** The lock file of output {@code out}. */
  public static Path lockFile(Path out) {
    return SiblingLayout.packLock(out);
  }

  /** The lock file of shard {@code index}/{@code count} of output {@code out}. */
  public static Path shardLockFile(Path out, int index, int count) {
    return SiblingLayout.shardLock(out, index, count);
  }

  /**
   * Takes the lock of {@code out} exclusively, or fails with a message naming the other pack's pid
   * and lock file.
   */
  public static PackLock acquire(Path out) throws IOException {
    return new PackLock(List.of(take(out, lockFile(out), false)));
  }

  /**
   * Takes the lock of one shard of {@code out}: the output's lock shared (shards of one pack run at
   * once, but no plain pack, append or finish) and the shard's own lock exclusively (two runs of
   * the same shard exclude each other).
   */
  public static PackLock acquireShard(Path out, int index, int count) throws IOException {
    Held main = take(out, lockFile(out), true);
    try {
      return new PackLock(List.of(main, take(out, shardLockFile(out, index, count), false)));
    } catch (IOException | RuntimeException | Error e) {
      release(main);
      throw e;
    }
  }

  /** Whether this lock holds {@code out}'s own lock exclusively. */
  public boolean holdsExclusively(Path out) throws IOException {
    Path f = key(lockFile(out));
    for (Held h : held) {
      if (h.file.equals(f) && !h.shared) {
        return true;
      }
    }
    return false;
  }

  /** One name per lock file, however the output was named (a symlinked folder, ".."). */
  private static Path key(Path file) throws IOException {
    return file.getParent().toRealPath().resolve(file.getFileName());
  }

  private static Held take(Path out, Path file, boolean shared) throws IOException {
    Files.createDirectories(file.getParent());
    Path f = key(file);
    synchronized (HELD) {
      Held h = HELD.get(f);
      if (h != null) {
        if (shared && h.shared) {
          h.holders++;
          return h;
        }
        throw refused(
            out,
            f,
            (h.shared ? "shard packs" : "a pack")
                + " in this process, pid "
                + ProcessHandle.current().pid());
      }
      for (int i = 0; i < ATTEMPTS; i++) {
        h = lockOpened(out, f, shared);
        if (h != null) {
          HELD.put(f, h);
          return h;
        }
      }
    }
    throw new IOException(
        "could not lock " + f + ": it was replaced " + ATTEMPTS + " times while locking");
  }

  /**
   * Opens and locks {@code f} and checks that it is still the file at {@code f}. Returns null when
   * it is not (its holder deleted it after it was opened: lock the current one instead).
   *
   * @throws IOException another process holds the lock
   */
  private static Held lockOpened(Path out, Path f, boolean shared) throws IOException {
    FileChannel ch =
        FileChannel.open(
            f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileChannel reader = null;
    FileLock l;
    try {
      l = ch.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException e) {
      // this process holds it under another name (a hard link): closing ch would release that
      // lock, so ch stays open until the process ends
      LEAKED.add(ch);
      throw refused(out, f, "a pack in this process");
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (l == null) {
      String holders;
      try {
        holders = holders(ch);
      } finally {
        ch.close(); // another process's lock: closing our descriptor does not touch it
      }
      throw refused(out, f, holders);
    }
    try {
      byte[] token =
          (ProcessHandle.current().pid() + " " + UUID.randomUUID() + "\n")
              .getBytes(StandardCharsets.US_ASCII);
      if (shared) {
        ch.write(ByteBuffer.wrap(token), ch.size()); // other shard runs may hold it too
      } else {
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(token), 0);
      }
      try {
        // kept open while the lock is held: closing it would release the lock (class comment)
        reader = FileChannel.open(f, StandardOpenOption.READ);
      } catch (NoSuchFileException e) {
        reader = null;
      }
      if (reader == null || !contains(readAll(reader), token)) {
        l.release();
        ch.close();
        if (reader != null) {
          reader.close(); // another file than the one locked: its close releases nothing of ours
        }
        return null;
      }
      Object key = Files.readAttributes(f, BasicFileAttributes.class).fileKey();
      return new Held(f, shared, ch, reader, l, key);
    } catch (IOException | RuntimeException | Error e) {
      ch.close(); // releases the lock
      if (reader != null) {
        reader.close();
      }
      throw e;
    }
  }

  private static IOException refused(Path out, Path f, String holders) {
    return new IOException(
        "another jcolz pack is writing "
            + out
            + " ("
            + (holders.isEmpty() ? "" : holders + "; ")
            + "it holds "
            + f
            + ")");
  }

  /**
   * "pid N" (or "pids N, M") of the live processes named in a lock file, or "". Shared holders
   * append their lines and never remove them, so a line may name a shard run that has ended: dead
   * pids are left out (a reused pid may still be named).
   */
  private static String holders(FileChannel ch) {
    Set<Long> pids = new LinkedHashSet<>();
    try {
      for (String line : new String(readAll(ch), StandardCharsets.US_ASCII).split("\n")) {
        String[] f = line.trim().split(" ");
        try {
          long pid = Long.parseLong(f[0]);
          // not this process: it would hold the file in HELD, so a line of its own is stale
          if (pid != ProcessHandle.current().pid()
              && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            pids.add(pid);
          }
        } catch (NumberFormatException e) {
          // not a token line
        }
      }
    } catch (IOException e) {
      return "";
    }
    if (pids.isEmpty()) {
      return "";
    }
    List<String> s = pids.stream().map(String::valueOf).toList();
    return (s.size() == 1 ? "pid " : "pids ") + String.join(", ", s);
  }

  private static byte[] readAll(FileChannel ch) throws IOException {
    long n = Math.min(ch.size(), 1 << 20);
    ByteBuffer b = ByteBuffer.allocate((int) n);
    while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
      // fill
    }
    return Arrays.copyOf(b.array(), b.position());
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
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
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(abs.getParent(), SiblingLayout.siblingGlob(name))) {
      for (Path p : ds) {
        SiblingLayout.Kind kind = SiblingLayout.kindOf(name, p.getFileName().toString());
        if (kind == SiblingLayout.Kind.TEMPORARY || kind == SiblingLayout.Kind.LABEL_MAP) {
          FileTrees.deleteRecursively(p);
          lines.add("removed " + p + ", left by an interrupted pack");
        } else if (kind == SiblingLayout.Kind.OLD) {
          if (exists) {
            FileTrees.deleteRecursively(p);
            lines.add("removed " + p + ", left by an interrupted overwrite");
          } else {
            lines.add(
                "kept "
                    + p
                    + ": the previous dataset, left by an overwrite that was interrupted; move it"
                    + " back or delete it");
          }
        }
      }
    }
    return lines;
  }

  /**
   * Releases the locks. An exclusive holder deletes its lock file first, then releases (see the
   * class comment: a pack that opened the file before the deletion finds, once it has the lock,
   * that the path no longer shows its token, and retries on the path). Shared holders leave the
   * file to the next exclusive holder.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    IOException first = null;
    for (int i = held.size() - 1; i >= 0; i--) {
      try {
        release(held.get(i));
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static void release(Held h) throws IOException {
    synchronized (HELD) {
      if (--h.holders > 0) {
        return;
      }
      HELD.remove(h.file);
      try {
        if (!h.shared) {
          Object now;
          try {
            BasicFileAttributes a = Files.readAttributes(h.file, BasicFileAttributes.class);
            now = a.fileKey() == null ? Boolean.TRUE : a.fileKey();
          } catch (NoSuchFileException e) {
            now = null;
          }
          // a stat opens no descriptor; not if someone removed it and another pack made a new one
          if (now != null && (h.fileKey == null || Objects.equals(now, h.fileKey))) {
            Files.deleteIfExists(h.file);
          }
        }
      } finally {
        try {
          h.lock.release();
        } finally {
          try {
            h.channel.close();
          } finally {
            h.reader.close();
          }
        }
      }
    }
  }
}
