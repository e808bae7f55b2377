package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.testing.ChunkPatch;
import io.jcolz.format.testing.Seeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz info}, {@code get} and {@code verify} on a dataset with partial labels (format
 * version 3): the per-label counts against a count made here from the rows as written, a row's
 * confidences and negatives, and a damaged row named by verify.
 */
class PartialLabelsCliTest {
  @TempDir Path tmp;

  static final List<String> VOCAB = List.of("cat", "dog", "car", "tree", "sky");

  /** Writes {@code rows} random rows; returns per row {positives, negatives} as written. */
  private List<int[][]> write(Path dir, long seed, int rows, boolean unknown) throws Exception {
    Schema s =
        PackedImages.schema(PackedImages.Storage.RAW, 2, VOCAB.size(), true, 3, 0, true, true);
    SplittableRandom r = new SplittableRandom(seed);
    List<int[][]> written = new ArrayList<>();
    try (DatasetWriter w = DatasetWriter.create(dir, s)) {
      Row row = w.newRow();
      for (int i = 0; i < rows; i++) {
        List<Integer> pos = new ArrayList<>();
        List<Integer> neg = new ArrayList<>();
        for (int l = 0; l < VOCAB.size(); l++) {
          switch (r.nextInt(3)) {
            case 0 -> pos.add(l);
            case 1 -> neg.add(l);
            default -> {}
          }
        }
        int[] p = pos.stream().mapToInt(Integer::intValue).toArray();
        int[] n = neg.stream().mapToInt(Integer::intValue).toArray();
        float[] c = new float[p.length];
        for (int j = 0; j < c.length; j++) {
          c[j] = j == 0 ? 0.5f : 1f;
        }
        w.append(
            row.clear()
                .setString(PackedImages.KEY, "img-" + i)
                .setTensor(PackedImages.IMAGE, new byte[12])
                .setLabels(p, c, n));
        written.add(new int[][] {p, n});
      }
      w.labels(VOCAB);
      if (unknown) {
        w.putMetadata(PartialLabels.UNLISTED, "unknown");
      }
    }
    return written;
  }

  @Test
  void infoCountsPositivesNegativesAndUnknownsPerLabel() throws Exception {
    long seed = Seeds.base();
    for (boolean unknown : new boolean[] {true, false}) {
      Path ds = tmp.resolve("ds-" + unknown);
      List<int[][]> rows = write(ds, seed, 137, unknown);
      CliTestSupport.Result res = CliTestSupport.run("info", ds.toString(), "--json");
      assertEquals(0, res.code(), res.toString());
      JsonNode j = CliSupport.JSON.readTree(res.lastLine());
      assertEquals(3, j.get("format_version").asInt());
      JsonNode st = j.get("label_stats");
      assertEquals(unknown ? "unknown" : "negative", st.get("unlisted").asText());
      long totalPos = 0;
      for (int l = 0; l < VOCAB.size(); l++) {
        long pos = 0;
        long neg = 0;
        for (int[][] row : rows) {
          pos += contains(row[0], l) ? 1 : 0;
          neg += contains(row[1], l) ? 1 : 0;
        }
        long unlisted = rows.size() - pos - neg;
        JsonNode pl = st.get("per_label").get(l);
        String m = Seeds.tag(seed) + "label " + l + " unlisted=" + unknown;
        assertEquals(VOCAB.get(l), pl.get("label").asText(), m);
        assertEquals(pos, pl.get("positives").asLong(), m);
        assertEquals(neg, pl.get("verified_negatives").asLong(), m);
        assertEquals(unknown ? neg : neg + unlisted, pl.get("negatives").asLong(), m);
        assertEquals(unknown ? unlisted : 0, pl.get("unknowns").asLong(), m);
        assertTrue(unlisted > 0, m + ": the test needs unlisted labels");
        totalPos += pos;
      }
      assertEquals(totalPos, st.get("positives").asLong());
      CliTestSupport.Result human = CliTestSupport.run("info", ds.toString());
      assertTrue(
          human
              .out()
              .contains("label statistics (unlisted = " + (unknown ? "unknown" : "negative")),
          human.out());
      assertTrue(human.out().contains("mean conf."), human.out());
      CliTestSupport.Result skip =
          CliTestSupport.run("info", ds.toString(), "--json", "--no-label-stats");
      assertFalse(skip.lastLine().contains("label_stats"), skip.toString());
    }
  }

  @Test
  void getShowsConfidencesAndNegatives() throws Exception {
    Path ds = tmp.resolve("ds");
    List<int[][]> rows = write(ds, Seeds.base(), 20, true);
    int i = 0;
    while (rows.get(i)[0].length < 2 || rows.get(i)[1].length < 1) {
      i++;
    }
    CliTestSupport.Result res = CliTestSupport.run("get", ds.toString(), "--row", "" + i, "--json");
    assertEquals(0, res.code(), res.toString());
    JsonNode j = CliSupport.JSON.readTree(res.lastLine());
    assertEquals(rows.get(i)[0].length, j.get("label_confidences").size());
    assertEquals(0.5, j.get("label_confidences").get(0).asDouble());
    assertEquals(1.0, j.get("label_confidences").get(1).asDouble());
    assertEquals(VOCAB.get(rows.get(i)[1][0]), j.get("negatives").get(0).asText());
    assertEquals(rows.get(i)[1][0], j.get("negative_indices").get(0).asInt());
    assertEquals("unknown", j.get("unlisted").asText());
    CliTestSupport.Result human = CliTestSupport.run("get", ds.toString(), "img-" + i);
    assertEquals(0, human.code(), human.toString());
    assertTrue(
        human.out().contains("labels  " + VOCAB.get(rows.get(i)[0][0]) + ":0.5 "), human.out());
    assertTrue(human.out().contains("not     " + VOCAB.get(rows.get(i)[1][0])), human.out());
    assertTrue(human.out().contains("others  unknown"), human.out());
  }

  @Test
  void verifyNamesARowWhoseNegativeIsAPositive() throws Exception {
    Schema s =
        Schema.builder()
            .column(ColumnSpec.int32Set("labels", 5).withCodec(Codec.NONE, 0))
            .labelColumn("labels")
            .column(ColumnSpec.int32Set(PartialLabels.NEGATIVES, 5).withCodec(Codec.NONE, 0))
            .build();
    Path ds = tmp.resolve("ds");
    try (DatasetWriter w = DatasetWriter.create(ds, s)) {
      for (int i = 0; i < 50; i++) {
        w.append(w.newRow().setLabels(new int[] {1, 4}, null, new int[] {0}));
      }
      w.labels(VOCAB);
    }
    CliTestSupport.Result clean = CliTestSupport.run("verify", ds.toString());
    assertEquals(0, clean.code(), clean.toString());
    // row 0's verified negative 0 becomes 4, one of its positives; every checksum is fixed up
    ChunkPatch.setInt(ds.resolve("columns/label_negatives.col"), 4 * 51, 4);
    CliTestSupport.Result v = CliTestSupport.run("verify", ds.toString());
    assertNotEquals(0, v.code(), v.toString());
    assertTrue(
        (v.out() + v.err()).contains("row 0: label 4 is both a positive and a verified negative"),
        v.toString());
    CliTestSupport.Result get = CliTestSupport.run("get", ds.toString(), "--row", "1");
    assertEquals(0, get.code(), get.toString());
    assertTrue(get.out().contains("labels  dog sky"), get.out());
    assertTrue(get.out().contains("not     cat"), get.out());
  }

  @Test
  void infoWithADamagedLabelChunkPrintsTheSummaryAndSaysWhyStatsAreMissing() throws Exception {
    Schema s =
        Schema.builder()
            .column(ColumnSpec.int32Set("labels", 5).withCodec(Codec.NONE, 0))
            .labelColumn("labels")
            .build();
    Path ds = tmp.resolve("ds");
    try (DatasetWriter w = DatasetWriter.create(ds, s)) {
      for (int i = 0; i < 50; i++) {
        w.append(w.newRow().setLabels(new int[] {1, 4}, null, null));
      }
      w.labels(VOCAB);
    }
    // row 0's first label becomes 9, outside the vocabulary of 5; every checksum is fixed up
    ChunkPatch.setInt(ds.resolve("columns/labels.col"), 4 * 51, 9);
    CliTestSupport.Result human = CliTestSupport.run("info", ds.toString());
    assertEquals(0, human.code(), human.toString());
    assertTrue(human.out().contains("labels"), human.out());
    assertTrue(
        human.out().contains("label statistics: unavailable (")
            && human.out().contains("; run jcolz verify)"),
        human.out());
    assertTrue(human.out().contains("labels.col"), human.out());
    CliTestSupport.Result json = CliTestSupport.run("info", ds.toString(), "--json");
    assertEquals(0, json.code(), json.toString());
    JsonNode j = CliSupport.JSON.readTree(json.lastLine());
    assertEquals(50, j.get("rows").asLong());
    assertTrue(j.has("label_stats") && j.get("label_stats").isNull(), json.lastLine());
  }

  private static boolean contains(int[] a, int x) {
    for (int v : a) {
      if (v == x) {
        return true;
      }
    }
    return false;
  }
}
