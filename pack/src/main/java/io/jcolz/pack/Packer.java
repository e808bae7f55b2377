package io.jcolz.pack;

import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileTrees;
import io.jcolz.format.store.SiblingLayout;
import io.jcolz.image.ImageDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Packs a folder of images into a collection of parts (the engine behind {@code jcolz pack}; see
 * the package documentation for the conventions).
 *
 * <p><b>Plan and parts.</b> A first walk lists the images (sorted, deterministic), digests the
 * listing and cuts it into parts of {@link PackOptions#partRows()} images: the {@link PackPlan},
 * written first into the build directory {@code .NAME.building} next to the output. Each part is
 * then packed into {@code parts/part-NNNNNN} as a complete version-1 dataset, committed on its own
 * ({@link io.jcolz.format.DatasetWriter}'s atomic rename). When every part is in, the collection
 * manifest is written and the build directory is renamed onto the output in one atomic step. A
 * re-run with the same inputs and settings finds the plan, keeps every committed part that belongs
 * to it and packs only the rest, so a pack killed at any moment finishes with exactly the rows of
 * an uninterrupted one; a re-run whose plan differs is refused with the difference named ({@code
 * --restart} starts over). {@code --append} packs new parts into an existing collection and
 * replaces its manifest atomically; {@code --shard i/n} packs only the parts with index ≡ i (mod n)
 * and {@link #finish} commits once all are in.
 *
 * <p><b>The pieces.</b> This class is the lifecycle (lock, label source, pack, append, finish);
 * {@link PackPlanner} lists the input, plans and sorts parts into kept and to-do; {@code
 * PartPipeline} packs the parts ({@code threads} workers, rows in listing order whatever the thread
 * count); {@link CollectionCommit} writes the collection manifest and swaps it onto the output;
 * {@link PackSummary} counts the run and sums the parts' manifests into the {@link PackResult}.
 *
 * <p>Not thread-safe: one {@link #run} per instance; the pack itself is multi-threaded.
 */
public final class Packer {
  /** Metadata key of the plan id, in every part and in the collection. */
  public static final String PLAN_ID = "plan_id";

  /** Metadata key of a part's index in the plan. */
  public static final String PART_INDEX = "part_index";

  private final PackOptions o;
  private final PackListener listener;
  private final ImageDecoder decoder;
  private final PackSummary summary;
  private final PackPlanner planner;

  /** The run's label source (a label file, or folder names once listed), or null. */
  private LabelSource labels;

  /** The vocabulary the run must keep ({@code --vocabulary-from}, or an append's), or null. */
  private List<String> fixedVocabulary;

  /** An append's label columns (the collection's), or null for those the labels need. */
  private String appendColumns;

  /**
   * One input image: a file, or its bytes (a caller reading another file system).
   *
   * @param key the image's key (its path relative to the input, '/' separators)
   * @param folders the folders on its path (labels with {@code --labels-from-dirs})
   * @param file the file, or null when {@code bytes} is given
   * @param bytes the file's bytes, or null
   */
  public record ImageInput(String key, List<String> folders, Path file, byte[] bytes) {}

  /** A packer for one run of {@code options}, reporting to {@code listener} (null: none). */
  public Packer(PackOptions options, PackListener listener) {
    this.o = options;
    this.listener = listener == null ? PackListener.NONE : listener;
    this.decoder = decoder(options);
    this.summary = new PackSummary(o, this.listener);
    this.planner = new PackPlanner(o, this.listener);
  }

  /** The decoder the pack uses (the same settings give the same pixels elsewhere). */
  public static ImageDecoder decoder(PackOptions options) {
    return ImageDecoder.builder().minSide(options.minSide()).build();
  }

  /** Where a fresh pack builds its collection until it renames it onto {@code out}. */
  public static Path buildDirectory(Path out) {
    return SiblingLayout.building(out);
  }

  // ---------------------------------------------------------------- the CLI's entry points

  /**
   * Runs the pack (or the append, or one shard). On success the collection is committed at {@code
   * out} (not for a shard); on any failure committed parts stay in the build directory for a
   * re-run, and nothing else is left but what was there before.
   *
   * @throws IOException the input cannot be listed, the output cannot be written, another pack
   *     holds the output, or an earlier run's plan differs (the message says how)
   */
  public PackResult run() throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Path out = o.out().toAbsolutePath().normalize();
    try (PackLock lock =
        o.sharded()
            ? PackLock.acquireShard(out, o.shardIndex(), o.shardCount())
            : PackLock.acquire(out)) {
      if (!o.sharded()) {
        for (String line : lock.removeLeftovers(out)) {
          listener.note(line);
        }
      }
      fixedVocabulary =
          o.append() ? PackPlanner.collectionVocabulary(out) : PackPlanner.fixedVocabulary(o);
      LabelFile labelFile = null;
      if (o.labels() != null) {
        labelFile =
            LabelFile.load(
                o.labels(),
                o.labelsFormat(),
                SiblingLayout.labelMap(out),
                listener::note,
                fixedVocabulary);
        labels = labelFile;
      }
      try {
        return o.append() ? append(out, labelFile, t0) : pack(out, labelFile, t0);
      } finally {
        if (labels != null) {
          labels.close();
        }
      }
    }
  }

  private PackResult pack(Path out, LabelFile labelFile, long t0)
      throws IOException, InterruptedException {
    Path build = buildDirectory(out);
    PackTarget target = PackTarget.local(out);
    PackPlanner.restart(target, o.restart(), listener);
    OutputCheck.requireReplaceable(out);
    PackPlanner.Listing listing = list(null);
    PackPlan plan = plan(listing, null, 0);
    if (PackPlanner.alreadyComplete(target, plan, o.overwrite())) {
      PackSummary.noteComplete(listener, target);
      return summary.result(out, plan, plan.parts().size(), 0, true, labelFile, t0);
    }
    PackPlanner.recordPlan(target, plan);
    List<PackPlan.Part> todo = new ArrayList<>();
    int kept = planner.sortParts(build, plan, todo);
    listener.planned(plan, kept);
    packParts(build, plan, todo);
    if (o.sharded()) {
      listener.note(
          String.format(
              "shard %d/%d: packed %d part(s), %d were already there; when every shard is done,"
                  + " commit with: jcolz pack --finish --out %s",
              o.shardIndex(), o.shardCount(), todo.size(), kept, o.out()));
      return summary.result(build, plan, kept, todo.size(), false, labelFile, t0);
    }
    CollectionCommit.commitFresh(build, out, plan, listener);
    return summary.result(out, plan, kept, todo.size(), true, labelFile, t0);
  }

  /**
   * Commits a sharded pack once every part of its plan is present: writes the collection manifest
   * and renames the build directory onto {@code out}.
   *
   * @throws MissingPartsException some parts are not committed yet (named)
   */
  public static PackResult finish(Path out, PackListener listener) throws IOException {
    try (PackLock lock = PackLock.acquire(out)) {
      return finish(lock, out, listener);
    }
  }

  /**
   * {@link #finish(Path, PackListener)} for a caller that holds {@code out}'s lock exclusively
   * already (the Spark driver, for its whole pack).
   *
   * @throws IllegalStateException {@code held} is not {@code out}'s exclusive lock
   */
  public static PackResult finish(PackLock held, Path out, PackListener listener)
      throws IOException {
    long t0 = System.nanoTime();
    Path abs = out.toAbsolutePath().normalize();
    listener = listener == null ? PackListener.NONE : listener;
    if (!held.holdsExclusively(abs)) {
      throw new IllegalStateException("the lock held is not " + PackLock.lockFile(abs));
    }
    Path build = buildDirectory(abs);
    PackPlan plan = PackPlan.read(build.resolve(PackPlan.FILE));
    if (plan == null) {
      if (Files.exists(DatasetLayout.collectionManifest(abs))) {
        throw new IOException(abs + " is already committed; nothing to finish");
      }
      throw new IOException(
          build + " holds no pack plan: start the shards first (jcolz pack --shard i/n ...)");
    }
    List<String> missing = new ArrayList<>();
    for (PackPlan.Part p : plan.parts()) {
      if (!PackPlanner.belongs(build, plan, p)) {
        missing.add(p.name());
      }
    }
    if (!missing.isEmpty()) {
      throw new MissingPartsException(build, missing, plan.parts().size());
    }
    CollectionCommit.commitFresh(build, abs, plan, listener);
    try (Dataset ds = Dataset.open(abs)) {
      return PackSummary.committedResult(abs, plan, ds.diskBytes(), t0);
    }
  }

  /** Some parts of a plan are not committed: {@link #missing()} names them. */
  public static final class MissingPartsException extends IOException {
    private static final long serialVersionUID = 1L;
    private final List<String> missing;

    MissingPartsException(Path build, List<String> missing, int total) {
      super(
          build
              + ": "
              + missing.size()
              + " of "
              + total
              + " parts are not packed yet: "
              + String.join(", ", missing.size() > 50 ? missing.subList(0, 50) : missing)
              + (missing.size() > 50 ? ", …" : "")
              + "; run the shards that pack them, then --finish again");
      this.missing = List.copyOf(missing);
    }

    /** The missing parts' names. */
    public List<String> missing() {
      return missing;
    }
  }

  private PackResult append(Path out, LabelFile labelFile, long t0)
      throws IOException, InterruptedException {
    CollectionManifest base;
    try (Dataset existing = Dataset.open(out)) {
      if (!existing.isCollection()) {
        throw new IOException(
            out
                + " is a single (version-1) dataset; --append needs a collection of parts (pack"
                + " it again with this jcolz)");
      }
      base = existing.collectionManifest();
      checkSameSettings(out, existing.metadata());
      appendColumns = appendLabelColumns(out, existing.partialLabels());
      Path planFile = out.resolve(PackPlan.APPEND_FILE);
      if (o.restart() && Files.exists(planFile)) {
        for (String name : unfinishedAppendParts(out, planFile, base)) {
          FileTrees.deleteRecursively(DatasetLayout.part(out, name));
        }
        Files.delete(planFile);
        listener.note("--restart: removed the unfinished append's parts and plan");
      }
      PackPlanner.Listing listing = list(existing);
      PackPlan plan = plan(listing, base.collectionId(), base.parts().size());
      for (Dataset.Part p : existing.parts()) {
        if (plan.planId().equals(p.manifest().metadata().get(PLAN_ID))) {
          listener.note(
              out + " already holds this append (same inputs and settings): nothing to do");
          return summary.result(out, plan, plan.parts().size(), 0, true, labelFile, t0);
        }
      }
      if (listing.duplicate != null) {
        throw new IOException(
            "key '"
                + listing.duplicate
                + "' is already in "
                + out
                + " (row "
                + listing.duplicateRow
                + "); --append adds new images only");
      }
      PackPlan recorded;
      try {
        recorded = PackPlan.read(planFile);
      } catch (PackPlan.DamagedPlanException e) {
        throw new IOException(
            e.getMessage() + "; add --restart to discard the unfinished append and start it over",
            e);
      }
      if (recorded != null && PackPlan.difference(recorded, plan) != null) {
        throw new IOException(
            out
                + " holds an unfinished append with another plan: "
                + PackPlan.difference(recorded, plan)
                + "; re-run that append, or add --restart to discard it");
      }
      if (recorded == null) {
        plan.write(planFile);
      }
      List<PackPlan.Part> todo = new ArrayList<>();
      int kept = planner.sortParts(out, plan, todo);
      listener.planned(plan, kept);
      packParts(out, plan, todo);
      CollectionCommit.commitAppend(out, base, plan, listener);
      Files.deleteIfExists(planFile);
      return summary.result(out, plan, kept, todo.size(), true, labelFile, t0);
    }
  }

  /**
   * The parts an unfinished append made: those of its plan, or, when the plan is damaged, every
   * entry of {@code parts/} that the collection does not list.
   */
  private List<String> unfinishedAppendParts(Path out, Path planFile, CollectionManifest base)
      throws IOException {
    List<String> names = new ArrayList<>();
    try {
      for (PackPlan.Part p : PackPlan.read(planFile).parts()) {
        names.add(p.name());
      }
    } catch (PackPlan.DamagedPlanException e) {
      listener.note(e.getMessage() + "; removing every part the collection does not list");
      Set<String> listed = new HashSet<>();
      base.parts().forEach(p -> listed.add(p.name()));
      try (Stream<Path> s = Files.list(out.resolve(DatasetLayout.PARTS))) {
        s.map(p -> p.getFileName().toString()).filter(n -> !listed.contains(n)).forEach(names::add);
      }
    }
    return names;
  }

  /**
   * The label columns an append's parts store: the collection's, since every part of a collection
   * has its columns (plain labels fit them: confidences 1, no negatives). Refuses an append whose
   * labels need a column the collection lacks (its parts cannot change), or whose {@code
   * --unlisted} differs from the collection's.
   */
  private String appendLabelColumns(Path out, PartialLabels have) {
    if (o.unlisted() != have.unlisted()) {
      throw new IllegalArgumentException(
          "--unlisted "
              + o.unlisted().id()
              + " differs from "
              + out
              + "'s "
              + have.unlisted().id()
              + "; an append keeps the collection's meaning of an unlisted label");
    }
    if (labels != null
        && have.labelColumn().isPresent()
        && ((labels.hasConfidences() && !have.hasConfidence())
            || (labels.hasNegatives() && !have.hasNegatives()))) {
      throw new IllegalArgumentException(
          o.labels()
              + " gives "
              + (labels.hasConfidences() && !have.hasConfidence()
                  ? "confidences below 1"
                  : "verified negatives")
              + ", which "
              + out
              + " does not store (its parts have no "
              + (labels.hasConfidences() && !have.hasConfidence()
                  ? PartialLabels.CONFIDENCE
                  : PartialLabels.NEGATIVES)
              + " column); pack a new dataset with all the images instead");
    }
    return PackPlanner.labelColumns(have.hasConfidence(), have.hasNegatives());
  }

  /** The options must not ask for other pixels than the collection holds. */
  private void checkSameSettings(Path out, Map<String, String> meta) {
    Map<String, String> want =
        PackedImages.metadata(o.mode(), o.size(), o.resize().id(), o.quality());
    for (Map.Entry<String, String> e : want.entrySet()) {
      String have = meta.get(e.getKey());
      if (have != null && !have.equals(e.getValue())) {
        throw new IllegalArgumentException(
            "--"
                + e.getKey()
                + " "
                + e.getValue()
                + " differs from "
                + out
                + "'s "
                + have
                + "; an append packs with the collection's settings");
      }
    }
  }

  /** The first walk, recorded in the run's summary; refuses an empty input. */
  private PackPlanner.Listing list(Dataset base) throws IOException {
    PackPlanner.Listing listing = planner.list(base);
    summary.listed(listing.ignored, listing.bytes);
    if (listing.digest.count() == 0) {
      throw new EmptyInputException(o.input(), listing.ignored);
    }
    return listing;
  }

  /**
   * The plan of a listing; with {@code --labels-from-dirs} the listed folders become the labels.
   */
  private PackPlan plan(PackPlanner.Listing listing, UUID base, int basePartCount)
      throws IOException {
    if (o.labelsFromDirs()) {
      labels = new FolderLabels(listing.folders, fixedVocabulary);
    }
    return planner.plan(listing.digest, labels, base, basePartCount, appendColumns);
  }

  /** The second walk: packs the parts in {@code todo} (see {@code PartPipeline}). */
  private void packParts(Path dir, PackPlan plan, List<PackPlan.Part> todo)
      throws IOException, InterruptedException {
    try (PartPipeline pipeline = new PartPipeline(o, listener, decoder, labels, summary)) {
      pipeline.packParts(dir, plan, todo);
    }
  }

  /**
   * Packs one part of {@code plan} from {@code images} (the part's images, in listing order) and
   * commits it at {@code dir/parts/NAME}. For callers that distribute parts themselves (a Spark
   * task): labels come from {@code labels} (its vocabulary must be the plan's), threads from the
   * options. If another attempt committed the same part first, its commit stands and this one's
   * files are discarded.
   *
   * @return the part's rows
   */
  public long packPart(
      Path dir, PackPlan plan, PackPlan.Part part, Iterable<ImageInput> images, LabelSource labels)
      throws IOException, InterruptedException {
    try (PartPipeline pipeline = new PartPipeline(o, listener, decoder, labels, summary)) {
      return pipeline.packPart(dir, plan, part, images);
    }
  }
}
