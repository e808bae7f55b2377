package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.Checksums;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.CollectionManifestFile;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileFormat;
import io.jcolz.format.store.ManifestFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FORMAT.md against the code, where they are likely to drift: the tables of the spec are parsed and
 * compared with the constants and the output of the code — header kinds and versions (§2), codec
 * names (§4.2), column type names (§3, §5), the field names of the manifest, its column and key
 * index objects (§3), of the collection manifest and its part object (§9.1), and the packed-image
 * convention's columns, types, modes and metadata keys (§10), and the partial-label columns and
 * metadata with the files they mark version 3 (§10.1, §2). A change to either side that is not made
 * to the other fails here, naming the table.
 */
class FormatSpecTest {
  @TempDir static Path tmp;

  static String spec;
  static JsonNode manifest;
  static JsonNode collection;

  @BeforeAll
  static void read() throws IOException {
    Path p = Path.of("FORMAT.md");
    if (!Files.exists(p)) {
      p = Path.of("format", "FORMAT.md"); // run from the reactor root
    }
    spec = Files.readString(p);
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.string("k"))
            .keyColumn("k")
            .column(ColumnSpec.uint8Tensor("t", 2, 2, 3))
            .column(ColumnSpec.int32Set("l", 3))
            .labelColumn("l")
            .build();
    Path coll = tmp.resolve("coll");
    try (DatasetWriter w = DatasetWriter.create(DatasetLayout.part(coll, "p0"), schema)) {
      Row r = w.newRow();
      w.append(r.clear().setString("k", "a").setTensor("t", new byte[12]).setSet("l", 1));
      w.labels(List.of("x", "y", "z"));
      w.putMetadata("note", "1");
    }
    Path part = DatasetLayout.part(coll, "p0");
    manifest = ManifestFile.toTree(ManifestFile.read(DatasetLayout.manifest(part)));
    CollectionManifest cm =
        CollectionWriter.commit(
            coll,
            UUID.randomUUID(),
            schema,
            List.of("x", "y", "z"),
            Map.of("note", "1"),
            List.of(CollectionWriter.describePart(coll, "p0")),
            "FormatSpecTest");
    collection = CollectionManifestFile.toTree(cm);
  }

  // ------------------------------------------------------------------ §2

  @Test
  void headerKindsAndVersions() {
    List<List<String>> rows = table("## 2.", "kind");
    Set<String> kinds = new TreeSet<>();
    for (List<String> row : rows) {
      String tag = names(row.get(0)).get(0);
      kinds.add(tag);
      FileFormat.Kind kind =
          Arrays.stream(FileFormat.Kind.values())
              .filter(k -> k.tag().equals(tag))
              .findFirst()
              .orElseThrow(() -> new AssertionError("§2 kind " + tag + " is not in FileFormat"));
      String[] written = row.get(2).split(";\\s*");
      assertEquals(String.valueOf(kind.version()), written[0], "§2 version written for " + tag);
      assertTrue(
          written.length == 2 && written[1].startsWith(PartialLabels.VERSION + " "),
          "§2 says when " + tag + " is written as version " + PartialLabels.VERSION);
      assertEquals(
          kind.version() + " to " + FileFormat.VERSION_CURRENT,
          row.get(3),
          "§2 versions a reader accepts for " + tag);
    }
    Set<String> code = new TreeSet<>();
    for (FileFormat.Kind k : FileFormat.Kind.values()) {
      code.add(k.tag());
    }
    assertEquals(code, kinds, "§2 kinds table vs FileFormat.Kind");
    assertTrue(
        spec.contains("(`VERSION_CURRENT` = " + FileFormat.VERSION_CURRENT + ")"),
        "§2 names VERSION_CURRENT");
  }

  // ------------------------------------------------------------------ §4.2, §3, §5

  @Test
  void codecNames() {
    Set<String> spec = new TreeSet<>(firstColumn(table("### 4.2", "codec")));
    Set<String> code = new TreeSet<>();
    for (Codec c : Codec.values()) {
      code.add(c.jsonName());
    }
    assertEquals(code, spec, "§4.2 codecs table vs Codec");
    assertEquals(code, new TreeSet<>(names(row(table("## 3.", "field", 1), "codec").get(2))));
  }

  @Test
  void columnTypeNames() {
    Set<String> code = new TreeSet<>();
    for (ColumnType t : ColumnType.values()) {
      code.add(t.jsonName());
    }
    assertEquals(code, new TreeSet<>(firstColumn(table("## 5.", "type"))), "§5 payloads table");
    assertEquals(
        code,
        new TreeSet<>(names(row(table("## 3.", "field", 1), "type").get(2))),
        "§3 column object's type");
  }

  // ------------------------------------------------------------------ §3

  @Test
  void manifestFieldNames() {
    assertEquals(
        fields(manifest), new TreeSet<>(firstColumn(table("## 3.", "field", 0))), "§3 manifest");
    Set<String> columnFields = new TreeSet<>();
    manifest.get("columns").forEach(c -> columnFields.addAll(fields(c)));
    assertEquals(
        columnFields,
        new TreeSet<>(firstColumn(table("## 3.", "field", 1))),
        "§3 column object (a tensor, a set and a string column written)");
    assertEquals(
        fields(manifest.get("key_index")),
        new TreeSet<>(firstColumn(table("## 3.", "field", 2))),
        "§3 key index object");
  }

  /**
   * A field the table marks optional may be left out (with the field it is tied to: {@code
   * key_index} comes and goes with {@code key_column}); any other field left out makes the reader
   * refuse the manifest. Column object: every field is required where the table says it applies.
   */
  @Test
  void theReaderDemandsExactlyTheRequiredManifestFields() throws IOException {
    UUID id = UUID.fromString(manifest.get("dataset_id").asText());
    for (List<String> row : table("## 3.", "field", 0)) {
      ObjectNode j = manifest.deepCopy();
      List<String> gone =
          without(j, row, Map.of("key_column", "key_index", "key_index", "key_column"));
      boolean optional = row.get(1).contains("optional");
      assertEquals(
          optional,
          reads(j, FileFormat.Kind.MANIFEST, id),
          "§3 says " + gone + " optional: " + optional);
    }
    for (List<String> row : table("## 3.", "field", 1)) {
      String f = names(row.get(0)).get(0);
      ObjectNode j = manifest.deepCopy();
      for (JsonNode c : j.get("columns")) {
        ((ObjectNode) c).remove(f);
      }
      assertFalse(reads(j, FileFormat.Kind.MANIFEST, id), "§3 column field " + f + " is required");
    }
    for (List<String> row : table("## 3.", "field", 2)) {
      String f = names(row.get(0)).get(0);
      ObjectNode j = manifest.deepCopy();
      ((ObjectNode) j.get("key_index")).remove(f);
      assertFalse(
          reads(j, FileFormat.Kind.MANIFEST, id), "§3 key index field " + f + " is required");
    }
  }

  @Test
  void theReaderDemandsExactlyTheRequiredCollectionFields() throws IOException {
    UUID id = UUID.fromString(collection.get("collection_id").asText());
    for (List<String> row : table("### 9.1", "field", 0)) {
      ObjectNode j = collection.deepCopy();
      List<String> gone = without(j, row, Map.of());
      boolean optional = row.get(1).contains("optional");
      assertEquals(
          optional,
          reads(j, FileFormat.Kind.COLLECTION, id),
          "§9.1 says " + gone + " optional: " + optional);
    }
    for (List<String> row : table("### 9.1", "field", 1)) {
      ObjectNode j = collection.deepCopy();
      List<String> gone =
          without(
              (ObjectNode) j.get("parts").get(0),
              row,
              Map.of("key_min", "key_max", "key_max", "key_min"));
      boolean optional = row.get(1).contains("optional");
      assertEquals(
          optional,
          reads(j, FileFormat.Kind.COLLECTION, id),
          "§9.1 part: " + gone + " optional: " + optional);
    }
  }

  /** Removes the row's fields and those tied to them from {@code o}; returns what it removed. */
  private static List<String> without(ObjectNode o, List<String> row, Map<String, String> tied) {
    List<String> gone = new ArrayList<>(names(row.get(0)));
    for (String f : List.copyOf(gone)) {
      if (tied.containsKey(f)) {
        gone.add(tied.get(f));
      }
    }
    gone.forEach(o::remove);
    return gone;
  }

  /** Whether the reader accepts {@code json} framed as FORMAT.md §3 says (header, JSON, footer). */
  private static boolean reads(JsonNode json, FileFormat.Kind kind, UUID id) throws IOException {
    byte[] text = json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    MemorySegment f = MemorySegment.ofArray(new byte[32 + text.length + 16]);
    FileFormat.writeHeader(f, kind, id);
    MemorySegment.copy(MemorySegment.ofArray(text), 0, f, 32, text.length);
    long footer = 32 + text.length;
    f.set(FileFormat.LE_LONG, footer, text.length);
    f.set(FileFormat.LE_INT, footer + 8, FileFormat.FOOTER_MAGIC);
    f.set(FileFormat.LE_INT, footer + 12, Checksums.crc32c(f.asSlice(0, footer + 12)));
    Path file = Files.createTempFile(tmp, "m", ".jcm");
    Files.write(file, f.toArray(ValueLayout.JAVA_BYTE));
    try {
      if (kind == FileFormat.Kind.MANIFEST) {
        ManifestFile.read(file);
      } else {
        CollectionManifestFile.read(file);
      }
      return true;
    } catch (CorruptDatasetException e) {
      return false;
    }
  }

  // ------------------------------------------------------------------ §9.1

  @Test
  void collectionManifestFieldNames() {
    List<List<String>> rows = table("### 9.1", "field", 0);
    assertEquals(fields(collection), new TreeSet<>(firstColumn(rows)), "§9.1 collection manifest");
    Set<String> columnFields = new TreeSet<>();
    collection.get("columns").forEach(c -> columnFields.addAll(fields(c)));
    assertEquals(
        columnFields, new TreeSet<>(names(row(rows, "columns").get(2))), "§9.1 columns' fields");
    assertEquals(
        fields(collection.get("parts").get(0)),
        new TreeSet<>(firstColumn(table("### 9.1", "field", 1))),
        "§9.1 part object (a part with a key range)");
  }

  // ------------------------------------------------------------------ §10

  @Test
  void packedImageConvention() {
    List<List<String>> rows = table("## 10.", "column");
    Map<String, String> constants =
        Map.of(
            "key", PackedImages.KEY,
            "image", PackedImages.IMAGE,
            "jpeg", PackedImages.JPEG,
            "labels", PackedImages.LABELS);
    assertEquals(
        new TreeSet<>(constants.values()), new TreeSet<>(firstColumn(rows)), "§10 column names");
    for (PackedImages.Storage mode : PackedImages.Storage.values()) {
      Schema s = PackedImages.schema(mode, 8, 3, true, 3, 0);
      List<String> expect = new ArrayList<>();
      for (List<String> row : rows) {
        if (Arrays.asList(row.get(2).split(",\\s*")).contains(mode.id())) {
          expect.add(names(row.get(0)).get(0));
        }
      }
      assertEquals(
          expect,
          s.columns().stream().map(ColumnSpec::name).toList(),
          "§10 columns stored in mode " + mode.id());
      for (List<String> row : rows) {
        String name = names(row.get(0)).get(0);
        if (s.indexOf(name) >= 0) {
          assertEquals(
              names(row.get(1)).get(0),
              s.column(name).type().jsonName(),
              "§10 type of column " + name);
        }
      }
      if (mode.hasRaw()) {
        assertArrayEquals(new int[] {8, 8, 3}, s.column(PackedImages.IMAGE).shape());
        assertTrue(row(rows, PackedImages.IMAGE).get(3).contains("`[S, S, 3]`"), "§10 shape");
      }
      assertEquals(PackedImages.KEY, s.keyColumn().orElseThrow());
      assertEquals(PackedImages.LABELS, s.labelColumn().orElseThrow());
    }
    List<List<String>> meta = table("## 10.", "key");
    assertEquals(
        new TreeSet<>(
            List.of(
                PackedImages.MODE, PackedImages.SIZE, PackedImages.RESIZE, PackedImages.QUALITY)),
        new TreeSet<>(firstColumn(meta)),
        "§10 metadata keys");
    assertEquals(
        PackedImages.metadata(PackedImages.Storage.SMART, 8, "x", 90).keySet(),
        new TreeSet<>(firstColumn(meta)),
        "what pack records in smart mode");
    List<String> modes = names(row(meta, PackedImages.MODE).get(1));
    List<String> ids = new ArrayList<>();
    for (PackedImages.Storage m : PackedImages.Storage.values()) {
      ids.add(m.id());
    }
    assertEquals(ids, modes.subList(0, ids.size()), "§10 mode values");
    assertTrue(
        row(meta, PackedImages.RESIZE).get(1).contains("`" + PackedImages.DEFAULT_RESIZE + "`"),
        "§10 default resize");
  }

  @Test
  void partialLabelConvention() throws IOException {
    List<List<String>> rows = table("### 10.1", "column");
    assertEquals(
        List.of(PartialLabels.CONFIDENCE, PartialLabels.NEGATIVES),
        firstColumn(rows),
        "§10.1 column names");
    Schema s = PackedImages.schema(PackedImages.Storage.RAW, 8, 3, true, 3, 0, true, true);
    for (List<String> row : rows) {
      String name = names(row.get(0)).get(0);
      assertEquals(
          names(row.get(1)).get(0), s.column(name).type().jsonName(), "§10.1 type of " + name);
    }
    assertEquals(
        s.column(PackedImages.LABELS).cardinality(),
        s.column(PartialLabels.NEGATIVES).cardinality());
    List<List<String>> meta = table("### 10.1", "key");
    assertEquals(List.of(PartialLabels.UNLISTED), firstColumn(meta), "§10.1 metadata keys");
    List<String> ids = new ArrayList<>();
    for (PartialLabels.Unlisted u : PartialLabels.Unlisted.values()) {
      ids.add(u.id());
    }
    assertEquals(ids, names(meta.get(0).get(1)), "§10.1 unlisted values");
    // §2: which files carry version 3 — exactly the ones the text names
    Path ds = tmp.resolve("v3");
    try (DatasetWriter w = DatasetWriter.create(ds, s)) {
      w.append(
          w.newRow()
              .setString(PackedImages.KEY, "a")
              .setTensor(PackedImages.IMAGE, new byte[192])
              .setLabels(new int[] {2}, new float[] {0.5f}, new int[] {0}));
    }
    assertEquals(
        PartialLabels.VERSION, PartialLabelsTest.headerVersion(DatasetLayout.manifest(ds)));
    for (ColumnSpec c : s.columns()) {
      assertEquals(
          c.type() == ColumnType.FLOAT32_LIST ? PartialLabels.VERSION : 1,
          PartialLabelsTest.headerVersion(ds.resolve(DatasetLayout.columnFile(c.name()))),
          "§2 version of column file " + c.name());
    }
  }

  // ------------------------------------------------------------------ parsing

  /** The first table under heading {@code heading} whose first header cell is {@code first}. */
  private static List<List<String>> table(String heading, String first) {
    return table(heading, first, 0);
  }

  /**
   * The {@code nth} table (0-based) whose first header cell is {@code first}, in the section that
   * starts with the line {@code heading…} and ends at the next heading of its level or higher. Rows
   * only (no header, no separator), each a list of trimmed cells.
   */
  private static List<List<String>> table(String heading, String first, int nth) {
    String[] lines = spec.split("\n");
    int level = heading.indexOf(' ');
    int i = 0;
    while (i < lines.length && !lines[i].startsWith(heading)) {
      i++;
    }
    assertTrue(i < lines.length, "FORMAT.md has no heading " + heading);
    int seen = 0;
    for (i++; i < lines.length; i++) {
      String l = lines[i];
      if (l.startsWith("#") && l.indexOf(' ') <= level) {
        break;
      }
      if (l.startsWith("|") && i + 1 < lines.length && lines[i + 1].startsWith("| ---")) {
        List<String> header = cells(l);
        int j = i + 2;
        List<List<String>> rows = new ArrayList<>();
        while (j < lines.length && lines[j].startsWith("|")) {
          rows.add(cells(lines[j]));
          j++;
        }
        if (header.get(0).equals(first) && seen++ == nth) {
          return rows;
        }
        i = j - 1;
      }
    }
    throw new AssertionError(
        "FORMAT.md " + heading + " has no table #" + nth + " headed '" + first + "'");
  }

  private static List<String> cells(String line) {
    String t = line.strip();
    t = t.substring(1, t.endsWith("|") ? t.length() - 1 : t.length());
    List<String> out = new ArrayList<>();
    for (String c : t.split("\\|", -1)) {
      out.add(c.strip());
    }
    return out;
  }

  /** The names in backticks in a cell, in order. */
  private static List<String> names(String cell) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("`([^`]+)`").matcher(cell);
    while (m.find()) {
      out.add(m.group(1).replace("\"", ""));
    }
    return out;
  }

  /** The backticked names of every row's first cell ({@code `a`, `b`} gives both). */
  private static List<String> firstColumn(List<List<String>> rows) {
    List<String> out = new ArrayList<>();
    for (List<String> r : rows) {
      out.addAll(names(r.get(0)));
    }
    return out;
  }

  private static List<String> row(List<List<String>> rows, String name) {
    for (List<String> r : rows) {
      if (names(r.get(0)).contains(name)) {
        return r;
      }
    }
    throw new AssertionError("no row for `" + name + "`");
  }

  private static Set<String> fields(JsonNode o) {
    Set<String> out = new LinkedHashSet<>();
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      out.add(it.next());
    }
    return new TreeSet<>(out);
  }
}
