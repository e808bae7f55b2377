package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.codec.Codec;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.Checksums;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileFormat;
import io.jcolz.format.testing.ChunkPatch;
import io.jcolz.format.testing.Seeds;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partial, soft labels (format version 3, FORMAT.md §10.1): round trips over random rows and
 * chunkings, the writer's refusals, the version marks, and damage that only the cross-column rules
 * can see (a bad count, a negative equal to a positive, a confidence out of (0, 1]) or the decode
 * rules (NaN).
 */
class PartialLabelsTest {
  @TempDir Path tmp;

  /** One row as written: positives in any order with their confidences, and negatives. */
  record Labels(int[] positives, float[] confidences, int[] negatives) {}

  static Schema schema(int card, boolean conf, boolean neg, SplittableRandom r, Codec codec) {
    Schema.Builder b = Schema.builder().column(ColumnSpec.string("key")).keyColumn("key");
    b.column(tune(ColumnSpec.int32Set("labels", card), r, codec)).labelColumn("labels");
    if (conf) {
      b.column(tune(ColumnSpec.float32List(PartialLabels.CONFIDENCE), r, codec));
    }
    if (neg) {
      b.column(tune(ColumnSpec.int32Set(PartialLabels.NEGATIVES, card), r, codec));
    }
    return b.build();
  }

  private static ColumnSpec tune(ColumnSpec s, SplittableRandom r, Codec codec) {
    return s.withChunkRows(r == null ? 1000 : 1 + r.nextInt(r.nextBoolean() ? 5 : 60))
        .withCodec(codec != null ? codec : r.nextBoolean() ? Codec.NONE : Codec.ZSTD, 3);
  }

  static Labels randomLabels(SplittableRandom r, int card) {
    int[] perm = new int[card];
    for (int i = 0; i < card; i++) {
      perm[i] = i;
    }
    for (int i = card - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    int np = r.nextInt(Math.min(card, 6) + 1);
    int nn = r.nextInt(Math.min(card - np, 6) + 1);
    float[] conf = new float[np];
    for (int i = 0; i < np; i++) {
      conf[i] =
          switch (r.nextInt(4)) {
            case 0 -> 1f;
            case 1 -> Float.MIN_VALUE;
            default -> (float) (1 - r.nextDouble()); // (0, 1]
          };
    }
    return new Labels(Arrays.copyOfRange(perm, 0, np), conf, Arrays.copyOfRange(perm, np, np + nn));
  }

  private static Path write(Path dir, Schema schema, List<Labels> rows, String unlisted)
      throws IOException {
    boolean conf = schema.indexOf(PartialLabels.CONFIDENCE) >= 0;
    boolean neg = schema.indexOf(PartialLabels.NEGATIVES) >= 0;
    try (DatasetWriter w = DatasetWriter.create(dir, schema)) {
      Row r = w.newRow();
      for (int i = 0; i < rows.size(); i++) {
        Labels l = rows.get(i);
        r.clear().setString("key", "k" + i);
        r.setLabels(l.positives(), conf ? l.confidences() : null, neg ? l.negatives() : null);
        w.append(r);
      }
      List<String> vocab = new ArrayList<>();
      for (int i = 0; i < schema.column("labels").cardinality(); i++) {
        vocab.add("l" + i);
      }
      w.labels(vocab);
      if (unlisted != null) {
        w.putMetadata(PartialLabels.UNLISTED, unlisted);
      }
    }
    return dir;
  }

  /** The row as the format stores it: positives sorted, confidences in their order. */
  private static PartialLabels.RowLabels expected(Labels l, boolean conf, boolean neg) {
    int n = l.positives().length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(l.positives()[a], l.positives()[b]));
    int[] p = new int[n];
    float[] c = new float[n];
    for (int i = 0; i < n; i++) {
      p[i] = l.positives()[order[i]];
      c[i] = l.confidences()[order[i]];
    }
    int[] g = l.negatives().clone();
    Arrays.sort(g);
    return new PartialLabels.RowLabels(p, conf ? c : null, neg ? g : null);
  }

  @Test
  void randomRowsRoundTripThroughEveryReader() throws IOException {
    long base = Seeds.base();
    for (int trial = 0; trial < 12; trial++) {
      long seed = Seeds.derive(base, trial);
      String tag = Seeds.tag(seed);
      SplittableRandom r = new SplittableRandom(seed);
      int card = 1 + r.nextInt(40);
      boolean conf = trial % 3 != 1;
      boolean neg = trial % 3 != 0;
      String unlisted = r.nextBoolean() ? "unknown" : r.nextBoolean() ? "negative" : null;
      Schema schema = schema(card, conf, neg, r, null);
      List<Labels> rows = new ArrayList<>();
      int n = r.nextInt(150);
      for (int i = 0; i < n; i++) {
        rows.add(randomLabels(r, card));
      }
      Path dir = write(tmp.resolve("t" + trial), schema, rows, unlisted);
      try (Dataset ds = Dataset.open(dir)) {
        PartialLabels pl = ds.partialLabels();
        assertEquals(conf, pl.hasConfidence(), tag);
        assertEquals(neg, pl.hasNegatives(), tag);
        assertEquals(
            "unknown".equals(unlisted)
                ? PartialLabels.Unlisted.UNKNOWN
                : PartialLabels.Unlisted.NEGATIVE,
            pl.unlisted(),
            tag);
        assertEquals(pl.toString(), PackedImages.of(ds).labels().toString(), tag);
        try (LabelReader lr = ds.labelReader()) {
          for (int i = 0; i < n; i++) {
            PartialLabels.RowLabels want = expected(rows.get(i), conf, neg);
            assertRow(want, ds.readLabels(i), tag + "row " + i);
            lr.seek(i);
            assertNull(lr.problem(), tag);
            assertArrayEquals(want.positives(), lr.positives().toArray(FileFormat.LE_INT), tag);
          }
          for (int s = 0; s < 30 && n > 0; s++) { // random order: chunks re-decoded as needed
            int i = r.nextInt(n);
            PartialLabels.RowLabels want = expected(rows.get(i), conf, neg);
            lr.seek(i);
            assertArrayEquals(want.positives(), lr.positives().toArray(FileFormat.LE_INT), tag);
            if (conf) {
              assertArrayEquals(
                  want.confidences(), lr.confidences().toArray(FileFormat.LE_FLOAT), tag);
            }
            if (neg) {
              assertArrayEquals(want.negatives(), lr.negatives().toArray(FileFormat.LE_INT), tag);
            }
          }
        }
        assertTrue(ds.verify(2, null).ok(), tag + ds.verify(1, null).problems());
      }
      assertEquals(3, headerVersion(DatasetLayout.manifest(dir)), tag + "manifest version");
      assertEquals(1, headerVersion(dir.resolve(DatasetLayout.columnFile("labels"))), tag);
      if (conf) {
        assertEquals(
            3, headerVersion(dir.resolve(DatasetLayout.columnFile(PartialLabels.CONFIDENCE))), tag);
      }
    }
  }

  /** The loader's way: decoded chunks, value indices, no slice per row. */
  @Test
  void chunkViewsReadTheSameValuesByIndex() throws IOException {
    long seed = Seeds.derive(Seeds.base(), 99);
    SplittableRandom r = new SplittableRandom(seed);
    Schema schema = schema(17, true, true, r, null);
    List<Labels> rows = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      rows.add(randomLabels(r, 17));
    }
    Path dir = write(tmp.resolve("views"), schema, rows, "unknown");
    try (Dataset ds = Dataset.open(dir);
        ChunkDecoder dl = ds.newDecoder();
        ChunkDecoder dc = ds.newDecoder()) {
      Column labels = ds.column("labels");
      Column conf = ds.column(PartialLabels.CONFIDENCE);
      for (int row = 0; row < rows.size(); row++) {
        ChunkView lv = dl.decode(labels, labels.chunkOf(row));
        ChunkView cv = dc.decode(conf, conf.chunkOf(row));
        int li = (int) (row - lv.firstRow());
        int ci = (int) (row - cv.firstRow());
        int from = lv.valuesFrom(li);
        int n = lv.valuesFrom(li + 1) - from;
        int cfrom = cv.valuesFrom(ci);
        assertEquals(n, cv.valuesFrom(ci + 1) - cfrom, Seeds.tag(seed) + "row " + row);
        PartialLabels.RowLabels want = expected(rows.get(row), true, true);
        for (int j = 0; j < n; j++) {
          assertEquals(want.positives()[j], lv.setValueAt(from + j), Seeds.tag(seed) + row);
          assertEquals(want.confidences()[j], cv.listValueAt(cfrom + j), Seeds.tag(seed) + row);
        }
        assertNull(
            PartialLabels.rowProblem(lv.setValues(li), cv.listValues(ci), null),
            Seeds.tag(seed) + row);
      }
    }
  }

  private static void assertRow(
      PartialLabels.RowLabels want, PartialLabels.RowLabels got, String m) {
    assertArrayEquals(want.positives(), got.positives(), m + " positives");
    assertArrayEquals(want.confidences(), got.confidences(), m + " confidences");
    assertArrayEquals(want.negatives(), got.negatives(), m + " negatives");
  }

  static int headerVersion(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    return MemorySegment.ofArray(b).get(FileFormat.LE_INT, 12);
  }

  @Test
  void plainLabelsAndUnlistedNegativeStayVersion1() throws IOException {
    Schema plain = PackedImages.schema(PackedImages.Storage.JPEG, 8, 5, true, 3, 0);
    assertEquals(
        plain, PackedImages.schema(PackedImages.Storage.JPEG, 8, 5, true, 3, 0, false, false));
    Path dir = tmp.resolve("plain");
    try (DatasetWriter w = DatasetWriter.create(dir, plain)) {
      w.append(
          w.newRow().setString("key", "a").setBytes("jpeg", new byte[3]).setSet("labels", 1, 4));
      w.putMetadata(PartialLabels.UNLISTED, "negative");
    }
    assertEquals(1, headerVersion(DatasetLayout.manifest(dir)));
    try (Dataset ds = Dataset.open(dir)) {
      assertFalse(ds.partialLabels().partial());
      PartialLabels.RowLabels l = ds.readLabels(0);
      assertArrayEquals(new int[] {1, 4}, l.positives());
      assertNull(l.confidences());
      assertNull(l.negatives());
      assertEquals(1f, l.confidence(1));
    }
    // unlisted = unknown alone is enough to need version 3: a version-2 reader would take the
    // unknowns for negatives
    Path unk = tmp.resolve("unk");
    try (DatasetWriter w = DatasetWriter.create(unk, plain)) {
      w.append(w.newRow().setString("key", "a").setBytes("jpeg", new byte[3]).setSet("labels", 1));
      w.putMetadata(PartialLabels.UNLISTED, "unknown");
    }
    assertEquals(3, headerVersion(DatasetLayout.manifest(unk)));
  }

  @Test
  void theWriterRefusesBadLabels() throws IOException {
    Schema s = schema(10, true, true, null, Codec.ZSTD);
    try (DatasetWriter w = DatasetWriter.create(tmp.resolve("bad"), s)) {
      Row r = w.newRow().setString("key", "a");
      assertRefused(
          () -> r.setLabels(new int[] {1, 2}, new float[] {0.5f, Float.NaN}, null), "NaN");
      assertRefused(() -> r.setLabels(new int[] {1}, new float[] {0f}, null), "(0, 1]");
      assertRefused(() -> r.setLabels(new int[] {1}, new float[] {-0.5f}, null), "(0, 1]");
      assertRefused(() -> r.setLabels(new int[] {1}, new float[] {1.0001f}, null), "(0, 1]");
      assertRefused(
          () -> r.setLabels(new int[] {1, 3}, new float[] {1, 1}, new int[] {3}),
          "label 3 is both a positive and a verified negative");
      assertRefused(() -> r.setLabels(new int[] {1}, null, new int[] {10}), "outside [0, 10)");
      assertRefused(() -> r.setLabels(new int[] {11}, null, null), "outside [0, 10)");
      assertRefused(() -> r.setLabels(new int[] {2, 2}, null, null), "listed twice");
      assertRefused(
          () -> r.setLabels(new int[] {1, 2}, new float[] {1}, null), "1 confidences for 2");
      assertRefused(() -> r.setFloatList(PartialLabels.CONFIDENCE, Float.NaN), "not a finite");
      // set column by column, the row is checked as a whole on append
      r.setSet("labels", 1, 2)
          .setFloatList(PartialLabels.CONFIDENCE, 1f)
          .setSet(PartialLabels.NEGATIVES);
      assertRefused(() -> w.append(r), "row not written: 1 confidences for 2 labels");
      r.setFloatList(PartialLabels.CONFIDENCE, 1f, 1f).setSet(PartialLabels.NEGATIVES, 2);
      assertRefused(() -> w.append(r), "label 2 is both a positive and a verified negative");
      r.setFloatList(PartialLabels.CONFIDENCE, 1f, 2f).setSet(PartialLabels.NEGATIVES, 3);
      assertRefused(() -> w.append(r), "label 2 has confidence 2.0");
      assertRefused(
          () -> w.putMetadata(PartialLabels.UNLISTED, "maybe"), "not negative or unknown");
      assertEquals(0, w.rowCount());
      w.abort();
    }
    Schema plain = schema(10, false, false, null, Codec.ZSTD);
    try (DatasetWriter w = DatasetWriter.create(tmp.resolve("plain"), plain)) {
      Row r = w.newRow();
      assertRefused(
          () -> r.setLabels(new int[] {1}, new float[] {0.5f}, null),
          "no 'label_confidence' column");
      assertRefused(() -> r.setLabels(new int[] {1}, null, new int[] {2}), "no 'label_negatives'");
      r.setLabels(new int[] {1}, new float[] {1f}, new int[0]); // all 1 and none: fine
      w.abort();
    }
    assertRefused(
        () -> Schema.builder().column(ColumnSpec.float32List(PartialLabels.CONFIDENCE)).build(),
        "needs a label column");
    assertRefused(
        () ->
            Schema.builder()
                .column(ColumnSpec.int32Set("labels", 5))
                .labelColumn("labels")
                .column(ColumnSpec.int32Set(PartialLabels.NEGATIVES, 6))
                .build(),
        "cardinality 5");
  }

  private static void assertRefused(org.junit.jupiter.api.function.Executable e, String what) {
    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e, what);
    assertTrue(x.getMessage().contains(what), x.getMessage() + " should say " + what);
  }

  // ---------------------------------------------------------------- damage

  /** Rows 0 and 1: labels {1, 4} (conf .5, 1) | {2} (conf .25); negatives {0} | {3}. */
  private Path small(String name) throws IOException {
    Schema s = schema(6, true, true, null, Codec.NONE);
    List<Labels> rows =
        List.of(
            new Labels(new int[] {4, 1}, new float[] {1f, 0.5f}, new int[] {0}),
            new Labels(new int[] {2}, new float[] {0.25f}, new int[] {3}));
    return write(tmp.resolve(name), s, rows, "unknown");
  }

  private static void patch(Path dir, String column, int payloadOffset, int value)
      throws IOException {
    ChunkPatch.setInt(dir.resolve(DatasetLayout.columnFile(column)), payloadOffset, value);
  }

  private static String verifyProblems(Path dir) throws IOException {
    try (Dataset ds = Dataset.open(dir)) {
      VerifyReport v = ds.verify(1, null);
      assertFalse(v.ok(), "verify should fail");
      return v.problems().toString();
    }
  }

  @Test
  void aConfidenceCountThatDiffersFromTheLabelsIsCaught() throws IOException {
    Path dir = small("count");
    // confidence payload: offsets 0, 2, 3 → 0, 1, 3: row 0 has 1 confidence for 2 labels
    patch(dir, PartialLabels.CONFIDENCE, 4, 1);
    String p = verifyProblems(dir);
    assertTrue(p.contains("row 0: 1 confidences for 2 labels"), p);
    assertTrue(p.contains("row 1: 2 confidences for 1 labels"), p);
    try (Dataset ds = Dataset.open(dir)) {
      for (VerifyReport.Problem q : ds.verify(1, null).problems()) {
        assertEquals(PartialLabels.CONFIDENCE, q.column(), q.toString());
        assertTrue(q.file().endsWith(DatasetLayout.columnFile(PartialLabels.CONFIDENCE)));
      }
    }
    try (Dataset ds = Dataset.open(dir);
        LabelReader r = ds.labelReader()) {
      assertEquals("1 confidences for 2 labels", r.seek(0).problem());
    }
  }

  @Test
  void aNegativeEqualToAPositiveIsCaught() throws IOException {
    Path dir = small("neg");
    // negatives payload: offsets 0, 1, 2, values 0, 3 → row 0's negative becomes 4 (a positive)
    patch(dir, PartialLabels.NEGATIVES, 12, 4);
    String p = verifyProblems(dir);
    assertTrue(p.contains("row 0: label 4 is both a positive and a verified negative"), p);
    assertTrue(p.contains(PartialLabels.NEGATIVES + ", chunk=0"), p);
  }

  @Test
  void aCorruptConfidenceChunkIsReportedOnceAndDecodedOnce() throws IOException {
    Schema s = schema(6, true, false, null, Codec.NONE);
    List<Labels> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      rows.add(new Labels(new int[] {1}, new float[] {0.5f}, new int[0]));
    }
    Path dir = write(tmp.resolve("nan-many"), s, rows, null);
    // float32_list payload: 301 offsets, then the values; row 5's confidence becomes NaN
    patch(dir, PartialLabels.CONFIDENCE, 4 * 301 + 4 * 5, Float.floatToRawIntBits(Float.NaN));
    try (Dataset ds = Dataset.open(dir)) {
      List<VerifyReport.Problem> problems = ds.verify(1, null).problems();
      assertEquals(1, problems.size(), problems.toString());
      assertEquals(PartialLabels.CONFIDENCE, problems.get(0).column());
      assertEquals(0, problems.get(0).chunk());
      List<VerifyReport.Problem> rowProblems = new ArrayList<>();
      try (LabelReader r = ds.labelReader()) {
        DatasetVerifier.verifyLabels(ds, r, rowProblems);
        // the label chunk once, the bad confidence chunk once, not once per row
        assertEquals(2, r.decodes());
      }
      assertEquals(List.of(), rowProblems);
    }
  }

  @Test
  void aConfidenceOutsideTheRangeIsCaught() throws IOException {
    Path dir = small("range");
    patch(dir, PartialLabels.CONFIDENCE, 12 + 4, Float.floatToRawIntBits(1.5f)); // row 0, label 4
    String p = verifyProblems(dir);
    assertTrue(p.contains("row 0: label 4 has confidence 1.5, expected a number in (0, 1]"), p);
  }

  @Test
  void aNanConfidenceIsRefusedOnEveryDecode() throws IOException {
    Path dir = small("nan");
    patch(dir, PartialLabels.CONFIDENCE, 12 + 8, Float.floatToRawIntBits(Float.NaN));
    String p = verifyProblems(dir);
    assertTrue(p.contains("value 2 of the chunk is NaN, not a finite number"), p);
    try (Dataset ds = Dataset.open(dir)) {
      CorruptDatasetException e =
          assertThrows(CorruptDatasetException.class, () -> ds.readLabels(1));
      assertTrue(
          e.getMessage().contains("label_confidence") && e.getMessage().contains("NaN"),
          e.getMessage());
      try (ChunkDecoder d = ds.newDecoder()) {
        assertThrows(
            CorruptDatasetException.class, () -> d.decode(ds.column(PartialLabels.CONFIDENCE), 0));
        ChunkView v = d.decode(ds.column("labels"), 0); // the other columns still read
        assertArrayEquals(new int[] {1, 4}, v.set(0));
      }
    }
  }

  // ---------------------------------------------------------------- versions

  @Test
  void versionMarksAreCheckedBothWays() throws IOException {
    Path dir = small("ver");
    Path m = DatasetLayout.manifest(dir);
    setJsonFileVersion(m, 2); // content of version 3 under a version-2 header: refused
    CorruptDatasetException e =
        assertThrows(CorruptDatasetException.class, () -> Dataset.open(dir));
    assertTrue(e.getMessage().contains("header says version 2"), e.getMessage());
    setJsonFileVersion(m, 4);
    FormatVersionException v = assertThrows(FormatVersionException.class, () -> Dataset.open(dir));
    assertTrue(
        v.getMessage().contains("format version 4 is newer than this jcolz supports (max 3)"),
        v.getMessage());
    // what a version-2 reader says of our version-3 files (its check: version > its max, 2)
    assertEquals(3, FileFormat.VERSION_CURRENT);
    setJsonFileVersion(m, 3);
    try (Dataset ds = Dataset.open(dir)) {
      assertTrue(ds.partialLabels().partial());
    }
    assertTrue(
        new FormatVersionException(m, headerVersion(m), 1, 2)
            .getMessage()
            .contains("format version 3 is newer than this jcolz supports (max 2)"));
    // a float32_list column file marked 1 is refused by its own header
    ChunkPatch.setColumnVersion(dir.resolve(DatasetLayout.columnFile(PartialLabels.CONFIDENCE)), 1);
    e = assertThrows(CorruptDatasetException.class, () -> Dataset.open(dir));
    assertTrue(e.getMessage().contains("float32_list (format version 3)"), e.getMessage());
  }

  /** Sets a manifest's header Version and fixes its CRC32C. */
  static void setJsonFileVersion(Path file, int version) throws IOException {
    byte[] b = Files.readAllBytes(file);
    MemorySegment s = MemorySegment.ofArray(b);
    s.set(FileFormat.LE_INT, 12, version);
    s.set(FileFormat.LE_INT, b.length - 4, Checksums.crc32c(s.asSlice(0, b.length - 4)));
    Files.write(file, b);
  }

  // ---------------------------------------------------------------- collections

  @Test
  void collectionPartsAgreeOnPartialLabels() throws IOException {
    SplittableRandom r = new SplittableRandom(Seeds.base());
    Schema s = schema(6, true, true, r, null);
    Path coll = tmp.resolve("coll");
    List<Labels> rows0 = List.of(randomLabels(r, 6), randomLabels(r, 6));
    List<Labels> rows1 = List.of(randomLabels(r, 6));
    write(DatasetLayout.part(coll, "p0"), s, rows0, "unknown");
    write(DatasetLayout.part(coll, "p1"), s, rows1, "unknown");
    List<String> vocab = List.of("l0", "l1", "l2", "l3", "l4", "l5");
    CollectionWriter.commit(
        coll,
        UUID.randomUUID(),
        s,
        vocab,
        Map.of(PartialLabels.UNLISTED, "unknown"),
        List.of(
            CollectionWriter.describePart(coll, "p0"), CollectionWriter.describePart(coll, "p1")),
        "test");
    assertEquals(3, headerVersion(DatasetLayout.collectionManifest(coll)));
    try (Dataset ds = Dataset.open(coll)) {
      assertEquals(PartialLabels.Unlisted.UNKNOWN, ds.partialLabels().unlisted());
      assertRow(expected(rows1.get(0), true, true), ds.readLabels(2), "row 2 (part 1)");
      assertTrue(ds.verify(1, null).ok());
    }
    // a part whose unlisted differs from the collection's is refused (the writer checks it too)
    Path coll2 = tmp.resolve("coll2");
    write(DatasetLayout.part(coll2, "p0"), s, rows0, null);
    CorruptDatasetException e =
        assertThrows(
            CorruptDatasetException.class,
            () ->
                CollectionWriter.commit(
                    coll2,
                    UUID.randomUUID(),
                    s,
                    vocab,
                    Map.of(PartialLabels.UNLISTED, "unknown"),
                    List.of(CollectionWriter.describePart(coll2, "p0")),
                    "test"));
    assertTrue(e.getMessage().contains("metadata unlisted is negative"), e.getMessage());
  }
}
