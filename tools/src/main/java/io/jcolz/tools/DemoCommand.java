package io.jcolz.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.store.FileTrees;
import io.jcolz.shapes.ShapesGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jcolz demo}: the whole path on a generated multi-label image set, with nothing but this
 * repository — generate images and a labels CSV (as a user's data would look), pack them, verify,
 * compare the loader with a per-file loader, train ResNet-18 on CPU, evaluate on held-out images.
 *
 * <p>Each step runs the real subcommand through {@link Main#run} with the same arguments a user
 * would type; its stdout goes to {@code DIR/logs/STEP.txt} (its {@code --json} line is parsed), its
 * stderr (progress bars, warnings, errors) passes through. A failed step stops the demo with exit
 * code 1 and names the step and its log.
 *
 * <p>The demo refuses a non-empty {@code --dir} that it did not create (marker file {@value
 * #MARKER}), so it cannot clobber a user's files; re-running into its own directory starts over.
 *
 * <p>Not thread-safe; one invocation per instance.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the whole path on a generated multi-label image set, offline: writes coloured-shape images",
      "and a labels CSV, packs them, verifies, benchmarks the loader against a per-file loader, trains",
      "ResNet-18 on CPU and reports held-out mAP. About 4-6 minutes on 2 cores with the defaults."
    })
public final class DemoCommand implements Callable<Integer> {
  /** File that marks a directory as written by the demo. */
  static final String MARKER = ".jcolz-demo";

  @Option(
      names = "--dir",
      paramLabel = "D",
      description = "where everything is written (default: ${DEFAULT-VALUE})")
  Path dir = Path.of("jcolz-demo");

  @Option(
      names = "--images",
      description = "training images to generate (default: ${DEFAULT-VALUE})")
  int images = 4000;

  @Option(
      names = "--val-images",
      description = "held-out images to generate (default: ${DEFAULT-VALUE})")
  int valImages = 1000;

  @Option(names = "--size", description = "image side in pixels (default: ${DEFAULT-VALUE})")
  int size = 64;

  @Option(
      names = "--source-size",
      description =
          "side of the generated source JPEGs, which pack resizes to --size (default: 4 x --size)")
  int sourceSize;

  @Option(names = "--epochs", description = "training epochs (default: ${DEFAULT-VALUE})")
  int epochs = 5;

  @Option(
      names = "--bench-seconds",
      description =
          "timed seconds per loader and round in the comparison (default: ${DEFAULT-VALUE})")
  double benchSeconds = 3;

  @Option(
      names = "--seed",
      description = "seed of the generated images and of training (default: ${DEFAULT-VALUE})")
  long seed = 42;

  @Mixin JsonOption json = new JsonOption();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private PrintWriter out;
  private PrintStream err;

  @Override
  public Integer call() throws Exception {
    if (sourceSize == 0) {
      sourceSize = 4 * size;
    }
    if (images < 64
        || valImages < 16
        || size < 16
        || sourceSize < 16
        || epochs < 1
        || !(benchSeconds > 0)) {
      throw new Main.UsageException(
          "--images ≥ 64, --val-images ≥ 16, --size ≥ 16, --source-size ≥ 16, --epochs ≥ 1 and --bench-seconds > 0 are needed");
    }
    Knobs.range("--images", images, 64, 1_000_000);
    Knobs.range("--val-images", valImages, 16, 1_000_000);
    Knobs.range("--size", size, 16, 1024);
    Knobs.range("--source-size", sourceSize, 16, 4096);
    Knobs.range("--epochs", epochs, 1, 1000);
    Knobs.seconds("--bench-seconds", benchSeconds);
    out = spec.commandLine().getOut();
    err =
        new PrintStream(
            new WriterOutputStream(spec.commandLine().getErr()), true, StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    prepare(dir);
    Path root = dir.toAbsolutePath().normalize();
    Path src = root.resolve("images");
    Path trainImages = src.resolve("train");
    Path valImagesDir = src.resolve("val");
    Path trainCsv = src.resolve("train-labels.csv");
    Path valCsv = src.resolve("val-labels.csv");
    Path trainDs = root.resolve("train.jcolz");
    Path valDs = root.resolve("val.jcolz");
    Path checkpoint = root.resolve("checkpoint");
    Path chart = root.resolve("compare.png");
    Path report = root.resolve("val-report.csv");
    Files.createDirectories(root.resolve("logs"));

    say(
        "1/6 generating %d + %d JPEG images of coloured shapes (%d px, %d labels, 1-4 per image) in %s",
        images, valImages, sourceSize, ShapesGenerator.labelNames().size(), src);
    long g = System.nanoTime();
    writeImages(new ShapesGenerator(sourceSize, seed), trainImages, images, trainCsv);
    writeImages(new ShapesGenerator(sourceSize, seed + 1), valImagesDir, valImages, valCsv);
    say(
        "    done in %.1f s: files in one folder per first label, and labels CSVs (key,label label ...)",
        secs(g));

    say(
        "2/6 packing (resized to %d px, raw uint8 pixels, Zstd) into %s and %s",
        size, trainDs, valDs);
    JsonNode packTrain =
        step(
            "pack-train",
            "pack",
            "--input",
            trainImages.toString(),
            "--labels",
            trainCsv.toString(),
            "--out",
            trainDs.toString(),
            "--size",
            Integer.toString(size),
            "--mode",
            "raw",
            "--json");
    JsonNode packVal =
        step(
            "pack-val",
            "pack",
            "--input",
            valImagesDir.toString(),
            "--labels",
            valCsv.toString(),
            "--vocabulary-from",
            trainDs.toString(),
            "--out",
            valDs.toString(),
            "--size",
            Integer.toString(size),
            "--mode",
            "raw",
            "--json");
    say(
        "    train: %s rows, %s on disk, %.0f images/s; val: %s rows",
        packTrain.path("rows").asText("?"),
        CliSupport.bytes(packTrain.path("bytes").asLong()),
        packTrain.path("images_per_s").asDouble(),
        packVal.path("rows").asText("?"));

    say("3/6 verifying every chunk checksum");
    step("verify-train", "verify", trainDs.toString());
    step("verify-val", "verify", valDs.toString());
    say("    both datasets verify clean");

    say(
        "4/6 loader throughput: jcolz vs a per-file ImageIO loader vs DJL ImageFolder (%.0f s rounds)",
        benchSeconds);
    JsonNode bench =
        step(
            "bench-compare",
            "bench",
            trainDs.toString(),
            "--compare",
            trainImages.toString(),
            "--seconds",
            Double.toString(benchSeconds),
            "--rounds",
            "3",
            "--batch",
            "64",
            "--chart",
            chart.toString(),
            "--json");
    JsonNode ips = bench.path("images_per_s");
    JsonNode ratios = bench.path("ratios");
    say(
        "    jcolz %,.0f images/s, per-file %,.0f (jcolz %.1fx), DJL ImageFolder %,.0f (jcolz %.1fx); chart %s",
        ips.path("jcolz").asDouble(),
        ips.path("per_file").asDouble(),
        ratios.path("per_file").asDouble(),
        ips.path("djl_imagefolder").asDouble(),
        ratios.path("djl_imagefolder").asDouble(),
        chart);

    say("5/6 training ResNet-18 on CPU: %d epochs, batch 32, Adam (a few minutes)", epochs);
    JsonNode train =
        step(
            "train",
            "train",
            trainDs.toString(),
            "--val",
            valDs.toString(),
            "--model",
            "resnet18",
            "--epochs",
            Integer.toString(epochs),
            "--batch",
            "32",
            "--optimizer",
            "adam",
            "--lr",
            "0.002",
            "--workers",
            "1",
            "--seed",
            Long.toString(seed),
            "--checkpoint",
            checkpoint.toString(),
            "--json");
    say(
        "    loss %.4f, held-out mAP %.3f, %.0f images/s, data stall %.1f%%, %.0f s",
        train.path("loss").asDouble(),
        train.path("map").asDouble(),
        train.path("images_per_s").asDouble(),
        100 * train.path("data_stall").asDouble(),
        train.path("seconds").asDouble());

    say("6/6 evaluating the checkpoint on the held-out set");
    JsonNode eval =
        step(
            "eval",
            "eval",
            valDs.toString(),
            "--checkpoint",
            checkpoint.toString(),
            "--report",
            report.toString(),
            "--json");
    double map = eval.path("map").asDouble(Double.NaN);
    say(
        "    mAP %.3f, micro-F1 %.3f, macro-F1 %.3f (per-label report %s)",
        map, eval.path("micro_f1").asDouble(), eval.path("macro_f1").asDouble(), report);

    double seconds = secs(t0);
    say("");
    say("done in %.0f s. Everything is in %s:", seconds, root);
    say("  images/            the generated source JPEGs and labels CSVs");
    say("  train.jcolz/       the packed training set (val.jcolz/: held-out)");
    say("  checkpoint/        the trained model; logs/: each step's full output");
    say("next:");
    say("  ./jcolz info %s", trainDs);
    say("  ./jcolz get %s --row 0 --out first.png", trainDs);
    say("  ./jcolz predict %s --checkpoint %s --top-k 3", valDs, checkpoint);
    say("  ./jcolz pack --input YOUR_IMAGES --labels-from-dirs --out YOUR.jcolz --size 224");
    if (json.on()) {
      ObjectNode j = CliSupport.object();
      j.put("map", map);
      j.put("seconds", Math.round(seconds * 10) / 10.0);
      j.put("dir", root.toString());
      j.put("micro_f1", eval.path("micro_f1").asDouble());
      j.put("macro_f1", eval.path("macro_f1").asDouble());
      j.put("rows", packTrain.path("rows").asLong());
      j.set("images_per_s", ips);
      j.set("ratios", ratios);
      j.put("train_images_per_s", train.path("images_per_s").asDouble());
      j.put("data_stall", train.path("data_stall").asDouble());
      CliSupport.printJson(out, j);
    }
    return Main.OK;
  }

  /**
   * Writes samples {@code [0, count)} as {@code dir/FIRST-LABEL/shapes-NNNNNN.jpg} — one folder per
   * image's first label, so DJL's ImageFolder (one folder per class) can read the same tree in the
   * comparison — and {@code csv} with lines {@code key,label label …}, key = path relative to
   * {@code dir}: all labels come from the CSV, the folders are only a layout.
   */
  static void writeImages(ShapesGenerator gen, Path dir, int count, Path csv) throws IOException {
    List<String> names = ShapesGenerator.labelNames();
    String[] lines = new String[count];
    try {
      java.util.stream.IntStream.range(0, count)
          .parallel()
          .forEach(
              i -> {
                ShapesGenerator.Sample s = gen.sample(i);
                String key =
                    names.get(s.labels()[0])
                        + "/"
                        + String.format(Locale.ROOT, "shapes-%06d.jpg", i);
                StringBuilder line = new StringBuilder(key).append(',');
                for (int j = 0; j < s.labels().length; j++) {
                  line.append(j == 0 ? "" : " ").append(names.get(s.labels()[j]));
                }
                lines[i] = line.toString();
                try {
                  Path f = dir.resolve(key);
                  Files.createDirectories(f.getParent());
                  if (!javax.imageio.ImageIO.write(s.image(), "jpeg", f.toFile())) {
                    throw new IOException("no ImageIO writer for jpeg");
                  }
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
    Files.write(
        csv,
        (Iterable<String>)
            () -> Stream.concat(Stream.of("key,labels"), java.util.Arrays.stream(lines)).iterator(),
        StandardCharsets.UTF_8);
  }

  /** Refuses a non-empty directory the demo did not write; empties one it did. */
  static void prepare(Path dir) throws IOException {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new Main.UsageException("--dir " + dir + " exists and is not a directory");
    }
    if (Files.isDirectory(dir)) {
      boolean empty;
      try (Stream<Path> s = Files.list(dir)) {
        empty = s.findAny().isEmpty();
      }
      if (!empty && !Files.exists(dir.resolve(MARKER))) {
        throw new Main.UsageException(
            "--dir " + dir + " is not empty and was not written by jcolz demo; choose another");
      }
      if (!empty) {
        deleteContents(dir);
      }
    }
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve(MARKER),
        "written by jcolz demo; re-running the demo deletes this directory's contents\n");
  }

  private static void deleteContents(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        FileTrees.deleteRecursively(p);
      }
    }
  }

  /**
   * Runs {@code jcolz args…}, writes its stdout to {@code logs/NAME.txt} and returns its last
   * stdout line parsed as JSON (an empty object when the command prints none).
   */
  private JsonNode step(String name, String... args) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code;
    try (PrintStream captured = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, captured, err);
    }
    String text = buf.toString(StandardCharsets.UTF_8);
    Path log = dir.toAbsolutePath().normalize().resolve("logs").resolve(name + ".txt");
    Files.writeString(log, "$ jcolz " + String.join(" ", args) + "\n" + text);
    if (code != Main.OK) {
      throw new DemoStepException(
          "step '" + name + "' failed (exit " + code + "): see the line above and " + log);
    }
    String[] lines = text.strip().split("\n");
    String last = lines[lines.length - 1].strip();
    return last.startsWith("{") ? CliSupport.JSON.readTree(last) : CliSupport.object();
  }

  private void say(String format, Object... args) {
    out.println(
        String.format(Locale.ROOT, format, args)); // human lines come first even with --json
    out.flush();
  }

  private static double secs(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** A demo step's subcommand failed; its own error line has already been printed. */
  static final class DemoStepException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    DemoStepException(String message) {
      super(message);
    }
  }

  /** Bytes to a {@link PrintWriter} (picocli's err), so subcommands can share the demo's stderr. */
  private static final class WriterOutputStream extends java.io.OutputStream {
    private final PrintWriter w;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    WriterOutputStream(PrintWriter w) {
      this.w = w;
    }

    @Override
    public synchronized void write(int b) {
      line.write(b);
      if (b == '\n' || b == '\r') {
        flush();
      }
    }

    @Override
    public synchronized void flush() {
      w.print(line.toString(StandardCharsets.UTF_8));
      w.flush();
      line.reset();
    }
  }
}
