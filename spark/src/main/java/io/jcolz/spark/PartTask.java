package io.jcolz.spark;

import io.jcolz.format.CollectionWriter;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileTrees;
import io.jcolz.format.store.ManifestFile;
import io.jcolz.format.store.SiblingLayout;
import io.jcolz.pack.FolderLabels;
import io.jcolz.pack.LabelSource;
import io.jcolz.pack.PackListener;
import io.jcolz.pack.PackPlan;
import io.jcolz.pack.Packer;
import io.jcolz.pack.SkipReason;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * The Spark task of one part: reads the part's images through Hadoop's FileSystem API and packs
 * them with {@link Packer#packPart}.
 *
 * <p><b>Local output</b> (a shared mount): the part is packed into a staging directory {@code
 * parts/.NAME.attempt-XXXXXXXX} next to its place and renamed into {@code parts/NAME} in one atomic
 * step.
 *
 * <p><b>Output on another file system</b> ({@code hdfs://}, {@code s3a://}): the part is packed
 * into a temporary directory on the executor's local disk ({@code java.io.tmpdir}), copied with the
 * FileSystem API to {@code parts/.NAME.attempt-XXXXXXXX} in the build directory and renamed onto
 * {@code parts/NAME} without replacing anything there ({@link HadoopFs#renameNoReplace}). The task
 * reports the part's collection-manifest entry, described from its local copy.
 *
 * <p>Either way, if another attempt (a retry or a speculative copy) committed the part first, that
 * commit stands and this attempt's files are deleted; a failed attempt deletes its staging
 * directories, so it leaves nothing behind (but on a lost executor, whose leftovers the next run's
 * driver removes).
 *
 * <p>Immutable and thread-safe: Spark may run it for several parts at once in one executor.
 */
public final class PartTask implements Function<PartWork, PartOutcome> {
  private static final long serialVersionUID = 1L;

  /** Called after a part is packed and before it is renamed into place (fault injection). */
  @FunctionalInterface
  public interface BeforeRename extends Serializable {
    /** Runs for {@code work}, whose committed part is at {@code staged}. */
    void run(PartWork work, Path staged) throws Exception;
  }

  private final JobSettings settings;
  private final String build;
  private final boolean hadoop;
  private final Broadcast<HashMap<String, String>> conf;
  private final BeforeRename hook;

  /** A task committing into the local build directory {@code build}. */
  PartTask(JobSettings settings, Path build, BeforeRename hook) {
    this(settings, build.toString(), false, null, hook);
  }

  /**
   * @param build the build directory: a local path, or with {@code hadoop} a Hadoop URI
   * @param conf the driver's Hadoop configuration, or null for the executor's defaults
   */
  PartTask(
      JobSettings settings,
      String build,
      boolean hadoop,
      Broadcast<HashMap<String, String>> conf,
      BeforeRename hook) {
    this.settings = settings;
    this.build = build;
    this.hadoop = hadoop;
    this.conf = conf;
    this.hook = hook;
  }

  private Configuration configuration() {
    return conf == null ? new Configuration() : HadoopFs.configuration(conf.value());
  }

  @Override
  public PartOutcome call(PartWork work) throws Exception {
    return hadoop ? callHadoop(work) : callLocal(work);
  }

  private PartOutcome callLocal(PartWork work) throws Exception {
    long t0 = System.nanoTime();
    Path dir = Path.of(build);
    PackPlan plan = PackPlan.read(dir.resolve(PackPlan.FILE));
    if (plan == null) {
      throw new IOException(dir + " holds no pack plan; the driver writes it before the tasks");
    }
    PackPlan.Part part = plan.parts().get(work.position());
    if (committed(dir, plan, part)) {
      return new PartOutcome(work.position(), rows(dir, part), 0, true, seconds(t0), 0, null);
    }
    Path staging = dir.resolve(DatasetLayout.PARTS).resolve(SiblingLayout.attemptName(part.name()));
    try {
      AtomicLong bytesIn = new AtomicLong();
      long p0 = System.nanoTime();
      pack(staging, plan, part, work, bytesIn);
      double packSeconds = seconds(p0);
      Path staged = DatasetLayout.part(staging, part.name());
      if (hook != null) {
        hook.run(work, staged);
      }
      Path target = DatasetLayout.part(dir, part.name());
      boolean kept = false;
      try {
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileSystemException e) {
        // onto a committed part: Linux says "Directory not empty" (not always as the subclass)
        if (!Files.exists(target)) {
          throw e;
        }
        if (!committed(dir, plan, part)) {
          throw new IOException(target + " is in the way and is not a part of this pack's plan");
        }
        LOG.note(part.name() + ": another attempt committed it first; its commit stands");
        kept = true;
      }
      return new PartOutcome(
          work.position(),
          rows(dir, part),
          kept ? 0 : bytesIn.get(),
          kept,
          seconds(t0),
          packSeconds,
          null);
    } finally {
      FileTrees.deleteRecursively(staging);
    }
  }

  private PartOutcome callHadoop(PartWork work) throws Exception {
    long t0 = System.nanoTime();
    Configuration c = configuration();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(build);
    FileSystem fs = dir.getFileSystem(c);
    Path local = Files.createTempDirectory("jcolz-pack-part-");
    org.apache.hadoop.fs.Path attempt = null;
    try {
      PackPlan plan =
          HadoopFs.readPlan(fs, new org.apache.hadoop.fs.Path(dir, PackPlan.FILE), local);
      if (plan == null) {
        throw new IOException(dir + " holds no pack plan; the driver writes it before the tasks");
      }
      PackPlan.Part part = plan.parts().get(work.position());
      org.apache.hadoop.fs.Path parts = new org.apache.hadoop.fs.Path(dir, DatasetLayout.PARTS);
      org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(parts, part.name());
      ManifestFile.Checked there = committedManifest(fs, target, plan, part, local);
      if (there != null) {
        // an earlier run's part: its key range is in its key column, so describe a local copy
        Path keptDir = local.resolve("kept");
        Files.createDirectories(keptDir.resolve(DatasetLayout.PARTS));
        Path copy = DatasetLayout.part(keptDir, part.name());
        fs.copyToLocalFile(false, target, new org.apache.hadoop.fs.Path(copy.toUri()), true);
        CollectionManifest.PartEntry e = CollectionWriter.describePart(keptDir, part.name());
        return new PartOutcome(
            work.position(), e.rows(), 0, true, seconds(t0), 0, PartOutcome.Entry.of(e));
      }
      AtomicLong bytesIn = new AtomicLong();
      long p0 = System.nanoTime();
      Path packed = local.resolve("packed");
      pack(packed, plan, part, work, bytesIn);
      double packSeconds = seconds(p0);
      Path staged = DatasetLayout.part(packed, part.name());
      CollectionManifest.PartEntry mine = CollectionWriter.describePart(packed, part.name());
      if (hook != null) {
        hook.run(work, staged);
      }
      attempt = new org.apache.hadoop.fs.Path(parts, SiblingLayout.attemptName(part.name()));
      fs.copyFromLocalFile(false, false, new org.apache.hadoop.fs.Path(staged.toUri()), attempt);
      if (HadoopFs.renameNoReplace(fs, attempt, target)) {
        attempt = null;
        return new PartOutcome(
            work.position(),
            mine.rows(),
            bytesIn.get(),
            false,
            seconds(t0),
            packSeconds,
            PartOutcome.Entry.of(mine));
      }
      ManifestFile.Checked winner = committedManifest(fs, target, plan, part, local);
      if (winner == null) {
        throw new IOException(target + " is in the way and is not a part of this pack's plan");
      }
      LOG.note(part.name() + ": another attempt committed it first; its commit stands");
      // the same images give the same keys: the winner's entry is this one's with its manifest
      CollectionManifest.PartEntry won =
          new CollectionManifest.PartEntry(
              part.name(),
              winner.manifest().rows(),
              winner.manifest().datasetId(),
              winner.bytes(),
              winner.crc32c(),
              mine.keyMin(),
              mine.keyMax());
      return new PartOutcome(
          work.position(),
          won.rows(),
          0,
          true,
          seconds(t0),
          packSeconds,
          PartOutcome.Entry.of(won));
    } finally {
      try {
        if (attempt != null) {
          fs.delete(attempt, true);
        }
      } finally {
        FileTrees.deleteRecursively(local);
      }
    }
  }

  /** Packs the part into {@code dir/parts/NAME} with the packer library. */
  private void pack(Path dir, PackPlan plan, PackPlan.Part part, PartWork work, AtomicLong bytesIn)
      throws IOException, InterruptedException {
    Packer packer = new Packer(settings.options(), LOG);
    LabelSource labels =
        settings.labelsFromDirs()
            ? new FolderLabels(new TreeSet<>(), plan.vocabulary())
            : work.labels() != null ? new ShippedLabels(plan.vocabulary(), work) : null;
    packer.packPart(dir, plan, part, () -> images(work, bytesIn, configuration()), labels);
  }

  /** The labels the driver looked up in the label file, by key. */
  private static final class ShippedLabels implements LabelSource {
    private final FolderLabels vocabulary;
    private final Map<String, List<String>> byKey = new HashMap<>();
    private final Map<String, Integer> index;

    ShippedLabels(List<String> vocabulary, PartWork work) {
      this.vocabulary = new FolderLabels(new TreeSet<>(), vocabulary);
      this.index = LabelSource.indexOf(vocabulary);
      for (int i = 0; i < work.keys().size(); i++) {
        byKey.put(work.keys().get(i), work.labels().get(i));
      }
    }

    @Override
    public List<String> vocabulary() {
      return vocabulary.vocabulary();
    }

    @Override
    public Lookup labels(String key, List<String> folders) {
      List<String> shipped = byKey.get(key);
      return shipped == null ? null : Lookup.ofShipped(shipped, index);
    }

    @Override
    public void close() {}
  }

  private static final PackListener LOG =
      new PackListener() {
        @Override
        public void skipped(SkipReason reason, String line) {
          System.err.println("jcolz pack: skipped " + line);
        }

        @Override
        public void note(String line) {
          System.err.println("jcolz pack: " + line);
        }
      };

  /** The part's images, read one at a time as the packer asks for them (bounded memory). */
  private static Iterator<Packer.ImageInput> images(
      PartWork work, AtomicLong bytesIn, Configuration conf) {
    return new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return i < work.keys().size();
      }

      @Override
      public Packer.ImageInput next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int k = i++;
        String uri = work.uris().get(k);
        byte[] bytes;
        try {
          org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
          try (InputStream in = p.getFileSystem(conf).open(p)) {
            bytes = in.readAllBytes();
          }
        } catch (IOException e) {
          // an unreadable file is skipped by the decoder (no bytes), as the CLI skips it
          System.err.println("jcolz pack: cannot read " + uri + ": " + e.getMessage());
          bytes = new byte[0];
        }
        bytesIn.addAndGet(bytes.length);
        return new Packer.ImageInput(work.keys().get(k), work.folders().get(k), null, bytes);
      }
    };
  }

  /** Whether {@code parts/NAME} holds a committed part of {@code plan}. */
  static boolean committed(Path dir, PackPlan plan, PackPlan.Part part) {
    Path m = DatasetLayout.manifest(DatasetLayout.part(dir, part.name()));
    if (!Files.exists(m)) {
      return false;
    }
    try {
      return belongs(ManifestFile.read(m), plan, part);
    } catch (IOException e) {
      return false;
    }
  }

  /** The manifest of the part at {@code partDir} if it is a committed part of {@code plan}. */
  static ManifestFile.Checked committedManifest(
      FileSystem fs, org.apache.hadoop.fs.Path partDir, PackPlan plan, PackPlan.Part part, Path tmp)
      throws IOException {
    org.apache.hadoop.fs.Path m = new org.apache.hadoop.fs.Path(partDir, DatasetLayout.MANIFEST);
    if (!fs.exists(m)) {
      return null;
    }
    try {
      ManifestFile.Checked c = HadoopFs.readManifest(fs, m, tmp);
      return belongs(c.manifest(), plan, part) ? c : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean belongs(
      io.jcolz.format.store.Manifest m, PackPlan plan, PackPlan.Part part) {
    Map<String, String> meta = m.metadata();
    return plan.planId().equals(meta.get(Packer.PLAN_ID))
        && Integer.toString(part.index()).equals(meta.get(Packer.PART_INDEX));
  }

  private static long rows(Path dir, PackPlan.Part part) throws IOException {
    return ManifestFile.read(DatasetLayout.manifest(DatasetLayout.part(dir, part.name()))).rows();
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
