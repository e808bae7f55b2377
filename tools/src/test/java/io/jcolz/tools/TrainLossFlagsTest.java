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

/** {@code jcolz train --loss sce|asl|focal} and its flags, end to end on a small dataset. */
class TrainLossFlagsTest {

  @TempDir Path tmp;

  private CliTestSupport.Result train(Path ds, String... extra) {
    return CliTestSupport.trainTwoSteps(ds, true, extra);
  }

  @Test
  void aslFocalAndSubSampledSceTrainTwoStepsWithAFiniteLoss() throws Exception {
    Path ds = tmp.resolve("train");
    ShapesDatasetWriter.write(ds, 32, 16, 1);
    for (String[] flags :
        new String[][] {
          {"--loss", "asl", "--asl-gamma-neg", "4", "--asl-gamma-pos", "1", "--asl-clip", "0.05"},
          {"--loss", "focal", "--neg-fraction", "0.5"},
          {"--loss", "sce", "--neg-fraction", "0.1", "--seed", "3"},
        }) {
      CliTestSupport.Result r = train(ds, flags);
      assertEquals(0, r.code(), String.join(" ", flags) + ": " + r);
      JsonNode j = CliSupport.JSON.readTree(r.lastLine());
      assertEquals(2, j.get("steps").asInt(), r.toString());
      double loss = j.get("loss").asDouble();
      assertTrue(Double.isFinite(loss) && loss > 0, String.join(" ", flags) + " loss " + loss);
    }
  }

  @Test
  void badLossFlagsGetOneLineAndExitCode2() throws Exception {
    Path ds = tmp.resolve("train");
    ShapesDatasetWriter.write(ds, 16, 16, 1);
    String[][] bad = {
      {"--loss", "hinge"},
      {"--loss", "asl", "--asl-gamma-neg", "-1"},
      {"--loss", "asl", "--asl-gamma-pos", "NaN"},
      {"--loss", "asl", "--asl-clip", "1"},
      {"--neg-fraction", "0"},
      {"--neg-fraction", "1.5"},
      {"--loss", "asl", "--pos-weight", "3"},
    };
    String[] fragments = {
      "--loss",
      "--asl-gamma-neg",
      "--asl-gamma-pos",
      "--asl-clip",
      "--neg-fraction",
      "--neg-fraction",
      "--pos-weight"
    };
    for (int i = 0; i < bad.length; i++) {
      CliTestSupport.Result r = train(ds, bad[i]);
      assertEquals(2, r.code(), String.join(" ", bad[i]) + ": " + r);
      List<String> lines =
          r.err().lines().filter(l -> !l.isBlank() && !l.contains("WARN")).toList();
      assertTrue(
          lines.size() <= 2 && lines.get(0).contains(fragments[i]),
          String.join(" ", bad[i]) + ": " + r);
      assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
    }
  }
}
