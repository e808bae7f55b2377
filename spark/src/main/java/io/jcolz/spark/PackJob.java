package io.jcolz.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.loader.image.ResizeMode;
import io.jcolz.pack.FolderLabels;
import io.jcolz.pack.ListingDigest;
import io.jcolz.pack.PackListener;
import io.jcolz.pack.PackOptions;
import io.jcolz.pack.PackPlan;
import io.jcolz.pack.PackResult;
import io.jcolz.pack.Packer;
import io.jcolz.pack.SkipReason;
import io.jcolz.pack.SourceWalker;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code jcolz pack} on a Spark cluster. The driver lists the input through Hadoop's FileSystem API
 * (so {@code hdfs://} and {@code s3a://} inputs work; a {@code file:} input is walked with the
 * CLI's own {@link SourceWalker}), computes the same {@link PackPlan} and label vocabulary as the
 * CLI, writes the plan into the build directory {@code .NAME.building} next to the output, runs one
 * task per part ({@link PartTask}) and, when every part is in, commits the collection manifest with
 * {@link Packer#finish}. The result has the same rows, order, keys, labels and pixels as {@code
 * jcolz pack} with the same inputs and settings, and the same plan and collection id.
 *
 * <p>The output must be a path every executor sees (a local path in local mode, a shared mount on a
 * cluster): parts are committed there by atomic rename. A re-run with the same inputs and settings
 * keeps the parts already committed.
 *
 * <p>Usage: {@code spark-submit --class io.jcolz.spark.PackJob jcolz-spark.jar --input URI --out
 * DIR [--labels-from-dirs] [--size 224] [--mode raw|jpeg|smart] [--resize R] [--quality Q]
 * [--threads N] [--chunk-rows N] [--level L] [--min-side N] [--part-rows N] [--vocabulary-from DS]
 * [--overwrite] [--restart] [--json]}.
 *
 * <p>Thread-safe: {@link #run} keeps no state between calls.
 */
public final class PackJob {
  private PackJob() {}

  /** One listed image. */
  private record Entry(String key, String uri, List<String> folders, long size, long mtime) {}

  /** The driver's listing. */
  private static final class Listing {
    final List<Entry> entries = new ArrayList<>();
    final Map<SkipReason, Long> skipped = new EnumMap<>(SkipReason.class);
    long ignored;
  }

  /**
   * Packs {@code input} as {@code options} say (their {@code input} is recorded as the source in
   * the dataset's metadata; their {@code threads} are the threads of each task).
   *
   * @param spark the session whose cluster runs the tasks
   * @param input a Hadoop URI or local path of the image folder
   * @param options the pack's settings and output; {@code --append}, {@code --shard} and a label
   *     file are not supported here (use {@code jcolz pack})
   * @param listener told of notes and of the listing's skips (tasks log theirs to their stderr)
   * @return what the pack did, with the counts summed over the tasks
   * @throws IOException the input cannot be listed, the output is there, an unfinished pack with
   *     another plan is in the way, or a part failed after Spark's retries
   */
  public static PackResult run(
      SparkSession spark, String input, PackOptions options, PackListener listener)
      throws IOException {
    return run(spark, input, options, listener, null);
  }

  static PackResult run(
      SparkSession spark,
      String input,
      PackOptions options,
      PackListener listener,
      PartTask.BeforeRename hook)
      throws IOException {
    long t0 = System.nanoTime();
    PackListener l = listener == null ? PackListener.NONE : listener;
    if (options.append() || options.sharded()) {
      throw new IllegalArgumentException(
          "--append and --shard are not for the Spark job (it packs every part); use jcolz pack");
    }
    if (options.labels() != null) {
      throw new IllegalArgumentException(
          "--labels FILE is not supported by the Spark job yet; use --labels-from-dirs or jcolz"
              + " pack");
    }
    Path out = options.out().toAbsolutePath().normalize();
    Listing listing = list(input, out, l);
    ListingDigest digest = new ListingDigest(options.partRows());
    TreeSet<String> folders = new TreeSet<>();
    for (Entry e : listing.entries) {
      digest.add(e.key(), e.size(), e.mtime());
      folders.addAll(e.folders());
    }
    List<String> vocabulary = List.of();
    if (options.labelsFromDirs()) {
      vocabulary = new FolderLabels(folders, fixedVocabulary(options)).vocabulary();
      if (vocabulary.isEmpty()) {
        l.note(
            "no label names found (every image is directly in "
                + input
                + "): the dataset has no label column");
      }
    }
    PackPlan plan =
        PackPlan.of(digest, options.partRows(), Packer.settings(options), vocabulary, null, 0);
    Path build = Packer.buildDirectory(out);
    if (options.restart() && Files.exists(build)) {
      PartTask.deleteRecursively(build);
      l.note("--restart: removed the unfinished pack " + build);
    }
    if (Files.exists(out) && !options.overwrite()) {
      PackPlan packed = PackPlan.read(out.resolve(PackPlan.FILE));
      if (packed != null && PackPlan.difference(packed, plan) == null && !Files.exists(build)) {
        l.note(out + " is already complete (same inputs and settings): nothing to pack");
        try (Dataset ds = Dataset.open(out)) {
          return new PackResult(
              ds.rowCount(),
              Map.of(),
              0,
              ds.diskBytes(),
              (System.nanoTime() - t0) / 1e9,
              listing.ignored,
              0,
              0,
              0,
              options.mode() == PackedImages.Storage.RAW ? ds.rowCount() : 0,
              vocabulary.size(),
              0,
              plan.parts().size(),
              plan.parts().size(),
              0,
              true);
        }
      }
      throw new FileAlreadyExistsException(
          out.toString(),
          null,
          "a dataset or file is already there; use --overwrite to replace it");
    }
    Files.createDirectories(build.resolve(DatasetLayout.PARTS));
    PackPlan recorded = PackPlan.read(build.resolve(PackPlan.FILE));
    if (recorded != null) {
      String diff = PackPlan.difference(recorded, plan);
      if (diff != null) {
        throw new IOException(
            build
                + " holds an unfinished pack with another plan: "
                + diff
                + "; run again with --restart to start over, or pack into another --out");
      }
    } else {
      plan.write(build.resolve(PackPlan.FILE));
    }
    List<PartWork> works = new ArrayList<>();
    for (int p = 0; p < plan.parts().size(); p++) {
      PackPlan.Part part = plan.parts().get(p);
      List<Entry> sub =
          listing.entries.subList((int) part.first(), (int) (part.first() + part.count()));
      works.add(
          new PartWork(
              p,
              new ArrayList<>(sub.stream().map(Entry::key).toList()),
              new ArrayList<>(sub.stream().map(Entry::uri).toList()),
              new ArrayList<>(sub.stream().map(Entry::folders).toList())));
    }
    l.planned(plan, 0);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobDescription("jcolz pack " + out + " (" + works.size() + " parts)");
    List<PartOutcome> outcomes =
        jsc.parallelize(works, works.size())
            .map(new PartTask(JobSettings.of(options), build, hook))
            .collect();
    PackResult f = Packer.finish(out, l);
    long bytesIn = 0;
    int kept = 0;
    for (PartOutcome o : outcomes) {
      bytesIn += o.bytesIn();
      kept += o.kept() ? 1 : 0;
    }
    Map<SkipReason, Long> skipped = new EnumMap<>(SkipReason.class);
    skipped.putAll(f.skipped());
    listing.skipped.forEach((r, n) -> skipped.merge(r, n, Long::sum));
    return new PackResult(
        f.rows(),
        skipped,
        bytesIn,
        f.bytesOut(),
        (System.nanoTime() - t0) / 1e9,
        listing.ignored,
        f.unlabelled(),
        0,
        0,
        f.storedRaw(),
        f.labels(),
        f.labelsDropped(),
        f.parts(),
        kept,
        f.parts() - kept,
        true);
  }

  private static List<String> fixedVocabulary(PackOptions o) throws IOException {
    if (o.vocabularyFrom() == null) {
      return null;
    }
    try (Dataset ds = Dataset.open(o.vocabularyFrom())) {
      if (ds.labels().isEmpty()) {
        throw new IOException(o.vocabularyFrom() + " has no label vocabulary to share");
      }
      return ds.labels();
    }
  }

  /** Lists the input in the CLI's order, with the CLI's rules (see {@link SourceWalker}). */
  private static Listing list(String input, Path out, PackListener l) throws IOException {
    Listing listing = new Listing();
    URI uri = new org.apache.hadoop.fs.Path(input).toUri();
    if (uri.getScheme() == null || uri.getScheme().equals("file")) {
      Path root = Path.of(uri.getPath());
      new SourceWalker(root, out)
          .walk(
              new SourceWalker.Visitor() {
                @Override
                public void image(Path file, String key, List<String> f) {
                  BasicFileAttributes a;
                  try {
                    a = Files.readAttributes(file, BasicFileAttributes.class);
                  } catch (IOException e) {
                    a = null; // unreadable: its decode reports it
                  }
                  listing.entries.add(
                      new Entry(
                          key,
                          file.toAbsolutePath().toUri().toString(),
                          f,
                          a == null ? -1 : a.size(),
                          a == null ? -1 : a.lastModifiedTime().toMillis()));
                }

                @Override
                public void skip(String shown, SkipReason reason, String detail) {
                  listing.skipped.merge(reason, 1L, Long::sum);
                  l.skipped(reason, shown + ": " + reason.label() + " (" + detail + ")");
                }

                @Override
                public void ignored(Path file) {
                  listing.ignored++;
                }
              });
      return listing;
    }
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(input);
    FileSystem fs = root.getFileSystem(new Configuration());
    if (!fs.getFileStatus(root).isDirectory()) {
      throw new IOException(input + " is not a directory");
    }
    walk(fs, root, new ArrayList<>(), listing);
    return listing;
  }

  /** Depth first, each folder's entries sorted by name, as {@link SourceWalker} walks. */
  private static void walk(
      FileSystem fs, org.apache.hadoop.fs.Path dir, List<String> folders, Listing listing)
      throws IOException {
    FileStatus[] children = fs.listStatus(dir);
    Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
    for (FileStatus s : children) {
      String name = s.getPath().getName();
      if (name.startsWith(".")) {
        continue;
      }
      if (s.isDirectory()) {
        folders.add(name);
        walk(fs, s.getPath(), folders, listing);
        folders.removeLast();
      } else if (SourceWalker.isImageName(name)) {
        String key = folders.isEmpty() ? name : String.join("/", folders) + "/" + name;
        listing.entries.add(
            new Entry(
                key,
                s.getPath().toString(),
                List.copyOf(folders),
                s.getLen(),
                s.getModificationTime()));
      } else {
        listing.ignored++;
      }
    }
  }

  // ---------------------------------------------------------------- spark-submit

  /**
   * The spark-submit entry point; prints the summary (or, with {@code --json}, the same JSON line
   * as {@code jcolz pack}) and exits 0, 1 on a runtime failure, 2 on a usage error.
   */
  public static void main(String[] args) {
    int code;
    try {
      code = main(args, SparkSession.builder().appName("jcolz pack").getOrCreate());
    } catch (IllegalArgumentException e) {
      System.err.println("jcolz pack: " + e.getMessage());
      code = 2;
    }
    System.exit(code);
  }

  static int main(String[] args, SparkSession spark) {
    String input = null;
    Path out = null;
    boolean json = false;
    PackOptions.Builder b = PackOptions.builder(Path.of("."), Path.of("."));
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--labels-from-dirs" -> b.labelsFromDirs(true);
          case "--overwrite" -> b.overwrite(true);
          case "--restart" -> b.restart(true);
          case "--json" -> json = true;
          default -> {
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException("unknown option or missing value: " + a);
            }
            String v = args[++i];
            switch (a) {
              case "--input" -> input = v;
              case "--out" -> out = Path.of(v);
              case "--size" -> b.size(Integer.parseInt(v));
              case "--mode" ->
                  b.mode(
                      PackedImages.Storage.parse(v)
                          .orElseThrow(() -> new IllegalArgumentException("--mode " + v)));
              case "--resize" ->
                  b.resize(
                      ResizeMode.parse(v)
                          .orElseThrow(() -> new IllegalArgumentException("--resize " + v)));
              case "--quality" -> b.quality(Integer.parseInt(v));
              case "--threads" -> b.threads(Integer.parseInt(v));
              case "--chunk-rows" -> b.chunkRows(Integer.parseInt(v));
              case "--level" -> b.level(Integer.parseInt(v));
              case "--min-side" -> b.minSide(Integer.parseInt(v));
              case "--part-rows" -> b.partRows(Integer.parseInt(v));
              case "--vocabulary-from" -> b.vocabularyFrom(Path.of(v));
              default -> throw new IllegalArgumentException("unknown option: " + a);
            }
          }
        }
      }
      if (input == null || out == null) {
        throw new IllegalArgumentException("--input and --out are required");
      }
      URI u = new org.apache.hadoop.fs.Path(input).toUri();
      b.input(Path.of(u.getPath()));
      b.out(out);
      if (!args0Has(args, "--threads")) {
        b.threads(Math.max(1, spark.sparkContext().getConf().getInt("spark.task.cpus", 1)));
      }
    } catch (NumberFormatException e) {
      System.err.println("jcolz pack: not a number: " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException e) {
      System.err.println("jcolz pack: " + e.getMessage());
      return 2;
    }
    PackOptions o = b.build();
    PackListener notes =
        new PackListener() {
          @Override
          public void note(String line) {
            System.err.println("jcolz pack: " + line);
          }

          @Override
          public void skipped(SkipReason reason, String line) {
            System.err.println("jcolz pack: skipped " + line);
          }
        };
    PackResult r;
    try {
      r = run(spark, input, o, notes);
    } catch (IllegalArgumentException e) {
      System.err.println("jcolz pack: " + e.getMessage());
      return 2;
    } catch (IOException | RuntimeException e) {
      System.err.println("jcolz pack: " + e.getMessage());
      return 1;
    }
    if (json) {
      System.out.println(json(r, o));
    } else {
      System.out.printf(
          Locale.ROOT,
          "packed %d images into %s (%dx%d, %s) in %.1f s: %,.1f images/s in %d part(s)%n",
          r.rows(),
          o.out(),
          o.size(),
          o.size(),
          o.mode().id(),
          r.seconds(),
          r.imagesPerSecond(),
          r.parts());
      StringBuilder sb = new StringBuilder();
      r.skipped()
          .forEach(
              (k, v) ->
                  sb.append(sb.isEmpty() ? "" : ", ").append(v).append(' ').append(k.label()));
      System.out.println("skipped " + r.skippedTotal() + (sb.isEmpty() ? "" : ": " + sb));
    }
    return 0;
  }

  private static boolean args0Has(String[] args, String name) {
    return Arrays.asList(args).contains(name);
  }

  /** The {@code --json} line of {@code jcolz pack} (same fields, same rounding). */
  static ObjectNode json(PackResult r, PackOptions o) {
    ObjectNode j = new ObjectMapper().createObjectNode();
    j.put("dataset", o.out().toString());
    j.put("rows", r.rows());
    j.put("skipped", r.skippedTotal());
    ObjectNode by = j.putObject("skipped_by_reason");
    for (Map.Entry<SkipReason, Long> e : r.skipped().entrySet()) {
      by.put(e.getKey().key(), e.getValue());
    }
    j.put("bytes", r.bytesOut());
    j.put("bytes_in", r.bytesIn());
    j.put("ratio", Math.round(r.ratio() * 1000) / 1000.0);
    j.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
    j.put("images_per_s", Math.round(r.imagesPerSecond() * 10) / 10.0);
    j.put("mode", o.mode().id());
    j.put("size", o.size());
    j.put("threads", o.threads());
    if (o.mode() == PackedImages.Storage.SMART) {
      j.put("stored_raw", r.storedRaw());
      j.put("stored_jpeg", r.rows() - r.storedRaw());
    }
    j.put("labels", r.labels());
    j.put("unlabelled", r.unlabelled());
    j.put("labels_dropped", r.labelsDropped());
    j.put("label_keys_without_image", r.labelKeysWithoutImage());
    j.put("label_lines_rejected", r.labelLinesRejected());
    j.put("ignored_files", r.ignoredFiles());
    j.put("parts", r.parts());
    j.put("parts_kept", r.partsKept());
    j.put("parts_packed", r.partsPacked());
    j.put("committed", r.committed());
    return j;
  }
}
