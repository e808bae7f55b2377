package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcolz.format.Dataset;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.order.Order;
import io.jcolz.shapes.ShapesDatasetWriter;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz embed}: the features it writes for a packed dataset equal torchvision's for the same
 * packed pixels (within 1e-4 relative to max(|ref|, rms(ref))), in row order, with the keys; a
 * ResNet-18 state dict with seeded random weights (embed_reference.py, skipped without
 * /usr/bin/python3 + torch). Usage errors without Python.
 */
class EmbedCommandTest {
  @TempDir Path tmp;

  @Test
  void featuresEqualTorchvisionsForThePackedPixels() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
    int rows = 10;
    int size = 64;
    Path ds = tmp.resolve("ds");
    ShapesDatasetWriter.write(ds, rows, size, 3);
    // the packed pixels, in row order, as the loader delivers them
    Path pixels = tmp.resolve("pixels.u8");
    List<String> keys = new ArrayList<>();
    try (Dataset d = Dataset.open(ds);
        OutputStream o = Files.newOutputStream(pixels);
        Loader loader =
            Loader.builder(d)
                .batchSize(4)
                .devices(1)
                .workers(1)
                .order(Order.SEQUENTIAL)
                .dropLast(false)
                .labels(LabelMode.NONE)
                .augment(Augment.none())
                .keys(d.schema().keyColumn().isPresent())
                .start()) {
      boolean named = d.schema().keyColumn().isPresent();
      Batch b;
      while ((b = loader.device(0).take()) != null) {
        try (Batch batch = b) {
          o.write(batch.images().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
          for (int i = 0; i < batch.size(); i++) {
            keys.add(named ? batch.key(i) : "#" + batch.row(i));
          }
        }
      }
    }
    Path script = tmp.resolve("embed_reference.py");
    try (InputStream in = getClass().getResourceAsStream("embed_reference.py")) {
      Files.copy(in, script);
    }
    Process p =
        new ProcessBuilder(
                python.toString(),
                script.toString(),
                tmp.toString(),
                "resnet18",
                pixels.toString(),
                Integer.toString(rows),
                Integer.toString(size),
                Integer.toString(size))
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
    assumeTrue(!log.contains("No module named"), "python3 without torch/torchvision");
    assertEquals(0, p.exitValue(), log);

    Path npy = tmp.resolve("emb.npy");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "embed",
            ds.toString(),
            "--init",
            tmp.resolve("resnet18.pth").toString(),
            "--model",
            "resnet18",
            "--out",
            npy.toString(),
            "--batch",
            "3",
            "--workers",
            "1",
            "--json");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("\"dim\":512"), r.out());
    byte[] file = Files.readAllBytes(npy);
    int headerLen = (file[8] & 0xff) | (file[9] & 0xff) << 8;
    String header = new String(file, 10, headerLen, StandardCharsets.US_ASCII);
    assertTrue(header.contains("'shape': (10, 512)"), header);
    assertEquals(0, (10 + headerLen) % 64);
    ByteBuffer b =
        ByteBuffer.wrap(file, 10 + headerLen, file.length - 10 - headerLen)
            .order(ByteOrder.LITTLE_ENDIAN);
    float[] got = new float[b.remaining() / 4];
    b.asFloatBuffer().get(got);
    ByteBuffer rb =
        ByteBuffer.wrap(Files.readAllBytes(tmp.resolve("features.f32")))
            .order(ByteOrder.LITTLE_ENDIAN);
    float[] ref = new float[rb.remaining() / 4];
    rb.asFloatBuffer().get(ref);
    assertEquals(rows * 512, ref.length);
    assertEquals(ref.length, got.length);
    double ss = 0;
    for (float v : ref) {
      ss += (double) v * v;
    }
    double rms = Math.sqrt(ss / ref.length);
    double worst = 0;
    for (int i = 0; i < ref.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - ref[i]) / Math.max(Math.abs(ref[i]), rms));
    }
    assertTrue(worst <= 1e-4, "relative error " + worst);
    assertEquals(keys, Files.readAllLines(EmbedCommand.keysFile(npy)));
  }

  @Test
  void usageErrors() {
    CliTestSupport.Result r = CliTestSupport.run("embed", tmp.toString(), "--out", "x.npy");
    assertEquals(Main.USAGE, r.code(), r.err());
    assertTrue(r.err().contains("give one of --checkpoint DIR and --init FILE"), r.err());
    r =
        CliTestSupport.run(
            "embed", tmp.toString(), "--init", "a.pth", "--out", tmp.resolve("x.npy").toString());
    assertEquals(Main.USAGE, r.code(), r.err());
    assertTrue(r.err().contains("--init needs --model"), r.err());
  }
}
