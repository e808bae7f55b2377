package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.shapes.ShapesDatasetWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz train}'s devices, precision and step-time output: the first line (and the JSON)
 * names the devices; {@code --precision} is checked as a flag; bf16 without a DJL bridge that has
 * bfloat16 is one line, exit 1; GPUs turn on the cuDNN autotuner unless the user set it. ResNet-18
 * at 16 px, 32 rows, 2 steps.
 */
class TrainDevicesPrecisionTest {
  @TempDir static Path tmp;
  static Path data;

  @BeforeAll
  static void write() throws Exception {
    data = tmp.resolve("train");
    ShapesDatasetWriter.write(data, 32, 16, 1);
  }

  private static String[] train(String... extra) {
    String[] base = {
      "train",
      data.toString(),
      "--epochs",
      "1",
      "--batch",
      "8",
      "--max-steps",
      "2",
      "--workers",
      "1"
    };
    String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  @Test
  void trainNamesItsDevicesAndReportsTheMedianStepTime() throws Exception {
    CliTestSupport.Result r = CliTestSupport.run(train());
    assertEquals(0, r.code(), r.toString());
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals("devices: cpu() (" + cores + " cores)", r.out().lines().findFirst().orElse(""));
    r = CliTestSupport.run(train("--json"));
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertEquals("cpu() (" + cores + " cores)", j.get("devices").asText());
    assertEquals("fp32", j.get("precision").asText());
    assertTrue(j.get("step_ms_median").asDouble() > 0, j.toString()); // 2 steps: 1 interval
  }

  @Test
  void precisionIsCheckedAsAFlag() {
    CliTestSupport.Result r = CliTestSupport.run(train("--precision", "fp16"));
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("--precision must be fp32 or bf16, not 'fp16'"), r.toString());
    assertEquals(1, r.err().strip().lines().count(), r.toString());
  }

  @Test
  void bf16WithoutABridgeThatHasItIsOneLineExitOne() {
    org.junit.jupiter.api.Assumptions.assumeFalse(Boolean.getBoolean("jcolz.bf16"));
    CliTestSupport.Result r = CliTestSupport.run(train("--precision", "bf16"));
    assertEquals(1, r.code(), r.toString());
    assertTrue(
        r.err().contains("--precision bf16: DJL 0.35.1's PyTorch JNI bridge has no bfloat16 type"),
        r.toString());
    assertEquals(1, r.err().strip().lines().count(), r.toString());
  }

  @Test
  void gpusTurnOnTheCudnnAutotunerUnlessSet() {
    String key = ModelSupport.CUDNN_BENCHMARK;
    String before = System.getProperty(key);
    try {
      System.clearProperty(key);
      ModelSupport.cudnnAutotunerFor("cpu");
      assertEquals(null, System.getProperty(key));
      ModelSupport.cudnnAutotunerFor("gpu0,gpu1");
      assertEquals("true", System.getProperty(key));
      System.setProperty(key, "false"); // the user's choice stands
      ModelSupport.cudnnAutotunerFor("gpu");
      assertEquals("false", System.getProperty(key));
      assertEquals(
          "cpu() (" + Runtime.getRuntime().availableProcessors() + " cores)",
          ModelSupport.describe(new Device[] {Device.cpu()}));
    } finally {
      if (before == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, before);
      }
    }
  }
}
