package io.jcolz.tools.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Drops the Linux page cache ({@code sync; echo 3 > /proc/sys/vm/drop_caches}) so the next read
 * comes from the disk. Needs root; where it is not allowed, says why instead. Thread-safe.
 */
final class PageCache {
  private PageCache() {}

  /** Drops the cache; returns null on success, else the reason it could not. */
  static String drop() {
    Path knob = Path.of("/proc/sys/vm/drop_caches");
    if (!Files.exists(knob)) {
      return "no " + knob + " (not Linux)";
    }
    try {
      Process sync = new ProcessBuilder("sync").inheritIO().start();
      sync.waitFor();
      Files.writeString(knob, "3\n");
      return null;
    } catch (IOException e) {
      return "cannot write " + knob + " (" + e.getMessage() + "; needs root)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
