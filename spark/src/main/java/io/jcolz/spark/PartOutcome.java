package io.jcolz.spark;

import io.jcolz.format.store.CollectionManifest;
import java.io.Serializable;
import java.util.UUID;

/**
 * What a task reports to the driver for its part. Immutable.
 *
 * @param position the part's position in the plan
 * @param rows rows of the committed part
 * @param bytesIn bytes of image files this attempt read (0 when the part was already there)
 * @param kept whether the part was already committed (by an earlier run or another attempt)
 * @param seconds wall time of the task
 * @param packSeconds of which the packer library's own time (0 when the part was already there)
 * @param entry with an output on another file system than the local one: the committed part's entry
 *     in the collection manifest (described by the task, which has the part's keys at hand); else
 *     null
 */
public record PartOutcome(
    int position,
    long rows,
    long bytesIn,
    boolean kept,
    double seconds,
    double packSeconds,
    Entry entry)
    implements Serializable {

  /**
   * A serializable {@link CollectionManifest.PartEntry}.
   *
   * @param name the part's name
   * @param rows its rows
   * @param datasetId its dataset id
   * @param manifestBytes the size of its manifest
   * @param manifestCrc32c its manifest's stored CRC32C
   * @param keyMin the smallest key, or null
   * @param keyMax the largest key, or null
   */
  public record Entry(
      String name,
      long rows,
      String datasetId,
      long manifestBytes,
      int manifestCrc32c,
      String keyMin,
      String keyMax)
      implements Serializable {
    static Entry of(CollectionManifest.PartEntry e) {
      return new Entry(
          e.name(),
          e.rows(),
          e.datasetId().toString(),
          e.manifestBytes(),
          e.manifestCrc32c(),
          e.keyMin(),
          e.keyMax());
    }

    CollectionManifest.PartEntry entry() {
      return new CollectionManifest.PartEntry(
          name, rows, UUID.fromString(datasetId), manifestBytes, manifestCrc32c, keyMin, keyMax);
    }
  }
}
