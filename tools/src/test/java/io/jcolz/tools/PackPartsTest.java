package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.pack.PackTestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Collections of parts through the CLI: the flags ({@code --append}, {@code --restart}, {@code
 * --shard}, {@code --finish}), their exit codes, one-line errors and {@code --json} fields, {@code
 * jcolz verify} on a damaged plan, and every tool on a sharded collection. What the library does
 * with the same runs (rows, vocabulary, parts) is checked in {@code pack}'s {@code
 * PackResumeAppendShardTest}.
 */
class PackPartsTest {
  @TempDir Path tmp;
  Path in;

  @BeforeEach
  void images() throws Exception {
    in = tmp.resolve("in");
    for (int i = 0; i < 25; i++) {
      PackTestImages.write(
          PackTestImages.noise(12, 12, i),
          "png",
          in.resolve(String.format("c%d/i%02d.png", i % 2, i)));
    }
  }

  @Test
  void aDamagedPackPlanIsCaughtByVerifyAndByARerunOfPack() throws Exception {
    Path ds = tmp.resolve("plan.jcolz");
    json(pack("--input", in.toString(), "--out", ds.toString()));
    Path plan = ds.resolve(io.jcolz.pack.PackPlan.FILE);
    byte[] original = Files.readAllBytes(plan);
    byte[] flipped = original.clone();
    flipped[original.length / 2] ^= 0x01;
    byte[] truncated = java.util.Arrays.copyOf(original, original.length - 5);
    for (byte[] damaged : List.of(flipped, truncated)) {
      Files.write(plan, damaged);
      CliTestSupport.Result v = CliTestSupport.run("verify", ds.toString());
      assertEquals(1, v.code(), v.toString());
      assertTrue(v.out().contains("BAD " + plan + ": damaged pack plan: "), v.toString());
      // a re-run must not trust it to decide "already complete"
      CliTestSupport.Result again = pack("--input", in.toString(), "--out", ds.toString());
      assertEquals(1, again.code(), again.toString());
      assertTrue(again.err().contains("damaged pack plan"), again.toString());
      assertFalse(again.err().contains("\tat "), "no stack trace: " + again);
    }
    Files.write(plan, original);
    assertEquals(0, CliTestSupport.run("verify", ds.toString()).code());
    CliTestSupport.Result done = pack("--input", in.toString(), "--out", ds.toString());
    assertEquals(0, done.code(), done.toString());
    assertTrue(
        done.err().contains("already complete") || done.out().contains("already complete"),
        done.toString());
  }

  @Test
  void aDamagedAppendPlanIsRefusedAndRestartDiscardsItsParts() throws Exception {
    Path ds = tmp.resolve("app.jcolz");
    json(pack("--input", in.toString(), "--out", ds.toString()));
    Path more = tmp.resolve("more");
    for (int i = 0; i < 4; i++) {
      PackTestImages.write(
          PackTestImages.noise(12, 12, 200 + i), "png", more.resolve("c0/m" + i + ".png"));
    }
    // an append killed after its plan and one part: then the plan is damaged (cut short)
    Path plan = ds.resolve(io.jcolz.pack.PackPlan.APPEND_FILE);
    Files.writeString(plan, "{\n  \"format\" : \"jcolz-pack-plan\",\n  \"version\" : 2,\n  \"pl");
    Path stray = ds.resolve("parts/part-000003");
    Files.createDirectories(stray);
    String[] append = {
      "pack",
      "--append",
      "--input",
      more.toString(),
      "--out",
      ds.toString(),
      "--labels-from-dirs",
      "--part-rows",
      "10",
      "--json"
    };
    CliTestSupport.Result refused = CliTestSupport.run(append);
    assertEquals(1, refused.code(), refused.toString());
    assertTrue(refused.err().contains(plan + ": damaged pack plan: "), refused.toString());
    assertTrue(refused.err().contains("--restart"), refused.toString());
    CliTestSupport.Result v = CliTestSupport.run("verify", ds.toString());
    assertEquals(1, v.code(), v.toString());
    assertTrue(v.out().contains("BAD " + plan + ": damaged pack plan"), v.toString());
    List<String> withRestart = new ArrayList<>(List.of(append));
    withRestart.add("--restart");
    JsonNode j = json(CliTestSupport.run(withRestart.toArray(String[]::new)));
    assertEquals(4, j.get("rows").asLong(), j.toString());
    assertEquals(0, CliTestSupport.run("verify", ds.toString()).code());
  }

  private CliTestSupport.Result pack(String... extra) {
    List<String> a =
        new ArrayList<>(List.of("pack", "--size", "8", "--part-rows", "10", "--labels-from-dirs"));
    a.addAll(List.of(extra));
    a.add("--json");
    return CliTestSupport.run(a.toArray(String[]::new));
  }

  private static JsonNode json(CliTestSupport.Result r) throws Exception {
    assertEquals(0, r.code(), r.toString());
    return CliSupport.JSON.readTree(r.lastLine());
  }

  @Test
  void appendAddsPartsWithTheCollectionsVocabulary() throws Exception {
    Path ds = tmp.resolve("ds.jcolz");
    assertEquals(
        3, json(pack("--input", in.toString(), "--out", ds.toString())).get("parts").asInt());
    Path more = tmp.resolve("more");
    for (int i = 0; i < 12; i++) {
      PackTestImages.write(
          PackTestImages.noise(12, 12, 100 + i),
          "png",
          more.resolve(String.format("%s/n%02d.png", i % 2 == 0 ? "c0" : "newlabel", i)));
    }
    {
      CliTestSupport.Result r =
          CliTestSupport.run(
              "pack",
              "--append",
              "--input",
              more.toString(),
              "--out",
              ds.toString(),
              "--labels-from-dirs",
              "--part-rows",
              "10",
              "--json");
      JsonNode j = json(r);
      assertEquals(2, j.get("parts_packed").asInt(), r.toString());
      assertEquals(12, j.get("rows").asLong());
      assertEquals(6, j.get("labels_dropped").asLong(), "'newlabel' is not in the vocabulary");
      assertTrue(r.err().contains("newlabel"), r.err());
    }
    // the same append again: already there
    CliTestSupport.Result again =
        CliTestSupport.run(
            "pack",
            "--append",
            "--input",
            more.toString(),
            "--out",
            ds.toString(),
            "--labels-from-dirs",
            "--part-rows",
            "10",
            "--json");
    assertEquals(0, again.code(), again.toString());
    assertTrue(again.err().contains("already holds this append"), again.err());
    // a key already in the collection, with other images: refused, naming the key
    Path dup = tmp.resolve("dup");
    PackTestImages.write(PackTestImages.noise(12, 12, 7), "png", dup.resolve("c0/i00.png"));
    CliTestSupport.Result bad =
        CliTestSupport.run(
            "pack",
            "--append",
            "--input",
            dup.toString(),
            "--out",
            ds.toString(),
            "--labels-from-dirs");
    assertEquals(1, bad.code(), bad.toString());
    assertTrue(bad.err().contains("key 'c0/i00.png' is already in"), bad.err());
    assertFalse(bad.err().contains("\tat "), bad.err());
  }

  @Test
  void twoShardsAreAssembledByFinish() throws Exception {
    Path ds = tmp.resolve("sharded.jcolz");
    JsonNode s0 = json(pack("--input", in.toString(), "--out", ds.toString(), "--shard", "0/2"));
    assertFalse(s0.get("committed").asBoolean());
    assertEquals(2, s0.get("parts_packed").asInt(), "parts 0 and 2 of 3");

    CliTestSupport.Result early = CliTestSupport.run("pack", "--finish", "--out", ds.toString());
    assertEquals(1, early.code(), early.toString());
    assertTrue(early.err().contains("1 of 3 parts are not packed yet: part-000001"), early.err());

    JsonNode s1 = json(pack("--input", in.toString(), "--out", ds.toString(), "--shard", "1/2"));
    assertEquals(1, s1.get("parts_packed").asInt());
    JsonNode f = json(CliTestSupport.run("pack", "--finish", "--out", ds.toString(), "--json"));
    assertEquals(25, f.get("rows").asLong());
    // the settings reported are the pack's (from the committed dataset), not the defaults
    assertEquals(8, f.get("size").asInt(), f.toString());
    assertEquals(s0.get("mode").asText(), f.get("mode").asText(), f.toString());

    // every tool on the collection
    JsonNode info = json(CliTestSupport.run("info", ds.toString(), "--json"));
    assertEquals(2, info.get("format_version").asInt());
    assertEquals(3, info.get("parts").size());
    assertEquals(20, info.get("parts").get(2).get("first_row").asLong());
    assertEquals(0, CliTestSupport.run("verify", ds.toString()).code());
    CliTestSupport.Result byKey = CliTestSupport.run("get", ds.toString(), "c1/i23.png");
    assertEquals(0, byKey.code(), byKey.toString());
    assertTrue(byKey.out().contains("labels  c1"), byKey.out());
    JsonNode byRow = json(CliTestSupport.run("get", ds.toString(), "--row", "24", "--json"));
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(d.readString("key", 24), byRow.get("key").asText());
    }
    JsonNode bench =
        json(
            CliTestSupport.run(
                "bench",
                ds.toString(),
                "--seconds",
                "1",
                "--threads",
                "1",
                "--batch",
                "8",
                "--json"));
    assertTrue(bench.get("images").asLong() > 0, bench.toString());
  }
}
