package io.jcolz.format;

import io.jcolz.format.column.ChunkView;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.CollectionManifestFile;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.ManifestFile;
import io.jcolz.format.store.SiblingLayout;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Commits a collection (format version 2): describes committed parts and writes {@code
 * collection.jcm}. The parts are ordinary datasets, each committed on its own by {@link
 * DatasetWriter} under {@code parts/NAME} and never changed afterwards; the collection manifest is
 * written last into a hidden temporary file, forced to disk and renamed onto {@code collection.jcm}
 * in one atomic step, replacing the previous one (an append). A reader that opened the previous
 * manifest keeps its parts mapped and reads on unchanged; a reader that opens after the rename sees
 * the new list; nobody sees a half-written one.
 *
 * <p>Stateless and thread-safe; callers make sure only one process commits a given collection at a
 * time (the pack tool holds its lock).
 */
public final class CollectionWriter {
  private CollectionWriter() {}

  /**
   * Describes the committed part in {@code parts/NAME} of {@code dir} for a collection manifest:
   * row count, dataset id, its manifest's size and stored checksum, and its key range (read from
   * the key column).
   */
  public static CollectionManifest.PartEntry describePart(Path dir, String name)
      throws IOException {
    Path partDir = DatasetLayout.part(dir, name);
    ManifestFile.Checked c = ManifestFile.readChecked(DatasetLayout.manifest(partDir));
    String min = null;
    String max = null;
    try (Dataset part = Dataset.open(partDir)) {
      String keyColumn = part.schema().keyColumn().orElse(null);
      if (keyColumn != null && part.rowCount() > 0) {
        Column keys = part.column(keyColumn);
        try (ChunkDecoder d = part.newDecoder()) {
          for (int k = 0; k < keys.chunkCount(); k++) {
            ChunkView v = d.decode(keys, k);
            for (int i = 0; i < v.rowCount(); i++) {
              String key = v.string(i);
              if (min == null || CollectionManifest.compareKeys(key, min) < 0) {
                min = key;
              }
              if (max == null || CollectionManifest.compareKeys(key, max) > 0) {
                max = key;
              }
            }
          }
        }
      }
    }
    return new CollectionManifest.PartEntry(
        name, c.manifest().rows(), c.manifest().datasetId(), c.bytes(), c.crc32c(), min, max);
  }

  /**
   * Writes {@code dir/collection.jcm} listing {@code parts} in order, after checking that every
   * part opens and matches its entry, the schema and the labels (so a bad part is refused before
   * anything is committed).
   *
   * @param collectionId the collection's id (kept across appends)
   * @param schema the schema every part has (codec, level and chunking may differ)
   * @param labels the vocabulary every part has
   * @return the committed manifest
   */
  public static CollectionManifest commit(
      Path dir,
      UUID collectionId,
      Schema schema,
      List<String> labels,
      Map<String, String> metadata,
      List<CollectionManifest.PartEntry> parts,
      String createdBy)
      throws IOException {
    long rows = 0;
    for (CollectionManifest.PartEntry p : parts) {
      rows += p.rows();
    }
    CollectionManifest m =
        new CollectionManifest(
            collectionId,
            rows,
            schema,
            labels,
            metadata,
            parts,
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
            createdBy);
    return commit(dir, m);
  }

  /**
   * Writes {@code m} as the collection manifest of {@code dir} (atomically, by rename) once every
   * part it lists is present and consistent.
   *
   * @return {@code m}
   * @throws IOException a part is missing or inconsistent, or the manifest cannot be written
   */
  public static CollectionManifest commit(Path dir, CollectionManifest m) throws IOException {
    Dataset.openCollection(dir, m, true).close(); // every part present and consistent
    Path target = DatasetLayout.collectionManifest(dir);
    Path tmp = SiblingLayout.temporary(target);
    try {
      CollectionManifestFile.write(tmp, m);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
    return m;
  }
}
