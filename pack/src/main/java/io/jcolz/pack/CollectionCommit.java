package io.jcolz.pack;

import io.jcolz.format.CollectionWriter;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.Manifest;
import io.jcolz.format.store.ManifestFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last step of a pack: the collection manifest over a plan's committed parts, and for a fresh
 * pack the atomic rename of the build directory onto the output (parking a dataset already there,
 * with {@code --overwrite}, for the moment of the swap), on the local file system or, through a
 * {@link PackTarget}, another one. FORMAT.md §9 describes what is written.
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
    PackTarget.Local target = (PackTarget.Local) PackTarget.local(out);
    if (!target.buildDirectory().equals(build.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException(build + " is not the build directory of " + out);
    }
    commitFresh(target, plan, entries, first, listener);
  }

  /**
   * The commit of a fresh pack on any {@link PackTarget}: writes the collection manifest over
   * {@code entries} (the plan's parts, in order) into the build directory, then moves a dataset at
   * the output aside, renames the build directory onto the output and removes the old dataset.
   *
   * @param first the first part's manifest (schema, labels and the collection's metadata)
   */
  public static void commitFresh(
      PackTarget target,
      PackPlan plan,
      List<CollectionManifest.PartEntry> entries,
      Manifest first,
      PackListener listener)
      throws IOException {
    long rows = 0;
    for (CollectionManifest.PartEntry e : entries) {
      rows += e.rows();
    }
    target.writeCollectionManifest(
        new CollectionManifest(
            plan.collectionId(),
            rows,
            first.schema(),
            first.labels(),
            collectionMetadata(first),
            entries,
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
            "jcolz pack"));
    listener.collectionWritten();
    boolean replacing = target.replaceableOutExists(); // again: it may have changed meanwhile
    if (replacing) {
      target.moveOutAside();
    }
    target.moveBuildOntoOut();
    if (replacing) {
      target.deleteAside();
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
