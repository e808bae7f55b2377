package io.jcolz.format.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Whether the file system under a test takes {@code O_DIRECT}. Thread-safe (stateless). */
public final class DirectIo {
  private DirectIo() {}

  /**
   * Whether {@code file} opens with {@code O_DIRECT} (tmpfs before Linux 6.6, and some other file
   * systems, refuse it): tests of the direct read mode skip or expect a refusal where it does not.
   */
  public static boolean opens(Path file) {
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
