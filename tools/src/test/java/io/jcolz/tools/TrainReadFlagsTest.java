package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.shapes.ShapesDatasetWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz train --read-mode M --read-ahead N} reach the training loader; bad values exit 2.
 */
class TrainReadFlagsTest {
  @TempDir Path tmp;

  private static CliTestSupport.Result train(Path ds, String... extra) {
    return CliTestSupport.trainTwoSteps(ds, true, extra);
  }

  @Test
  void trainsWithReadsAheadAndRefusesBadValues() throws Exception {
    Path ds = tmp.resolve("train");
    ShapesDatasetWriter.write(ds, 16, 16, 1);
    CliTestSupport.Result r = train(ds, "--read-mode", "pread", "--read-ahead", "2");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertEquals(2, j.get("steps").asInt(), r.toString());
    assertTrue(Double.isFinite(j.get("loss").asDouble()), r.toString());
    // the training loader's own configuration, echoed: the flags reached it
    assertEquals("pread", j.get("read_mode").asText(), r.toString());
    assertEquals(2, j.get("read_ahead").asInt(), r.toString());
    CliTestSupport.Result d = train(ds, "--read-mode", "populate");
    assertEquals(0, d.code(), d.toString());
    JsonNode dj = CliSupport.JSON.readTree(d.lastLine());
    assertEquals("populate", dj.get("read_mode").asText(), d.toString());
    assertEquals( // the default depth for one worker
        io.jcolz.loader.read.ReadAhead.defaultDepth(1), dj.get("read_ahead").asInt(), d.toString());
    // by default the loader chooses: a dataset this small stays in the page cache, mapped
    CliTestSupport.Result a = train(ds);
    assertEquals(0, a.code(), a.toString());
    JsonNode aj = CliSupport.JSON.readTree(a.lastLine());
    assertEquals("map", aj.get("read_mode").asText(), a.toString());
    assertTrue(aj.get("read_mode_reason").asText().startsWith("auto: "), a.toString());
    assertEquals("asked for", dj.get("read_mode_reason").asText(), d.toString());
    // in text, one line says how the training loader reads and why
    CliTestSupport.Result text =
        CliTestSupport.trainTwoSteps(ds, false, "--read-mode", "pread", "--read-ahead", "2");
    assertEquals(0, text.code(), text.toString());
    assertTrue(text.out().contains("reads: pread, read ahead 2 chunks (asked for)"), text.out());
    String[][] bad = {{"--read-ahead", "-1"}, {"--read-ahead", "5000"}, {"--read-mode", "mmap"}};
    String[] fragments = {"--read-ahead", "--read-ahead", "--read-mode"};
    for (int i = 0; i < bad.length; i++) {
      CliTestSupport.Result b = train(ds, bad[i]);
      assertEquals(2, b.code(), String.join(" ", bad[i]) + ": " + b);
      assertTrue(b.err().contains(fragments[i]), String.join(" ", bad[i]) + ": " + b);
      assertFalse(b.err().contains("\tat "), "no stack trace: " + b);
    }
  }
}
