package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.shapes.ShapesDatasetWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz train --read-mode M --read-ahead N} reach the training loader; bad values exit 2.
 */
class TrainReadFlagsTest {
  @TempDir Path tmp;

  private static CliTestSupport.Result train(Path ds, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "train",
                ds.toString(),
                "--model",
                "resnet18",
                "--epochs",
                "1",
                "--batch",
                "8",
                "--max-steps",
                "2",
                "--workers",
                "1",
                "--json"));
    args.addAll(List.of(extra));
    return CliTestSupport.run(args.toArray(String[]::new));
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
