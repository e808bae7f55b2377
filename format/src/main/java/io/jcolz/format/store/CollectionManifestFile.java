package io.jcolz.format.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.schema.Schema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Reads and writes {@code collection.jcm}: the common header (kind {@code CLCT}, version 2), the
 * collection manifest as UTF-8 JSON, and the same 16-byte footer as {@code manifest.jcm}.
 *
 * <p>Stateless and thread-safe.
 */
public final class CollectionManifestFile {
  /** A part name: a safe file name, as column names are. */
  static final Pattern PART_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private CollectionManifestFile() {}

  /** The collection manifest as a JSON tree (also what {@code jcolz info --json} prints). */
  public static ObjectNode toTree(CollectionManifest m) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "jcolz-collection");
    root.put("collection_id", m.collectionId().toString());
    root.put("created", m.created());
    root.put("created_by", m.createdBy());
    root.put("rows", m.rows());
    ManifestFile.putSchema(root, m.schema());
    ArrayNode parts = root.putArray("parts");
    for (CollectionManifest.PartEntry p : m.parts()) {
      ObjectNode o = parts.addObject();
      o.put("name", p.name());
      o.put("rows", p.rows());
      o.put("dataset_id", p.datasetId().toString());
      o.put("manifest_bytes", p.manifestBytes());
      o.put("manifest_crc32c", String.format("%08x", p.manifestCrc32c()));
      if (p.keyMin() != null) {
        o.put("key_min", p.keyMin());
        o.put("key_max", p.keyMax());
      }
    }
    ManifestFile.putMetadataAndLabels(root, m.metadata(), m.labels());
    return root;
  }

  /**
   * Writes {@code m} to {@code path} (which must not exist) and forces it to disk. Callers commit
   * it by renaming it onto {@code collection.jcm}.
   */
  public static void write(Path path, CollectionManifest m) throws IOException {
    byte[] json;
    try {
      json = JSON.writeValueAsString(toTree(m)).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    JsonFrame.write(
        path,
        FileFormat.Kind.COLLECTION,
        ManifestFile.version(FileFormat.Kind.COLLECTION, m.schema(), m.metadata()),
        m.collectionId(),
        json);
  }

  /** Reads and fully validates the collection manifest at {@code path}. */
  public static CollectionManifest read(Path path) throws IOException {
    JsonFrame.Read f =
        JsonFrame.read(
            path,
            FileFormat.Kind.COLLECTION,
            "collection manifest",
            "not a jcolz collection: " + DatasetLayout.COLLECTION_MANIFEST + " is missing");
    try {
      CollectionManifest m = fromJson(JSON.readTree(f.json()));
      if (!m.collectionId().equals(f.id())) {
        throw new IllegalArgumentException(
            "collection_id " + m.collectionId() + " differs from the header's " + f.id());
      }
      ManifestFile.checkVersion(f.version(), m.schema(), m.metadata());
      return m;
    } catch (IOException | RuntimeException e) {
      throw new CorruptDatasetException(
          path + ": invalid collection manifest: " + e.getMessage(), e);
    }
  }

  private static CollectionManifest fromJson(JsonNode root) {
    if (!"jcolz-collection".equals(ManifestFile.text(root, "format"))) {
      throw new IllegalArgumentException("field 'format' is not \"jcolz-collection\"");
    }
    UUID id = UUID.fromString(ManifestFile.text(root, "collection_id"));
    long rows = ManifestFile.number(root, "rows");
    Schema schema = ManifestFile.readSchema(root);
    List<CollectionManifest.PartEntry> parts = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (JsonNode p : ManifestFile.array(root, "parts")) {
      String name = ManifestFile.text(p, "name");
      if (!PART_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("part name '" + name + "' is not a safe file name");
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException("part '" + name + "' is listed twice");
      }
      long partRows = ManifestFile.number(p, "rows");
      if (partRows < 0) {
        throw new IllegalArgumentException("part '" + name + "' has " + partRows + " rows");
      }
      String keyMin = p.hasNonNull("key_min") ? ManifestFile.text(p, "key_min") : null;
      String keyMax = p.hasNonNull("key_max") ? ManifestFile.text(p, "key_max") : null;
      if ((keyMin == null) != (keyMax == null)
          || (keyMin != null && CollectionManifest.compareKeys(keyMin, keyMax) > 0)) {
        throw new IllegalArgumentException("part '" + name + "' has an invalid key range");
      }
      parts.add(
          new CollectionManifest.PartEntry(
              name,
              partRows,
              UUID.fromString(ManifestFile.text(p, "dataset_id")),
              ManifestFile.number(p, "manifest_bytes"),
              Integer.parseUnsignedInt(ManifestFile.text(p, "manifest_crc32c"), 16),
              keyMin,
              keyMax));
    }
    List<String> labels = ManifestFile.readLabels(root);
    ManifestFile.checkLabels(schema, labels);
    return new CollectionManifest(
        id,
        rows,
        schema,
        labels,
        ManifestFile.readMetadata(root),
        parts,
        ManifestFile.text(root, "created"),
        ManifestFile.text(root, "created_by"));
  }
}
