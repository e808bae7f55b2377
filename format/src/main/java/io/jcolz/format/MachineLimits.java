package io.jcolz.format;

import java.lang.management.ManagementFactory;

/**
 * What this machine allows the knobs of jcolz to ask for, shared by the packer, the loader and the
 * command line so that every one refuses the same values: threads (packer threads, loader workers)
 * at most {@value #THREADS_PER_CORE} per core and never fewer than {@value #MIN_THREAD_LIMIT}
 * allowed; off-heap memory bounds within the machine's physical memory (the container's limit where
 * there is one).
 *
 * <p>Stateless and thread-safe.
 */
public final class MachineLimits {
  /** Threads allowed per core: more only add contention (and memory, one buffer each). */
  public static final int THREADS_PER_CORE = 8;

  /** The thread limit is never below this, however few the cores. */
  public static final int MIN_THREAD_LIMIT = 64;

  private MachineLimits() {}

  /** The most threads a pack or a loader may start. */
  public static int maxThreads() {
    return Math.max(
        MIN_THREAD_LIMIT, THREADS_PER_CORE * Runtime.getRuntime().availableProcessors());
  }

  /**
   * A thread count check: {@code null} when {@code n} is allowed, else the one-line reason naming
   * {@code what}.
   */
  public static String checkThreads(String what, long n) {
    if (n < 1) {
      return what + " must be at least 1, got " + n;
    }
    int max = maxThreads();
    if (n > max) {
      return what
          + " "
          + n
          + " is more than this machine allows ("
          + max
          + ": "
          + THREADS_PER_CORE
          + " per core, at least "
          + MIN_THREAD_LIMIT
          + ")";
    }
    return null;
  }

  /**
   * The machine's physical memory in bytes (a container's limit where the JVM sees one), or {@code
   * Long.MAX_VALUE} when it cannot be read.
   */
  public static long memoryBytes() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      long m = os.getTotalMemorySize();
      if (m > 0) {
        return m;
      }
    }
    return Long.MAX_VALUE;
  }

  /**
   * The most off-heap memory one loader or pack may bind: three quarters of {@link #memoryBytes}.
   */
  public static long offHeapLimit() {
    long m = memoryBytes();
    return m == Long.MAX_VALUE ? m : m / 4 * 3;
  }
}
