package io.jcolz.loader.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What this process may use and has used, read from Linux's {@code /proc} and the process's memory
 * cgroup: the memory limit (page cache included), the bytes read from storage, and the resident
 * set. Every reading is -1 where the file is absent (not Linux) or cannot be read.
 *
 * <p>Thread-safe: stateless; each call reads the files afresh.
 */
public final class ProcessResources {
  private ProcessResources() {}

  /**
   * The memory this process may use, page cache included: the smaller of the machine's ({@code
   * MemTotal}) and its memory cgroup's limit, the groups above it included (v1: {@code
   * hierarchical_memory_limit} of {@code memory.stat}, else {@code memory.limit_in_bytes}; v2: the
   * smallest {@code memory.max} from the process's group up to the root).
   *
   * @return bytes, or -1 where neither can be read
   */
  public static long memoryLimitBytes() {
    long limit = Long.MAX_VALUE;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          limit = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
        String[] f = line.split(":", 3);
        if (f.length < 3) {
          continue;
        }
        if (Arrays.asList(f[1].split(",")).contains("memory")) {
          Path group = Path.of("/sys/fs/cgroup/memory" + f[2]);
          long v = field(group.resolve("memory.stat"), "hierarchical_memory_limit ", 1);
          if (v < 0) {
            v = number(group.resolve("memory.limit_in_bytes"));
          }
          limit = v > 0 ? Math.min(limit, v) : limit;
        } else if (f[0].equals("0") && f[1].isEmpty()) {
          Path root = Path.of("/sys/fs/cgroup");
          for (Path g = Path.of("/sys/fs/cgroup" + f[2]);
              g != null && g.startsWith(root);
              g = g.getParent()) {
            long v = number(g.resolve("memory.max"));
            limit = v > 0 ? Math.min(limit, v) : limit;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: what was read so far
    }
    return limit == Long.MAX_VALUE ? -1 : limit;
  }

  /** The number a cgroup file holds; -1 for "max", or where it is absent or unreadable. */
  private static long number(Path file) {
    try {
      String v = Files.readString(file).trim();
      return v.equals("max") ? -1 : Long.parseLong(v);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Bytes this process has caused to be read from storage so far ({@code read_bytes} of {@code
   * /proc/self/io}): reads served by the page cache do not count, {@code O_DIRECT} reads and page
   * faults on a mapping do.
   *
   * @return bytes, or -1 where unknown
   */
  public static long storageReadBytes() {
    return field(Path.of("/proc/self/io"), "read_bytes:", 1);
  }

  /**
   * The process's resident anonymous memory now ({@code RssAnon} of {@code /proc/self/status}): the
   * Java heap as committed and touched, off-heap allocations, the JVM's own; not the pages of
   * mapped files, which are page cache.
   *
   * @return bytes, or -1 where unknown
   */
  public static long residentAnonymousBytes() {
    return field(Path.of("/proc/self/status"), "RssAnon:", 1024);
  }

  /**
   * The process's peak resident set so far ({@code VmHWM} of {@code /proc/self/status}), mapped
   * file pages included.
   *
   * @return bytes, or -1 where unknown
   */
  public static long peakResidentBytes() {
    return field(Path.of("/proc/self/status"), "VmHWM:", 1024);
  }

  /** The number after {@code key} on its line of {@code file}, times {@code unit}; -1 if none. */
  private static long field(Path file, String key, long unit) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).replaceAll("[^0-9]", "")) * unit;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not allowed
    }
    return -1;
  }
}
