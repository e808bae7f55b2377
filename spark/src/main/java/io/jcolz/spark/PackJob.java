package io.jcolz.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.CollectionManifestFile;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileTrees;
import io.jcolz.format.store.Manifest;
import io.jcolz.format.store.ManifestFile;
import io.jcolz.format.store.SiblingLayout;
import io.jcolz.image.ResizeMode;
import io.jcolz.pack.CodecChoice;
import io.jcolz.pack.CodecReport;
import io.jcolz.pack.CollectionCommit;
import io.jcolz.pack.FolderLabels;
import io.jcolz.pack.LabelFile;
import io.jcolz.pack.LabelFormat;
import io.jcolz.pack.LabelSource;
import io.jcolz.pack.ListingDigest;
import io.jcolz.pack.PackListener;
import io.jcolz.pack.PackLock;
import io.jcolz.pack.PackOptions;
import io.jcolz.pack.PackPlan;
import io.jcolz.pack.PackPlanner;
import io.jcolz.pack.PackResult;
import io.jcolz.pack.PackSummary;
import io.jcolz.pack.Packer;
import io.jcolz.pack.SkipReason;
import io.jcolz.pack.SourceWalker;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * {@code jcolz pack} on a Spark cluster. The driver lists the input through Hadoop's FileSystem API
 * (so {@code hdfs://} and {@code s3a://} inputs work; a {@code file:} input is walked with the
 * CLI's own {@link SourceWalker}), reads the label file with the CLI's {@link LabelFile} (a Parquet
 * table through Spark), computes the same {@link PackPlan} and label vocabulary as the CLI, writes
 * the plan into the build directory {@code .NAME.building} next to the output, runs one task per
 * part ({@link PartTask}) and, when every part is in, commits the collection manifest. The result
 * has the same rows, order, keys, labels and pixels as {@code jcolz pack} with the same inputs and
 * settings, and the same plan and collection id.
 *
 * <p>A local output must be a path every executor sees (a shared mount): parts are committed there
 * by atomic rename and {@link Packer#finish} commits the collection. An output on another Hadoop
 * file system gets the parts copied up by the tasks; the driver checks their manifests, writes the
 * collection manifest under a temporary name and renames it and then the build directory into place
 * (atomic on HDFS; on S3A a rename is a copy and a delete: see the README). A re-run with the same
 * inputs and settings keeps the parts already committed.
 *
 * <p>Usage: {@code spark-submit --class io.jcolz.spark.PackJob jcolz-spark.jar --input URI --out
 * URI [--labels-from-dirs | --labels URI] [--size 224] [--mode raw|jpeg|smart] [--resize R]
 * [--quality Q] [--threads N] [--chunk-rows N] [--level L] [--codec auto|zstd|none] [--min-side N]
 * [--part-rows N] [--vocabulary-from DS] [--overwrite] [--restart] [--json]}.
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
            loadLabels(
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
      Committed c =
          localOut
              ? commitLocal(jsc, conf, outLocal, plan, works, recorded, l, hook, listing, t0)
              : commitHadoop(
                  jsc, conf, out, plan, works, recorded, l, hook, listing, scratch, hconf);
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
        LabelFile.Unmatched u = labelFile.unmatched(10);
        unmatched = u.count();
        if (u.count() > 0) {
          l.note(
              labels
                  + ": "
                  + u.count()
                  + " key(s) have no image under "
                  + input
                  + ", e.g. "
                  + String.join(", ", u.examples()));
        }
        if (f.unlabelled() > 0) {
          l.note(
              f.unlabelled()
                  + " image(s) have no line in "
                  + labels
                  + " and were packed with no labels");
        }
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

  /** Output on the local file system (a shared mount): the packer library's commit. */
  private static Committed commitLocal(
      JavaSparkContext jsc,
      Broadcast<HashMap<String, String>> conf,
      Path out,
      PackPlan plan,
      List<PartWork> works,
      PackOptions options,
      PackListener l,
      PartTask.BeforeRename hook,
      Listing listing,
      long t0)
      throws IOException {
    // held from the restart to the commit: no CLI pack, shard or finish runs on out meanwhile
    try (PackLock lock = PackLock.acquire(out)) {
      return commitLocal(lock, jsc, conf, out, plan, works, options, l, hook, listing, t0);
    }
  }

  private static Committed commitLocal(
      PackLock lock,
      JavaSparkContext jsc,
      Broadcast<HashMap<String, String>> conf,
      Path out,
      PackPlan plan,
      List<PartWork> works,
      PackOptions options,
      PackListener l,
      PartTask.BeforeRename hook,
      Listing listing,
      long t0)
      throws IOException {
    io.jcolz.pack.OutputCheck.requireReplaceable(out);
    Path build = Packer.buildDirectory(out);
    if (options.restart() && Files.exists(build)) {
      FileTrees.deleteRecursively(build);
      l.note("--restart: removed the unfinished pack " + build);
    }
    if (Files.exists(out) && !options.overwrite()) {
      PackPlan packed = PackPlan.read(out.resolve(PackPlan.FILE));
      if (packed != null && PackPlan.difference(packed, plan) == null && !Files.exists(build)) {
        l.note(out + " is already complete (same inputs and settings): nothing to pack");
        try (Dataset ds = Dataset.open(out)) {
          return new Committed(
              PackResult.builder()
                  .rows(ds.rowCount())
                  .bytesOut(ds.diskBytes())
                  .seconds((System.nanoTime() - t0) / 1e9)
                  .ignoredFiles(listing.ignored)
                  .storedRaw(options.mode() == PackedImages.Storage.RAW ? ds.rowCount() : 0)
                  .labels(plan.vocabulary().size())
                  .parts(plan.parts().size())
                  .partsKept(plan.parts().size())
                  .committed(true)
                  .build(),
              null,
              null);
        }
      }
      throw new FileAlreadyExistsException(
          out.toString(),
          null,
          "a dataset or file is already there; use --overwrite to replace it");
    }
    Files.createDirectories(build.resolve(DatasetLayout.PARTS));
    PackPlan before = PackPlan.read(build.resolve(PackPlan.FILE));
    checkPlan(before, plan, build.toString());
    if (before == null) {
      plan.write(build.resolve(PackPlan.FILE));
    }
    l.planned(plan, 0);
    List<PartOutcome> outcomes =
        runTasks(
            jsc,
            out.toString(),
            works,
            new PartTask(JobSettings.of(options), build.toString(), false, conf, hook));
    return new Committed(null, outcomes, Packer.finish(lock, out, l));
  }

  /** Refuses a recorded plan that differs from {@code plan}. */
  private static void checkPlan(PackPlan recorded, PackPlan plan, String build) throws IOException {
    if (recorded != null) {
      String diff = PackPlan.difference(recorded, plan);
      if (diff != null) {
        throw new IOException(
            build
                + " holds an unfinished pack with another plan: "
                + diff
                + "; run again with --restart to start over, or pack into another --out");
      }
    }
  }

  private static List<PartOutcome> runTasks(
      JavaSparkContext jsc, String out, List<PartWork> works, PartTask task) {
    jsc.setJobDescription("jcolz pack " + out + " (" + works.size() + " parts)");
    return jsc.parallelize(works, works.size()).map(task).collect();
  }

  /**
   * Output on another file system: the tasks copy their parts up; the driver checks each part's
   * manifest against its task's report, writes the collection manifest under a temporary name,
   * renames it into place and renames the build directory onto {@code out}.
   */
  private static Committed commitHadoop(
      JavaSparkContext jsc,
      Broadcast<HashMap<String, String>> conf,
      String out,
      PackPlan plan,
      List<PartWork> works,
      PackOptions options,
      PackListener l,
      PartTask.BeforeRename hook,
      Listing listing,
      Path scratch,
      Configuration hconf)
      throws IOException {
    org.apache.hadoop.fs.Path given = new org.apache.hadoop.fs.Path(out);
    FileSystem fs = given.getFileSystem(hconf);
    org.apache.hadoop.fs.Path outP = fs.makeQualified(given);
    org.apache.hadoop.fs.Path build =
        new org.apache.hadoop.fs.Path(outP.getParent(), SiblingLayout.buildingName(outP.getName()));
    if (options.restart() && fs.exists(build)) {
      fs.delete(build, true);
      l.note("--restart: removed the unfinished pack " + build);
    }
    if (fs.exists(outP) && !options.overwrite()) {
      PackPlan packed =
          HadoopFs.readPlan(fs, new org.apache.hadoop.fs.Path(outP, PackPlan.FILE), scratch);
      if (packed != null && PackPlan.difference(packed, plan) == null && !fs.exists(build)) {
        l.note(outP + " is already complete (same inputs and settings): nothing to pack");
        Path mirror = mirror(fs, outP, plan, scratch);
        PackResult r =
            PackSummary.committedResult(mirror, plan, bytesOut(fs, outP), System.nanoTime());
        return new Committed(
            r.toBuilder().skipped(Map.of()).ignoredFiles(listing.ignored).build(), null, null);
      }
      throw new FileAlreadyExistsException(
          outP.toString(),
          null,
          "a dataset or file is already there; use --overwrite to replace it");
    }
    org.apache.hadoop.fs.Path parts = new org.apache.hadoop.fs.Path(build, DatasetLayout.PARTS);
    fs.mkdirs(parts);
    org.apache.hadoop.fs.Path planFile = new org.apache.hadoop.fs.Path(build, PackPlan.FILE);
    PackPlan before = HadoopFs.readPlan(fs, planFile, scratch);
    checkPlan(before, plan, build.toString());
    if (before == null) {
      Path local = scratch.resolve("plan-" + PackPlan.FILE);
      plan.write(local);
      HadoopFs.upload(fs, local, planFile);
    }
    removeLeftovers(fs, build, plan, scratch, l);
    l.planned(plan, 0);
    List<PartOutcome> outcomes =
        runTasks(
            jsc,
            outP.toString(),
            works,
            new PartTask(JobSettings.of(options), build.toString(), true, conf, hook));
    // the collection manifest, from the parts' manifests as committed (checked against the tasks)
    Path mirror = mirror(fs, build, plan, scratch);
    List<CollectionManifest.PartEntry> entries = new ArrayList<>();
    Manifest first = null;
    long rows = 0;
    for (PartOutcome o : outcomes) {
      PackPlan.Part part = plan.parts().get(o.position());
      CollectionManifest.PartEntry e = o.entry().entry();
      ManifestFile.Checked m =
          ManifestFile.readChecked(DatasetLayout.manifest(DatasetLayout.part(mirror, part.name())));
      if (!m.manifest().datasetId().equals(e.datasetId())
          || m.bytes() != e.manifestBytes()
          || m.crc32c() != e.manifestCrc32c()
          || m.manifest().rows() != e.rows()) {
        throw new IOException(
            "part "
                + part.name()
                + ": the committed manifest in "
                + build
                + " is not the one its task reported (dataset id "
                + m.manifest().datasetId()
                + ", task's "
                + e.datasetId()
                + "); was it replaced by another job?");
      }
      entries.add(e);
      rows += e.rows();
      if (first == null) {
        first = m.manifest();
      }
    }
    CollectionManifest cm =
        new CollectionManifest(
            plan.collectionId(),
            rows,
            first.schema(),
            first.labels(),
            CollectionCommit.collectionMetadata(first),
            entries,
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
            "jcolz pack");
    Path local = DatasetLayout.collectionManifest(mirror);
    CollectionManifestFile.write(local, cm);
    HadoopFs.upload(
        fs, local, new org.apache.hadoop.fs.Path(build, DatasetLayout.COLLECTION_MANIFEST));
    l.collectionWritten();
    org.apache.hadoop.fs.Path old = null;
    if (fs.exists(outP)) {
      old = HadoopFs.hiddenSibling(outP, "old");
      if (!HadoopFs.renameNoReplace(fs, outP, old)) {
        throw new IOException("cannot move " + outP + " aside to " + old);
      }
    }
    if (!HadoopFs.renameNoReplace(fs, build, outP)) {
      throw new IOException(
          outP + " appeared while packing (another pack?); the collection stays in " + build);
    }
    if (old != null) {
      fs.delete(old, true);
    }
    return new Committed(
        null,
        outcomes,
        PackSummary.committedResult(mirror, plan, bytesOut(fs, outP), System.nanoTime()));
  }

  /**
   * Removes what a lost attempt or driver left in the build directory: staging copies of parts,
   * temporary and stale collection manifests, and parts that do not belong to {@code plan}.
   */
  private static void removeLeftovers(
      FileSystem fs, org.apache.hadoop.fs.Path build, PackPlan plan, Path scratch, PackListener l)
      throws IOException {
    for (FileStatus s : fs.listStatus(build)) {
      String name = s.getPath().getName();
      if (name.equals(DatasetLayout.COLLECTION_MANIFEST)
          || name.startsWith("." + DatasetLayout.COLLECTION_MANIFEST)) {
        fs.delete(s.getPath(), false);
      }
    }
    org.apache.hadoop.fs.Path parts = new org.apache.hadoop.fs.Path(build, DatasetLayout.PARTS);
    for (FileStatus s : fs.listStatus(parts)) {
      if (s.getPath().getName().startsWith(".")) {
        fs.delete(s.getPath(), true);
        l.note("removed " + s.getPath() + ", left by an interrupted part commit");
      }
    }
    for (PackPlan.Part p : plan.parts()) {
      org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(parts, p.name());
      if (fs.exists(target) && PartTask.committedManifest(fs, target, plan, p, scratch) == null) {
        fs.delete(target, true);
        l.note("removed " + target + ": not a committed part of this plan");
      }
    }
  }

  /**
   * A local directory holding a copy of each part's manifest of {@code dir} (the input of {@link
   * PackSummary#committedResult} and of the collection manifest).
   */
  private static Path mirror(
      FileSystem fs, org.apache.hadoop.fs.Path dir, PackPlan plan, Path scratch)
      throws IOException {
    Path mirror = scratch.resolve("mirror");
    for (PackPlan.Part p : plan.parts()) {
      Path m = DatasetLayout.manifest(DatasetLayout.part(mirror, p.name()));
      Files.createDirectories(m.getParent());
      HadoopFs.download(
          fs,
          new org.apache.hadoop.fs.Path(
              new org.apache.hadoop.fs.Path(
                  new org.apache.hadoop.fs.Path(dir, DatasetLayout.PARTS), p.name()),
              DatasetLayout.MANIFEST),
          m);
    }
    return mirror;
  }

  /** The committed collection's bytes as {@link Dataset#diskBytes} counts them (not the plan). */
  private static long bytesOut(FileSystem fs, org.apache.hadoop.fs.Path out) throws IOException {
    long total = fs.getContentSummary(out).getLength();
    org.apache.hadoop.fs.Path plan = new org.apache.hadoop.fs.Path(out, PackPlan.FILE);
    return fs.exists(plan) ? total - fs.getFileStatus(plan).getLen() : total;
  }

  /**
   * The label file on the driver's local disk ({@code scratch}), loaded with the packer library's
   * reader; a Parquet table is converted to JSON lines first.
   */
  private static LabelFile loadLabels(
      SparkSession spark,
      String labels,
      LabelFormat format,
      Path scratch,
      List<String> fixed,
      PackListener l,
      Configuration hconf)
      throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(labels);
    Path local;
    Consumer<String> problems = l::note;
    if (p.getName().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
      format = LabelFormat.JSONL;
      local = scratch.resolve("labels-from-parquet.jsonl");
      parquetToJsonLines(spark, labels, local);
      String prefix = local + ":";
      problems =
          line ->
              l.note(
                  line.startsWith(prefix)
                      ? labels + ": row " + line.substring(prefix.length())
                      : line);
    } else if (HadoopFs.isLocal(labels, hconf)) {
      local = HadoopFs.localPath(labels);
      if (!Files.isRegularFile(local)) {
        throw new NoSuchFileException(local.toString(), null, "no such label file");
      }
    } else {
      Path dir = Files.createDirectories(scratch.resolve("labels"));
      local = dir.resolve(p.getName());
      HadoopFs.download(p.getFileSystem(hconf), p, local);
    }
    return LabelFile.load(local, format, scratch.resolve("labels.cmap"), problems, fixed);
  }

  /** Writes a Parquet label table's {@code key} and {@code labels} columns as JSON lines. */
  private static void parquetToJsonLines(SparkSession spark, String table, Path file)
      throws IOException {
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> df;
    try {
      df = spark.read().parquet(table);
    } catch (RuntimeException e) {
      throw new IOException(table + ": cannot read the Parquet label table: " + e.getMessage(), e);
    }
    List<String> columns = Arrays.asList(df.columns());
    if (!columns.contains("key") || !columns.contains("labels")) {
      throw new IOException(
          table
              + ": a Parquet label table needs the columns key and labels, it has "
              + String.join(", ", columns));
    }
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      Iterator<String> it = df.select("key", "labels").toJSON().toLocalIterator();
      while (it.hasNext()) {
        w.write(it.next());
        w.write('\n');
      }
    }
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

  /** Lists the input in the CLI's order, with the CLI's rules (see {@link SourceWalker}). */
  private static Listing list(String input, Path out, PackListener l, Configuration conf)
      throws IOException {
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
    FileSystem fs = root.getFileSystem(conf);
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
    String out = null;
    String labels = null;
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
              case "--out" -> out = v;
              case "--labels" -> labels = v;
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
              case "--codec" ->
                  b.codec(
                      CodecChoice.parse(v)
                          .orElseThrow(
                              () ->
                                  new IllegalArgumentException(
                                      "--codec must be auto, zstd or none, not '" + v + "'")));
              case "--min-side" -> b.minSide(Integer.parseInt(v));
              case "--part-rows" -> b.partRows(Integer.parseInt(v));
              case "--vocabulary-from" -> b.vocabularyFrom(Path.of(v));
              case "--labels-format" ->
                  b.labelsFormat(
                      LabelFormat.parse(v)
                          .orElseThrow(() -> new IllegalArgumentException("--labels-format " + v)));
              case "--unlisted" ->
                  b.unlisted(
                      PartialLabels.Unlisted.parse(v)
                          .orElseThrow(() -> new IllegalArgumentException("--unlisted " + v)));
              default -> throw new IllegalArgumentException("unknown option: " + a);
            }
          }
        }
      }
      if (input == null || out == null) {
        throw new IllegalArgumentException("--input and --out are required");
      }
      // what the metadata records: a local path as given (as jcolz pack does), else the URI's path
      b.input(HadoopFs.localPath(input));
      b.out(
          new org.apache.hadoop.fs.Path(out).toUri().getScheme() == null
              ? Path.of(out)
              : HadoopFs.localPath(out));
      if (labels != null) {
        b.labels(
            new org.apache.hadoop.fs.Path(labels).toUri().getScheme() == null
                ? Path.of(labels)
                : HadoopFs.localPath(labels));
      }
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
    PackOptions o;
    try {
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

  private static boolean args0Has(String[] args, String name) {
    return Arrays.asList(args).contains(name);
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
