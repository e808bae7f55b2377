package io.jcolz.format.store;

import io.jcolz.format.schema.Schema;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The manifest of a collection (format version 2): the ordered parts, each a complete version-1
 * dataset under {@code parts/NAME}, with the facts that tie each part to the collection; plus the
 * schema, label vocabulary and metadata every part shares. Stored as JSON inside {@code
 * collection.jcm} (see {@link CollectionManifestFile}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param collectionId the collection's id (in the header of collection.jcm; each part has its own)
 * @param rows Σ rows of the parts; row r of the collection is row r − offset(p) of part p
 * @param schema the schema of every part
 * @param labels the label vocabulary of every part
 * @param metadata free-form string pairs (the pack tool records its settings here)
 * @param parts the parts in row order
 * @param created ISO-8601 instant of the commit
 * @param createdBy software that wrote the collection manifest
 */
public record CollectionManifest(
    UUID collectionId,
    long rows,
    Schema schema,
    List<String> labels,
    Map<String, String> metadata,
    List<PartEntry> parts,
    String created,
    String createdBy) {

  /** Canonical constructor: defensive copies and the row-count rule. */
  public CollectionManifest {
    labels = List.copyOf(labels);
    metadata = Map.copyOf(metadata);
    parts = List.copyOf(parts);
    long sum = 0;
    for (PartEntry p : parts) {
      sum += p.rows();
    }
    if (sum != rows) {
      throw new IllegalArgumentException("rows " + rows + " differs from the parts' sum " + sum);
    }
  }

  /**
   * One part as the collection knows it.
   *
   * @param name the part's directory name under {@code parts/}
   * @param rows the part's row count
   * @param datasetId the part's dataset id (in every file of the part)
   * @param manifestBytes the exact size of the part's {@code manifest.jcm}
   * @param manifestCrc32c the CRC32C stored in the last 4 bytes of the part's {@code manifest.jcm}
   *     (it covers every byte before it, so it identifies the manifest's content)
   * @param keyMin the smallest key of the part in UTF-8 byte order, or null (no key column, or no
   *     rows)
   * @param keyMax the largest key, or null
   */
  public record PartEntry(
      String name,
      long rows,
      UUID datasetId,
      long manifestBytes,
      int manifestCrc32c,
      String keyMin,
      String keyMax) {
    /** Whether {@code key} can be in this part (between keyMin and keyMax, UTF-8 byte order). */
    public boolean mayHold(String key) {
      return keyMin != null && compareKeys(keyMin, key) <= 0 && compareKeys(key, keyMax) <= 0;
    }
  }

  /** Compares keys as their UTF-8 bytes, unsigned, lexicographically (the order of key ranges). */
  public static int compareKeys(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
