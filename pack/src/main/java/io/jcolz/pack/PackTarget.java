package io.jcolz.pack;

import io.jcolz.format.CollectionWriter;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileTrees;
import io.jcolz.format.store.SiblingLayout;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Where a fresh pack builds and commits its collection: the output {@code NAME} and its build
 * directory {@code .NAME.building} ({@link SiblingLayout#building}) on some file system. {@link
 * PackPlanner} checks a plan against what is there and {@link CollectionCommit} commits through it,
 * so the CLI (the local file system, {@link #local}) and the Spark driver (a Hadoop file system, an
 * adapter in {@code io.jcolz.spark}) share one sequence of checks and one commit.
 *
 * <p>Subclasses need not be thread-safe: one driver thread uses a target, holding the output's lock
 * where the file system has one ({@link PackLock}).
 */
public abstract class PackTarget {
  private final String out;
  private final String build;

  /**
   * @param out the output, as messages name it
   * @param build the build directory, as messages name it
   */
  protected PackTarget(String out, String build) {
    this.out = out;
    this.build = build;
  }

  /** The output, as messages name it. */
  public final String out() {
    return out;
  }

  /** The build directory, as messages name it. */
  public final String build() {
    return build;
  }

  /** Whether something is at the output. */
  public abstract boolean outExists() throws IOException;

  /** Whether the build directory is there. */
  public abstract boolean buildExists() throws IOException;

  /**
   * The plan recorded in the output, or null when it records none.
   *
   * @throws PackPlan.DamagedPlanException the recorded plan is damaged
   */
  public abstract PackPlan outPlan() throws IOException;

  /**
   * The plan recorded in the build directory, or null when there is none.
   *
   * @throws PackPlan.DamagedPlanException the recorded plan is damaged
   */
  public abstract PackPlan buildPlan() throws IOException;

  /** Creates the build directory and its {@code parts/}. */
  public abstract void createBuild() throws IOException;

  /** Records {@code plan} in the build directory. */
  public abstract void writeBuildPlan(PackPlan plan) throws IOException;

  /** Removes the build directory and everything in it. */
  public abstract void deleteBuild() throws IOException;

  /**
   * Writes {@code manifest} as the build directory's collection manifest, atomically.
   *
   * @return the manifest as written
   */
  public abstract CollectionManifest writeCollectionManifest(CollectionManifest manifest)
      throws IOException;

  /**
   * Whether a dataset is at the output, to be replaced by the commit; checked again just before the
   * swap.
   *
   * @throws IOException something is there that a pack must not replace
   */
  public abstract boolean replaceableOutExists() throws IOException;

  /** Moves the output aside to a hidden sibling name, for the moment of the swap. */
  public abstract void moveOutAside() throws IOException;

  /**
   * Renames the build directory onto the output in one step.
   *
   * @throws IOException the output appeared meanwhile (the collection stays in the build directory)
   */
  public abstract void moveBuildOntoOut() throws IOException;

  /** Removes what {@link #moveOutAside} moved aside, once the new collection is in place. */
  public abstract void deleteAside() throws IOException;

  /** The target on the local file system of the output {@code out} (absolute, normalised). */
  public static PackTarget local(Path out) {
    return new Local(out.toAbsolutePath().normalize());
  }

  /** {@link #local}: the CLI's target. Not thread-safe. */
  public static final class Local extends PackTarget {
    private final Path out;
    private final Path build;
    private Path old;

    Local(Path out) {
      super(out.toString(), SiblingLayout.building(out).toString());
      this.out = out;
      this.build = SiblingLayout.building(out);
    }

    /** The build directory. */
    public Path buildDirectory() {
      return build;
    }

    @Override
    public boolean outExists() {
      return Files.exists(out);
    }

    @Override
    public boolean buildExists() {
      return Files.exists(build);
    }

    @Override
    public PackPlan outPlan() throws IOException {
      return PackPlan.read(out.resolve(PackPlan.FILE));
    }

    @Override
    public PackPlan buildPlan() throws IOException {
      return PackPlan.read(build.resolve(PackPlan.FILE));
    }

    @Override
    public void createBuild() throws IOException {
      Files.createDirectories(build.resolve(DatasetLayout.PARTS));
    }

    @Override
    public void writeBuildPlan(PackPlan plan) throws IOException {
      plan.write(build.resolve(PackPlan.FILE));
    }

    @Override
    public void deleteBuild() throws IOException {
      FileTrees.deleteRecursively(build);
    }

    @Override
    public CollectionManifest writeCollectionManifest(CollectionManifest m) throws IOException {
      return CollectionWriter.commit(build, m);
    }

    @Override
    public boolean replaceableOutExists() throws IOException {
      return OutputCheck.requireReplaceable(out);
    }

    @Override
    public void moveOutAside() throws IOException {
      old = SiblingLayout.old(out);
      Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void moveBuildOntoOut() throws IOException {
      Files.move(build, out, StandardCopyOption.ATOMIC_MOVE);
      try (FileChannel ch = FileChannel.open(out.getParent(), StandardOpenOption.READ)) {
        ch.force(true);
      }
    }

    @Override
    public void deleteAside() throws IOException {
      if (old != null) {
        FileTrees.deleteRecursively(old);
        old = null;
      }
    }
  }
}
