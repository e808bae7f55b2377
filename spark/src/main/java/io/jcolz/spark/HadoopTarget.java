package io.jcolz.spark;

import io.jcolz.format.Dataset;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.CollectionManifestFile;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.Manifest;
import io.jcolz.format.store.ManifestFile;
import io.jcolz.format.store.SiblingLayout;
import io.jcolz.pack.CollectionCommit;
import io.jcolz.pack.PackListener;
import io.jcolz.pack.PackPlan;
import io.jcolz.pack.PackSummary;
import io.jcolz.pack.PackTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A {@link PackTarget} on a Hadoop file system other than the local one ({@code hdfs://}, {@code
 * s3a://}): the packer library's checks and commit ({@link
 * io.jcolz.pack.PackPlanner#alreadyComplete}, {@link io.jcolz.pack.PackPlanner#recordPlan}, {@link
 * CollectionCommit#commitFresh(PackTarget, PackPlan, List, Manifest, PackListener)}) run on it
 * through small files copied via the driver's local scratch directory and renames that replace
 * nothing ({@link HadoopFs#renameNoReplace}: atomic on HDFS; on S3A a copy and a delete).
 *
 * <p>Also what only such an output needs: removing what a lost attempt left in the build directory,
 * and reading the committed parts' manifests (checked against the tasks' reports) through local
 * copies.
 *
 * <p>Not thread-safe: the driver's thread uses it.
 */
final class HadoopTarget extends PackTarget {
  private final FileSystem fs;
  private final Path out;
  private final Path build;
  private final java.nio.file.Path scratch;
  private Path old;

  /**
   * The target for the output URI {@code out}, copying small files through {@code scratch} (a local
   * directory of the driver's).
   */
  static HadoopTarget of(String out, Configuration conf, java.nio.file.Path scratch)
      throws IOException {
    Path given = new Path(out);
    FileSystem fs = given.getFileSystem(conf);
    return new HadoopTarget(fs, fs.makeQualified(given), scratch);
  }

  private HadoopTarget(FileSystem fs, Path out, java.nio.file.Path scratch) {
    super(out.toString(), buildOf(out).toString());
    this.fs = fs;
    this.out = out;
    this.build = buildOf(out);
    this.scratch = scratch;
  }

  /** The build directory {@code .NAME.building} next to {@code out}. */
  private static Path buildOf(Path out) {
    return new Path(out.getParent(), SiblingLayout.buildingName(out.getName()));
  }

  @Override
  public boolean outExists() throws IOException {
    return fs.exists(out);
  }

  @Override
  public boolean buildExists() throws IOException {
    return fs.exists(build);
  }

  @Override
  public PackPlan outPlan() throws IOException {
    return HadoopFs.readPlan(fs, new Path(out, PackPlan.FILE), scratch);
  }

  @Override
  public PackPlan buildPlan() throws IOException {
    return HadoopFs.readPlan(fs, new Path(build, PackPlan.FILE), scratch);
  }

  @Override
  public void createBuild() throws IOException {
    fs.mkdirs(new Path(build, DatasetLayout.PARTS));
  }

  @Override
  public void writeBuildPlan(PackPlan plan) throws IOException {
    java.nio.file.Path local = scratch.resolve("plan-" + PackPlan.FILE);
    plan.write(local);
    HadoopFs.upload(fs, local, new Path(build, PackPlan.FILE));
  }

  @Override
  public void deleteBuild() throws IOException {
    fs.delete(build, true);
  }

  @Override
  public CollectionManifest writeCollectionManifest(CollectionManifest m) throws IOException {
    java.nio.file.Path local = scratch.resolve("collection-" + DatasetLayout.COLLECTION_MANIFEST);
    Files.deleteIfExists(local);
    CollectionManifestFile.write(local, m);
    HadoopFs.upload(fs, local, new Path(build, DatasetLayout.COLLECTION_MANIFEST));
    return m;
  }

  @Override
  public boolean replaceableOutExists() throws IOException {
    return fs.exists(out);
  }

  @Override
  public void moveOutAside() throws IOException {
    old = HadoopFs.old(out);
    if (!HadoopFs.renameNoReplace(fs, out, old)) {
      throw new IOException("cannot move " + out + " aside to " + old);
    }
  }

  @Override
  public void moveBuildOntoOut() throws IOException {
    if (!HadoopFs.renameNoReplace(fs, build, out)) {
      throw new IOException(
          out + " appeared while packing (another pack?); the collection stays in " + build);
    }
  }

  @Override
  public void deleteAside() throws IOException {
    if (old != null) {
      fs.delete(old, true);
      old = null;
    }
  }

  /**
   * Removes what a lost attempt or driver left in the build directory: staging copies of parts,
   * temporary and stale collection manifests, and parts that do not belong to {@code plan}.
   */
  void removeLeftovers(PackPlan plan, PackListener l) throws IOException {
    for (FileStatus s : fs.listStatus(build)) {
      String name = s.getPath().getName();
      if (name.equals(DatasetLayout.COLLECTION_MANIFEST)
          || SiblingLayout.startsAsSibling(DatasetLayout.COLLECTION_MANIFEST, name)) {
        fs.delete(s.getPath(), false);
      }
    }
    Path parts = new Path(build, DatasetLayout.PARTS);
    for (FileStatus s : fs.listStatus(parts)) {
      if (s.getPath().getName().startsWith(".")) {
        fs.delete(s.getPath(), true);
        l.note("removed " + s.getPath() + ", left by an interrupted part commit");
      }
    }
    for (PackPlan.Part p : plan.parts()) {
      Path target = new Path(parts, p.name());
      if (fs.exists(target) && PartTask.committedManifest(fs, target, plan, p, scratch) == null) {
        fs.delete(target, true);
        l.note("removed " + target + ": not a committed part of this plan");
      }
    }
  }

  /**
   * The result of the collection committed at the output (as {@code jcolz pack} reports an output
   * already complete), from local copies of its parts' manifests.
   */
  io.jcolz.pack.PackResult committedResult(PackPlan plan, long startNanos) throws IOException {
    return PackSummary.committedResult(mirror(out, plan), plan, bytesOut(), startNanos);
  }

  /**
   * Commits the collection of {@code plan} whose parts the tasks reported in {@code outcomes}: the
   * collection manifest from the parts' manifests as committed (each checked against its task's
   * report), then {@link CollectionCommit}'s swap onto the output.
   *
   * @return the committed collection's result
   */
  io.jcolz.pack.PackResult commit(PackPlan plan, List<PartOutcome> outcomes, PackListener l)
      throws IOException {
    java.nio.file.Path mirror = mirror(build, plan);
    List<CollectionManifest.PartEntry> entries = new ArrayList<>();
    Manifest first = null;
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
      if (first == null) {
        first = m.manifest();
      }
    }
    CollectionCommit.commitFresh(this, plan, entries, first, l);
    return PackSummary.committedResult(mirror, plan, bytesOut(), System.nanoTime());
  }

  /**
   * A local directory holding a copy of each part's manifest of {@code dir} (the input of {@link
   * PackSummary#committedResult} and of the collection manifest).
   */
  private java.nio.file.Path mirror(Path dir, PackPlan plan) throws IOException {
    java.nio.file.Path mirror = scratch.resolve("mirror");
    for (PackPlan.Part p : plan.parts()) {
      java.nio.file.Path m = DatasetLayout.manifest(DatasetLayout.part(mirror, p.name()));
      Files.createDirectories(m.getParent());
      HadoopFs.download(
          fs,
          new Path(new Path(new Path(dir, DatasetLayout.PARTS), p.name()), DatasetLayout.MANIFEST),
          m);
    }
    return mirror;
  }

  /** The committed collection's bytes as {@link Dataset#diskBytes} counts them (not the plan). */
  private long bytesOut() throws IOException {
    long total = fs.getContentSummary(out).getLength();
    Path plan = new Path(out, PackPlan.FILE);
    return fs.exists(plan) ? total - fs.getFileStatus(plan).getLen() : total;
  }
}
