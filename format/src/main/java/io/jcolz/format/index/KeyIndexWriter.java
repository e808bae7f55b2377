package io.jcolz.format.index;

import java.io.IOException;
import java.nio.file.Path;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * Builds the persisted key → row Chronicle Map of a dataset being written.
 *
 * <p>Chronicle Map needs its size up front: it is created for {@code expectedEntries} keys of
 * {@code averageKeyBytes} and may grow to {@link #MAX_BLOAT}× that. The dataset writer rebuilds the
 * map at its exact size on commit when the guess was far off.
 *
 * <p>Thread-safe (Chronicle Map is a concurrent map).
 */
public final class KeyIndexWriter implements AutoCloseable {
  /** How far past its configured size the map may grow before puts fail. */
  public static final double MAX_BLOAT = 50.0;

  static {
    ChronicleSupport.disableAnalytics();
  }

  private final ChronicleMap<CharSequence, Long> map;
  private final long expectedEntries;

  /** Creates the map file {@code file}, which must not exist. */
  public KeyIndexWriter(Path file, long expectedEntries, double averageKeyBytes)
      throws IOException {
    this.expectedEntries = Math.max(1024, expectedEntries);
    try {
      this.map =
          ChronicleMap.of(CharSequence.class, Long.class)
              .name("jcolz-keys")
              .entries(this.expectedEntries)
              .averageKeySize(Math.max(8, averageKeyBytes))
              .maxBloatFactor(MAX_BLOAT)
              .createPersistedTo(file.toFile());
    } catch (LinkageError | IllegalStateException e) {
      throw ChronicleSupport.startupFailure(e);
    }
  }

  /** The size the map was created for. */
  public long expectedEntries() {
    return expectedEntries;
  }

  /**
   * Maps {@code key} to {@code row} unless the key is present.
   *
   * @return -1 when added, else the row that already holds the key
   */
  public long putIfAbsent(String key, long row) throws IOException {
    try {
      Long prev = map.putIfAbsent(key, row);
      return prev == null ? -1 : prev;
    } catch (IllegalStateException e) {
      throw new IOException(
          "key index is full (created for " + expectedEntries + " keys): " + e.getMessage(), e);
    }
  }

  /** Removes a key added for a row that was then rejected. */
  public void remove(String key) {
    map.remove(key);
  }

  /** Number of keys. */
  public long size() {
    return map.longSize();
  }

  /** Closes the map; its file is complete on disk afterwards. */
  @Override
  public void close() {
    map.close();
  }
}
