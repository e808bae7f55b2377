package io.jcolz.pack;

import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileTrees;
import io.jcolz.format.store.ManifestFile;
import io.jcolz.format.store.SiblingLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Plans a pack: lists the input (the first walk), cuts the listing into a {@link PackPlan}, checks
 * the plan against what an output or an unfinished pack already holds, and sorts the plan's parts
 * into those an earlier run committed and those still to pack. The static methods are the parts a
 * driver that lists another file system (the Spark job) shares with the CLI.
 *
 * <p>Not thread-safe: one instance per run, used by the run's thread; the static methods are
 * stateless and thread-safe.
 */
public final class PackPlanner {
  private final PackOptions o;
  private final PackListener listener;

  /**
   * What the first walk found: the digest, the folder names, the bytes and, with a base collection,
   * the first key it already holds.
   */
  static final class Listing {
    final ListingDigest digest;
    final TreeSet<String> folders = new TreeSet<>();
    long bytes;
    long keyBytes;
    long ignored;
    String duplicate;
    long duplicateRow;

    Listing(int partRows) {
      digest = new ListingDigest(partRows);
    }
  }

  /** A planner for a run of {@code o} that notes what it removes or finds to {@code listener}. */
  public PackPlanner(PackOptions o, PackListener listener) {
    this.o = o;
    this.listener = listener == null ? PackListener.NONE : listener;
  }

  /** The first walk: digest, folder names, count; with a {@code base} collection, a duplicate. */
  Listing list(Dataset base) throws IOException {
    Listing l = new Listing(o.partRows());
    InputListing.local(o.input(), o.out().toAbsolutePath().normalize())
        .list(
            new InputListing.Visitor() {
              @Override
              public void image(
                  String key, String location, List<String> f, long size, long modified)
                  throws IOException {
                l.digest.add(key, size, modified);
                l.keyBytes += key.getBytes(StandardCharsets.UTF_8).length;
                l.bytes += Math.max(0, size);
                l.folders.addAll(f);
                if (base != null && l.duplicate == null) {
                  OptionalLong r = base.rowOf(key);
                  if (r.isPresent()) {
                    l.duplicate = key;
                    l.duplicateRow = r.getAsLong();
                  }
                }
              }

              @Override
              public void ignored() {
                l.ignored++;
              }
            });
    return l;
  }

  /**
   * The plan of a listing: its parts, this run's settings and the vocabulary of {@code labels}
   * (none without a label source; noted when the source names no label).
   *
   * @param base the collection an append adds to, or null
   * @param basePartCount the parts {@code base} has
   */
  public PackPlan plan(ListingDigest digest, LabelSource labels, UUID base, int basePartCount)
      throws IOException {
    return plan(digest, labels, base, basePartCount, null);
  }

  /**
   * As {@link #plan(ListingDigest, LabelSource, UUID, int)}, with the label columns {@code columns}
   * (an append's: the collection's) instead of those {@code labels} needs; null: {@code labels}'.
   */
  PackPlan plan(
      ListingDigest digest, LabelSource labels, UUID base, int basePartCount, String columns)
      throws IOException {
    List<String> vocabulary = labels == null ? List.of() : labels.vocabulary();
    if (labels != null && vocabulary.isEmpty()) {
      listener.note(
          "no label names found"
              + (o.labelsFromDirs()
                  ? " (every image is directly in " + o.input() + ")"
                  : " in " + o.labels())
              + ": the dataset has no label column");
    }
    String c = columns != null ? columns : labelColumns(labels);
    Map<String, String> settings = withLabelColumns(settings(o), c, vocabulary);
    if (settings.containsKey(LABEL_COLUMNS)) {
      listener.note(
          "partial labels: every part stores "
              + c.replace("confidence", PartialLabels.CONFIDENCE)
                  .replace("negatives", PartialLabels.NEGATIVES)
                  .replace(",", " and ")
              + " (format version 3)");
    }
    return PackPlan.of(digest, o.partRows(), settings, vocabulary, base, basePartCount);
  }

  /**
   * A plan's setting naming the partial-label columns its parts store ({@code confidence}, {@code
   * negatives}, or both, comma-separated); absent: neither (the plain schema, as before).
   */
  public static final String LABEL_COLUMNS = "label_columns";

  /** A plan's setting: what an unlisted label means; absent: negative. */
  public static final String UNLISTED = "unlisted";

  /** A plan's setting: how the label file was read; absent: auto. */
  public static final String LABELS_FORMAT = "labels_format";

  /**
   * The {@value #LABEL_COLUMNS} value for {@code labels} ("" when it needs neither column): the
   * partial-label columns are stored only when the labels hold a confidence below 1 or a verified
   * negative, so that plain labels keep the plain schema, byte for byte.
   */
  public static String labelColumns(LabelSource labels) {
    if (labels == null) {
      return "";
    }
    return labelColumns(labels.hasConfidences(), labels.hasNegatives());
  }

  /** The {@value #LABEL_COLUMNS} value for these columns ("" for neither). */
  public static String labelColumns(boolean confidences, boolean negatives) {
    return confidences && negatives
        ? "confidence,negatives"
        : confidences ? "confidence" : negatives ? "negatives" : "";
  }

  /** Whether the plan's parts store {@code label_confidence}. */
  static boolean storesConfidences(PackPlan plan) {
    return plan.settings().getOrDefault(LABEL_COLUMNS, "").contains("confidence");
  }

  /** Whether the plan's parts store {@code label_negatives}. */
  static boolean storesNegatives(PackPlan plan) {
    return plan.settings().getOrDefault(LABEL_COLUMNS, "").contains("negatives");
  }

  /** What an unlisted label means in the plan's parts. */
  static PartialLabels.Unlisted unlisted(PackPlan plan) {
    return PartialLabels.Unlisted.parse(plan.settings().getOrDefault(UNLISTED, "negative"))
        .orElse(PartialLabels.Unlisted.NEGATIVE);
  }

  /**
   * {@link #settings(PackOptions)} and the label columns {@code labels} needs (for a driver that
   * plans the pack itself, with the label source it loaded).
   *
   * @throws IOException the label file cannot be read
   */
  public static Map<String, String> settings(PackOptions o, LabelSource labels) throws IOException {
    return withLabelColumns(
        settings(o), labelColumns(labels), labels == null ? List.of() : labels.vocabulary());
  }

  /** {@code settings} with {@value #LABEL_COLUMNS} = {@code columns}, unless none or no labels. */
  private static Map<String, String> withLabelColumns(
      Map<String, String> settings, String columns, List<String> vocabulary) {
    if (!columns.isEmpty() && !vocabulary.isEmpty()) {
      settings.put(LABEL_COLUMNS, columns);
    }
    return settings;
  }

  /**
   * With {@code --restart}, removes the unfinished pack in {@code target}'s build directory, if
   * any.
   */
  public static void restart(PackTarget target, boolean restart, PackListener listener)
      throws IOException {
    if (restart && target.buildExists()) {
      target.deleteBuild();
      listener.note("--restart: removed the unfinished pack " + target.build());
    }
  }

  /**
   * Checks a fresh pack's {@code plan} against the dataset at {@code target}'s output, if any: true
   * when it is already complete with this plan (and no build directory is left), so there is
   * nothing to pack.
   *
   * @throws FileAlreadyExistsException something else is at the output and {@code overwrite} is not
   *     set (the message says whether it was packed with another plan, and how it differs)
   * @throws IOException the plan recorded at the output is damaged
   */
  public static boolean alreadyComplete(PackTarget target, PackPlan plan, boolean overwrite)
      throws IOException {
    if (!target.outExists() || overwrite) {
      return false;
    }
    PackPlan packed;
    try {
      packed = target.outPlan();
    } catch (PackPlan.DamagedPlanException e) {
      throw new IOException(
          e.getMessage()
              + "; cannot tell whether "
              + target.out()
              + " is complete: check it with jcolz verify, or repack with --overwrite",
          e);
    }
    String diff = packed == null ? null : PackPlan.difference(packed, plan);
    if (packed != null && diff == null && !target.buildExists()) {
      return true;
    }
    throw new FileAlreadyExistsException(
        target.out(),
        null,
        "a dataset or file is already there; use --overwrite to replace it"
            + (diff != null ? " (it was packed from other inputs or settings: " + diff + ")" : ""));
  }

  /**
   * Creates {@code target}'s build directory and records {@code plan} there, or checks it against
   * the plan an unfinished pack recorded there.
   *
   * @throws IOException the unfinished pack has another plan (the difference is named), or its plan
   *     is damaged
   */
  public static void recordPlan(PackTarget target, PackPlan plan) throws IOException {
    target.createBuild();
    PackPlan recorded;
    try {
      recorded = target.buildPlan();
    } catch (PackPlan.DamagedPlanException e) {
      throw new IOException(
          e.getMessage() + "; run again with --restart to start over (its parts are discarded)", e);
    }
    if (recorded == null) {
      target.writeBuildPlan(plan);
      return;
    }
    String diff = PackPlan.difference(recorded, plan);
    if (diff != null) {
      throw new IOException(
          target.build()
              + " holds an unfinished pack with another plan: "
              + diff
              + "; run again with --restart to start over (its parts are discarded), or pack"
              + " into another --out");
    }
  }

  /**
   * What changes the rows, by name: the settings a plan records (a Spark driver computes the same
   * plan as the CLI from them).
   *
   * @throws IOException the label file cannot be read (its digest is a setting)
   */
  public static Map<String, String> settings(PackOptions o) throws IOException {
    Map<String, String> s = new LinkedHashMap<>();
    s.putAll(PackedImages.metadata(o.mode(), o.size(), o.resize().id(), o.quality()));
    s.put("level", Integer.toString(o.level()));
    if (o.codec() != CodecChoice.ZSTD) {
      // absent = zstd, as in every plan written before --codec: their packs resume unchanged
      s.put("codec", o.codec().id());
    }
    s.put("chunk_rows", Integer.toString(o.chunkRows()));
    s.put("min_side", Integer.toString(o.minSide()));
    s.put("labels", labelSourceId(o));
    s.put(
        "vocabulary_from",
        o.vocabularyFrom() == null ? "none" : o.vocabularyFrom().toAbsolutePath().toString());
    // absent unless used: a plan of plain labels is the plan (and id) it has always been
    if (o.labelsFormat() != LabelFormat.AUTO) {
      s.put(LABELS_FORMAT, o.labelsFormat().id());
    }
    if (o.unlisted() != PartialLabels.Unlisted.NEGATIVE) {
      s.put(UNLISTED, o.unlisted().id());
    }
    return s;
  }

  private static String labelSourceId(PackOptions o) throws IOException {
    if (o.labelsFromDirs()) {
      return "dirs";
    }
    if (o.labels() == null) {
      return "none";
    }
    try (var in = Files.newInputStream(o.labels())) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return "file sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The label vocabulary {@code o} fixes with {@code --vocabulary-from DS}, or null when it fixes
   * none; for a driver (the Spark job) that plans the pack itself.
   *
   * @throws IOException DS cannot be opened or has no labels
   */
  public static List<String> fixedVocabulary(PackOptions o) throws IOException {
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

  /** The label vocabulary of the collection at {@code out} (an append keeps it). */
  static List<String> collectionVocabulary(Path out) throws IOException {
    try (Dataset ds = Dataset.open(out)) {
      return ds.labels();
    }
  }

  /**
   * Sorts the plan's parts into kept (committed by an earlier run, belonging to this plan) and
   * {@code todo} (this run's: not kept, and in this shard). Removes parts that do not belong and
   * the temporary directories of interrupted part commits of this run's parts. Returns the count
   * kept.
   */
  int sortParts(Path dir, PackPlan plan, List<PackPlan.Part> todo) throws IOException {
    int kept = 0;
    Path parts = dir.resolve(DatasetLayout.PARTS);
    Files.createDirectories(parts);
    for (PackPlan.Part p : plan.parts()) {
      boolean mine = !o.sharded() || p.index() % o.shardCount() == o.shardIndex();
      Path target = DatasetLayout.part(dir, p.name());
      if (belongs(dir, plan, p)) {
        kept++;
        continue;
      }
      if (!mine) {
        continue;
      }
      if (Files.exists(target)) {
        FileTrees.deleteRecursively(target);
        listener.note("removed " + target + ": not a committed part of this plan");
      }
      try (DirectoryStream<Path> ds =
          Files.newDirectoryStream(parts, SiblingLayout.siblingGlob(p.name()))) {
        for (Path leftover : ds) {
          FileTrees.deleteRecursively(leftover);
          listener.note("removed " + leftover + ", left by an interrupted part commit");
        }
      }
      todo.add(p);
    }
    if (kept > 0) {
      listener.note(
          "kept " + kept + " of " + plan.parts().size() + " parts packed by an earlier run");
    }
    return kept;
  }

  /** Whether {@code dir/parts/NAME} holds a committed part of {@code plan}. */
  public static boolean belongs(Path dir, PackPlan plan, PackPlan.Part p) {
    Path m = DatasetLayout.manifest(DatasetLayout.part(dir, p.name()));
    if (!Files.exists(m)) {
      return false;
    }
    try {
      Map<String, String> meta = ManifestFile.read(m).metadata();
      return plan.planId().equals(meta.get(Packer.PLAN_ID))
          && Integer.toString(p.index()).equals(meta.get(Packer.PART_INDEX));
    } catch (IOException e) {
      return false;
    }
  }
}
