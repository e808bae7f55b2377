package io.jcolz.format.store;

import static io.jcolz.format.store.FileFormat.HEADER_BYTES;
import static io.jcolz.format.store.FileFormat.LE_INT;
import static io.jcolz.format.store.FileFormat.LE_LONG;

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
import io.jcolz.format.schema.Schema;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
  public static final int FOOTER_BYTES = 16;

  /**
   * Manifests larger than this are refused before reading (a damaged size cannot exhaust memory).
   */
  public static final long MAX_BYTES = 256L << 20;

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
    m.schema().keyColumn().ifPresent(k -> root.put("key_column", k));
    m.schema().labelColumn().ifPresent(k -> root.put("label_column", k));
    ArrayNode cols = root.putArray("columns");
    for (int i = 0; i < m.schema().size(); i++) {
      ColumnSpec s = m.schema().columns().get(i);
      Manifest.ColumnEntry e = m.columns().get(i);
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
    ObjectNode meta = root.putObject("metadata");
    new java.util.TreeMap<>(m.metadata()).forEach(meta::put);
    ArrayNode labels = root.putArray("labels");
    m.labels().forEach(labels::add);
    return root;
  }

  /** Writes {@code m} to {@code path} (which must not exist) and forces it to disk. */
  public static void write(Path path, Manifest m) throws IOException {
    byte[] json = toJson(m).getBytes(StandardCharsets.UTF_8);
    MemorySegment buf = MemorySegment.ofArray(new byte[HEADER_BYTES + json.length + FOOTER_BYTES]);
    FileFormat.writeHeader(buf, FileFormat.Kind.MANIFEST, m.datasetId());
    MemorySegment.copy(MemorySegment.ofArray(json), 0, buf, HEADER_BYTES, json.length);
    long f = HEADER_BYTES + json.length;
    buf.set(LE_LONG, f, json.length);
    buf.set(LE_INT, f + 8, FileFormat.FOOTER_MAGIC);
    buf.set(LE_INT, f + 12, Checksums.crc32c(buf.asSlice(0, f + 12)));
    try (FileChannel ch =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer bb = buf.asByteBuffer();
      while (bb.hasRemaining()) {
        ch.write(bb);
      }
      ch.force(true);
    }
  }

  /** Reads and fully validates the manifest at {@code path}. */
  public static Manifest read(Path path) throws IOException {
    long size;
    try {
      size = Files.size(path);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          path.toString(), null, "not a jcolz dataset: " + DatasetLayout.MANIFEST + " is missing");
    }
    if (size > MAX_BYTES) {
      throw CorruptDatasetException.at(
          path, "manifest is " + size + " bytes, over the " + MAX_BYTES + "-byte limit");
    }
    MemorySegment file = MemorySegment.ofArray(Files.readAllBytes(path));
    FileFormat.checkFooterMagic(file, path, FOOTER_BYTES);
    size = file.byteSize();
    int stored = file.get(LE_INT, size - 4);
    int actual = Checksums.crc32c(file.asSlice(0, size - 4));
    if (stored != actual) {
      throw CorruptDatasetException.at(
          path,
          "manifest checksum mismatch: stored 0x"
              + Integer.toHexString(stored)
              + ", computed 0x"
              + Integer.toHexString(actual));
    }
    UUID id = FileFormat.readHeader(file, path, FileFormat.Kind.MANIFEST);
    long jsonLength = file.get(LE_LONG, size - FOOTER_BYTES);
    if (jsonLength != size - HEADER_BYTES - FOOTER_BYTES) {
      throw CorruptDatasetException.at(
          path,
          "footer says "
              + jsonLength
              + " bytes of JSON, the file holds "
              + (size - HEADER_BYTES - FOOTER_BYTES));
    }
    byte[] json =
        file.asSlice(HEADER_BYTES, jsonLength).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    try {
      Manifest m = fromJson(JSON.readTree(json));
      if (!m.datasetId().equals(id)) {
        throw new IllegalArgumentException(
            "dataset_id " + m.datasetId() + " differs from the header's " + id);
      }
      return m;
    } catch (IOException | RuntimeException e) {
      throw new CorruptDatasetException(path + ": invalid manifest: " + e.getMessage(), e);
    }
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
    Schema.Builder sb = Schema.builder();
    List<Manifest.ColumnEntry> entries = new ArrayList<>();
    for (JsonNode c : array(root, "columns")) {
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
      ColumnSpec spec =
          ColumnSpec.of(
              name,
              type,
              shape,
              card,
              Codec.fromJsonName(text(c, "codec")),
              (int) number(c, "level"),
              (int) number(c, "chunk_rows"),
              (int) number(c, "chunk_bytes"));
      sb.column(spec);
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
    if (root.hasNonNull("key_column")) {
      sb.keyColumn(text(root, "key_column"));
    }
    if (root.hasNonNull("label_column")) {
      sb.labelColumn(text(root, "label_column"));
    }
    Schema schema = sb.build();
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
    } else if (schema.keyColumn().isPresent()) {
      throw new IllegalArgumentException("key column set but no key_index");
    }
    List<String> labels = new ArrayList<>();
    for (JsonNode l : array(root, "labels")) {
      if (!l.isTextual()) {
        throw new IllegalArgumentException("labels must be strings");
      }
      labels.add(l.asText());
    }
    Map<String, String> meta = new LinkedHashMap<>();
    JsonNode mn = root.get("metadata");
    if (mn != null && mn.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = mn.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        meta.put(e.getKey(), e.getValue().asText());
      }
    }
    return new Manifest(
        id,
        rows,
        schema,
        labels,
        meta,
        entries,
        ki,
        text(root, "created"),
        text(root, "created_by"));
  }

  private static JsonNode field(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("field '" + name + "' is missing");
    }
    return v;
  }

  private static String text(JsonNode n, String name) {
    JsonNode v = field(n, name);
    if (!v.isTextual()) {
      throw new IllegalArgumentException("field '" + name + "' is not a string");
    }
    return v.asText();
  }

  private static long number(JsonNode n, String name) {
    JsonNode v = field(n, name);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("field '" + name + "' is not an integer");
    }
    return v.asLong();
  }

  private static int intValue(JsonNode v, String name) {
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException("field '" + name + "' holds a value that is not an int");
    }
    return v.asInt();
  }

  private static JsonNode array(JsonNode n, String name) {
    JsonNode v = field(n, name);
    if (!v.isArray()) {
      throw new IllegalArgumentException("field '" + name + "' is not an array");
    }
    return v;
  }
}
