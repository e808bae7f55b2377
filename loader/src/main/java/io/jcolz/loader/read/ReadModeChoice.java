package io.jcolz.loader.read;

import io.jcolz.format.Column;
import io.jcolz.format.store.ChunkReader;
import io.jcolz.format.store.ColumnFile;
import io.jcolz.format.store.ReadMode;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The {@link ReadMode} a loader reads in, and why: the one asked for, or the automatic choice.
 *
 * <p>The automatic choice: when the bytes of the columns the loader reads exceed half the memory
 * this process may use ({@link ProcessResources#memoryLimitBytes()}, page cache included: the other
 * half is for the process itself), the data is <em>out of core</em> and an epoch must come from
 * storage, so chunks are read with {@link ReadMode#DIRECT} ({@code O_DIRECT}: no page faults, no
 * page cache churn; measured out of core at 0.88 to 0.99 of the hot-cache mapped rate (0.96 to 1.02
 * per core), against 0.76 to 0.96 (per core 0.82 to 0.94) for mapped reads; BENCHMARKS.md "Out of
 * core"). Before it is chosen, the first chunk of each column is read that way; where the file
 * system refuses {@code O_DIRECT}, the choice falls back to {@link ReadMode#MAP}. Otherwise (the
 * data fits, or the limit is unknown) {@link ReadMode#MAP}: the page cache keeps the chunks after
 * the first epoch.
 *
 * <p>Thread-safety: immutable.
 *
 * @param mode the mode to read in
 * @param reason why, in words (for logs and {@code --json} output)
 * @param outOfCore whether the bytes of the columns read exceed half the memory limit (false when
 *     the limit is unknown)
 */
public record ReadModeChoice(ReadMode mode, String reason, boolean outOfCore) {
  /**
   * The mode for a loader reading {@code columns}.
   *
   * @param requested the mode asked for, or null for the automatic choice
   * @param columns the columns the loader reads
   * @return the choice
   */
  public static ReadModeChoice of(ReadMode requested, List<Column> columns) {
    long bytes = 0;
    for (Column c : columns) {
      bytes += c.fileBytes();
    }
    long limit = ProcessResources.memoryLimitBytes();
    if (requested != null) {
      return new ReadModeChoice(requested, "asked for", outOfCore(bytes, limit));
    }
    return decide(bytes, limit, () -> directProbe(columns));
  }

  /** Whether {@code bytes} read per epoch exceed half of {@code limitBytes} (known). */
  private static boolean outOfCore(long bytes, long limitBytes) {
    return limitBytes > 0 && bytes > limitBytes / 2;
  }

  /** Says why {@code O_DIRECT} reads of the columns cannot work, or null when they can. */
  @FunctionalInterface
  interface DirectProbe {
    String failure();
  }

  /**
   * The automatic choice for {@code bytes} read per epoch under a limit of {@code limitBytes} (-1:
   * unknown); {@code probe} is asked only when the data is out of core.
   */
  static ReadModeChoice decide(long bytes, long limitBytes, DirectProbe probe) {
    if (limitBytes <= 0) {
      return new ReadModeChoice(
          ReadMode.MAP, "auto: the memory limit is unknown, mapped reads", false);
    }
    String sizes = gib(bytes) + " read per epoch, " + gib(limitBytes) + " memory limit";
    if (!outOfCore(bytes, limitBytes)) {
      return new ReadModeChoice(
          ReadMode.MAP, "auto: " + sizes + ": the page cache can keep them, mapped reads", false);
    }
    String failure = probe.failure();
    if (failure != null) {
      return new ReadModeChoice(
          ReadMode.MAP,
          "auto: " + sizes + ": out of core, but " + failure + ": mapped reads",
          true);
    }
    return new ReadModeChoice(
        ReadMode.DIRECT, "auto: " + sizes + ": out of core, direct reads", true);
  }

  /**
   * This automatic choice, with mapped reads instead of direct ones because of {@code why} (the
   * loader's off-heap budget, for one).
   *
   * @param why what rules direct reads out, in words
   * @return the choice of {@link ReadMode#MAP}, the reason saying why
   */
  public ReadModeChoice mappedInstead(String why) {
    return new ReadModeChoice(
        ReadMode.MAP,
        reason.replaceFirst(", direct reads$", "") + ", but " + why + ": mapped reads",
        outOfCore);
  }

  /**
   * Reads the first chunk of each column with {@code O_DIRECT}, as a worker would; says why that
   * failed, or returns null.
   */
  static String directProbe(List<Column> columns) {
    try (ChunkReader reader = new ChunkReader(ReadMode.DIRECT)) {
      for (Column c : columns) {
        if (c.chunkCount() == 0) {
          continue;
        }
        ColumnFile f = c.file(0);
        try {
          reader.read(f, c.chunkInFile(0));
        } catch (IOException | RuntimeException e) {
          return "O_DIRECT reads fail (" + e.getMessage() + ")";
        }
      }
    }
    return null;
  }

  private static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
  }
}
