package io.jcolz.tools.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.order.Order;
import io.jcolz.shapes.ShapesGenerator;
import io.jcolz.tools.CliSupport;
import io.jcolz.tools.Main;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PyTorch DataLoader baseline: with a real torch (skipped when none is installed) it reads
 * exactly the dataset's images and labels; with fake interpreters, a missing torch is one line and
 * the others still run, a failing script is one line naming it, and no child outlives a run.
 */
class PyTorchCandidateTest {
  private static final int SEED = 23;
  @TempDir Path tmp;

  /**
   * Seven images in a tree (multi-label from the folders), one more the pack skips; packed at 16
   * px.
   */
  private Path folder() throws Exception {
    Path dir = tmp.resolve("in");
    ShapesGenerator gen = new ShapesGenerator(24, SEED);
    String[] keys = {
      "animals/birds/a.png",
      "animals/birds/b.jpg",
      "animals/c.png",
      "animals/d.png",
      "plants/trees/e.png",
      "plants/f.png",
      "g.png"
    };
    for (int i = 0; i < keys.length; i++) {
      Path f = dir.resolve(keys[i]);
      Files.createDirectories(f.getParent());
      ImageIO.write(gen.sample(i).image(), keys[i].endsWith(".jpg") ? "jpeg" : "png", f.toFile());
    }
    Files.writeString(dir.resolve("plants/not_an_image.png"), "text\n");
    return dir;
  }

  private Path pack(Path dir) {
    return BaselinesTest.pack(dir, tmp.resolve("ds.jcolz"));
  }

  private static PyTorchCandidate.Python realTorch() {
    PyTorchCandidate.Probe p = PyTorchCandidate.probe(System.getenv());
    Assumptions.assumeTrue(p.python() != null, () -> "no python with torch here: " + p.why());
    return p.python();
  }

  /** SHA-256 of jcolz's own multi-hot labels over one epoch in row order (float32 LE). */
  private static String jcolzLabelDigest(Dataset ds, int batch) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (Loader loader =
        Loader.builder(ds)
            .batchSize(batch)
            .workers(1)
            .devices(1)
            .order(Order.SEQUENTIAL)
            .labels(LabelMode.MULTI_HOT)
            .augment(Augment.none())
            .dropLast(false)
            .epochs(1)
            .start()) {
      for (Batch taken; (taken = loader.device(0).take()) != null; ) {
        try (Batch b = taken) {
          int floats = b.size() * b.labelCount();
          ByteBuffer bb = ByteBuffer.allocate(4 * floats).order(ByteOrder.LITTLE_ENDIAN);
          for (int i = 0; i < floats; i++) {
            bb.putFloat(b.multiHot().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
          }
          sha.update(bb.array());
        }
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  @Test
  void readsExactlyTheDatasetsImagesAndTheirLabels() throws Exception {
    PyTorchCandidate.Python python = realTorch();
    Path dir = folder();
    try (Dataset ds = Dataset.open(pack(dir))) {
      assertEquals(7, ds.rowCount());
      SourceImages source = new SourceImages(ds, dir);
      assertTrue(source.labelCount() >= 4, "labels from the folders: " + source.labelCount());
      PyTorchCandidate torch = new PyTorchCandidate(source, python);
      JsonNode epoch = torch.check(2, 3);
      assertEquals(7, epoch.get("images").asInt(), epoch.toString());
      assertEquals(3, epoch.get("batches").asInt(), epoch.toString()); // 3 + 3 + 1
      assertEquals("[3,3,16,16]", epoch.get("image_shape").toString(), epoch.toString());
      assertEquals("float32", epoch.get("image_dtype").asText(), epoch.toString());
      assertEquals(
          jcolzLabelDigest(ds, 3),
          epoch.get("label_sha256").asText(),
          "the script's multi-hot labels are jcolz's, row by row (seed " + SEED + ")");

      double rate = torch.measure(1, 3, 0.2, 0.5);
      assertTrue(rate > 0, "images/s " + rate);
      JsonNode d = torch.details();
      assertEquals(7, d.get("epoch_images").asInt(), d.toString());
      assertEquals(1, d.get("workers").asInt(), d.toString());
      assertTrue(d.get("images").asInt() > 0 && d.get("batches").asInt() > 0, d.toString());
      assertFalse(d.get("torch").asText().isEmpty(), d.toString());
      assertTrue(torch.description().contains("torch " + d.get("torch").asText()));
      assertNoChildren();
    }
  }

  @Test
  void aFileThatNoLongerDecodesIsOneLineNamingIt() throws Exception {
    PyTorchCandidate.Python python = realTorch();
    Path dir = folder();
    try (Dataset ds = Dataset.open(pack(dir))) {
      Path bad = Files.writeString(dir.resolve("animals/c.png"), "overwritten after the pack\n");
      PyTorchCandidate torch = new PyTorchCandidate(new SourceImages(ds, dir), python);
      Exception e = assertThrows(Exception.class, () -> torch.measure(1, 7, 0, 0.5));
      String m = CliSupport.describe(e);
      assertTrue(m.startsWith("PyTorch DataLoader baseline"), m);
      assertTrue(m.contains(bad.toString()), m);
      assertEquals(1, m.strip().lines().count(), m);
      assertNoChildren();
    }
  }

  /** A shell script standing in for python: answers the torch check, then runs {@code body}. */
  private Path fakePython(String probe, String body) throws Exception {
    Path f = tmp.resolve("fake-python-" + System.nanoTime());
    Files.writeString(
        f,
        "#!/bin/sh\nif [ \"$1\" = \"-c\" ]; then\n" + probe + "\nfi\n" + body + "\n",
        StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
    return f;
  }

  private static final String TORCH_OK =
      "echo '{\"python\": \"3\", \"torch\": \"9.9\", \"torchvision\": \"9.9\", \"pil\": \"9\"}';"
          + " exit 0";

  /** Runs {@code jcolz args…} in a child JVM with {@code JCOLZ_PYTHON} set: stdout, stderr. */
  private String[] jcolzWithPython(Path python, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--") || a.startsWith("-D")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("JCOLZ_PYTHON", python.toString());
    Path out = tmp.resolve("out-" + System.nanoTime());
    Path err = tmp.resolve("err-" + System.nanoTime());
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "jcolz finished");
    String o = Files.readString(out);
    String e = Files.readString(err);
    assertEquals(0, p.exitValue(), o + e);
    // the JVM's own warnings (terminally deprecated Unsafe use by a dependency) are not ours
    String ours =
        String.join("\n", e.strip().lines().filter(l -> !l.startsWith("WARNING")).toList());
    return new String[] {o, ours};
  }

  @Test
  void missingTorchIsOneLineAndTheOtherLoadersStillRun() throws Exception {
    Path fake =
        fakePython(
            "echo 'Traceback (most recent call last):' >&2; "
                + "echo \"ModuleNotFoundError: No module named 'torch'\" >&2; exit 1",
            "exit 1");
    Path dir = folder();
    Path ds = pack(dir);
    String[] common = {
      "bench",
      ds.toString(),
      "--compare",
      dir.toString(),
      "--rounds",
      "1",
      "--workers",
      "1",
      "--batch",
      "4"
    };
    String why = fake + ": ModuleNotFoundError: No module named 'torch'";

    List<String> text = new ArrayList<>(List.of(common));
    text.addAll(List.of("--seconds", "0.3"));
    String[] t = jcolzWithPython(fake, text.toArray(String[]::new));
    assertEquals("", t[1], "nothing on stderr: it is not an error");
    List<String> notes = t[0].lines().filter(l -> l.contains("PyTorch")).toList();
    assertEquals(1, notes.size(), t[0]);
    assertTrue(notes.get(0).startsWith("not run: PyTorch DataLoader baseline skipped: "), t[0]);
    assertTrue(notes.get(0).contains(why), t[0]);
    for (String loader : new String[] {"jcolz", "per_file", "djl_imagefolder"}) {
      assertTrue(t[0].contains("\n  " + loader + " "), loader + " in the table: " + t[0]);
    }

    List<String> json = new ArrayList<>(List.of(common));
    json.addAll(List.of("--seconds", "0.5", "--json"));
    String[] r = jcolzWithPython(fake, json.toArray(String[]::new));
    assertEquals("", r[1], "nothing on stderr: it is not an error");
    String[] o = r[0].strip().split("\n");
    JsonNode j = CliSupport.JSON.readTree(o[o.length - 1]);
    for (String loader : new String[] {"jcolz", "per_file", "djl_imagefolder"}) {
      assertTrue(j.get("images_per_s").get(loader).asDouble() > 0, loader + ": " + r[0]);
      assertEquals(7, j.get("images").get(loader).asInt(), loader + ": " + r[0]);
    }
    assertNull(j.get("images_per_s").get("pytorch"), r[0]);
    assertEquals(1, j.get("not_run").size(), r[0]);
    assertTrue(j.get("not_run").get(0).asText().contains(why), r[0]);
  }

  @Test
  void theProbeTriesOnlyJcolzPythonWhenSetAndSaysWhatFailed() throws Exception {
    Path missing = tmp.resolve("no-such-python");
    PyTorchCandidate.Probe p = PyTorchCandidate.probe(Map.of("JCOLZ_PYTHON", missing.toString()));
    assertNull(p.python());
    assertTrue(p.why().contains(missing + ": cannot run it"), p.why());
    assertTrue(p.why().contains("apt-get install python3-torch python3-torchvision"), p.why());
    Path ok = fakePython(TORCH_OK, "exit 1");
    PyTorchCandidate.Probe good = PyTorchCandidate.probe(Map.of("JCOLZ_PYTHON", ok.toString()));
    assertNotNull(good.python(), good.why());
    assertEquals("9.9", good.python().version("torch"));
    assertNoChildren();
  }

  @Test
  void aScriptFailureIsOneLineWithItsLastStderrLine() throws Exception {
    Path fake =
        fakePython(
            TORCH_OK,
            "echo 'Traceback (most recent call last):' >&2; echo '  File x, line 3' >&2;"
                + " echo 'torch_loader: OSError: [Errno 24] Too many open files' >&2; exit 1");
    Path dir = folder();
    try (Dataset ds = Dataset.open(pack(dir))) {
      var probe = PyTorchCandidate.probe(Map.of("JCOLZ_PYTHON", fake.toString()));
      PyTorchCandidate torch = new PyTorchCandidate(new SourceImages(ds, dir), probe.python());
      Exception e = assertThrows(Exception.class, () -> torch.measure(1, 4, 0, 0.5));
      assertEquals(
          "PyTorch DataLoader baseline ("
              + fake
              + "): torch_loader: OSError: [Errno 24] Too many open files (exit 1)",
          CliSupport.describe(e));
      assertNoChildren();
    }
  }

  @Test
  void anInterruptedRunLeavesNoChildProcess() throws Exception {
    // the "python" starts a grandchild and hangs, as a DataLoader with its workers would
    Path fake = fakePython(TORCH_OK, "sleep 300 &\nsleep 300");
    Path dir = folder();
    try (Dataset ds = Dataset.open(pack(dir))) {
      var probe = PyTorchCandidate.probe(Map.of("JCOLZ_PYTHON", fake.toString()));
      PyTorchCandidate torch = new PyTorchCandidate(new SourceImages(ds, dir), probe.python());
      Throwable[] failure = new Throwable[1];
      Thread t =
          new Thread(
              () -> {
                try {
                  torch.measure(1, 4, 0, 0.5);
                } catch (Throwable e) {
                  failure[0] = e;
                }
              });
      t.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (ProcessHandle.current().descendants().count() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(20); // the shell and its two sleeps
      }
      assertTrue(ProcessHandle.current().descendants().count() >= 3, "fake python started");
      t.interrupt();
      t.join(30_000);
      assertFalse(t.isAlive(), "measure returned after the interrupt");
      assertTrue(failure[0] instanceof InterruptedException, String.valueOf(failure[0]));
      assertNoChildren();
    }
  }

  private static void assertNoChildren() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ProcessHandle.current().descendants().anyMatch(ProcessHandle::isAlive)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(
        List.of(),
        ProcessHandle.current()
            .descendants()
            .filter(ProcessHandle::isAlive)
            .map(h -> h.pid() + " " + h.info().commandLine().orElse("?"))
            .toList(),
        "no child process left");
  }
}
