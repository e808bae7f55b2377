package io.jcolz.pack;

import io.jcolz.format.CollectionWriter;
import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.DuplicateKeyException;
import io.jcolz.format.Row;
import io.jcolz.format.codec.ChunkCompressor;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.Manifest;
import io.jcolz.format.store.ManifestFile;
import io.jcolz.image.ImageDecodeException;
import io.jcolz.image.ImageDecoder;
import io.jcolz.image.JpegEncoder;
import io.jcolz.image.RgbImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Packs a folder of images into a collection of parts (the engine behind {@code jcolz pack}; see
 * the package documentation for the conventions).
 *
 * <p><b>Plan and parts.</b> A first walk lists the images (sorted, deterministic), digests the
 * listing and cuts it into parts of {@link PackOptions#partRows()} images: the {@link PackPlan},
 * written first into the build directory {@code .NAME.building} next to the output. Each part is
 * then packed into {@code parts/part-NNNNNN} as a complete version-1 dataset, committed on its own
 * ({@link DatasetWriter}'s atomic rename). When every part is in, the collection manifest is
 * written and the build directory is renamed onto the output in one atomic step. A re-run with the
 * same inputs and settings finds the plan, keeps every committed part that belongs to it and packs
 * only the rest, so a pack killed at any moment finishes with exactly the rows of an uninterrupted
 * one; a re-run whose plan differs is refused with the difference named ({@code --restart} starts
 * over). {@code --append} packs new parts into an existing collection and replaces its manifest
 * atomically; {@code --shard i/n} packs only the parts with index ≡ i (mod n) and {@link #finish}
 * commits once all are in.
 *
 * <p><b>Inside a part.</b> {@code threads} workers read, decode, resize (and encode) images in
 * parallel; results are handed to the part's writer strictly in listing order through a small
 * reorder buffer, by whichever worker completes the next number. At most {@code 16 × threads}
 * images are in flight. So the rows, their order and every stored value are the same whatever the
 * thread count.
 *
 * <p>Not thread-safe: one {@link #run} per instance; the pack itself is multi-threaded.
 */
public final class Packer {
  /**
   * How long a shutdown hook lets a commit in progress finish before saying its state is unknown.
   */
  static final long COMMIT_WAIT_MILLIS = 20_000;

  /** Metadata key of the plan id, in every part and in the collection. */
  public static final String PLAN_ID = "plan_id";

  /** Metadata key of a part's index in the plan. */
  public static final String PART_INDEX = "part_index";

  private static final String SKIPPED_PREFIX = "skipped.";

  private final PackOptions o;
  private final PackListener listener;
  private final ImageDecoder decoder;
  private final Map<SkipReason, AtomicLong> skipped = new EnumMap<>(SkipReason.class);
  private final AtomicLong bytesIn = new AtomicLong();
  private final AtomicLong unlabelled = new AtomicLong();
  private final Dropped dropped = new Dropped();
  private final AtomicLong storedRaw = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong skippedTotal = new AtomicLong();
  private final AtomicReference<Throwable> fatal = new AtomicReference<>();
  private final ConcurrentLinkedQueue<AutoCloseable> perThread = new ConcurrentLinkedQueue<>();
  private final ThreadLocal<JpegEncoder> encoders = new ThreadLocal<>();
  private final ThreadLocal<ChunkCompressor> compressors = new ThreadLocal<>();
  private LabelSource labels;
  private List<String> fixedVocabulary;
  private byte[] zeros;
  private long ignored;

  /** Bytes of the image files the listing found (the plan's inputs), or -1 before listing. */
  private long listedBytes = -1;

  /** The lookup of an image the label source has no entry for (packed with an empty set). */
  private static final LabelSource.Lookup NO_ENTRY = new LabelSource.Lookup(new int[0], List.of());

  /**
   * One input image: a file, or its bytes (a caller reading another file system).
   *
   * @param key the image's key (its path relative to the input, '/' separators)
   * @param folders the folders on its path (labels with {@code --labels-from-dirs})
   * @param file the file, or null when {@code bytes} is given
   * @param bytes the file's bytes, or null
   */
  public record ImageInput(String key, List<String> folders, Path file, byte[] bytes) {}

  /**
   * Outcome of one image: a row to append, or a skip. {@code labels} is null without a label
   * source, {@link #NO_ENTRY} when the source has no entry for the image.
   */
  private record Result(
      long seq,
      String key,
      byte[] pixels,
      byte[] jpeg,
      LabelSource.Lookup labels,
      boolean raw,
      SkipReason reason,
      String line) {}

  public Packer(PackOptions options, PackListener listener) {
    this.o = options;
    this.listener = listener == null ? PackListener.NONE : listener;
    this.decoder = decoder(options);
    for (SkipReason r : SkipReason.values()) {
      skipped.put(r, new AtomicLong());
    }
    zeros = o.mode() == PackedImages.Storage.SMART ? new byte[o.size() * o.size() * 3] : null;
  }

  /** The decoder the pack uses (the same settings give the same pixels elsewhere). */
  public static ImageDecoder decoder(PackOptions options) {
    return ImageDecoder.builder().minSide(options.minSide()).build();
  }

  /** Where a fresh pack builds its collection until it renames it onto {@code out}. */
  public static Path buildDirectory(Path out) {
    Path abs = out.toAbsolutePath().normalize();
    return abs.resolveSibling("." + abs.getFileName() + ".building");
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
      fixedVocabulary = o.append() ? collectionVocabulary(out) : fixedVocabulary(o);
      LabelFile labelFile = null;
      if (o.labels() != null) {
        Path mapFile =
            out.resolveSibling(
                "."
                    + out.getFileName()
                    + ".labels-"
                    + UUID.randomUUID().toString().substring(0, 8)
                    + ".cmap");
        labelFile = LabelFile.load(o.labels(), mapFile, listener::note, fixedVocabulary);
        labels = labelFile;
      }
      try {
        return o.append() ? append(out, labelFile, t0) : pack(out, labelFile, t0);
      } finally {
        if (labels != null) {
          labels.close();
        }
        for (AutoCloseable c; (c = perThread.poll()) != null; ) {
          try {
            c.close();
          } catch (Exception ignoredClose) {
            // thread-local encoder
          }
        }
      }
    }
  }

  private PackResult pack(Path out, LabelFile labelFile, long t0)
      throws IOException, InterruptedException {
    Path build = buildDirectory(out);
    if (o.restart() && Files.exists(build)) {
      io.jcolz.format.store.FileTrees.deleteRecursively(build);
      listener.note("--restart: removed the unfinished pack " + build);
    }
    OutputCheck.requireReplaceable(out);
    Listing listing = list(null);
    if (listing.digest.count() == 0) {
      throw new EmptyInputException(o.input(), ignored);
    }
    PackPlan plan = plan(listing, null, 0);
    if (Files.exists(out) && !o.overwrite()) {
      PackPlan packed;
      try {
        packed = PackPlan.read(out.resolve(PackPlan.FILE));
      } catch (PackPlan.DamagedPlanException e) {
        throw new IOException(
            e.getMessage()
                + "; cannot tell whether "
                + out
                + " is complete: check it with jcolz verify, or repack with --overwrite",
            e);
      }
      if (packed != null && PackPlan.difference(packed, plan) == null && !Files.exists(build)) {
        listener.note(out + " is already complete (same inputs and settings): nothing to pack");
        return resultOf(out, plan, plan.parts().size(), 0, true, labelFile, t0);
      }
      throw new FileAlreadyExistsException(
          out.toString(),
          null,
          "a dataset or file is already there; use --overwrite to replace it"
              + (packed != null && PackPlan.difference(packed, plan) != null
                  ? " (it was packed from other inputs or settings: "
                      + PackPlan.difference(packed, plan)
                      + ")"
                  : ""));
    }
    Files.createDirectories(build.resolve(DatasetLayout.PARTS));
    PackPlan recorded;
    try {
      recorded = PackPlan.read(build.resolve(PackPlan.FILE));
    } catch (PackPlan.DamagedPlanException e) {
      throw new IOException(
          e.getMessage() + "; run again with --restart to start over (its parts are discarded)", e);
    }
    if (recorded != null) {
      String diff = PackPlan.difference(recorded, plan);
      if (diff != null) {
        throw new IOException(
            build
                + " holds an unfinished pack with another plan: "
                + diff
                + "; run again with --restart to start over (its parts are discarded), or pack"
                + " into another --out");
      }
    } else {
      plan.write(build.resolve(PackPlan.FILE));
    }
    List<PackPlan.Part> todo = new ArrayList<>();
    int kept = sortParts(build, plan, todo);
    listener.planned(plan, kept);
    packParts(build, plan, todo, listing);
    if (o.sharded()) {
      listener.note(
          String.format(
              "shard %d/%d: packed %d part(s), %d were already there; when every shard is done,"
                  + " commit with: jcolz pack --finish --out %s",
              o.shardIndex(), o.shardCount(), todo.size(), kept, o.out()));
      return resultOf(build, plan, kept, todo.size(), false, labelFile, t0);
    }
    commitFresh(build, out, plan, listener);
    return resultOf(out, plan, kept, todo.size(), true, labelFile, t0);
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
    {
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
        if (!belongs(build, plan, p)) {
          missing.add(p.name());
        }
      }
      if (!missing.isEmpty()) {
        throw new MissingPartsException(build, missing, plan.parts().size());
      }
      commitFresh(build, abs, plan, listener);
      return resultReader(abs, plan, listener)
          .resultOf(abs, plan, plan.parts().size(), 0, true, null, t0);
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
      Path planFile = out.resolve(PackPlan.APPEND_FILE);
      if (o.restart() && Files.exists(planFile)) {
        for (String name : unfinishedAppendParts(out, planFile, base)) {
          io.jcolz.format.store.FileTrees.deleteRecursively(DatasetLayout.part(out, name));
        }
        Files.delete(planFile);
        listener.note("--restart: removed the unfinished append's parts and plan");
      }
      Listing listing = list(existing);
      if (listing.digest.count() == 0) {
        throw new EmptyInputException(o.input(), ignored);
      }
      PackPlan plan = plan(listing, base.collectionId(), base.parts().size());
      for (Dataset.Part p : existing.parts()) {
        if (plan.planId().equals(p.manifest().metadata().get(PLAN_ID))) {
          listener.note(
              out + " already holds this append (same inputs and settings): nothing to do");
          return resultOf(out, plan, plan.parts().size(), 0, true, labelFile, t0);
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
      int kept = sortParts(out, plan, todo);
      listener.planned(plan, kept);
      packParts(out, plan, todo, listing);
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
      Files.deleteIfExists(planFile);
      return resultOf(out, plan, kept, todo.size(), true, labelFile, t0);
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
      java.util.Set<String> listed = new java.util.HashSet<>();
      base.parts().forEach(p -> listed.add(p.name()));
      try (java.util.stream.Stream<Path> s = Files.list(out.resolve(DatasetLayout.PARTS))) {
        s.map(p -> p.getFileName().toString()).filter(n -> !listed.contains(n)).forEach(names::add);
      }
    }
    return names;
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

  private static List<String> collectionVocabulary(Path out) throws IOException {
    try (Dataset ds = Dataset.open(out)) {
      return ds.labels();
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

  // ---------------------------------------------------------------- planning

  /** The first walk: digest, folder names, count; with a base collection, the first duplicate. */
  private static final class Listing {
    ListingDigest digest;
    long bytes;
    final TreeSet<String> folders = new TreeSet<>();
    long keyBytes;
    String duplicate;
    long duplicateRow;
  }

  private Listing list(Dataset base) throws IOException {
    Listing l = new Listing();
    l.digest = new ListingDigest(o.partRows());
    SourceWalker walker = new SourceWalker(o.input(), o.out().toAbsolutePath().normalize());
    long[] ignoredFiles = {0};
    walker.walk(
        new SourceWalker.Visitor() {
          @Override
          public void image(Path file, String key, List<String> f) throws IOException {
            BasicFileAttributes a;
            try {
              a = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (IOException e) {
              a = null; // unreadable: its decode reports it
            }
            l.digest.add(
                key, a == null ? -1 : a.size(), a == null ? -1 : a.lastModifiedTime().toMillis());
            l.keyBytes += key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            l.bytes += a == null ? 0 : a.size();
            l.folders.addAll(f);
            if (base != null && l.duplicate == null) {
              java.util.OptionalLong r = base.rowOf(key);
              if (r.isPresent()) {
                l.duplicate = key;
                l.duplicateRow = r.getAsLong();
              }
            }
          }

          @Override
          public void skip(String shown, SkipReason reason, String detail) {}

          @Override
          public void ignored(Path file) {
            ignoredFiles[0]++;
          }
        });
    ignored = ignoredFiles[0];
    listedBytes = l.bytes;
    return l;
  }

  private PackPlan plan(Listing listing, UUID base, int basePartCount) throws IOException {
    if (o.labelsFromDirs()) {
      labels = new FolderLabels(listing.folders, fixedVocabulary);
    }
    List<String> vocabulary = labels == null ? List.of() : labels.vocabulary();
    if (labels != null && vocabulary.isEmpty()) {
      listener.note(
          "no label names found"
              + (o.labelsFromDirs()
                  ? " (every image is directly in " + o.input() + ")"
                  : " in " + o.labels())
              + ": the dataset has no label column");
    }
    return PackPlan.of(listing.digest, o.partRows(), settings(o), vocabulary, base, basePartCount);
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
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return "file sha256:" + java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Sorts the plan's parts into kept (committed by an earlier run, belonging to this plan) and
   * {@code todo} (this run's: not kept, and in this shard). Removes parts that do not belong and
   * the temporary directories of interrupted part commits of this run's parts. Returns the count
   * kept.
   */
  private int sortParts(Path dir, PackPlan plan, List<PackPlan.Part> todo) throws IOException {
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
        io.jcolz.format.store.FileTrees.deleteRecursively(target);
        listener.note("removed " + target + ": not a committed part of this plan");
      }
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(parts, "." + p.name() + ".*")) {
        for (Path leftover : ds) {
          io.jcolz.format.store.FileTrees.deleteRecursively(leftover);
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

  /** Whether {@code parts/NAME} holds a committed part of {@code plan}. */
  static boolean belongs(Path dir, PackPlan plan, PackPlan.Part p) {
    Path m = DatasetLayout.manifest(DatasetLayout.part(dir, p.name()));
    if (!Files.exists(m)) {
      return false;
    }
    try {
      Map<String, String> meta = ManifestFile.read(m).metadata();
      return plan.planId().equals(meta.get(PLAN_ID))
          && Integer.toString(p.index()).equals(meta.get(PART_INDEX));
    } catch (IOException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- packing parts

  /** The second walk: hands each image of a part in {@code todo} to that part's packer. */
  private void packParts(Path dir, PackPlan plan, List<PackPlan.Part> todo, Listing listing)
      throws IOException, InterruptedException {
    long images = 0;
    Map<Integer, PackPlan.Part> byPosition = new HashMap<>();
    int first = plan.parts().get(0).index();
    for (PackPlan.Part p : todo) {
      byPosition.put(p.index() - first, p);
      images += p.count();
    }
    listener.started(images);
    if (todo.isEmpty()) {
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(o.threads(), daemonThreads());
    try {
      long[] n = {0};
      PartPacker[] current = {null};
      List<PackPlan.Part> started = new ArrayList<>();
      SourceWalker walker = new SourceWalker(o.input(), o.out().toAbsolutePath().normalize());
      walker.walk(
          new SourceWalker.Visitor() {
            @Override
            public void image(Path file, String key, List<String> f) throws IOException {
              int pos = (int) (n[0]++ / plan.partRows());
              if (current[0] != null && current[0].position != pos) {
                current[0].finish();
                current[0] = null;
              }
              PackPlan.Part part = byPosition.get(pos);
              if (part == null) {
                return;
              }
              if (current[0] == null) {
                current[0] = new PartPacker(dir, plan, part, pos, pool);
                started.add(part);
              }
              current[0].add(new ImageInput(key, f, file, null));
            }

            @Override
            public void skip(String shown, SkipReason reason, String detail) {
              count(null, reason, shown + ": " + reason.label() + " (" + detail + ")");
            }
          });
      if (current[0] != null) {
        current[0].finish();
      }
      for (PackPlan.Part p : todo) {
        if (!started.contains(p)) { // an empty listing: one empty part
          new PartPacker(dir, plan, p, p.index() - first, pool).finish();
        }
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(1, TimeUnit.MINUTES);
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
    this.labels = labels;
    ExecutorService pool = Executors.newFixedThreadPool(o.threads(), daemonThreads());
    try {
      if (belongs(dir, plan, part)) {
        return ManifestFile.read(DatasetLayout.manifest(DatasetLayout.part(dir, part.name())))
            .rows();
      }
      PartPacker pp = new PartPacker(dir, plan, part, 0, pool);
      for (ImageInput in : images) {
        pp.add(in);
      }
      return pp.finish();
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(1, TimeUnit.MINUTES);
      for (AutoCloseable c; (c = perThread.poll()) != null; ) {
        try {
          c.close();
        } catch (Exception ignoredClose) {
          // thread-local encoder
        }
      }
    }
  }

  /** Skips counted by this instance, by reason (a Spark task reports them to its driver). */
  public Map<SkipReason, Long> skippedCounts() {
    Map<SkipReason, Long> m = new EnumMap<>(SkipReason.class);
    skipped.forEach(
        (r, n) -> {
          if (n.get() > 0) {
            m.put(r, n.get());
          }
        });
    return m;
  }

  /**
   * The schema of a plan's parts as declared: every column Zstd at the pack's level, or codec none
   * with {@code --codec none}; with {@code --codec auto} each part's writer measures each column on
   * its first chunk and may store it with codec none (see {@link CodecChoice#AUTO}).
   */
  public Schema schema(PackPlan plan) {
    Schema s =
        PackedImages.schema(
            o.mode(), o.size(), plan.vocabulary().size(), true, o.level(), o.chunkRows());
    if (o.codec() != CodecChoice.NONE) {
      return s;
    }
    Schema.Builder b = Schema.builder();
    s.columns().forEach(c -> b.column(c.withCodec(Codec.NONE, c.level())));
    s.keyColumn().ifPresent(b::keyColumn);
    s.labelColumn().ifPresent(b::labelColumn);
    return b.build();
  }

  /**
   * The codecs a committed dataset's columns are stored with, per column in schema order: codec
   * name ({@code "zstd"}, {@code "none"}) → the number of parts stored with it (1 for a single
   * dataset).
   */
  public static Map<String, Map<String, Integer>> codecs(Dataset ds) {
    Map<String, Map<String, Integer>> m = new LinkedHashMap<>();
    for (io.jcolz.format.Column c : ds.columns()) {
      Map<String, Integer> byCodec = new java.util.TreeMap<>();
      for (io.jcolz.format.store.ColumnFile f : c.files()) {
        byCodec.merge(f.spec().codec().jsonName(), 1, Integer::sum);
      }
      m.put(c.name(), byCodec);
    }
    return m;
  }

  /**
   * {@link #codecs(Dataset)} of the dataset a pack committed at {@code out}; null when {@code r}
   * committed nothing (a shard run) or the dataset cannot be read (the pack itself succeeded: its
   * summary just goes without them).
   */
  public static Map<String, Map<String, Integer>> committedCodecs(PackResult r, Path out) {
    if (!r.committed()) {
      return null;
    }
    try (Dataset ds = Dataset.open(out)) {
      return codecs(ds);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The images a part packer has handed to the pool and not yet appended. The walking thread waits
   * in {@link #awaitAtMost} until the count falls to a limit; appenders wake it only when the count
   * reaches that limit, so a full window costs the walker one wake-up per refill instead of one per
   * image (each a futex call and a context switch on a core a worker needs).
   *
   * <p>Thread-safe; one waiting thread at a time (the part's walker).
   */
  private final class InFlight {
    private final AtomicInteger count = new AtomicInteger();
    private volatile Thread waiter;
    private volatile int limit = -1;

    int count() {
      return count.get();
    }

    void started() {
      count.incrementAndGet();
    }

    void ended() {
      if (count.decrementAndGet() <= limit) {
        Thread w = waiter;
        if (w != null) {
          LockSupport.unpark(w);
        }
      }
    }

    /**
     * Waits until at most {@code max} images are in flight, checking for a fatal error every 100
     * ms: an image whose task failed outside {@code work} (in the appender) is never ended.
     */
    void awaitAtMost(int max) throws IOException {
      limit = max;
      waiter = Thread.currentThread();
      try {
        while (count.get() > max) {
          LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
          if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("pack interrupted");
          }
          checkFatal();
        }
      } finally {
        waiter = null;
        limit = -1;
      }
    }
  }

  /** The pipeline of one part: ordered appends into the part's writer. */
  private final class PartPacker {
    final PackPlan plan;
    final PackPlan.Part part;
    final int position;
    final Path target;
    final DatasetWriter writer;
    final Row row;
    final int window = 16 * o.threads();
    final InFlight inFlight = new InFlight();
    final ConcurrentHashMap<Long, Result> ready = new ConcurrentHashMap<>();
    final ReentrantLock appendLock = new ReentrantLock();
    final ExecutorService pool;
    final Map<SkipReason, AtomicLong> partSkips = new EnumMap<>(SkipReason.class);
    final AtomicLong partRaw = new AtomicLong();
    final AtomicLong partUnlabelled = new AtomicLong();
    final AtomicLong partDropped = new AtomicLong();
    final CommitGuard guard;
    final Thread hook;
    final boolean hooked;
    volatile long next; // written under appendLock
    long seq;
    String lastKey;

    PartPacker(Path dir, PackPlan plan, PackPlan.Part part, int position, ExecutorService pool)
        throws IOException {
      this.plan = plan;
      this.part = part;
      this.position = position;
      this.pool = pool;
      this.target = DatasetLayout.part(dir, part.name());
      for (SkipReason r : SkipReason.values()) {
        partSkips.put(r, new AtomicLong());
      }
      Files.createDirectories(target.getParent());
      writer =
          DatasetWriter.create(
              target,
              schema(plan),
              DatasetWriter.Options.defaults()
                  .withExpectedRows(Math.max(1, part.count()))
                  .withCreatedBy("jcolz pack")
                  .withAutoCodec(o.codec() == CodecChoice.AUTO ? CodecChoice.AUTO_MIN_SAVING : 0));
      row = writer.newRow();
      guard = new CommitGuard(target, writer::abort, System.err, COMMIT_WAIT_MILLIS);
      hook = new Thread(guard::onShutdown, "jcolz-pack-abort");
      hooked = addHook(hook);
    }

    void add(ImageInput in) throws IOException {
      if (seq == 0 && part.firstKey() != null && !part.firstKey().equals(in.key())) {
        throw changed("begins with " + in.key() + ", the plan says " + part.firstKey());
      }
      if (inFlight.count() >= window) {
        // refill from half a window: one wake-up of this thread per window/2 images, not per image
        inFlight.awaitAtMost(window / 2);
      }
      checkFatal();
      inFlight.started();
      long s = seq++;
      lastKey = in.key();
      pool.execute(
          () -> {
            try {
              deposit(work(s, in));
            } catch (Throwable t) {
              fatal.compareAndSet(null, t);
            }
          });
    }

    private IOException changed(String what) {
      return new IOException(
          "the input changed while packing: " + part.name() + " " + what + "; run the pack again");
    }

    /** Waits for every image, commits the part and returns its rows. */
    long finish() throws IOException {
      boolean committed = false;
      try {
        inFlight.awaitAtMost(0);
        checkFatal();
        if (seq != part.count() || (lastKey != null && !lastKey.equals(part.lastKey()))) {
          throw changed("has " + seq + " images, the plan says " + part.count());
        }
        if (!guard.beginCommit()) {
          throw new InterruptedIOException("pack interrupted; " + part.name() + " not committed");
        }
        try {
          putMetadata();
          writer.close();
          committed = true;
        } catch (IOException e) {
          // another attempt's part at the target: the writer's own check says
          // FileAlreadyExistsException, a rename onto it in the meantime DirectoryNotEmpty or, on
          // Linux, a plain FileSystemException "Directory not empty" (the writer cleaned up its
          // copy)
          if (!Files.isDirectory(target) || !belongs(target.getParent().getParent(), plan, part)) {
            throw e;
          }
          listener.note(part.name() + ": another attempt committed it first; its commit stands");
          committed = true;
        } finally {
          guard.endCommit(committed);
        }
      } finally {
        if (!committed) {
          writer.abort();
        }
        if (hooked) {
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException ignoredShutdown) {
            // already shutting down
          }
        }
      }
      long rows = ManifestFile.read(DatasetLayout.manifest(target)).rows();
      listener.partCommitted(part, rows);
      return rows;
    }

    private void putMetadata() {
      if (!plan.vocabulary().isEmpty()) {
        writer.labels(plan.vocabulary());
      }
      packMetadata(plan).forEach(writer::putMetadata);
      writer.putMetadata(PART_INDEX, Integer.toString(part.index()));
      writer.putMetadata("part_images", Long.toString(part.count()));
      partSkips.forEach(
          (r, n) -> {
            if (n.get() > 0) {
              writer.putMetadata(SKIPPED_PREFIX + r.key(), Long.toString(n.get()));
            }
          });
      if (o.mode() == PackedImages.Storage.SMART) {
        writer.putMetadata("stored_raw", Long.toString(partRaw.get()));
      }
      writer.putMetadata("unlabelled", Long.toString(partUnlabelled.get()));
      writer.putMetadata("labels_dropped", Long.toString(partDropped.get()));
    }

    /**
     * Hands a result to the ordered appender and appends every consecutive ready result. The append
     * lock orders the rows; it is released as soon as the writer has numbered a row (the writer's
     * {@code afterNumbered} hook), so the next row is appended while this thread compresses the
     * chunk its row completed.
     */
    private void deposit(Result r) {
      ready.put(r.seq(), r);
      while (appendLock.tryLock()) {
        Result x;
        try {
          x = ready.remove(next);
          if (x != null) {
            next++;
            append(x);
          }
        } finally {
          if (appendLock.isHeldByCurrentThread()) {
            appendLock.unlock();
          }
        }
        if (x != null) {
          inFlight.ended();
          continue;
        }
        // a result deposited while this thread held the lock found it taken: take it over
        if (!ready.containsKey(next)) {
          break;
        }
      }
    }

    /** Called holding appendLock, in listing order; may release it early. */
    private void append(Result x) {
      if (x.reason() != null) {
        count(partSkips, x.reason(), x.line());
      } else if ((x.pixels() != null || x.jpeg() != null) && fatal.get() == null) {
        try {
          row.clear();
          row.setString(PackedImages.KEY, x.key());
          if (x.pixels() != null) {
            row.setTensor(PackedImages.IMAGE, x.pixels());
          }
          if (x.jpeg() != null) {
            row.setBytes(PackedImages.JPEG, x.jpeg());
          }
          if (x.labels() != null && writer.schema().labelColumn().isPresent()) {
            row.setSet(PackedImages.LABELS, x.labels().indices());
          }
          writer.append(row, appendLock::unlock);
          if (o.mode() == PackedImages.Storage.SMART && x.raw()) {
            storedRaw.incrementAndGet();
            partRaw.incrementAndGet();
          }
          if (x.labels() == NO_ENTRY) {
            unlabelled.incrementAndGet();
            partUnlabelled.incrementAndGet();
          } else if (x.labels() != null) {
            x.labels().dropped().forEach(dropped::add);
            partDropped.addAndGet(x.labels().dropped().size());
          }
        } catch (DuplicateKeyException e) {
          count(
              partSkips,
              SkipReason.DUPLICATE_KEY,
              x.key() + ": " + SkipReason.DUPLICATE_KEY.label() + " (" + e.getMessage() + ")");
        } catch (IOException | RuntimeException | Error e) {
          fatal.compareAndSet(null, e);
        }
      }
      listener.progress(done.incrementAndGet(), skippedTotal.get());
    }
  }

  /** The metadata every part and the collection record about the pack. */
  private Map<String, String> packMetadata(PackPlan plan) {
    Map<String, String> m = new LinkedHashMap<>();
    m.putAll(PackedImages.metadata(o.mode(), o.size(), o.resize().id(), o.quality()));
    m.put("source", o.input().toAbsolutePath().normalize().toString());
    m.put(
        "labels_from",
        o.labelsFromDirs() ? "dirs" : o.labels() != null ? o.labels().toString() : "none");
    m.put("key", "path relative to source, '/' separators");
    if (o.vocabularyFrom() != null) {
      m.put("vocabulary_from", o.vocabularyFrom().toAbsolutePath().normalize().toString());
    }
    m.put(PLAN_ID, plan.planId());
    m.put("part_rows", Integer.toString(plan.partRows()));
    return m;
  }

  /**
   * Writes the collection manifest into {@code build} and renames {@code build} onto {@code out}
   * (parking a dataset already there, with --overwrite, for the moment of the swap).
   */
  private static void commitFresh(Path build, Path out, PackPlan plan, PackListener listener)
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
      old =
          out.resolveSibling(
              "." + out.getFileName() + ".old-" + UUID.randomUUID().toString().substring(0, 8));
      Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(build, out, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel ch = FileChannel.open(out.getParent(), StandardOpenOption.READ)) {
      ch.force(true);
    }
    if (old != null) {
      io.jcolz.format.store.FileTrees.deleteRecursively(old);
    }
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
            k -> k.startsWith(SKIPPED_PREFIX) || k.startsWith("part_") && !k.equals("part_rows"));
    meta.remove("stored_raw");
    meta.remove("unlabelled");
    meta.remove("labels_dropped");
    return meta;
  }

  /**
   * The result of a committed fresh pack as {@link #finish} reports it, from the part manifests
   * under {@code dir/parts} (a local copy of just those manifests will do: a Spark driver whose
   * output is on another file system) and the output's size measured by the caller.
   *
   * @param bytesOut the committed collection's bytes (as {@link Dataset#diskBytes})
   */
  public static PackResult committedResult(
      Path dir, PackPlan plan, long bytesOut, PackListener listener) throws IOException {
    long t0 = System.nanoTime();
    PackResult r =
        resultReader(dir, plan, listener)
            .resultOf(dir, plan, plan.parts().size(), 0, false, null, t0);
    return new PackResult(
        r.rows(),
        r.skipped(),
        r.bytesIn(),
        bytesOut,
        r.seconds(),
        r.ignoredFiles(),
        r.unlabelled(),
        r.labelKeysWithoutImage(),
        r.labelLinesRejected(),
        r.storedRaw(),
        r.labels(),
        r.labelsDropped(),
        r.parts(),
        r.partsKept(),
        r.partsPacked(),
        true);
  }

  /** A packer that only reads results: the storage mode of {@code plan}. */
  private static Packer resultReader(Path dir, PackPlan plan, PackListener listener) {
    PackedImages.Storage mode =
        PackedImages.Storage.parse(plan.settings().get(PackedImages.MODE))
            .orElse(PackedImages.Storage.RAW);
    return new Packer(PackOptions.builder(dir, dir).mode(mode).build(), listener);
  }

  /** The result of a run, reading rows and earlier runs' counts from the parts' manifests. */
  private PackResult resultOf(
      Path dir,
      PackPlan plan,
      int kept,
      int packed,
      boolean committed,
      LabelFile labelFile,
      long t0)
      throws IOException {
    long rows = 0;
    long raw = 0;
    long unlab = 0;
    long drop = 0;
    Map<SkipReason, Long> sk = new EnumMap<>(SkipReason.class);
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
          sk.merge(r, Long.parseLong(n), Long::sum);
        }
      }
    }
    // listing-level skips (symlink loops, bad names) are not in any part: this run's count
    listingSkips.forEach(
        (r, n) -> {
          if (n.get() > 0) {
            sk.merge(r, n.get(), Long::sum);
          }
        });
    long unmatched = 0;
    if (labelFile != null) {
      LabelFile.Unmatched u = labelFile.unmatched(10);
      unmatched = u.count();
      if (u.count() > 0) {
        listener.note(
            labelFile.file()
                + ": "
                + u.count()
                + " key(s) have no image under "
                + o.input()
                + ", e.g. "
                + String.join(", ", u.examples()));
      }
    }
    if (dropped.count() > 0) {
      listener.note(droppedNote(o, dropped.count(), dropped.examples()));
    }
    if (unlabelled.get() > 0) {
      listener.note(
          unlabelled.get()
              + " image(s) have no line in "
              + o.labels()
              + " and were packed with no labels");
    }
    long bytesOut = 0;
    if (committed) {
      try (Dataset ds = Dataset.open(dir)) {
        bytesOut = ds.diskBytes();
      }
    }
    if (o.mode() == PackedImages.Storage.RAW) {
      raw = rows;
    } else if (o.mode() == PackedImages.Storage.JPEG) {
      raw = 0;
    }
    return new PackResult(
        rows,
        sk,
        listedBytes >= 0 ? listedBytes : bytesIn.get(),
        bytesOut,
        (System.nanoTime() - t0) / 1e9,
        ignored,
        unlab,
        unmatched,
        labelFile == null ? 0 : labelFile.rejectedLines(),
        raw,
        plan.vocabulary().size(),
        drop,
        plan.parts().size(),
        kept,
        packed,
        committed,
        bytesIn.get());
  }

  /** Skips of the listing walk (not in any part), by reason. */
  private final Map<SkipReason, AtomicLong> listingSkips = new ConcurrentHashMap<>();

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

  private static boolean addHook(Thread hook) {
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "jcolz-pack-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private void checkFatal() throws IOException {
    Throwable t = fatal.get();
    if (t != null) {
      if (t instanceof IOException io) {
        throw new IOException(io.getMessage(), io);
      }
      if (t instanceof RuntimeException r) {
        throw r;
      }
      if (t instanceof Error e) {
        throw e;
      }
      throw new IOException(t);
    }
  }

  private JpegEncoder encoder() {
    JpegEncoder e = encoders.get();
    if (e == null) {
      e = new JpegEncoder(o.quality());
      encoders.set(e);
      perThread.add(e);
    }
    return e;
  }

  private ChunkCompressor compressor() {
    ChunkCompressor z = compressors.get();
    if (z == null) {
      z = new ChunkCompressor(Codec.ZSTD, o.level());
      compressors.set(z);
      perThread.add(z);
    }
    return z;
  }

  /** Decodes one image (in a worker). Never throws: failures become skips or the fatal error. */
  private Result work(long seq, ImageInput in) {
    String key = in.key();
    if (fatal.get() != null) {
      return new Result(seq, key, null, null, null, false, null, null);
    }
    String shown = in.file() != null ? in.file().toString() : key;
    try {
      // looked up before decoding, so a label-file key whose image is skipped still counts as
      // matched; unlabelled images and dropped names are counted when the row is written
      LabelSource.Lookup l = null;
      if (labels != null) {
        l = labels.labels(key, in.folders());
        if (l == null) {
          l = NO_ENTRY;
        }
      }
      RgbImage img;
      if (in.file() != null) {
        try {
          bytesIn.addAndGet(Files.size(in.file()));
        } catch (IOException e) {
          // reported by the decoder below
        }
        img = decoder.decodeResized(in.file(), o.size(), o.size(), o.resize());
      } else {
        bytesIn.addAndGet(in.bytes().length);
        img = decoder.decodeResized(in.bytes(), key, o.size(), o.size(), o.resize());
      }
      byte[] px = img.pixels();
      return switch (o.mode()) {
        case RAW -> new Result(seq, key, px, null, l, true, null, null);
        case JPEG -> new Result(seq, key, null, encoder().encode(img), l, false, null, null);
        case SMART -> {
          byte[] jpg = encoder().encode(img);
          int z = compressor().compress(px, px.length);
          compressor().trim();
          yield (long) z <= (long) PackOptions.SMART_RAW_FACTOR * jpg.length
              ? new Result(seq, key, px, new byte[0], l, true, null, null)
              : new Result(seq, key, zeros, jpg, l, false, null, null);
        }
      };
    } catch (ImageDecodeException e) {
      SkipReason r = SkipReason.of(e.reason());
      return new Result(seq, key, null, null, null, false, r, e.getMessage());
    } catch (InterruptedIOException e) {
      fatal.compareAndSet(null, e);
      return new Result(seq, key, null, null, null, false, null, null);
    } catch (RuntimeException e) {
      return new Result(
          seq,
          key,
          null,
          null,
          null,
          false,
          SkipReason.CORRUPT,
          shown + ": corrupt (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    } catch (IOException | Error e) {
      fatal.compareAndSet(null, e);
      return new Result(seq, key, null, null, null, false, null, null);
    }
  }

  /** Counts a skip (in the run, and in the part's counts when {@code part} is given). */
  private void count(Map<SkipReason, AtomicLong> part, SkipReason reason, String line) {
    skipped.get(reason).incrementAndGet();
    if (part != null) {
      part.get(reason).incrementAndGet();
    } else {
      listingSkips.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }
    skippedTotal.incrementAndGet();
    listener.skipped(reason, line);
  }
}
