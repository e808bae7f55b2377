package io.jcolz.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.loader.LoaderBench;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.order.Order;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcolz bench DS}: streams the dataset through the loader and reports images/s, MB/s, worker
 * CPU use, where the worker time went (busy fractions, waits for another worker's chunk decode,
 * chunk decodes per chunk read) and the single-thread decompress ceiling measured in the same run
 * (see {@link LoaderBench}). Not thread-safe.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Stream a dataset through the loader; print images/s, MB/s, worker CPU and the decompress ceiling.")
public final class BenchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DS", description = "dataset directory")
  Path dataset;

  @Option(
      names = {"--workers", "--threads"},
      description = "loader worker threads (default: all cores; --threads is an alias)")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--batch", description = "batch size (default: ${DEFAULT-VALUE})")
  int batch = 256;

  @Mixin ReadOptions read = new ReadOptions();

  @Option(
      names = "--epochs",
      paramLabel = "N",
      description =
          "stream exactly N whole epochs from the start, without a warm-up, instead of --seconds:"
              + " storage_read_bytes is then the bytes the epochs read (--json)")
  Long epochs;

  @Option(
      names = "--seconds",
      description = "timed seconds, after a warm-up (default: ${DEFAULT-VALUE})")
  double seconds = 10;

  @Option(
      names = "--order",
      description = "SEQUENTIAL, RANDOM or QUASI_RANDOM (default: ${DEFAULT-VALUE})")
  Order order = Order.QUASI_RANDOM;

  @Option(names = "--layout", description = "NCHW or NHWC (default: ${DEFAULT-VALUE})")
  ImageLayout layout = ImageLayout.NCHW;

  @Option(
      names = "--labels",
      description =
          "MULTI_HOT, SPARSE or NONE (default: MULTI_HOT, NONE for a dataset without a label column)")
  LabelMode labels;

  @Option(
      names = "--plain-labels",
      description =
          "read a dataset of partial labels (format version 3) as plain labels; by default such a"
              + " dataset is read with soft targets and a mask, as train reads it")
  boolean plainLabels;

  @Option(
      names = "--augment",
      description = "none, flip or standard (random resized crop + flip) (default: flip)",
      converter = Converters.AugmentConverter.class)
  Augment augment = Augment.flip();

  @Option(
      names = "--compare",
      paramLabel = "DIR",
      description =
          "also run, in this process on the same images, the loaders people use today over DIR (the folder DS was packed from; they read exactly the files DS holds, by key): a per-file ImageIO loader with a label map, DJL's image-folder dataset, and a PyTorch DataLoader when python3 imports torch and torchvision ($JCOLZ_PYTHON chooses the python)")
  Path compare;

  @Option(
      names = "--rounds",
      description =
          "with --compare: timed rounds per loader; the median is reported (default: ${DEFAULT-VALUE})")
  int rounds = 3;

  @Option(
      names = "--sweep",
      split = ",",
      paramLabel = "N,N,...",
      description = "with --compare: worker counts to measure (default: --workers)")
  int[] sweep;

  @Option(
      names = "--cold",
      description =
          "with --compare: also measure with the page cache dropped before each run (needs root)")
  boolean cold;

  @Option(
      names = "--chart",
      paramLabel = "FILE.png",
      description = "with --compare: write a PNG chart of images/s per loader")
  Path chart;

  @Option(
      names = "--djl",
      description =
          "instead: the data path into DJL NDArrays (CPU), the loader read directly with BatchArrays against the same loader through the DJL Dataset LoaderDataset, alternating --rounds rounds of --seconds each; prints both images/s and their ratio")
  boolean djl;

  @Mixin JsonOption json = new JsonOption();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Knobs.threads("--workers", threads);
    Knobs.batch("--batch", batch);
    Knobs.seconds("--seconds", seconds);
    Knobs.range("--rounds", rounds, 1, 1000);
    for (int c : sweep == null ? new int[0] : sweep) {
      Knobs.threads("--sweep", c);
    }
    io.jcolz.loader.read.ReadSettings reads = read.settings();
    if (epochs != null) {
      Knobs.range("--epochs", epochs, 1, 1_000_000);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (compare == null && (chart != null || cold || sweep != null)) {
      throw new Main.UsageException("--chart, --cold and --sweep need --compare DIR");
    }
    if (epochs != null && (compare != null || djl)) {
      throw new Main.UsageException("--epochs is for the loader run, not --compare or --djl");
    }
    var parsed = spec.commandLine().getParseResult();
    if (epochs != null && parsed != null && parsed.hasMatchedOption("--seconds")) {
      throw new Main.UsageException("--epochs and --seconds each set the run's length: choose one");
    }
    if (compare != null) {
      if (djl) {
        throw new Main.UsageException("--djl and --compare are separate runs: choose one");
      }
      if (parsed != null
          && (parsed.hasMatchedOption("--read-mode") || parsed.hasMatchedOption("--read-ahead"))) {
        throw new Main.UsageException(
            "--read-mode and --read-ahead are for the loader run and --djl; --compare reads as each"
                + " loader reads by default");
      }
      return compare(out);
    }
    if (djl) {
      return djl(out, reads);
    }
    try (Dataset ds = Dataset.open(dataset)) {
      batch = batchFor(ds, "--batch", batch);
      if (labels == null) { // jcolz pack writes no label column when it had no label source
        labels = ds.schema().labelColumn().isPresent() ? LabelMode.MULTI_HOT : LabelMode.NONE;
      }
      LoaderBench.Options o =
          LoaderBench.Options.builder()
              .threads(threads)
              .batchSize(batch)
              .seconds(seconds)
              .epochs(epochs == null ? 0 : epochs)
              .with(order, layout, labels, augment)
              .reads(reads)
              .plainLabels(plainLabels)
              .build();
      String targets;
      try {
        targets = LoaderBench.targetMode(ds, o).name();
      } catch (IllegalArgumentException e) { // the settings do not fit the dataset
        throw new Main.UsageException(e.getMessage());
      }
      if (!json.on()) {
        out.printf(
            Locale.ROOT,
            "streaming %s (%s rows, mode %s) with %d workers, batch %d, %s, %s, %s%s, augment %s "
                + (epochs == null ? "for %.0f s%n" : "for " + epochs + " epochs%n"),
            dataset,
            CliSupport.count(ds.rowCount()),
            PackedImages.of(ds).storage().id(),
            threads,
            batch,
            order,
            layout,
            labels,
            targets.equals("PLAIN") ? "" : " with targets and mask (" + targets + ")",
            augment.id(),
            epochs == null ? seconds : 0);
        out.flush();
      }
      LoaderBench.Result r;
      try {
        r = LoaderBench.run(ds, o);
      } catch (IllegalArgumentException e) { // the settings do not fit the dataset or the memory
        throw new Main.UsageException(e.getMessage());
      }
      if (json.on()) {
        ObjectNode j = (ObjectNode) CliSupport.JSON.readTree(r.toJson());
        j.put("dataset", dataset.toString());
        j.put("order", order.name());
        j.put("augment", augment.id());
        j.put("read_mode_asked", reads.modeLabel());
        j.put("labels", labels.name());
        j.put("targets", targets);
        j.put("dataset_bytes", ds.diskBytes());
        j.put("memory_limit_bytes", io.jcolz.loader.read.ProcessResources.memoryLimitBytes());
        CliSupport.printJson(out, j);
      } else {
        out.printf(
            Locale.ROOT,
            "loader     %,.0f images/s, %,.0f MB/s (%s images in %.1f s)%n",
            r.imagesPerSecond(),
            r.mbPerSecond(),
            CliSupport.count(r.images()),
            r.seconds());
        out.printf(
            Locale.ROOT,
            "workers    %.1f CPU-seconds (+ %.1f reading ahead): %,.0f images per core-second%n",
            r.workerCpuSeconds(),
            r.readAheadCpuSeconds(),
            r.imagesPerCoreSecond());
        if (r.ceilingDecompressImagesPerSecond() > 0 && r.ceilingDecodeImagesPerSecond() > 0) {
          // a JPEG dataset: decompressing its chunks is a small part; the decode line is the
          // ceiling
          out.printf(
              Locale.ROOT,
              "decompress %,.0f images/s single-thread chunk decompress of the same data%n",
              r.ceilingDecompressImagesPerSecond());
        } else if (r.ceilingDecompressImagesPerSecond() > 0) {
          out.printf(
              Locale.ROOT,
              "ceiling    %,.0f images/s single-thread chunk decompress of the same data (per core: loader at %.0f%%)%n",
              r.ceilingDecompressImagesPerSecond(),
              100 * r.imagesPerCoreSecond() / r.ceilingDecompressImagesPerSecond());
        }
        if (r.ceilingDecodeImagesPerSecond() > 0) {
          out.printf(
              Locale.ROOT,
              "decode     %,.0f images/s single-thread decompress + JPEG decode (per core: loader at %.0f%%)%n",
              r.ceilingDecodeImagesPerSecond(),
              100 * r.imagesPerCoreSecond() / r.ceilingDecodeImagesPerSecond());
        }
        io.jcolz.loader.LoaderStats st = r.interval();
        out.printf(
            Locale.ROOT,
            "work       workers busy %s; %.2f worker-s waiting for another worker's chunk decode, %.2f for the consumer; %.2f chunk decodes per chunk read%n",
            java.util.Arrays.stream(st.busyFractions())
                .mapToObj(f -> String.format(Locale.ROOT, "%.0f%%", 100 * f))
                .toList(),
            st.chunkWaitSeconds(),
            st.queueWaitSeconds(),
            st.decodesPerRead());
        out.printf(
            Locale.ROOT,
            "reads      %s, read ahead %s; %.2f worker-s waiting for chunk reads (%d chunks read ahead, %d by the worker itself)%n",
            r.reads().mode().label(),
            r.readAhead() == 0 ? "off" : r.readAhead() + " chunks",
            st.readWaitSeconds(),
            st.readsAhead(),
            st.readsInline());
        out.printf(Locale.ROOT, "read mode  %s%n", r.reads().reason());
        if (r.epochs() > 0 && r.storageReadBytes() >= 0) {
          out.printf(
              Locale.ROOT,
              "storage    %s read from storage in %d epochs: %.3f× the %s of the columns read, per epoch%n",
              CliSupport.bytes(r.storageReadBytes()),
              r.epochs(),
              r.storageReadBytes() / (double) r.epochs() / Math.max(1, r.columnBytes()),
              CliSupport.bytes(r.columnBytes()));
        }
        out.printf(
            Locale.ROOT,
            "memory     %s off-heap allocated, bound %s; resident: %s anonymous at most, heap limit %s%n",
            CliSupport.bytes(r.peakOffHeapBytes()),
            CliSupport.bytes(r.boundOffHeapBytes()),
            CliSupport.bytes(r.residentAnonymousPeakBytes()),
            CliSupport.bytes(r.heapMaxBytes()));
      }
    }
    return Main.OK;
  }

  /**
   * The batch to stream {@code ds} with: the default shrinks to the dataset's rows, with a note; a
   * --batch given larger than the dataset is refused naming the option.
   */
  private int batchFor(Dataset ds, String flag, int b) {
    long rows = ds.rowCount();
    if (rows == 0) {
      throw new Main.UsageException(dataset + " has no rows to stream");
    }
    if (b <= rows) {
      return b;
    }
    var parsed = spec.commandLine().getParseResult();
    if (parsed != null && parsed.hasMatchedOption(flag)) {
      throw new Main.UsageException(
          flag
              + " "
              + b
              + " is more than the "
              + rows
              + " rows of "
              + dataset
              + ": use "
              + flag
              + " "
              + rows
              + " or less");
    }
    spec.commandLine()
        .getErr()
        .println(
            "jcolz bench: "
                + dataset
                + " has "
                + rows
                + " rows, fewer than the default batch "
                + b
                + ": streaming batches of "
                + rows
                + " (set "
                + flag
                + " to choose)");
    spec.commandLine().getErr().flush();
    return (int) rows;
  }

  private int djl(PrintWriter out, io.jcolz.loader.read.ReadSettings reads) throws Exception {
    try (Dataset ds = Dataset.open(dataset)) {
      batch = batchFor(ds, "--batch", batch);
      if (labels == null) {
        labels = ds.schema().labelColumn().isPresent() ? LabelMode.MULTI_HOT : LabelMode.NONE;
      }
      if (labels == LabelMode.NONE || layout != ImageLayout.NCHW) {
        throw new Main.UsageException(
            "--djl needs labels (MULTI_HOT or SPARSE) and the NCHW layout, as DJL training reads");
      }
      int b = batch;
      java.util.function.UnaryOperator<io.jcolz.loader.Loader.Builder> configure =
          x ->
              reads.applyTo(
                  x.batchSize(b).workers(threads).order(order).labels(labels).augment(augment));
      io.jcolz.loader.read.ReadModeChoice readWith;
      try { // the settings as both ways' loaders get them, checked before anything runs
        readWith = configure.apply(io.jcolz.loader.Loader.builder(ds)).config().readModeChoice();
      } catch (IllegalArgumentException e) {
        throw new Main.UsageException(e.getMessage());
      }
      if (!json.on()) {
        out.printf(
            Locale.ROOT,
            "DJL data path on %s: %d workers, batch %d, %s, %s, augment %s; %d rounds of %.0f s each way%n",
            dataset,
            threads,
            b,
            order,
            labels,
            augment.id(),
            rounds,
            seconds);
        out.flush();
      }
      DjlBench.Result r = DjlBench.run(ds, configure, seconds, rounds);
      if (json.on()) {
        ObjectNode j = CliSupport.JSON.createObjectNode();
        j.put("dataset", dataset.toString());
        j.put("loader_arrays_images_per_s", r.directImagesPerSecond());
        j.put("djl_dataset_images_per_s", r.datasetImagesPerSecond());
        j.put("ratio", r.ratio());
        j.put("read_mode", readWith.mode().label());
        j.put("read_mode_reason", readWith.reason());
        CliSupport.printJson(out, j);
      } else {
        out.printf(
            Locale.ROOT,
            "loader + BatchArrays  %,.0f images/s%nLoaderDataset (DJL)   %,.0f images/s (%.1f%% of direct)%n",
            r.directImagesPerSecond(),
            r.datasetImagesPerSecond(),
            100 * r.ratio());
      }
    }
    return Main.OK;
  }

  private int compare(PrintWriter out) throws Exception {
    if (!java.nio.file.Files.isDirectory(compare)) {
      throw new Main.UsageException("--compare " + compare + " is not a directory");
    }
    if (rounds < 1) {
      throw new Main.UsageException("--rounds must be at least 1");
    }
    int[] counts = sweep != null ? sweep : new int[] {threads};
    for (int c : counts) {
      if (c < 1) {
        throw new Main.UsageException("--sweep thread counts must be positive");
      }
    }
    try (Dataset ds = Dataset.open(dataset)) {
      batch = batchFor(ds, "--batch", batch);
      java.util.List<String> skipped = new java.util.ArrayList<>();
      var candidates = io.jcolz.tools.compare.Comparison.candidates(ds, compare, skipped);
      double warmup = Math.max(1, Math.min(5, seconds / 2));
      var cmp =
          new io.jcolz.tools.compare.Comparison(
              candidates, skipped, counts, batch, rounds, warmup, seconds, cold);
      if (!json.on()) {
        out.printf(
            Locale.ROOT,
            "comparing loaders on %s (packed from %s), batch %d, threads %s%n",
            dataset,
            compare,
            batch,
            java.util.Arrays.toString(counts));
        for (String s : skipped) { // one line each, at once: not an error, the others still run
          out.println("not run: " + s);
        }
        out.flush();
      }
      cmp.run(json.on() ? null : out);
      if (chart != null) {
        cmp.chart(chart);
      }
      if (json.on()) {
        ObjectNode j = cmp.json();
        j.put("dataset", dataset.toString());
        j.put("compare", compare.toString());
        if (chart != null) {
          j.put("chart", chart.toString());
        }
        CliSupport.printJson(out, j);
      } else {
        cmp.printTable(out);
        if (chart != null) {
          out.println("chart written to " + chart);
        }
      }
    }
    return Main.OK;
  }
}
