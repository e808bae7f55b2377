package io.jcolz.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.store.FileTrees;
import io.jcolz.pack.CodecReport;
import io.jcolz.pack.FolderLabels;
import io.jcolz.pack.InputListing;
import io.jcolz.pack.LabelFile;
import io.jcolz.pack.LabelSource;
import io.jcolz.pack.ListingDigest;
import io.jcolz.pack.PackFlags;
import io.jcolz.pack.PackListener;
import io.jcolz.pack.PackLock;
import io.jcolz.pack.PackOptions;
import io.jcolz.pack.PackPlan;
import io.jcolz.pack.PackPlanner;
import io.jcolz.pack.PackResult;
import io.jcolz.pack.PackSummary;
import io.jcolz.pack.PackTarget;
import io.jcolz.pack.Packer;
import io.jcolz.pack.SkipReason;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jcolz pack} on a Spark cluster. The driver lists the input through Hadoop's FileSystem API
 * (so {@code hdfs://} and {@code s3a://} inputs work: {@link HadoopListing}; a {@code file:} input
 * is listed with the CLI's own {@link InputListing#local}), reads the label file with the CLI's
 * {@link LabelFile} (a Parquet table through Spark), computes the same {@link PackPlan} and label
 * vocabulary as the CLI, writes the plan into the build directory {@code .NAME.building} next to
 * the output, runs one task per part ({@link PartTask}) and, when every part is in, commits the
 * collection manifest. The result has the same rows, order, keys, labels and pixels as {@code jcolz
 * pack} with the same inputs and settings, and the same plan and collection id.
 *
 * <p>A local output must be a path every executor sees (a shared mount): parts are committed there
 * by atomic rename and {@link Packer#finish} commits the collection. An output on another Hadoop
 * file system gets the parts copied up by the tasks; the driver checks their manifests, writes the
 * collection manifest under a temporary name and renames it and then the build directory into place
 * (atomic on HDFS; on S3A a rename is a copy and a delete: see the README), through {@link
 * HadoopTarget}. Either way the checks ({@code --restart}, "already complete", an unfinished pack
 * with another plan) and the commit are the packer library's ({@link PackPlanner}, {@link
 * io.jcolz.pack.CollectionCommit}, {@link PackSummary}) on a {@link PackTarget}. A re-run with the
 * same inputs and settings keeps the parts already committed.
 *
 * <p>Usage: {@code spark-submit --class io.jcolz.spark.PackJob jcolz-spark.jar --input URI --out
 * URI [--labels-from-dirs | --labels URI] [--json]} and the settings flags of {@code jcolz pack}
 * ({@link PackFlags}: {@code --size}, {@code --mode}, {@code --resize}, {@code --quality}, {@code
 * --threads}, {@code --chunk-rows}, {@code --level}, {@code --codec}, {@code --min-side}, {@code
 * --part-rows}, {@code --vocabulary-from}, {@code --overwrite}, {@code --restart}).
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
   * Packs {@code input} into the local {@code options.out()} as {@code options} say (their {@code
   * input} is recorded as the source in the dataset's metadata; their {@code threads} are the
   * threads of each task; their label file, if any, is a local file).
   *
   * @param spark the session whose cluster runs the tasks
   * @param input a Hadoop URI or local path of the image folder
   * @param options the pack's settings and output; {@code --append} and {@code --shard} are not
   *     supported here (use {@code jcolz pack})
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
    return run(
        spark,
        input,
        options.labels() == null ? null : options.labels().toString(),
        options.out().toString(),
        options,
        listener,
        hook);
  }

  /**
   * Packs {@code input} into {@code out} as {@code options} say. {@code input}, {@code labels} and
   * {@code out} are Hadoop URIs or local paths (a path without a scheme is on the local file
   * system, as for {@code jcolz pack}, not on {@code fs.defaultFS}). An output on the local file
   * system must be visible to every executor (a shared mount); on another file system ({@code
   * hdfs://}, {@code s3a://}) each task packs on its executor's local disk and copies the committed
   * part up (see {@link PartTask}). The paths in {@code options} are what the dataset's metadata
   * records as the source and label file.
   *
   * @param labels a label file (CSV or JSON lines as {@code jcolz pack --labels} reads, or a
   *     Parquet table with columns {@code key} and {@code labels}: a name ending in {@code
   *     .parquet}), or null
   * @throws IOException as {@link #run(SparkSession, String, PackOptions, PackListener)}, or the
   *     label file cannot be read
   */
  public static PackResult run(
      SparkSession spark,
      String input,
      String labels,
      String out,
      PackOptions options,
      PackListener listener)
      throws IOException {
    return run(spark, input, labels, out, options, listener, null);
  }

  static PackResult run(
      SparkSession spark,
      String input,
      String labels,
      String out,
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
    if (labels != null && options.labelsFromDirs()) {
      throw new IllegalArgumentException("--labels and --labels-from-dirs exclude each other");
    }
    Configuration hconf = spark.sparkContext().hadoopConfiguration();
    boolean localOut = HadoopFs.isLocal(out, hconf);
    Path outLocal = localOut ? HadoopFs.localPath(out).toAbsolutePath().normalize() : null;
    PackOptions recorded = options;
    if (labels != null && options.labels() == null) {
      recorded = options.toBuilder().labels(HadoopFs.localPath(labels)).build();
    }
    Path scratch = Files.createTempDirectory("jcolz-pack-driver-");
    LabelFile labelFile = null;
    try {
      Listing listing =
          list(
              input,
              outLocal != null ? outLocal : options.out().toAbsolutePath().normalize(),
              l,
              hconf);
      ListingDigest digest = new ListingDigest(options.partRows());
      TreeSet<String> folders = new TreeSet<>();
      for (Entry e : listing.entries) {
        digest.add(e.key(), e.size(), e.mtime());
        folders.addAll(e.folders());
      }
      List<String> vocabulary = List.of();
      PackOptions planned = recorded;
      if (options.labelsFromDirs()) {
        vocabulary = new FolderLabels(folders, PackPlanner.fixedVocabulary(options)).vocabulary();
        if (vocabulary.isEmpty()) {
          l.note(
              "no label names found (every image is directly in "
                  + input
                  + "): the dataset has no label column");
        }
      } else if (labels != null) {
        labelFile =
            DriverLabels.load(
                spark,
                labels,
                options.labelsFormat(),
                scratch,
                PackPlanner.fixedVocabulary(options),
                l,
                hconf);
        vocabulary = labelFile.vocabulary();
        if (vocabulary.isEmpty()) {
          l.note("no label names found in " + labels + ": the dataset has no label column");
        }
        // the plan records the file's digest: read the local copy
        planned = recorded.toBuilder().labels(labelFile.file()).build();
      }
      PackPlan plan =
          PackPlan.of(
              digest,
              options.partRows(),
              PackPlanner.settings(planned, labelFile),
              vocabulary,
              null,
              0);
      List<List<String>> names = labelFile == null ? null : lookUp(labelFile, listing);
      List<PartWork> works = new ArrayList<>();
      for (int p = 0; p < plan.parts().size(); p++) {
        PackPlan.Part part = plan.parts().get(p);
        int from = (int) part.first();
        int to = (int) (part.first() + part.count());
        List<Entry> sub = listing.entries.subList(from, to);
        works.add(
            new PartWork(
                p,
                new ArrayList<>(sub.stream().map(Entry::key).toList()),
                new ArrayList<>(sub.stream().map(Entry::uri).toList()),
                new ArrayList<>(sub.stream().map(Entry::folders).toList()),
                names == null ? null : new ArrayList<>(names.subList(from, to))));
      }
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Broadcast<HashMap<String, String>> conf = jsc.broadcast(HadoopFs.entries(hconf));
      // local: held from the restart to the commit, so no CLI pack, shard or finish runs on out
      Committed c;
      try (PackLock lock = localOut ? PackLock.acquire(outLocal) : null) {
        Output output =
            localOut
                ? new LocalOutput(lock, outLocal)
                : new HadoopOutput(HadoopTarget.of(out, hconf, scratch));
        c = pack(jsc, output, conf, plan, works, recorded, l, hook, listing, t0);
      }
      if (c.complete() != null) {
        return c.complete();
      }
      PackResult f = c.result();
      long bytesIn = 0;
      int kept = 0;
      double taskSeconds = 0;
      double packSeconds = 0;
      for (PartOutcome o : c.outcomes()) {
        bytesIn += o.bytesIn();
        kept += o.kept() ? 1 : 0;
        taskSeconds += o.seconds();
        packSeconds += o.packSeconds();
      }
      l.note(
          String.format(
              Locale.ROOT,
              "%d task(s): %.3f s in tasks, of which %.3f s packing (the rest: plan, copies,"
                  + " commit)",
              c.outcomes().size(),
              taskSeconds,
              packSeconds));
      Map<SkipReason, Long> skipped = new EnumMap<>(SkipReason.class);
      skipped.putAll(f.skipped());
      listing.skipped.forEach((r, n) -> skipped.merge(r, n, Long::sum));
      long unmatched = 0;
      if (labelFile != null) {
        unmatched = PackSummary.noteUnmatched(l, labelFile, labels, input);
        PackSummary.noteUnlabelled(l, f.unlabelled(), labels);
      }
      return PackResult.builder()
          .rows(f.rows())
          .skipped(skipped)
          .bytesIn(bytesIn)
          .bytesOut(f.bytesOut())
          .seconds((System.nanoTime() - t0) / 1e9)
          .ignoredFiles(listing.ignored)
          .unlabelled(f.unlabelled())
          .labelKeysWithoutImage(unmatched)
          .labelLinesRejected(labelFile == null ? 0 : labelFile.rejectedLines())
          .storedRaw(f.storedRaw())
          .labels(f.labels())
          .labelsDropped(f.labelsDropped())
          .parts(f.parts())
          .partsKept(kept)
          .partsPacked(f.parts() - kept)
          .committed(true)
          .build();
    } finally {
      try {
        if (labelFile != null) {
          labelFile.close();
        }
      } finally {
        FileTrees.deleteRecursively(scratch);
      }
    }
  }

  /**
   * How the commit went: {@code complete} when the output already held this pack, else the outcomes
   * of the tasks and the committed collection's counts.
   */
  private record Committed(PackResult complete, List<PartOutcome> outcomes, PackResult result) {}

  /** What differs between an output on the local file system and one on another. */
  private interface Output {
    /** Where the packer library's checks and commit run. */
    PackTarget target();

    /** Whether the tasks pack on their local disks and copy the parts up. */
    boolean copiesParts();

    /** The result of the output already complete with {@code plan}. */
    PackResult completeResult(PackPlan plan, long t0) throws IOException;

    /** Prepares the build directory for the tasks (after the plan is recorded). */
    void beforeTasks(PackPlan plan, PackListener l) throws IOException;

    /** Commits the collection once the tasks reported {@code outcomes}. */
    PackResult commit(PackPlan plan, List<PartOutcome> outcomes, PackListener l) throws IOException;
  }

  /**
   * Output on the local file system (a shared mount): the packer library's own target and {@link
   * Packer#finish}, under {@code lock}.
   */
  private record LocalOutput(PackLock lock, Path out) implements Output {
    @Override
    public PackTarget target() {
      return PackTarget.local(out);
    }

    @Override
    public boolean copiesParts() {
      return false;
    }

    @Override
    public PackResult completeResult(PackPlan plan, long t0) throws IOException {
      try (Dataset ds = Dataset.open(out)) {
        return PackSummary.committedResult(out, plan, ds.diskBytes(), t0);
      }
    }

    @Override
    public void beforeTasks(PackPlan plan, PackListener l) {}

    @Override
    public PackResult commit(PackPlan plan, List<PartOutcome> outcomes, PackListener l)
        throws IOException {
      return Packer.finish(lock, out, l);
    }
  }

  /** Output on another file system: {@link HadoopTarget}. */
  private record HadoopOutput(HadoopTarget target) implements Output {
    @Override
    public boolean copiesParts() {
      return true;
    }

    @Override
    public PackResult completeResult(PackPlan plan, long t0) throws IOException {
      return target.committedResult(plan, System.nanoTime());
    }

    @Override
    public void beforeTasks(PackPlan plan, PackListener l) throws IOException {
      target.removeLeftovers(plan, l);
    }

    @Override
    public PackResult commit(PackPlan plan, List<PartOutcome> outcomes, PackListener l)
        throws IOException {
      return target.commit(plan, outcomes, l);
    }
  }

  /**
   * The driver's pack, the same sequence as {@code jcolz pack}'s ({@link PackPlanner}'s checks,
   * then the parts, then the commit): {@code --restart}, the output check, "already complete", the
   * plan recorded (or checked against an unfinished pack's), one task per part, the commit.
   */
  private static Committed pack(
      JavaSparkContext jsc,
      Output output,
      Broadcast<HashMap<String, String>> conf,
      PackPlan plan,
      List<PartWork> works,
      PackOptions options,
      PackListener l,
      PartTask.BeforeRename hook,
      Listing listing,
      long t0)
      throws IOException {
    PackTarget target = output.target();
    PackPlanner.restart(target, options.restart(), l);
    target.replaceableOutExists(); // refuses what a pack must not replace
    if (PackPlanner.alreadyComplete(target, plan, options.overwrite())) {
      PackSummary.noteComplete(l, target);
      PackResult r = output.completeResult(plan, t0);
      return new Committed(
          r.toBuilder().skipped(Map.of()).ignoredFiles(listing.ignored).build(), null, null);
    }
    PackPlanner.recordPlan(target, plan);
    output.beforeTasks(plan, l);
    l.planned(plan, 0);
    jsc.setJobDescription("jcolz pack " + target.out() + " (" + works.size() + " parts)");
    List<PartOutcome> outcomes =
        jsc.parallelize(works, works.size())
            .map(
                new PartTask(
                    JobSettings.of(options), target.build(), output.copiesParts(), conf, hook))
            .collect();
    return new Committed(null, outcomes, output.commit(plan, outcomes, l));
  }

  /**
   * Per listed image, its label names in the label file (null: no line), looked up in listing order
   * as {@code jcolz pack} does (so the file's unmatched keys are the CLI's).
   */
  private static List<List<String>> lookUp(LabelFile file, Listing listing) throws IOException {
    List<String> vocabulary = file.vocabulary();
    List<List<String>> out = new ArrayList<>(listing.entries.size());
    for (Entry e : listing.entries) {
      LabelSource.Lookup lk = file.labels(e.key(), e.folders());
      if (lk == null) {
        out.add(null);
        continue;
      }
      out.add(lk.shipped(vocabulary));
    }
    return out;
  }

  /**
   * Lists the input in the CLI's order, with the CLI's rules: a local folder with the CLI's own
   * listing ({@link InputListing#local}), another file system with {@link HadoopListing}.
   */
  private static Listing list(String input, Path out, PackListener l, Configuration conf)
      throws IOException {
    URI uri = new org.apache.hadoop.fs.Path(input).toUri();
    InputListing source =
        uri.getScheme() == null || uri.getScheme().equals("file")
            ? InputListing.local(Path.of(uri.getPath()), out)
            : new HadoopListing(input, conf);
    Listing listing = new Listing();
    source.list(
        new InputListing.Visitor() {
          @Override
          public void image(
              String key, String location, List<String> folders, long size, long modified) {
            listing.entries.add(new Entry(key, location, folders, size, modified));
          }

          @Override
          public void skip(String shown, SkipReason reason, String detail) {
            listing.skipped.merge(reason, 1L, Long::sum);
            l.skipped(reason, shown + ": " + reason.label() + " (" + detail + ")");
          }

          @Override
          public void ignored() {
            listing.ignored++;
          }
        });
    return listing;
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

  /** The job's flags: where things live (Hadoop URIs) here, the settings in {@link PackFlags}. */
  @Command(
      name = "jcolz pack",
      sortOptions = false,
      description = "Pack a folder of images into a jcolz collection on a Spark cluster.")
  static final class Args {
    @Option(names = "--input", required = true, paramLabel = "URI", description = "image folder")
    String input;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "dataset")
    String out;

    @Option(
        names = "--labels",
        paramLabel = "URI",
        description = "label file: CSV/TSV, JSON lines, or a Parquet table (.parquet)")
    String labels;

    @Option(
        names = "--labels-from-dirs",
        description = "every folder on an image's path below --input is one of its labels")
    boolean labelsFromDirs;

    @Mixin PackFlags flags = new PackFlags();

    @Option(names = "--json", description = "print the summary as one JSON line")
    boolean json;

    @Option(names = "--help", usageHelp = true, description = "show this help and exit")
    boolean help;
  }

  static int main(String[] argv, SparkSession spark) {
    Args a = new Args();
    CommandLine cl = new CommandLine(a);
    try {
      cl.parseArgs(argv);
    } catch (CommandLine.ParameterException e) {
      System.err.println("jcolz pack: " + e.getMessage());
      return 2;
    }
    if (cl.isUsageHelpRequested()) {
      cl.usage(System.out);
      return 0;
    }
    String input = a.input;
    String out = a.out;
    String labels = a.labels;
    boolean json = a.json;
    PackOptions o;
    try {
      // what the metadata records: a local path as given (as jcolz pack does), else the URI's path
      PackOptions.Builder b =
          a.flags
              .applyTo(PackOptions.builder(HadoopFs.localPath(input), localOrGiven(out)))
              .labelsFromDirs(a.labelsFromDirs);
      if (labels != null) {
        b.labels(localOrGiven(labels));
      }
      if (a.flags.vocabularyFrom != null) {
        b.vocabularyFrom(a.flags.vocabularyFrom);
      }
      if (!cl.getParseResult().hasMatchedOption("--threads")) {
        b.threads(Math.max(1, spark.sparkContext().getConf().getInt("spark.task.cpus", 1)));
      }
      o = b.build();
    } catch (IllegalArgumentException e) {
      System.err.println("jcolz pack: " + e.getMessage());
      return 2;
    }
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
      r = run(spark, input, labels, out, o, notes, null);
    } catch (IllegalArgumentException e) {
      System.err.println("jcolz pack: " + e.getMessage());
      return 2;
    } catch (IOException | RuntimeException e) {
      System.err.println("jcolz pack: " + e.getMessage());
      return 1;
    }
    if (json) {
      Path local = null;
      try {
        if (HadoopFs.isLocal(out, spark.sparkContext().hadoopConfiguration())) {
          local = HadoopFs.localPath(out);
        }
      } catch (IOException e) {
        // the pack succeeded: its line just goes without the codecs
      }
      System.out.println(json(r, o, out, local));
    } else {
      System.out.printf(
          Locale.ROOT,
          "packed %d images into %s (%dx%d, %s) in %.1f s: %,.1f images/s in %d part(s)%n",
          r.rows(),
          out,
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

  /** A path without a scheme as given; a URI's path. */
  private static Path localOrGiven(String uri) {
    return new org.apache.hadoop.fs.Path(uri).toUri().getScheme() == null
        ? Path.of(uri)
        : HadoopFs.localPath(uri);
  }

  /** The {@code --json} line of {@code jcolz pack} (same fields, same rounding). */
  static ObjectNode json(PackResult r, PackOptions o) {
    return r.toJson(o, o.out().toString(), CodecReport.committedCodecs(r, o.out()));
  }

  /**
   * As {@link #json(PackResult, PackOptions)} for the output {@code dataset} (a URI); the codecs
   * only when the output is on the local file system ({@code local}, else null), where the
   * committed dataset can be opened.
   */
  static ObjectNode json(PackResult r, PackOptions o, String dataset, Path local) {
    return r.toJson(o, dataset, local == null ? null : CodecReport.committedCodecs(r, local));
  }
}
