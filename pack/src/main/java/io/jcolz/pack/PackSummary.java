package io.jcolz.pack;

import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.Manifest;
import io.jcolz.format.store.ManifestFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counts of one pack run and the {@link PackResult} they sum to: this run's skips, bytes read,
 * unlabelled rows and dropped label names, added to what the committed parts' manifests record
 * (parts an earlier run packed included). {@link #committedResult} sums the part manifests alone,
 * for a caller that ran no pack itself ({@code --finish}, a Spark driver).
 *
 * <p>Thread-safe: the part pipeline's workers count into one instance concurrently; its {@code
 * result} is called once, after they are joined.
 */
public final class PackSummary {
  /** Prefix of a part manifest's skip counts: {@code skipped.REASON}. */
  static final String SKIPPED_PREFIX = "skipped.";

  private final PackOptions o;
  private final PackListener listener;
  private final Map<SkipReason, AtomicLong> listingSkips = new ConcurrentHashMap<>();
  private final AtomicLong bytesIn = new AtomicLong();
  private final AtomicLong unlabelled = new AtomicLong();
  private final Dropped dropped = new Dropped();
  private final AtomicLong storedRaw = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong skippedTotal = new AtomicLong();

  /** Files without an image extension the listing found (not read). */
  private volatile long ignored;

  /** Bytes of the image files the listing found (the plan's inputs), or -1 before listing. */
  private volatile long listedBytes = -1;

  /**
   * Sums of the manifests of a plan's committed parts.
   *
   * @param rows rows of the committed parts
   * @param storedRaw their {@code stored_raw} counts (smart mode)
   * @param unlabelled their rows packed with no labels
   * @param labelsDropped their dropped label occurrences
   * @param skipped their skips, by reason (non-zero only)
   */
  public record PartTotals(
      long rows,
      long storedRaw,
      long unlabelled,
      long labelsDropped,
      Map<SkipReason, Long> skipped) {}

  /** A summary of a run of {@code o} that reports skips and notes to {@code listener}. */
  PackSummary(PackOptions o, PackListener listener) {
    this.o = o;
    this.listener = listener;
  }

  /** Records what the listing found: files ignored and bytes of the images. */
  void listed(long ignoredFiles, long imageBytes) {
    ignored = ignoredFiles;
    listedBytes = imageBytes;
  }

  /** Files the listing ignored. */
  long ignored() {
    return ignored;
  }

  /** Counts bytes of an input read. */
  void read(long bytes) {
    bytesIn.addAndGet(bytes);
  }

  /** Counts a skip (in the run, and in the part's counts when {@code part} is not null). */
  void skip(Map<SkipReason, AtomicLong> part, SkipReason reason, String line) {
    if (part != null) {
      part.get(reason).incrementAndGet();
    } else {
      listingSkips.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }
    skippedTotal.incrementAndGet();
    listener.skipped(reason, line);
  }

  /** Counts a row stored raw by smart mode. */
  void storedRaw() {
    storedRaw.incrementAndGet();
  }

  /** Counts a row packed with no labels (the label source had no entry). */
  void unlabelled() {
    unlabelled.incrementAndGet();
  }

  /** Counts a label name dropped for lack of a vocabulary entry. */
  void dropped(String name) {
    dropped.add(name);
  }

  /** Counts an image handled (row or skip) and reports progress. */
  void imageDone() {
    listener.progress(done.incrementAndGet(), skippedTotal.get());
  }

  /**
   * Sums the manifests of {@code plan}'s parts under {@code dir/parts} (parts not committed are
   * left out; a local copy of just those manifests will do).
   */
  public static PartTotals read(Path dir, PackPlan plan) throws IOException {
    long rows = 0;
    long raw = 0;
    long unlab = 0;
    long drop = 0;
    Map<SkipReason, Long> skipped = new EnumMap<>(SkipReason.class);
    for (PackPlan.Part p : plan.parts()) {
      Path m = DatasetLayout.manifest(DatasetLayout.part(dir, p.name()));
      if (!Files.exists(m)) {
        continue;
      }
      Manifest man = ManifestFile.read(m);
      rows += man.rows();
      Map<String, String> meta = man.metadata();
      raw += Long.parseLong(meta.getOrDefault("stored_raw", "0"));
      unlab += Long.parseLong(meta.getOrDefault("unlabelled", "0"));
      drop += Long.parseLong(meta.getOrDefault("labels_dropped", "0"));
      for (SkipReason r : SkipReason.values()) {
        String n = meta.get(SKIPPED_PREFIX + r.key());
        if (n != null) {
          skipped.merge(r, Long.parseLong(n), Long::sum);
        }
      }
    }
    return new PartTotals(rows, raw, unlab, drop, skipped);
  }

  /**
   * The result of a committed fresh pack from its part manifests alone (as {@code --finish} reports
   * it; a Spark driver passes a local copy of the manifests and the output's size measured on its
   * file system).
   *
   * @param dir the collection, or a directory holding copies of its {@code
   *     parts/NAME/manifest.json}
   * @param bytesOut the committed collection's bytes (as {@link Dataset#diskBytes})
   * @param startNanos {@link System#nanoTime()} when the caller's run began
   */
  public static PackResult committedResult(Path dir, PackPlan plan, long bytesOut, long startNanos)
      throws IOException {
    PartTotals t = read(dir, plan);
    return PackResult.builder()
        .rows(t.rows())
        .skipped(t.skipped())
        .bytesOut(bytesOut)
        .seconds((System.nanoTime() - startNanos) / 1e9)
        .unlabelled(t.unlabelled())
        .storedRaw(storedRaw(planMode(plan), t))
        .labels(plan.vocabulary().size())
        .labelsDropped(t.labelsDropped())
        .parts(plan.parts().size())
        .partsKept(plan.parts().size())
        .committed(true)
        .build();
  }

  /** The storage mode a plan records (raw when it records none). */
  private static PackedImages.Storage planMode(PackPlan plan) {
    return PackedImages.Storage.parse(plan.settings().get(PackedImages.MODE))
        .orElse(PackedImages.Storage.RAW);
  }

  /** Rows stored raw: every row in raw mode, none in jpeg mode, the parts' counts in smart mode. */
  private static long storedRaw(PackedImages.Storage mode, PartTotals t) {
    return switch (mode) {
      case RAW -> t.rows();
      case JPEG -> 0;
      case SMART -> t.storedRaw();
    };
  }

  /**
   * The result of this run, reading rows and earlier runs' counts from the parts' manifests under
   * {@code dir}, and noting unmatched label keys, dropped names and unlabelled images.
   *
   * @param kept parts an earlier run committed
   * @param packed parts this run packed
   * @param committed whether {@code dir} is the committed collection (its size is measured)
   * @param labelFile the run's label file, or null
   * @param startNanos {@link System#nanoTime()} when the run began
   */
  PackResult result(
      Path dir,
      PackPlan plan,
      int kept,
      int packed,
      boolean committed,
      LabelFile labelFile,
      long startNanos)
      throws IOException {
    PartTotals t = read(dir, plan);
    Map<SkipReason, Long> sk = new EnumMap<>(SkipReason.class);
    sk.putAll(t.skipped());
    // listing-level skips (symlink loops, bad names) are not in any part: this run's count
    listingSkips.forEach(
        (r, n) -> {
          if (n.get() > 0) {
            sk.merge(r, n.get(), Long::sum);
          }
        });
    long unmatched =
        labelFile == null
            ? 0
            : noteUnmatched(listener, labelFile, labelFile.file().toString(), o.input().toString());
    if (dropped.count() > 0) {
      listener.note(droppedNote(o, dropped.count(), dropped.examples()));
    }
    noteUnlabelled(listener, unlabelled.get(), String.valueOf(o.labels()));
    long bytesOut = 0;
    if (committed) {
      try (Dataset ds = Dataset.open(dir)) {
        bytesOut = ds.diskBytes();
      }
    }
    return PackResult.builder()
        .rows(t.rows())
        .skipped(sk)
        .bytesIn(listedBytes >= 0 ? listedBytes : bytesIn.get())
        .bytesOut(bytesOut)
        .seconds((System.nanoTime() - startNanos) / 1e9)
        .ignoredFiles(ignored)
        .unlabelled(t.unlabelled())
        .labelKeysWithoutImage(unmatched)
        .labelLinesRejected(labelFile == null ? 0 : labelFile.rejectedLines())
        .storedRaw(storedRaw(o.mode(), t))
        .labels(plan.vocabulary().size())
        .labelsDropped(t.labelsDropped())
        .parts(plan.parts().size())
        .partsKept(kept)
        .partsPacked(packed)
        .committed(committed)
        .runBytesIn(bytesIn.get())
        .build();
  }

  /** Notes that {@code target}'s output already holds this pack. */
  public static void noteComplete(PackListener listener, PackTarget target) {
    listener.note(
        target.out() + " is already complete (same inputs and settings): nothing to pack");
  }

  /**
   * Notes the keys of {@code labelFile} that no listed image had (up to 10 named), if any.
   *
   * @param labels the label file as the user named it
   * @param input the input as the user named it
   * @return how many keys had no image
   */
  public static long noteUnmatched(
      PackListener listener, LabelFile labelFile, String labels, String input) {
    LabelFile.Unmatched u = labelFile.unmatched(10);
    if (u.count() > 0) {
      listener.note(
          labels
              + ": "
              + u.count()
              + " key(s) have no image under "
              + input
              + ", e.g. "
              + String.join(", ", u.examples()));
    }
    return u.count();
  }

  /** Notes the images packed with no labels for want of a line in {@code labels}, if any. */
  public static void noteUnlabelled(PackListener listener, long unlabelled, String labels) {
    if (unlabelled > 0) {
      listener.note(
          unlabelled + " image(s) have no line in " + labels + " and were packed with no labels");
    }
  }

  /**
   * The note on label names dropped from written rows, worded by why they have no vocabulary entry.
   */
  static String droppedNote(PackOptions o, long count, List<String> examples) {
    String why =
        o.vocabularyFrom() != null
            ? "are not in the vocabulary of " + o.vocabularyFrom()
            : o.append()
                ? "are not in the vocabulary of " + o.out() + " (an append keeps it)"
                : o.labelsFromDirs()
                    ? "name folders that did not exist when the pack listed "
                        + o.input()
                        + " (created while it ran; pack again to label them)"
                    : "are not in the label vocabulary";
    return count
        + " label occurrence(s) "
        + why
        + " and were dropped, e.g. "
        + String.join(", ", examples);
  }
}
