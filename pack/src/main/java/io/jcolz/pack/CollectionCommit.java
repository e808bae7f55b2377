package io.jcolz.pack;

import io.jcolz.format.CollectionWriter;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileTrees;
import io.jcolz.format.store.Manifest;
import io.jcolz.format.store.ManifestFile;
import io.jcolz.format.store.SiblingLayout;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last step of a pack: the collection manifest over a plan's committed parts, and for a fresh
 * pack the atomic rename of the build directory onto the output (parking a dataset already there,
 * with {@code --overwrite}, for the moment of the swap). FORMAT.md §9 describes what is written.
 *
 * <p>Stateless; the methods are safe to call from any thread, but two commits of the same output
 * must not run at once: the caller holds the output's {@link PackLock} exclusively.
 */
public final class CollectionCommit {
  private CollectionCommit() {}

  /**
   * Writes the collection manifest of {@code plan} into {@code build} and renames {@code build}
   * onto {@code out}, replacing a dataset there (it was checked replaceable before the pack, and is
   * checked again).
   */
  public static void commitFresh(Path build, Path out, PackPlan plan, PackListener listener)
      throws IOException {
    List<CollectionManifest.PartEntry> entries = new ArrayList<>();
    Manifest first = null;
    for (PackPlan.Part p : plan.parts()) {
      entries.add(CollectionWriter.describePart(build, p.name()));
      if (first == null) {
        first = ManifestFile.read(DatasetLayout.manifest(DatasetLayout.part(build, p.name())));
      }
    }
    CollectionWriter.commit(
        build,
        plan.collectionId(),
        first.schema(),
        first.labels(),
        collectionMetadata(first),
        entries,
        "jcolz pack");
    listener.collectionWritten();
    Path old = null;
    if (OutputCheck.requireReplaceable(out)) { // checked again: it may have changed meanwhile
      old = SiblingLayout.old(out);
      Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(build, out, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel ch = FileChannel.open(out.getParent(), StandardOpenOption.READ)) {
      ch.force(true);
    }
    if (old != null) {
      FileTrees.deleteRecursively(old);
    }
  }

  /**
   * Replaces the manifest of the collection {@code out} (whose manifest was {@code base}) by one
   * that lists {@code plan}'s parts after {@code base}'s: the commit of an append.
   */
  static void commitAppend(Path out, CollectionManifest base, PackPlan plan, PackListener listener)
      throws IOException {
    List<CollectionManifest.PartEntry> entries = new ArrayList<>(base.parts());
    for (PackPlan.Part p : plan.parts()) {
      entries.add(CollectionWriter.describePart(out, p.name()));
    }
    CollectionWriter.commit(
        out,
        base.collectionId(),
        base.schema(),
        base.labels(),
        base.metadata(),
        entries,
        "jcolz pack --append");
    listener.collectionWritten();
  }

  /**
   * The metadata of a fresh pack's collection manifest: the first part's, less the counts of that
   * part alone (for a caller that writes the collection manifest itself: a Spark driver whose
   * output is not a local file system).
   */
  public static Map<String, String> collectionMetadata(Manifest firstPart) {
    Map<String, String> meta = new LinkedHashMap<>(firstPart.metadata());
    meta.keySet()
        .removeIf(
            k ->
                k.startsWith(PackSummary.SKIPPED_PREFIX)
                    || k.startsWith("part_") && !k.equals("part_rows"));
    meta.remove("stored_raw");
    meta.remove("unlabelled");
    meta.remove("labels_dropped");
    return meta;
  }
}
