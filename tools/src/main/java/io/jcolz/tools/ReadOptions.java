package io.jcolz.tools;

import io.jcolz.loader.read.ReadAhead;
import io.jcolz.loader.read.ReadSettings;
import picocli.CommandLine.Option;

/**
 * How a command's loader reads chunks off the disk (a picocli mixin shared by {@code bench}, {@code
 * train}, {@code eval}, {@code predict} and {@code embed}): {@code --read-mode} and {@code
 * --read-ahead}. Not thread-safe; filled by picocli.
 */
public final class ReadOptions {
  @Option(
      names = "--read-mode",
      paramLabel = "MODE",
      description =
          "how the loader reads compressed chunks: auto, map, populate, pread or direct (default:"
              + " auto = direct when the columns read are larger than half the memory this process"
              + " may use, page cache included; else map)")
  String mode = "auto";

  @Option(
      names = "--read-ahead",
      paramLabel = "N",
      description =
          "chunks the loader reads ahead of their decode at most, on separate I/O threads (0 = off;"
              + " default: 3 per worker)")
  Integer readAhead;

  /**
   * The settings the flags give.
   *
   * @throws Main.UsageException naming the flag, for a value out of range
   */
  ReadSettings settings() {
    if (readAhead != null) {
      Knobs.range("--read-ahead", readAhead, 0, ReadAhead.MAX_DEPTH);
    }
    try {
      return ReadSettings.parse(mode, readAhead);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException("--read-mode: " + e.getMessage());
    }
  }
}
