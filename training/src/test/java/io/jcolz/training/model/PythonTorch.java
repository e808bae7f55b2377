package io.jcolz.training.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the reference Python scripts of the tests; skips (assumption) without torch. */
final class PythonTorch {
  static final Path PYTHON = Path.of("/usr/bin/python3");

  private PythonTorch() {}

  /** Skips the test unless /usr/bin/python3 imports torch and torchvision. */
  static void assumeAvailable() throws IOException, InterruptedException {
    assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
    Process p =
        new ProcessBuilder(PYTHON.toString(), "-c", "import torch, torchvision")
            .redirectErrorStream(true)
            .start();
    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    assumeTrue(
        p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0,
        "python3 without torch/torchvision (apt-get install python3-torch python3-torchvision)");
  }

  /**
   * Copies a test resource script to {@code dir} and runs it with the arguments; fails on error.
   */
  static void run(String script, Path dir, String... args)
      throws IOException, InterruptedException {
    Path file = dir.resolve(script);
    try (InputStream in = PythonTorch.class.getResourceAsStream(script)) {
      Files.copy(in, file);
    }
    List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), file.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(script + " failed: " + out);
    }
  }

  /** Reads raw little-endian float32. */
  static float[] floats(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  /**
   * The largest |a − b| relative to max(|b|, rms(b)): the rms floor keeps elements near zero from
   * dividing by nothing.
   */
  static double relativeError(float[] a, float[] b) {
    if (a.length != b.length) {
      return Double.POSITIVE_INFINITY;
    }
    double ss = 0;
    for (float v : b) {
      ss += (double) v * v;
    }
    double rms = Math.sqrt(ss / Math.max(1, b.length));
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs((double) a[i] - b[i]) / Math.max(Math.abs(b[i]), rms));
    }
    return worst;
  }
}
