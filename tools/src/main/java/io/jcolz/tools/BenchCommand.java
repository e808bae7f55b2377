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

  @Option(
      names = "--read-mode",
      description =
          "how workers read compressed chunks: map, populate, pread or direct (default: map)")
  String readMode = "map";

  @Option(
      names = "--read-ahead",
      paramLabel = "N",
      description =
          "chunks read ahead of their decode at most, on separate I/O threads (0 = off; default: 3 per worker)")
  Integer readAhead;

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
    io.jcolz.format.store.ReadMode mode;
    try {
      mode = io.jcolz.format.store.ReadMode.parse(readMode);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException("--read-mode: " + e.getMessage());
    }
    if (readAhead != null) {
      Knobs.range("--read-ahead", readAhead, 0, io.jcolz.loader.read.ReadAhead.MAX_DEPTH);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (compare == null && (chart != null || cold || sweep != null)) {
      throw new Main.UsageException("--chart, --cold and --sweep need --compare DIR");
    }
    if (compare != null) {
      if (djl) {
        throw new Main.UsageException("--djl and --compare are separate runs: choose one");
      }
      return compare(out);
    }
    if (djl) {
      return djl(out);
    }
    try (Dataset ds = Dataset.open(dataset)) {
      batch = batchFor(ds, "--batch", batch);
      if (labels == null) { // jcolz pack writes no label column when it had no label source
        labels = ds.schema().labelColumn().isPresent() ? LabelMode.MULTI_HOT : LabelMode.NONE;
      }
      LoaderBench.Options o =
          LoaderBench.Options.defaults()
              .withThreads(threads)
              .withBatchSize(batch)
              .withSeconds(seconds)
              .with(order, layout, labels, augment)
              .withReadMode(mode)
              .withReadAhead(readAhead == null ? -1 : readAhead)
              .withPlainLabels(plainLabels);
      String targets;
      try {
        targets = LoaderBench.targetMode(ds, o).name();
      } catch (IllegalArgumentException e) { // the settings do not fit the dataset
        throw new Main.UsageException(e.getMessage());
      }
      if (!json.on()) {
        out.printf(
            Locale.ROOT,
            "streaming %s (%s rows, mode %s) with %d workers, batch %d, %s, %s, %s%s, augment %s for %.0f s%n",
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
            seconds);
        out.flush();
      }
      LoaderBench.Result r;
      long read0 = storageReadBytes();
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
        j.put("read_mode", mode.label());
        j.put("labels", labels.name());
        j.put("targets", targets);
        long read1 = storageReadBytes();
        // whole run (warm-up, timed part and decompress ceiling); -1 where /proc/self/io is absent
        j.put("storage_read_bytes", read0 < 0 || read1 < 0 ? -1 : read1 - read0);
        long dsBytes = ds.diskBytes();
        long memory = memoryLimitBytes();
        j.put("dataset_bytes", dsBytes);
        j.put("memory_limit_bytes", memory);
        // the dataset cannot stay in the page cache this process may use
        j.put("out_of_core", memory > 0 && dsBytes > memory);
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
            mode.label(),
            r.readAhead() == 0 ? "off" : r.readAhead() + " chunks",
            st.readWaitSeconds(),
            st.readsAhead(),
            st.readsInline());
        out.printf(
            Locale.ROOT,
            "memory     %s off-heap allocated, bound %s%n",
            CliSupport.bytes(r.peakOffHeapBytes()),
            CliSupport.bytes(r.boundOffHeapBytes()));
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

  private int djl(PrintWriter out) throws Exception {
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
      io.jcolz.loader.Loader.Builder probe =
          io.jcolz.loader.Loader.builder(ds).batchSize(b).workers(threads);
      try {
        probe.order(order).labels(labels).augment(augment).config();
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
      DjlBench.Result r =
          DjlBench.run(
              ds,
              x -> x.batchSize(b).workers(threads).order(order).labels(labels).augment(augment),
              seconds,
              rounds);
      if (json.on()) {
        ObjectNode j = CliSupport.JSON.createObjectNode();
        j.put("dataset", dataset.toString());
        j.put("loader_arrays_images_per_s", r.directImagesPerSecond());
        j.put("djl_dataset_images_per_s", r.datasetImagesPerSecond());
        j.put("ratio", r.ratio());
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

  /**
   * Bytes this process caused to be fetched from storage ({@code read_bytes} of {@code
   * /proc/self/io}: page-cache hits do not count), or -1 where that file is absent or unreadable.
   */
  static long storageReadBytes() {
    try {
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/io"))) {
        if (line.startsWith("read_bytes:")) {
          return Long.parseLong(line.substring("read_bytes:".length()).trim());
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux, or not allowed
    }
    return -1;
  }

  /**
   * The memory this process may use, page cache included: the smaller of the machine's ({@code
   * MemTotal}) and its memory cgroup's limit (v1 {@code memory.limit_in_bytes}, v2 {@code
   * memory.max}); -1 where neither can be read.
   */
  static long memoryLimitBytes() {
    long limit = Long.MAX_VALUE;
    try {
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          limit = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/cgroup"))) {
        String[] f = line.split(":", 3);
        if (f.length < 3) {
          continue;
        }
        Path file = null;
        if (java.util.Arrays.asList(f[1].split(",")).contains("memory")) {
          file = Path.of("/sys/fs/cgroup/memory" + f[2], "memory.limit_in_bytes");
        } else if (f[0].equals("0") && f[1].isEmpty()) {
          file = Path.of("/sys/fs/cgroup" + f[2], "memory.max");
        }
        if (file != null && java.nio.file.Files.isReadable(file)) {
          String v = java.nio.file.Files.readString(file).trim();
          if (!v.equals("max")) {
            limit = Math.min(limit, Long.parseLong(v));
          }
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux: what was read so far
    }
    return limit == Long.MAX_VALUE ? -1 : limit;
  }
}
