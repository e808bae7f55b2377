package io.jcolz.format.store;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Tells the kernel that a range of a read-only file mapping will not be read again soon ({@code
 * madvise(MADV_DONTNEED)} on Linux): the pages leave the process's resident set and stay in the
 * page cache, so a later read costs a minor fault, not disk I/O. Streaming a dataset larger than
 * memory through its mappings otherwise leaves every page read counted in the process's RSS
 * (file-backed, reclaimable, but alarming to users and to container memory accounting).
 *
 * <p>Only for shared read-only file mappings (what {@link java.nio.channels.FileChannel#map} with
 * READ_ONLY makes): on those, MADV_DONTNEED drops page-table entries and never changes what a later
 * read sees. The caller must hold the mapping open for the duration of the call (the dataset's read
 * guard), or the range could belong to another mapping by then. A no-op where {@code madvise} is
 * unavailable (not Linux) or the call fails.
 *
 * <p>Thread-safe (stateless).
 */
public final class MappedPages {
  private static final long PAGE = 4096;
  private static final int MADV_DONTNEED = 4; // Linux
  private static final int MADV_WILLNEED = 3; // Linux
  private static final int MADV_POPULATE_READ = 22; // Linux 5.14+
  private static volatile boolean populateReadWorks = true;
  private static final MethodHandle MADVISE = lookup();

  private MappedPages() {}

  private static MethodHandle lookup() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return null;
    }
    try {
      Linker linker = Linker.nativeLinker();
      return linker
          .defaultLookup()
          .find("madvise")
          .map(
              addr ->
                  linker.downcallHandle(
                      addr,
                      FunctionDescriptor.of(
                          ValueLayout.JAVA_INT,
                          ValueLayout.ADDRESS,
                          ValueLayout.JAVA_LONG,
                          ValueLayout.JAVA_INT)))
          .orElse(null);
    } catch (RuntimeException | LinkageError e) { // native access refused, or no such symbol
      return null;
    }
  }

  /** True when {@link #release} does something on this platform. */
  public static boolean supported() {
    return MADVISE != null;
  }

  /**
   * Prefaults the pages of {@code mapped} (a slice of a read-only file mapping) before they are
   * read: {@code madvise(MADV_POPULATE_READ)}, which reads them in and maps them in one call, or,
   * where the kernel lacks it (before 5.14), {@code MADV_WILLNEED}, which starts reading them
   * ahead. The caller holds the mapping open for the call. A no-op where madvise is unavailable.
   */
  public static void populate(MemorySegment mapped) {
    if (populateReadWorks) {
      if (advise(mapped, MADV_POPULATE_READ) != -1) {
        return;
      }
      populateReadWorks = MADVISE == null; // EINVAL: an older kernel; fall back for good
    }
    advise(mapped, MADV_WILLNEED);
  }

  /**
   * Asks the kernel to read the pages of {@code mapped} (a slice of a read-only file mapping) into
   * the page cache in the background ({@code madvise(MADV_WILLNEED)}); returns without waiting for
   * them and maps nothing. The caller holds the mapping open for the call. A no-op where madvise is
   * unavailable.
   */
  public static void willNeed(MemorySegment mapped) {
    advise(mapped, MADV_WILLNEED);
  }

  /**
   * Drops the resident pages of {@code mapped} (a slice of a file mapping whose base is
   * page-aligned, as every mapping is): the range is widened to whole pages, which stay inside the
   * same mapping.
   */
  public static void release(MemorySegment mapped) {
    advise(mapped, MADV_DONTNEED);
  }

  /**
   * {@code madvise(advice)} over the whole pages of {@code mapped}: its result (0 or -1), or -2
   * when nothing was called (no madvise, an empty or heap segment) — never a failure of the read
   * that asked for it.
   */
  private static int advise(MemorySegment mapped, int advice) {
    if (MADVISE == null || mapped.byteSize() == 0 || !mapped.isNative()) {
      return -2;
    }
    long start = mapped.address() & -PAGE;
    long end = (mapped.address() + mapped.byteSize() + PAGE - 1) & -PAGE;
    try {
      return (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, advice);
    } catch (Throwable t) {
      return -2;
    }
  }
}
