package io.jcolz.tools.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.tools.CliSupport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The PyTorch {@code DataLoader} as people use it today, run by a Python script shipped in this jar
 * ({@code io/jcolz/tools/compare/torch_loader.py}, extracted to a temporary file per run) over
 * exactly the files the dataset holds ({@link SourceImages}: the Java side writes the file list,
 * path and label indices per line). Per image: PIL open, {@code convert("RGB")}, torchvision {@code
 * Resize(S) + CenterCrop(S)} (bilinear; PIL's resize is antialiased like jcolz's), {@code
 * RandomHorizontalFlip}, {@code ToTensor} (float32 CHW), a multi-hot float32 label vector of the
 * vocabulary's size; {@code DataLoader(batch_size=B, shuffle=True, num_workers=threads,
 * persistent_workers=True, pin_memory=False)}, seeded. The worker count is the bench's thread
 * count: worker <em>processes</em>, plus the main process that receives the batches (as jcolz's
 * consumer thread does).
 *
 * <p>Where it differs from jcolz's resize: torchvision resizes the whole image with the longer side
 * rounded to an integer and crops at a whole-pixel offset, jcolz resamples the centred crop box
 * (fractional edges) in one pass; {@code --resize stretch} maps to {@code Resize((S, S))} exactly;
 * {@code --resize pad} has no torchvision transform and uses PIL's {@code ImageOps.pad} on white.
 * PIL's {@code convert("RGB")} drops alpha (jcolz composites over white) and does not apply EXIF
 * orientation. Its output is more work than the others' (float32 tensors, four times the bytes of
 * uint8, a flip) — what a PyTorch user's loader does.
 *
 * <p>The Python is {@code $JCOLZ_PYTHON} when set, else {@code python3} on the {@code PATH}, else
 * {@code /usr/bin/python3} (where Debian's {@code python3-torch} lives); {@code import torch,
 * torchvision} is checked once per interpreter and JVM ({@link #probe(Map)}). Each measurement is
 * one child process, killed (with its workers) when the measurement ends, fails, is interrupted or
 * the JVM exits; the script also exits when its stdin closes, so it does not outlive a killed JVM.
 *
 * <p>Not thread-safe.
 */
final class PyTorchCandidate implements Candidate {
  /** The script's resource name, next to this class. */
  static final String SCRIPT = "torch_loader.py";

  /**
   * PIL refuses images over twice {@code Image.MAX_IMAGE_PIXELS} (89,478,485) as decompression
   * bombs.
   */
  static final long PIL_BOMB_PIXELS = 2L * 89_478_485;

  private static final String PROBE_CODE =
      "import json, sys; import torch, torchvision, PIL; print(json.dumps({'python':"
          + " sys.version.split()[0], 'torch': torch.__version__, 'torchvision':"
          + " torchvision.__version__, 'pil': PIL.__version__}))";
  private static final long PROBE_SECONDS = 120;
  private static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(PyTorchCandidate::kill), "jcolz-torch-kill"));
  }

  /** An interpreter that imports torch and torchvision, with their versions. */
  record Python(String command, JsonNode versions) {
    String version(String name) {
      return versions.path(name).asText("?");
    }
  }

  /** The result of looking for a Python with torch: {@code python} or, when null, {@code why}. */
  record Probe(Python python, String why) {}

  private final SourceImages source;
  private final Python python;
  private JsonNode last;

  PyTorchCandidate(SourceImages source, Python python) {
    this.source = source;
    this.python = python;
  }

  @Override
  public String name() {
    return "pytorch";
  }

  @Override
  public long images() {
    return source.files().size();
  }

  @Override
  public String description() {
    String cpu = "";
    if (last != null && last.path("seconds").asDouble() > 0) {
      cpu =
          String.format(
              Locale.ROOT,
              "; last run %.2f CPU-s per s over %d processes",
              last.path("cpu_seconds").asDouble() / last.path("seconds").asDouble(),
              last.path("workers").asInt() + 1);
    }
    return "PyTorch DataLoader (torch "
        + python.version("torch")
        + ", torchvision "
        + python.version("torchvision")
        + ", PIL "
        + python.version("pil")
        + ", "
        + python.command()
        + ") over the dataset's "
        + source.files().size()
        + " files: PIL open + convert RGB, torchvision "
        + switch (source.resize()) {
          case SHORTER_SIDE_CENTER_CROP -> "Resize + CenterCrop";
          case STRETCH -> "Resize((S, S))";
          case PAD -> "ImageOps.pad";
        }
        + ", RandomHorizontalFlip, ToTensor float32 CHW, multi-hot; worker processes = threads,"
        + " persistent, shuffled"
        + cpu;
  }

  /** The last run's JSON line: versions, images, batches, seconds, CPU seconds. */
  @Override
  public ObjectNode details() {
    ObjectNode o = CliSupport.object();
    python.versions().properties().forEach(e -> o.set(e.getKey(), e.getValue()));
    o.put("python_command", python.command()); // "python" is the version
    if (last != null) {
      last.properties().forEach(e -> o.set(e.getKey(), e.getValue()));
    }
    return o;
  }

  @Override
  public double measure(int threads, int batch, double warmupSeconds, double seconds)
      throws Exception {
    JsonNode j =
        run(
            threads,
            batch,
            List.of("--warmup", num(warmupSeconds), "--seconds", num(seconds)),
            warmupSeconds + seconds);
    last = j;
    return j.path("images_per_s").asDouble();
  }

  /**
   * One epoch in file-list (row) order, not shuffled, not timed: the script's JSON with {@code
   * images}, {@code batches}, {@code image_shape} and {@code label_sha256} (SHA-256 of the epoch's
   * float32 little-endian multi-hot labels, row-major), so a test can prove every image and label
   * arrived.
   */
  JsonNode check(int threads, int batch) throws Exception {
    return run(threads, batch, List.of("--check"), 0);
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private JsonNode run(int threads, int batch, List<String> mode, double expectSeconds)
      throws Exception {
    Path tmp = Files.createTempDirectory("jcolz-torch-");
    Process p = null;
    try {
      Path script = tmp.resolve(SCRIPT);
      try (InputStream in = PyTorchCandidate.class.getResourceAsStream(SCRIPT)) {
        if (in == null) {
          throw new IllegalStateException("PyTorch DataLoader baseline: " + SCRIPT + " not in jar");
        }
        Files.copy(in, script);
      }
      Path list = tmp.resolve("files.jsonl");
      writeList(list);
      List<String> cmd = new ArrayList<>();
      cmd.addAll(
          List.of(
              python.command(),
              "-B",
              script.toString(),
              "--list",
              list.toString(),
              "--size",
              Integer.toString(source.size()),
              "--resize",
              source.resize().id(),
              "--labels",
              Integer.toString(source.labelCount()),
              "--batch",
              Integer.toString(batch),
              "--workers",
              Integer.toString(threads),
              "--seed",
              "7",
              "--exit-on-stdin-eof"));
      cmd.addAll(mode);
      p = new ProcessBuilder(cmd).start(); // stdin stays an open pipe: its EOF tells the script
      LIVE.add(p);
      Lines out = Lines.drain(p.getInputStream(), "jcolz-torch-stdout");
      Lines err = Lines.drain(p.getErrorStream(), "jcolz-torch-stderr");
      // generous: one batch of 256 full-size photos on one worker takes about a minute
      long limit = (long) Math.ceil(expectSeconds) + 300 + (long) batch;
      if (!p.waitFor(limit, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "PyTorch DataLoader baseline: no result after "
                + limit
                + " s; killed "
                + python.command());
      }
      out.join(10_000); // a worker that outlived the script may hold the pipes open
      err.join(10_000);
      if (p.exitValue() != 0) {
        String why = err.last();
        throw new IllegalStateException(
            "PyTorch DataLoader baseline ("
                + python.command()
                + "): "
                + (why.isEmpty() ? "no message" : why)
                + " (exit "
                + p.exitValue()
                + ")");
      }
      String line = out.last();
      try {
        return CliSupport.JSON.readTree(line);
      } catch (IOException e) {
        throw new IllegalStateException(
            "PyTorch DataLoader baseline (" + python.command() + "): not a JSON line: " + line, e);
      }
    } finally {
      if (p != null) {
        kill(p);
        LIVE.remove(p);
      }
      deleteTree(tmp);
    }
  }

  /** One JSON array per row, {@code ["path", [label, …]]}, in row order. */
  private void writeList(Path list) throws IOException {
    try (Writer w = Files.newBufferedWriter(list, StandardCharsets.UTF_8)) {
      List<Path> files = source.files();
      for (int i = 0; i < files.size(); i++) {
        ArrayNode row = CliSupport.JSON.createArrayNode();
        row.add(files.get(i).toString());
        ArrayNode labels = row.addArray();
        for (int l : source.labels(i)) {
          labels.add(l);
        }
        w.write(CliSupport.JSON.writeValueAsString(row));
        w.write('\n');
      }
    }
  }

  /** Kills a child process and every process under it, and waits briefly for it. */
  static void kill(Process p) {
    try {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
    } catch (RuntimeException e) {
      // the process is gone already
    }
    p.destroyForcibly();
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a temporary directory left behind is not worth failing a benchmark for
    }
  }

  /**
   * Finds a Python that imports torch and torchvision: {@code JCOLZ_PYTHON} from {@code env} when
   * set (only that one), else {@code python3} on {@code env}'s {@code PATH}, then {@code
   * /usr/bin/python3}. Each interpreter is asked once per JVM.
   */
  static Probe probe(Map<String, String> env) {
    List<String> tried = new ArrayList<>();
    String forced = env.get("JCOLZ_PYTHON");
    if (forced != null && !forced.isBlank()) {
      tried.add(forced.strip());
    } else {
      String onPath = onPath(env.get("PATH"), "python3");
      tried.add(onPath == null ? "python3" : onPath);
      Path debian = Path.of("/usr/bin/python3");
      if (Files.isExecutable(debian) && (onPath == null || !same(Path.of(onPath), debian))) {
        tried.add(debian.toString());
      }
    }
    List<String> why = new ArrayList<>();
    for (String py : tried) {
      Probe p = PROBES.computeIfAbsent(py, PyTorchCandidate::ask);
      if (p.python() != null) {
        return p;
      }
      why.add(p.why());
    }
    return new Probe(
        null,
        "PyTorch DataLoader baseline skipped: "
            + String.join("; ", why)
            + " (apt-get install python3-torch python3-torchvision, or set JCOLZ_PYTHON to a"
            + " python with torch and torchvision)");
  }

  private static boolean same(Path a, Path b) {
    try {
      return a.toRealPath().equals(b.toRealPath());
    } catch (IOException e) {
      return false;
    }
  }

  private static String onPath(String path, String name) {
    if (path == null) {
      return null;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path f = Path.of(dir, name);
      if (Files.isRegularFile(f) && Files.isExecutable(f)) {
        return f.toString();
      }
    }
    return null;
  }

  /** Runs {@code py -c "import torch, torchvision …"}. */
  private static Probe ask(String py) {
    Process p;
    try {
      p =
          new ProcessBuilder(py, "-c", PROBE_CODE)
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
    } catch (IOException e) {
      return new Probe(null, py + ": cannot run it (" + e.getMessage() + ")");
    }
    LIVE.add(p);
    try {
      p.getOutputStream().close();
      Lines out = Lines.drain(p.getInputStream(), "jcolz-torch-probe");
      Lines err = Lines.drain(p.getErrorStream(), "jcolz-torch-probe");
      if (!p.waitFor(PROBE_SECONDS, TimeUnit.SECONDS)) {
        return new Probe(
            null, py + ": import torch, torchvision took over " + PROBE_SECONDS + " s");
      }
      out.join(10_000);
      err.join(10_000);
      if (p.exitValue() != 0) {
        String why = err.last();
        return new Probe(null, py + ": " + (why.isEmpty() ? "exit " + p.exitValue() : why));
      }
      try {
        JsonNode v = CliSupport.JSON.readTree(out.last());
        if (v == null || !v.has("torch")) {
          return new Probe(null, py + ": unexpected answer to the torch check: " + out.last());
        }
        return new Probe(new Python(py, v), null);
      } catch (IOException e) {
        return new Probe(null, py + ": unexpected answer to the torch check: " + out.last());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Probe(null, py + ": interrupted while checking for torch");
    } catch (IOException e) {
      return new Probe(null, py + ": " + e.getMessage());
    } finally {
      kill(p);
      LIVE.remove(p);
    }
  }

  /** Images a PIL loader would refuse as decompression bombs, by header: count and examples. */
  static String pilRefuses(SourceImages source) throws IOException {
    long n = 0;
    List<String> examples = new ArrayList<>();
    for (Path f : source.files()) {
      long px = ImageHeader.pixels(f);
      if (px > PIL_BOMB_PIXELS) {
        if (n++ < 3) {
          examples.add(f + " (" + CliSupport.count(px) + " px)");
        }
      }
    }
    return n == 0
        ? null
        : "PyTorch DataLoader baseline skipped: PIL refuses "
            + n
            + " of the dataset's images as decompression bombs (over "
            + CliSupport.count(PIL_BOMB_PIXELS)
            + " pixels), e.g. "
            + String.join(", ", examples);
  }

  /** A daemon thread that reads a stream to its end, keeping the last lines. */
  private static final class Lines extends Thread {
    private static final int KEEP = 20;
    private final InputStream in;
    private final ArrayDeque<String> lines = new ArrayDeque<>();

    private Lines(InputStream in, String name) {
      super(name);
      this.in = in;
      setDaemon(true);
    }

    static Lines drain(InputStream in, String name) {
      Lines l = new Lines(in, name);
      l.start();
      return l;
    }

    @Override
    public void run() {
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (!line.isBlank()) {
            synchronized (lines) {
              lines.addLast(line.strip());
              if (lines.size() > KEEP) {
                lines.removeFirst();
              }
            }
          }
        }
      } catch (IOException e) {
        // the process was killed; what was read is kept
      }
    }

    /** The last non-blank line, or "". */
    String last() {
      synchronized (lines) {
        return lines.isEmpty() ? "" : lines.getLast();
      }
    }
  }
}
