package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoVerifyCommandTest {
  @TempDir Path tmp;
  Path ds;

  @BeforeEach
  void write() throws Exception {
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.string("key").withChunkRows(100))
            .keyColumn("key")
            .column(ColumnSpec.uint8Tensor("image", 8, 8, 3).withChunkRows(40))
            .column(ColumnSpec.int32Set("labels", 12))
            .labelColumn("labels")
            .build();
    ds = RandomDatasets.write(tmp.resolve("ds"), schema, Seeds.base(), 500);
  }

  @Test
  void infoJsonDescribesTheDataset() throws Exception {
    CliTestSupport.Result r = CliTestSupport.run("info", ds.toString(), "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertEquals(500, j.get("rows").asLong());
    assertEquals(12, j.get("labels").asInt());
    assertEquals(3, j.get("columns").size());
    JsonNode image = j.get("columns").get(1);
    assertEquals("uint8_tensor[8,8,3]", image.get("type").asText());
    assertEquals(13, image.get("chunks").asInt()); // ceil(500 / 40)
    assertEquals(500 * 192, image.get("uncompressed_bytes").asLong());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(d.diskBytes(), j.get("bytes_on_disk").asLong());
    }
    assertTrue(j.get("ratio").asDouble() > 1.0, r.toString());
  }

  @Test
  void infoHumanListsColumns() {
    CliTestSupport.Result r = CliTestSupport.run("info", ds.toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("rows      500"), r.out());
    assertTrue(r.out().contains("uint8_tensor[8,8,3]"), r.out());
    assertTrue(r.out().contains("label-0"), r.out());
  }

  @Test
  void verifyCleanExitsZero() throws Exception {
    CliTestSupport.Result r = CliTestSupport.run("verify", ds.toString(), "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertTrue(j.get("ok").asBoolean());
    assertEquals(500, j.get("keys").asLong());
    assertEquals(13 + 5 + 1, j.get("chunks").asLong());
  }

  @Test
  void verifyNamesEachBadChunkAndExitsOne() throws Exception {
    Path col = ds.resolve("columns/image.col");
    long[] offsets = new long[2];
    try (Dataset d = Dataset.open(ds)) {
      offsets[0] = d.column("image").offset(2);
      offsets[1] = d.column("image").offset(9);
    }
    byte[] b = Files.readAllBytes(col);
    b[(int) offsets[0] + 5] ^= 1;
    b[(int) offsets[1] + 5] ^= 1;
    Files.write(col, b);
    CliTestSupport.Result r = CliTestSupport.run("verify", ds.toString());
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.out().contains("column 'image', chunk 2 at offset " + offsets[0]), r.out());
    assertTrue(r.out().contains("column 'image', chunk 9 at offset " + offsets[1]), r.out());
    assertTrue(r.out().contains("FAILED"), r.out());
    r = CliTestSupport.run("verify", ds.toString(), "--json");
    assertEquals(1, r.code());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertFalse(j.get("ok").asBoolean());
    assertEquals(2, j.get("problems").size());
    assertEquals(9, j.get("problems").get(1).get("chunk").asInt());
  }

  @Test
  void damagedManifestIsOneLineExitOne() throws Exception {
    Path m = ds.resolve("manifest.jcm");
    byte[] b = Files.readAllBytes(m);
    b[100] ^= 4;
    Files.write(m, b);
    CliTestSupport.Result r = CliTestSupport.run("info", ds.toString());
    assertEquals(1, r.code(), r.toString());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("manifest.jcm") && r.err().contains("checksum mismatch"), r.err());
    r = CliTestSupport.run("verify", ds.toString());
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.out().contains("manifest.jcm"), r.out());
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(2, CliTestSupport.run("info").code());
    assertEquals(2, CliTestSupport.run("nosuchcommand").code());
    assertEquals(2, CliTestSupport.run("verify", ds.toString(), "--threads", "0").code());
    assertEquals(2, CliTestSupport.run("info", ds.toString(), "--bogus").code());
    CliTestSupport.Result r = CliTestSupport.run();
    assertEquals(2, r.code(), r.toString());
  }

  @Test
  void missingDatasetIsOneLineExitOne() {
    CliTestSupport.Result r = CliTestSupport.run("info", tmp.resolve("nope").toString());
    assertEquals(1, r.code(), r.toString());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("nope"), r.err());
  }

  @Test
  void stacktraceAddsTheTraceBeforeOrAfterTheCommand() {
    String nope = tmp.resolve("nope").toString();
    for (String[] args :
        new String[][] {{"info", nope, "--stacktrace"}, {"--stacktrace", "info", nope}}) {
      CliTestSupport.Result r = CliTestSupport.run(args);
      assertEquals(1, r.code(), r.toString());
      List<String> lines = r.err().lines().toList();
      assertTrue(lines.get(0).startsWith("jcolz info: ") && lines.get(0).contains("nope"), r.err());
      assertTrue(
          lines.size() > 3 && lines.stream().anyMatch(l -> l.startsWith("\tat io.jcolz.")),
          r.err());
    }
  }

  @Test
  void benchWorkersHasThreadsAsAlias() {
    for (String name : new String[] {"--workers", "--threads"}) {
      CliTestSupport.Result r = CliTestSupport.run("bench", ds.toString(), name, "0");
      assertEquals(2, r.code(), r.toString());
      assertEquals("jcolz bench: --workers must be at least 1, got 0\n", r.err(), r.toString());
    }
  }
}
