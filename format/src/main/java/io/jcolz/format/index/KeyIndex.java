package io.jcolz.format.index;

import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.store.Checksums;
import io.jcolz.format.store.Manifest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * The persisted key → row Chronicle Map of an open dataset, opened on first use.
 *
 * <p>Chronicle Map trusts its file: a damaged one could make it read wild offsets. So before the
 * map is opened, the file's size and CRC32C are checked against the manifest, once per open
 * dataset. (Reads do not change the file: Chronicle's lock words return to their resting values.)
 *
 * <p>Thread-safe.
 */
public final class KeyIndex implements AutoCloseable {
  static {
    ChronicleSupport.disableAnalytics();
  }

  private final Path file;
  private final Manifest.KeyIndexEntry entry;
  private ChronicleMap<CharSequence, Long> map;
  private boolean closed;

  /** A key index over {@code file}, described by the manifest's {@code entry}. */
  public KeyIndex(Path file, Manifest.KeyIndexEntry entry) {
    this.file = file;
    this.entry = entry;
  }

  /**
   * Checks the file's presence and size against the manifest (cheap; done when a dataset opens).
   */
  public void checkSize() throws IOException {
    long size;
    try {
      size = Files.size(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw CorruptDatasetException.at(file, "key index file is missing");
    }
    if (size != entry.fileBytes()) {
      throw CorruptDatasetException.at(
          file,
          "key index is "
              + size
              + " bytes, the manifest says "
              + entry.fileBytes()
              + (size < entry.fileBytes() ? " (file truncated?)" : " (file extended?)"));
    }
  }

  /** Checks size and whole-file CRC32C against the manifest. */
  public void checkIntegrity() throws IOException {
    checkSize();
    int crc;
    try (Arena arena = Arena.ofConfined();
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
      crc = Checksums.crc32c(seg);
    }
    if (crc != entry.crc32c()) {
      throw CorruptDatasetException.at(
          file,
          "key index checksum mismatch: stored 0x"
              + Integer.toHexString(entry.crc32c())
              + ", computed 0x"
              + Integer.toHexString(crc));
    }
  }

  private synchronized ChronicleMap<CharSequence, Long> map() throws IOException {
    if (closed) {
      throw new IllegalStateException("dataset is closed");
    }
    if (map == null) {
      checkIntegrity();
      try {
        map =
            ChronicleMap.of(CharSequence.class, Long.class)
                .name("jcolz-keys")
                .entries(Math.max(1024, entry.entries()))
                .averageKeySize(16)
                .createPersistedTo(file.toFile());
      } catch (LinkageError | IllegalStateException e) {
        throw ChronicleSupport.startupFailure(e);
      } catch (IOException e) {
        throw new IOException(
            file
                + ": cannot open the key index (Chronicle Map maps it read-write for its locks): "
                + e.getMessage(),
            e);
      }
      if (map.longSize() != entry.entries()) {
        long n = map.longSize();
        map.close();
        map = null;
        throw CorruptDatasetException.at(
            file, "key index holds " + n + " keys, the manifest says " + entry.entries());
      }
    }
    return map;
  }

  /** The row stored for {@code key}; empty when absent. The caller verifies the row's key. */
  public OptionalLong get(String key) throws IOException {
    Long row = map().get(key);
    return row == null ? OptionalLong.empty() : OptionalLong.of(row);
  }

  /** Number of keys, from the manifest. */
  public long size() {
    return entry.entries();
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (map != null) {
      map.close();
      map = null;
    }
  }
}
