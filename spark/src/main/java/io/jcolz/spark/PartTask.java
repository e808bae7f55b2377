package io.jcolz.spark;

import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.ManifestFile;
import io.jcolz.pack.FolderLabels;
import io.jcolz.pack.LabelSource;
import io.jcolz.pack.PackListener;
import io.jcolz.pack.PackPlan;
import io.jcolz.pack.Packer;
import io.jcolz.pack.SkipReason;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.Function;

/**
 * The Spark task of one part: reads the part's images through Hadoop's FileSystem API, packs them
 * with {@link Packer#packPart} into a staging directory {@code parts/.NAME.attempt-UUID} next to
 * the part's place, and renames the committed part into {@code parts/NAME} in one atomic step. If
 * another attempt (a retry or a speculative copy) renamed its part first, that commit stands and
 * this attempt's files are deleted; a failed attempt deletes its staging directory, so it leaves
 * nothing behind.
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
  private final BeforeRename hook;

  PartTask(JobSettings settings, Path build, BeforeRename hook) {
    this.settings = settings;
    this.build = build.toString();
    this.hook = hook;
  }

  @Override
  public PartOutcome call(PartWork work) throws Exception {
    long t0 = System.nanoTime();
    Path dir = Path.of(build);
    PackPlan plan = PackPlan.read(dir.resolve(PackPlan.FILE));
    if (plan == null) {
      throw new IOException(dir + " holds no pack plan; the driver writes it before the tasks");
    }
    PackPlan.Part part = plan.parts().get(work.position());
    if (committed(dir, plan, part)) {
      return new PartOutcome(work.position(), rows(dir, part), 0, true, seconds(t0));
    }
    Path staging =
        dir.resolve(DatasetLayout.PARTS)
            .resolve(
                "." + part.name() + ".attempt-" + UUID.randomUUID().toString().substring(0, 8));
    try {
      PackListener log =
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
      Packer packer = new Packer(settings.options(), log);
      LabelSource labels =
          settings.labelsFromDirs() ? new FolderLabels(new TreeSet<>(), plan.vocabulary()) : null;
      AtomicLong bytesIn = new AtomicLong();
      packer.packPart(staging, plan, part, () -> images(work, bytesIn), labels);
      Path staged = DatasetLayout.part(staging, part.name());
      if (hook != null) {
        hook.run(work, staged);
      }
      Path target = DatasetLayout.part(dir, part.name());
      boolean kept = false;
      try {
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        if (!committed(dir, plan, part)) {
          throw new IOException(target + " is in the way and is not a part of this pack's plan");
        }
        log.note(part.name() + ": another attempt committed it first; its commit stands");
        kept = true;
      }
      return new PartOutcome(
          work.position(), rows(dir, part), kept ? 0 : bytesIn.get(), kept, seconds(t0));
    } finally {
      deleteRecursively(staging);
    }
  }

  /** The part's images, read one at a time as the packer asks for them (bounded memory). */
  private static Iterator<Packer.ImageInput> images(PartWork work, AtomicLong bytesIn) {
    Configuration conf = new Configuration();
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
      Map<String, String> meta = ManifestFile.read(m).metadata();
      return plan.planId().equals(meta.get(Packer.PLAN_ID))
          && Integer.toString(part.index()).equals(meta.get(Packer.PART_INDEX));
    } catch (IOException e) {
      return false;
    }
  }

  private static long rows(Path dir, PackPlan.Part part) throws IOException {
    return ManifestFile.read(DatasetLayout.manifest(DatasetLayout.part(dir, part.name()))).rows();
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              x -> {
                try {
                  Files.deleteIfExists(x);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
