package io.jcolz.format;

import java.util.List;

/**
 * What {@link Dataset#verify} found: every problem with its location, and how much was checked.
 *
 * <p>Immutable and thread-safe.
 *
 * @param problems one entry per bad chunk or file, in file order
 * @param chunksChecked chunks whose checksum, decompression and structure were checked
 * @param bytesChecked compressed bytes read
 * @param keysChecked keys looked up in the key index and found at their row
 */
public record VerifyReport(
    List<Problem> problems, long chunksChecked, long bytesChecked, long keysChecked) {
  /** Canonical constructor: defensive copy. */
  public VerifyReport {
    problems = List.copyOf(problems);
  }

  /** True when nothing is wrong. */
  public boolean ok() {
    return problems.isEmpty();
  }

  /**
   * One problem.
   *
   * @param file path of the damaged file
   * @param column column name, or null for files that are not columns
   * @param chunk chunk number, or -1
   * @param offset byte offset in the file, or -1
   * @param message what is wrong, in the words of the {@link CorruptDatasetException}
   */
  public record Problem(String file, String column, long chunk, long offset, String message) {}
}
