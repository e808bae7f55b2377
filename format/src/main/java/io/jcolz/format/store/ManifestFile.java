package io.jcolz.format.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads and writes {@code manifest.jcm}: the common header, the manifest as UTF-8 JSON, and a
 * footer.
 *
 * <pre>
 * ManifestFile   --&gt; Header, Json, ManifestFooter
 * ManifestFooter --&gt; JsonLength:u64, FooterMagic:u32, Crc32c:u32   (16 bytes; the CRC32C covers
 *                    every byte of the file before it)
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class ManifestFile {
  /** Bytes of the manifest footer. */
  public static final int FOOTER_BYTES = JsonFrame.FOOTER_BYTES;

  /**
   * Manifests larger than this are refused before reading (a damaged size cannot exhaust memory).
   */
  public static final long MAX_BYTES = JsonFrame.MAX_BYTES;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ManifestFile() {}

  /** The manifest as the JSON text stored in the file. */
  public static String toJson(Manifest m) {
    try {
      return JSON.writeValueAsString(toTree(m));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The manifest as a JSON tree (also what {@code jcolz info --json} prints). */
  public static ObjectNode toTree(Manifest m) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "jcolz");
    root.put("dataset_id", m.datasetId().toString());
    root.put("created", m.created());
    root.put("created_by", m.createdBy());
    root.put("rows", m.rows());
    ArrayNode cols = putSchema(root, m.schema());
    for (int i = 0; i < m.schema().size(); i++) {
      Manifest.ColumnEntry e = m.columns().get(i);
      ObjectNode c = (ObjectNode) cols.get(i);
      c.put("file", e.file());
      c.put("file_bytes", e.fileBytes());
      c.put("chunks", e.chunks());
      c.put("compressed_bytes", e.compressedBytes());
      c.put("uncompressed_bytes", e.uncompressedBytes());
    }
    if (m.keyIndex() != null) {
      Manifest.KeyIndexEntry k = m.keyIndex();
      ObjectNode ki = root.putObject("key_index");
      ki.put("file", k.file());
      ki.put("column", k.column());
      ki.put("entries", k.entries());
      ki.put("file_bytes", k.fileBytes());
      ki.put("crc32c", String.format("%08x", k.crc32c()));
    }
    putMetadataAndLabels(root, m.metadata(), m.labels());
    return root;
  }

  /** Writes {@code m} to {@code path} (which must not exist) and forces it to disk. */
  public static void write(Path path, Manifest m) throws IOException {
    JsonFrame.write(
        path,
        FileFormat.Kind.MANIFEST,
        version(FileFormat.Kind.MANIFEST, m.schema(), m.metadata()),
        m.datasetId(),
        toJson(m).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A manifest as read, with the file's size and the CRC32C its footer stores (which covers every
   * byte before it; a collection manifest records both for each part).
   *
   * @param manifest the manifest
   * @param bytes the file's size
   * @param crc32c the footer's CRC32C
   */
  public record Checked(Manifest manifest, long bytes, int crc32c) {}

  /**
   * The Version a {@code kind} file describing {@code schema} and {@code metadata} is written with:
   * the kind's own, or 3 where it holds partial labels or a float32_list column (FORMAT.md §2).
   */
  static int version(FileFormat.Kind kind, Schema schema, Map<String, String> metadata) {
    return Math.max(kind.version(), PartialLabels.requiredVersion(schema, metadata));
  }

  /** Refuses a file whose header claims an older version than its content needs. */
  static void checkVersion(int version, Schema schema, Map<String, String> metadata) {
    int need = PartialLabels.requiredVersion(schema, metadata);
    if (version < need) {
      throw new IllegalArgumentException(
          "it holds partial labels or a float32_list column (format version "
              + need
              + "), but its header says version "
              + version);
    }
  }

  /** Reads and fully validates the manifest at {@code path}. */
  public static Manifest read(Path path) throws IOException {
    return readChecked(path).manifest();
  }

  /** Reads and fully validates the manifest at {@code path}, with its size and checksum. */
  public static Checked readChecked(Path path) throws IOException {
    JsonFrame.Read f =
        JsonFrame.read(
            path,
            FileFormat.Kind.MANIFEST,
            "manifest",
            "not a jcolz dataset: " + DatasetLayout.MANIFEST + " is missing");
    try {
      Manifest m = fromJson(JSON.readTree(f.json()));
      if (!m.datasetId().equals(f.id())) {
        throw new IllegalArgumentException(
            "dataset_id " + m.datasetId() + " differs from the header's " + f.id());
      }
      checkVersion(f.version(), m.schema(), m.metadata());
      return new Checked(m, f.bytes(), f.crc32c());
    } catch (IOException | RuntimeException e) {
      throw new CorruptDatasetException(path + ": invalid manifest: " + e.getMessage(), e);
    }
  }

  /**
   * Writes the schema into {@code root}: {@code key_column}, {@code label_column} and a {@code
   * columns} array with one object per column (name, type, shape, cardinality, codec, level,
   * chunk_rows, chunk_bytes), which it returns so a caller can add per-file facts.
   */
  static ArrayNode putSchema(ObjectNode root, Schema schema) {
    schema.keyColumn().ifPresent(k -> root.put("key_column", k));
    schema.labelColumn().ifPresent(k -> root.put("label_column", k));
    ArrayNode cols = root.putArray("columns");
    for (ColumnSpec s : schema.columns()) {
      ObjectNode c = cols.addObject();
      c.put("name", s.name());
      c.put("type", s.type().jsonName());
      if (s.type() == ColumnType.UINT8_TENSOR) {
        ArrayNode shape = c.putArray("shape");
        for (int d : s.shape()) {
          shape.add(d);
        }
      }
      if (s.type() == ColumnType.INT32_SET) {
        c.put("cardinality", s.cardinality());
      }
      c.put("codec", s.codec().jsonName());
      c.put("level", s.level());
      c.put("chunk_rows", s.chunkRows());
      c.put("chunk_bytes", s.chunkBytes());
    }
    return cols;
  }

  /** Reads the schema {@link #putSchema} wrote. */
  static Schema readSchema(JsonNode root) {
    Schema.Builder sb = Schema.builder();
    for (JsonNode c : array(root, "columns")) {
      sb.column(readColumnSpec(c));
    }
    if (root.hasNonNull("key_column")) {
      sb.keyColumn(text(root, "key_column"));
    }
    if (root.hasNonNull("label_column")) {
      sb.labelColumn(text(root, "label_column"));
    }
    return sb.build();
  }

  private static ColumnSpec readColumnSpec(JsonNode c) {
    String name = text(c, "name");
    ColumnType type = ColumnType.fromJsonName(text(c, "type"));
    int[] shape = new int[0];
    if (type == ColumnType.UINT8_TENSOR) {
      JsonNode s = array(c, "shape");
      shape = new int[s.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = intValue(s.get(i), "shape");
      }
    }
    int card = type == ColumnType.INT32_SET ? (int) number(c, "cardinality") : 0;
    return ColumnSpec.of(
        name,
        type,
        shape,
        card,
        Codec.fromJsonName(text(c, "codec")),
        (int) number(c, "level"),
        (int) number(c, "chunk_rows"),
        (int) number(c, "chunk_bytes"));
  }

  /** Reads the {@code labels} array of strings. */
  static List<String> readLabels(JsonNode root) {
    List<String> labels = new ArrayList<>();
    for (JsonNode l : array(root, "labels")) {
      if (!l.isTextual()) {
        throw new IllegalArgumentException("labels must be strings");
      }
      labels.add(l.asText());
    }
    return labels;
  }

  /**
   * A non-empty vocabulary names every label: its length is the label column's cardinality
   * (FORMAT.md §3).
   */
  static void checkLabels(Schema schema, List<String> labels) {
    if (labels.isEmpty() || schema.labelColumn().isEmpty()) {
      return;
    }
    int card = schema.column(schema.labelColumn().get()).cardinality();
    if (labels.size() != card) {
      throw new IllegalArgumentException(
          "labels holds " + labels.size() + " names, the label column's cardinality is " + card);
    }
  }

  /** Reads the {@code metadata} object of strings (absent = empty). */
  static Map<String, String> readMetadata(JsonNode root) {
    Map<String, String> meta = new LinkedHashMap<>();
    JsonNode mn = root.get("metadata");
    if (mn != null && mn.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = mn.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        meta.put(e.getKey(), e.getValue().asText());
      }
    }
    return meta;
  }

  /** Writes {@code metadata} (sorted by key) and {@code labels} into {@code root}. */
  static void putMetadataAndLabels(
      ObjectNode root, Map<String, String> metadata, List<String> labels) {
    ObjectNode meta = root.putObject("metadata");
    new java.util.TreeMap<>(metadata).forEach(meta::put);
    ArrayNode arr = root.putArray("labels");
    labels.forEach(arr::add);
  }

  private static Manifest fromJson(JsonNode root) {
    if (!"jcolz".equals(text(root, "format"))) {
      throw new IllegalArgumentException("field 'format' is not \"jcolz\"");
    }
    UUID id = UUID.fromString(text(root, "dataset_id"));
    long rows = number(root, "rows");
    if (rows < 0) {
      throw new IllegalArgumentException("rows " + rows + " < 0");
    }
    Schema schema = readSchema(root);
    List<Manifest.ColumnEntry> entries = new ArrayList<>();
    for (JsonNode c : array(root, "columns")) {
      String name = text(c, "name");
      String file = text(c, "file");
      if (!file.equals(DatasetLayout.columnFile(name))) {
        throw new IllegalArgumentException(
            "column '" + name + "' file '" + file + "' is not " + DatasetLayout.columnFile(name));
      }
      entries.add(
          new Manifest.ColumnEntry(
              file,
              number(c, "file_bytes"),
              number(c, "chunks"),
              number(c, "compressed_bytes"),
              number(c, "uncompressed_bytes")));
    }
    Manifest.KeyIndexEntry ki = null;
    if (root.hasNonNull("key_index")) {
      JsonNode k = root.get("key_index");
      String file = text(k, "file");
      if (!file.equals(DatasetLayout.KEY_INDEX)) {
        throw new IllegalArgumentException(
            "key index file '" + file + "' is not " + DatasetLayout.KEY_INDEX);
      }
      ki =
          new Manifest.KeyIndexEntry(
              file,
              text(k, "column"),
              number(k, "entries"),
              number(k, "file_bytes"),
              Integer.parseUnsignedInt(text(k, "crc32c"), 16));
      if (!schema.keyColumn().map(ki.column()::equals).orElse(false)) {
        throw new IllegalArgumentException(
            "key index column '" + ki.column() + "' is not the key column");
      }
      if (ki.entries() != rows) {
        throw new IllegalArgumentException(
            "key index entries " + ki.entries() + " differ from rows " + rows);
      }
    } else if (schema.keyColumn().isPresent()) {
      throw new IllegalArgumentException("key column set but no key_index");
    }
    List<String> labels = readLabels(root);
    checkLabels(schema, labels);
    return new Manifest(
        id,
        rows,
        schema,
        labels,
        readMetadata(root),
        entries,
        ki,
        text(root, "created"),
        text(root, "created_by"));
  }

  static JsonNode field(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("field '" + name + "' is missing");
    }
    return v;
  }

  static String text(JsonNode n, String name) {
    JsonNode v = field(n, name);
    if (!v.isTextual()) {
      throw new IllegalArgumentException("field '" + name + "' is not a string");
    }
    return v.asText();
  }

  static long number(JsonNode n, String name) {
    JsonNode v = field(n, name);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("field '" + name + "' is not an integer");
    }
    return v.asLong();
  }

  static int intValue(JsonNode v, String name) {
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException("field '" + name + "' holds a value that is not an int");
    }
    return v.asInt();
  }

  static JsonNode array(JsonNode n, String name) {
    JsonNode v = field(n, name);
    if (!v.isArray()) {
      throw new IllegalArgumentException("field '" + name + "' is not an array");
    }
    return v;
  }
}
