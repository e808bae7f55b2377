package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcolz.shapes.ShapesDatasetWriter;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.model.TorchvisionResNet;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz train --init FILE} with a torchvision state dict (seeded random ResNet-18 written by
 * embed_reference.py; skipped without /usr/bin/python3 + torch), the fine-tuning flags, checkpoint
 * and resume; a file that does not fit {@code --model} gets one line naming the parameter, exit 1.
 */
class TrainInitCommandTest {
  @TempDir Path tmp;

  private Path stateDict() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
    Path script = tmp.resolve("embed_reference.py");
    try (InputStream in = getClass().getResourceAsStream("embed_reference.py")) {
      Files.copy(in, script);
    }
    Path pixels = tmp.resolve("zeros.u8");
    Files.write(pixels, new byte[3 * 64 * 64]);
    Process p =
        new ProcessBuilder(
                python.toString(),
                script.toString(),
                tmp.toString(),
                "resnet18",
                pixels.toString(),
                "1",
                "64",
                "64")
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
    assumeTrue(!log.contains("No module named"), "python3 without torch/torchvision");
    assertEquals(0, p.exitValue(), log);
    return tmp.resolve("resnet18.pth");
  }

  @Test
  void fineTunesFromAStateDictWithCheckpointsAndResume() throws Exception {
    Path pth = stateDict();
    Path ds = tmp.resolve("ds");
    ShapesDatasetWriter.write(ds, 16, 64, 3);

    CliTestSupport.Result r =
        CliTestSupport.run(
            "train",
            ds.toString(),
            "--model",
            "resnet34",
            "--init",
            pth.toString(),
            "--batch",
            "4",
            "--workers",
            "1");
    assertEquals(Main.FAILURE, r.code(), r.err());
    assertTrue(r.err().contains("the file has no layer1.2.conv1.weight"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());

    Path ck = tmp.resolve("ck");
    r =
        CliTestSupport.run(
            "train",
            ds.toString(),
            "--model",
            "resnet18",
            "--init",
            pth.toString(),
            "--freeze-backbone",
            "--head-lr-mult",
            "10",
            "--epochs",
            "2",
            "--batch",
            "4",
            "--max-steps",
            "3",
            "--workers",
            "1",
            "--checkpoint",
            ck.toString());
    assertEquals(0, r.code(), r.err());
    Checkpoint c = Checkpoints.load(ck).checkpoint();
    assertEquals(
        new Checkpoint.FineTuning(TorchvisionResNet.Part.FC, 10f), c.fineTuning(), c.toJson());
    assertEquals(3, c.stepsDone());

    r =
        CliTestSupport.run(
            "train",
            ds.toString(),
            "--epochs",
            "2",
            "--batch",
            "4",
            "--workers",
            "1",
            "--checkpoint",
            ck.toString(),
            "--resume",
            "--freeze-until",
            "layer3");
    assertEquals(Main.FAILURE, r.code(), r.err());
    assertTrue(r.err().contains("--freeze-until layer3 (checkpoint: fc)"), r.err());

    r =
        CliTestSupport.run(
            "train",
            ds.toString(),
            "--epochs",
            "2",
            "--batch",
            "4",
            "--workers",
            "1",
            "--checkpoint",
            ck.toString(),
            "--resume");
    assertEquals(0, r.code(), r.err());
    Checkpoint end = Checkpoints.load(ck).checkpoint();
    assertEquals(8, end.stepsDone());
    assertEquals(c.fineTuning(), end.fineTuning());
  }

  @Test
  void badFineTuningFlagsAreUsageErrors() {
    Path ds = tmp.resolve("none");
    CliTestSupport.Result r =
        CliTestSupport.run("train", ds.toString(), "--freeze-until", "layer9");
    assertEquals(Main.USAGE, r.code(), r.err());
    assertTrue(r.err().contains("unknown stage 'layer9'"), r.err());
    r = CliTestSupport.run("train", ds.toString(), "--freeze-until", "layer2", "--freeze-backbone");
    assertEquals(Main.USAGE, r.code(), r.err());
    r = CliTestSupport.run("train", ds.toString(), "--head-lr-mult", "0");
    assertEquals(Main.USAGE, r.code(), r.err());
    assertTrue(r.err().contains("--head-lr-mult must be a positive number"), r.err());
    r =
        CliTestSupport.run(
            "train",
            ds.toString(),
            "--init",
            "x.pth",
            "--resume",
            "--checkpoint",
            tmp.resolve("c").toString());
    assertEquals(Main.USAGE, r.code(), r.err());
    assertFalse(r.err().contains("Exception"), r.err());
  }
}
