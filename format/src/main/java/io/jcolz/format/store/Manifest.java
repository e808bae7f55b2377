package io.jcolz.format.store;

import io.jcolz.format.schema.Schema;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Everything a reader needs to know before touching a column file: the dataset id, row count,
 * schema, label vocabulary, free-form metadata, per-column file facts, and the key index's size and
 * checksum. Stored as JSON inside {@code manifest.jcm} (see {@link ManifestFile}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param datasetId written into every file's header; ties the files of one dataset together
 * @param rows row count, equal in every column
 * @param schema columns, key column, label column
 * @param labels label vocabulary: index → name (may be empty)
 * @param metadata free-form string pairs (the pack tool records its settings here)
 * @param columns one entry per schema column, same order
 * @param keyIndex the key index, or null when the schema has no key column
 * @param created ISO-8601 instant of the commit
 * @param createdBy software that wrote the dataset
 */
public record Manifest(
    UUID datasetId,
    long rows,
    Schema schema,
    List<String> labels,
    Map<String, String> metadata,
    List<ColumnEntry> columns,
    KeyIndexEntry keyIndex,
    String created,
    String createdBy) {

  /** Canonical constructor: defensive copies. */
  public Manifest {
    labels = List.copyOf(labels);
    metadata = Map.copyOf(metadata);
    columns = List.copyOf(columns);
  }

  /**
   * Facts about one column file.
   *
   * @param file path relative to the dataset directory: {@code columns/NAME.col}
   * @param fileBytes exact size of the file
   * @param chunks number of chunks
   * @param compressedBytes sum of compressed chunk sizes
   * @param uncompressedBytes sum of decompressed chunk sizes
   */
  public record ColumnEntry(
      String file, long fileBytes, long chunks, long compressedBytes, long uncompressedBytes) {}

  /**
   * Facts about the key index file.
   *
   * @param file path relative to the dataset directory: {@code keys.cmap}
   * @param column the indexed string column
   * @param entries number of keys (= rows)
   * @param fileBytes exact size of the file
   * @param crc32c CRC32C of the whole file
   */
  public record KeyIndexEntry(
      String file, String column, long entries, long fileBytes, int crc32c) {}
}
