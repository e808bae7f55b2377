package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.pack.PackTestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partial, soft labels end to end through the CLI: a CSV with confidences, verified negatives and
 * unknowns, and an Open Images label CSV, each packed, verified, counted by {@code info --json} and
 * shown by {@code get}; then resume, shards, append (and what an append refuses), and the bad
 * inputs with their exit codes.
 */
class PackPartialLabelsCliTest {
  static final int S = 8;

  @TempDir Path tmp;

  private Path images(String... keys) throws Exception {
    Path in = tmp.resolve("in-" + keys.length + "-" + keys[0].replace('/', '_'));
    for (int i = 0; i < keys.length; i++) {
      String fmt = keys[i].endsWith(".jpg") ? "jpg" : "png";
      PackTestImages.write(PackTestImages.smooth(S + 3, S + 1, 40 + i), fmt, in.resolve(keys[i]));
    }
    return in;
  }

  /** {@code jcolz pack --input in --labels labels --out out --size S extra...}. */
  private static CliTestSupport.Result pack(Path in, Path labels, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "pack",
                "--input",
                in.toString(),
                "--labels",
                labels.toString(),
                "--out",
                out.toString(),
                "--size",
                "" + S));
    args.addAll(List.of(extra));
    return CliTestSupport.run(args.toArray(String[]::new));
  }

  private static JsonNode ok(CliTestSupport.Result r) throws Exception {
    assertEquals(0, r.code(), r.toString());
    return CliSupport.JSON.readTree(r.lastLine());
  }

  private static JsonNode label(JsonNode info, String name) {
    for (JsonNode pl : info.at("/label_stats/per_label")) {
      if (pl.get("label").asText().equals(name)) {
        return pl;
      }
    }
    throw new AssertionError("no label " + name + " in " + info);
  }

  /** positives, verified negatives, unknowns of one label, as info --json counts them. */
  private static void counts(JsonNode info, String name, long pos, long neg, long unknown) {
    JsonNode pl = label(info, name);
    String m = name + ": " + pl;
    assertEquals(pos, pl.get("positives").asLong(), m);
    assertEquals(neg, pl.get("verified_negatives").asLong(), m);
    assertEquals(unknown, pl.get("unknowns").asLong(), m);
  }

  private static final String CSV =
      "key,labels\n"
          + "a/1.png,cat dog:0.7 -car\n"
          + "a/2.png,dog -cat\n"
          + "b/3.png,car:0.4\n"
          + "b/4.png,-dog\n"
          + "c.png,\n"
          + "e.png,cat:1.5\n";

  @Test
  void aCsvWithConfidencesNegativesAndUnknownsPacksVerifiesAndShowsThem() throws Exception {
    Path in = images("a/1.png", "a/2.png", "b/3.png", "b/4.png", "c.png", "d.png", "e.png");
    Path labels = tmp.resolve("labels.csv");
    Files.writeString(labels, CSV);
    Path ds = tmp.resolve("ds.jcolz");
    CliTestSupport.Result r =
        pack(in, labels, ds, "--part-rows", "3", "--unlisted", "unknown", "--json");
    JsonNode p = ok(r);
    assertEquals(7, p.get("rows").asLong());
    assertEquals(1, p.get("label_lines_rejected").asLong(), r.toString());
    assertTrue(
        r.err().contains(labels + ":7: label cat: confidence 1.5 is not in [0, 1]"), r.err());
    assertTrue(
        r.err()
            .contains(
                "partial labels: every part stores label_confidence and label_negatives (format"
                    + " version 3)"),
        r.err());
    assertEquals(0, CliTestSupport.run("verify", ds.toString()).code());
    JsonNode info = ok(CliTestSupport.run("info", ds.toString(), "--json"));
    assertEquals(3, info.get("format_version").asInt(), info.toString());
    assertEquals("unknown", info.at("/label_stats/unlisted").asText());
    // 7 rows: c.png (empty line), d.png (no line) and e.png (rejected line) know nothing
    counts(info, "car", 1, 1, 5);
    counts(info, "cat", 1, 1, 5);
    counts(info, "dog", 2, 1, 4);
    JsonNode g = ok(CliTestSupport.run("get", ds.toString(), "a/1.png", "--json"));
    assertEquals("[\"cat\",\"dog\"]", g.get("labels").toString());
    assertEquals("[1.0,0.7]", g.get("label_confidences").toString());
    assertEquals("[\"car\"]", g.get("negatives").toString());
    assertEquals("unknown", g.get("unlisted").asText());
    CliTestSupport.Result human = CliTestSupport.run("get", ds.toString(), "b/3.png");
    assertTrue(human.out().contains("car:0.4"), human.out());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals("unknown", d.metadata().get(PartialLabels.UNLISTED));
      assertTrue(d.partialLabels().hasConfidence() && d.partialLabels().hasNegatives());
    }

    // a re-run keeps every part; shards then --finish give the same rows
    JsonNode again =
        ok(pack(in, labels, ds, "--part-rows", "3", "--unlisted", "unknown", "--json"));
    assertEquals(3, again.get("parts_kept").asInt(), again.toString());
    Path sharded = tmp.resolve("sharded.jcolz");
    for (String shard : new String[] {"0/2", "1/2"}) {
      ok(
          pack(
              in,
              labels,
              sharded,
              "--part-rows",
              "3",
              "--unlisted",
              "unknown",
              "--shard",
              shard,
              "--json"));
    }
    ok(CliTestSupport.run("pack", "--finish", "--out", sharded.toString(), "--json"));
    assertEquals(rows(ds), rows(sharded));
  }

  /** Every row's key, positives, confidences and negatives, as text. */
  private static List<String> rows(Path ds) throws Exception {
    List<String> out = new ArrayList<>();
    try (Dataset d = Dataset.open(ds)) {
      for (long r = 0; r < d.rowCount(); r++) {
        PartialLabels.RowLabels l = d.readLabels(r);
        out.add(
            d.readString("key", r)
                + " "
                + java.util.Arrays.toString(l.positives())
                + java.util.Arrays.toString(l.confidences())
                + java.util.Arrays.toString(l.negatives()));
      }
    }
    return out;
  }

  @Test
  void anOpenImagesCsvPacksByImageIdVerifiesAndShowsItsLabels() throws Exception {
    Path in = images("train/0001.jpg", "train/0002.jpg", "val/0003.jpg", "0004.jpg");
    Path labels = tmp.resolve("oidv6-labels.csv");
    Files.writeString(
        labels,
        "ImageID,Source,LabelName,Confidence\n"
            + "0001,verification,/m/cat,1\n"
            + "0001,verification,/m/dog,0\n"
            + "0001,machine,/m/car,0.6\n"
            + "0002,machine,/m/cat,0.8\n"
            + "0002,crowdsource-verification,/m/cat,0\n"
            + "0003,verification,/m/dog,1\n"
            + "0003,verification,/m/dog,0\n"
            + "9999,verification,/m/dog,1\n");
    Path ds = tmp.resolve("oi.jcolz");
    CliTestSupport.Result r =
        pack(in, labels, ds, "--labels-format", "openimages", "--unlisted", "unknown", "--json");
    JsonNode p = ok(r);
    assertEquals(4, p.get("rows").asLong());
    assertEquals(1, p.get("label_lines_rejected").asLong(), r.toString());
    assertEquals(1, p.get("label_keys_without_image").asLong(), r.toString());
    assertEquals(1, p.get("unlabelled").asLong(), r.toString());
    assertTrue(
        r.err()
            .contains(
                labels
                    + ":8: label /m/dog is a verified negative here and a positive on line 7 (key"
                    + " 0003); the row is rejected"),
        r.err());
    assertEquals(0, CliTestSupport.run("verify", ds.toString()).code());
    JsonNode info = ok(CliTestSupport.run("info", ds.toString(), "--json"));
    assertEquals(3, info.get("format_version").asInt());
    counts(info, "/m/car", 1, 0, 3);
    counts(info, "/m/cat", 1, 1, 2);
    counts(info, "/m/dog", 1, 1, 2);
    JsonNode g = ok(CliTestSupport.run("get", ds.toString(), "train/0001.jpg", "--json"));
    assertEquals("[\"/m/car\",\"/m/cat\"]", g.get("labels").toString());
    assertEquals("[0.6,1.0]", g.get("label_confidences").toString());
    assertEquals("[\"/m/dog\"]", g.get("negatives").toString());
    JsonNode g2 = ok(CliTestSupport.run("get", ds.toString(), "train/0002.jpg", "--json"));
    assertEquals("[]", g2.get("labels").toString());
    assertEquals("[\"/m/cat\"]", g2.get("negatives").toString(), "the human row wins");
  }

  @Test
  void appendKeepsTheCollectionsLabelColumnsAndRefusesWhatItCannotStore() throws Exception {
    Path in = images("a/1.png", "a/2.png");
    Path labels = tmp.resolve("soft.csv");
    Files.writeString(labels, "a/1.png,cat:0.5 -dog\na/2.png,dog\n");
    Path ds = tmp.resolve("ds.jcolz");
    ok(pack(in, labels, ds, "--unlisted", "unknown", "--json"));
    // plain labels append into the partial collection (its unlisted adopted): confidences 1
    Path more = images("n/3.png");
    Path plain = tmp.resolve("plain.csv");
    Files.writeString(plain, "n/3.png,cat\n");
    ok(
        CliTestSupport.run(
            "pack",
            "--append",
            "--input",
            more.toString(),
            "--labels",
            plain.toString(),
            "--out",
            ds.toString(),
            "--json"));
    assertEquals(0, CliTestSupport.run("verify", ds.toString()).code());
    assertEquals(
        List.of("a/1.png [0][0.5][1]", "a/2.png [1][1.0][]", "n/3.png [0][1.0][]"), rows(ds));
    // an append that says another --unlisted is refused
    Path more2 = images("m/4.png");
    CliTestSupport.Result u =
        CliTestSupport.run(
            "pack",
            "--append",
            "--input",
            more2.toString(),
            "--labels",
            plain.toString(),
            "--unlisted",
            "negative",
            "--out",
            ds.toString());
    assertEquals(1, u.code(), u.toString());
    assertTrue(u.err().contains("--unlisted negative differs from"), u.err());

    // into a plain collection, labels with negatives are refused with one line
    Path plainDs = tmp.resolve("plain.jcolz");
    Files.writeString(plain, "a/1.png,cat\na/2.png,dog\n");
    ok(pack(in, plain, plainDs, "--json"));
    JsonNode info = ok(CliTestSupport.run("info", plainDs.toString(), "--json"));
    assertEquals(2, info.get("format_version").asInt(), "plain labels: no version 3");
    Path negatives = tmp.resolve("negatives.csv");
    Files.writeString(negatives, "m/4.png,dog -cat\n");
    CliTestSupport.Result refused =
        CliTestSupport.run(
            "pack",
            "--append",
            "--input",
            more2.toString(),
            "--labels",
            negatives.toString(),
            "--out",
            plainDs.toString());
    assertEquals(1, refused.code(), refused.toString());
    assertTrue(
        refused.err().contains("gives verified negatives, which " + plainDs + " does not store"),
        refused.err());
    assertFalse(refused.err().contains("\tat "), "no stack trace: " + refused.err());
  }

  @Test
  void badLabelOptionsAreUsageErrors() throws Exception {
    Path in = images("a.png");
    Path labels = tmp.resolve("l.csv");
    Files.writeString(labels, "a.png,cat\n");
    Path ds = tmp.resolve("x.jcolz");
    Map<List<String>, String> cases =
        Map.of(
            List.of("--labels", labels.toString(), "--labels-format", "yaml"),
            "auto, csv, tsv, jsonl or openimages",
            List.of("--labels", labels.toString(), "--unlisted", "maybe"),
            "negative or unknown",
            List.of("--labels-format", "csv"),
            "--labels-format needs --labels FILE",
            List.of("--unlisted", "unknown"),
            "--unlisted unknown needs labels");
    for (var c : cases.entrySet()) {
      List<String> args =
          new ArrayList<>(List.of("pack", "--input", in.toString(), "--out", ds.toString()));
      args.addAll(c.getKey());
      CliTestSupport.Result r = CliTestSupport.run(args.toArray(String[]::new));
      assertEquals(2, r.code(), r.toString());
      assertTrue(r.err().contains(c.getValue()), c.getKey() + ": " + r.err());
    }
    Path oi = tmp.resolve("noheader.csv");
    Files.writeString(oi, "0001,verification,/m/cat,1\n");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--labels",
            oi.toString(),
            "--labels-format",
            "openimages");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains(oi + ":1: --labels-format openimages needs the header"), r.err());
  }
}
