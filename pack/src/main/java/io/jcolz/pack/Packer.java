package io.jcolz.pack;

import io.jcolz.format.DatasetWriter;
import io.jcolz.format.DuplicateKeyException;
import io.jcolz.format.Row;
import io.jcolz.format.codec.ChunkCompressor;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.Schema;
import io.jcolz.loader.image.ImageDecodeException;
import io.jcolz.loader.image.ImageDecoder;
import io.jcolz.loader.image.JpegEncoder;
import io.jcolz.loader.image.RgbImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Packs a folder of images into a dataset (the engine behind {@code jcolz pack}; see the package
 * documentation for the conventions).
 *
 * <p>Pipeline: the calling thread walks the folder ({@link SourceWalker}) and numbers the images in
 * walk order; {@code threads} workers read, decode, resize (and encode) them in parallel; results
 * are handed to the {@link DatasetWriter} strictly in walk order through a small reorder buffer, by
 * whichever worker completes the next number (one appender at a time; the chunk an append completes
 * is compressed after the next append may start, so compression is parallel). At most {@code 16 ×
 * threads} images are in flight, which bounds memory whatever the folder size. So the rows, their
 * order and every stored value are the same whatever the thread count; the files' bytes are not
 * necessarily: the chunks of a column are written to its file as their compression ends, which may
 * be out of row order, so chunk offsets (and the chunk index) can differ.
 *
 * <p>Not thread-safe: one {@link #run} per instance; the pack itself is multi-threaded.
 */
public final class Packer {
  private final PackOptions o;
  private final PackListener listener;
  private final ImageDecoder decoder;
  private final Map<SkipReason, AtomicLong> skipped = new EnumMap<>(SkipReason.class);
  private final AtomicLong bytesIn = new AtomicLong();
  private final AtomicLong unlabelled = new AtomicLong(); // rows written with no label entry
  private final Dropped dropped =
      new Dropped(); // label names of rows written that have no vocabulary entry
  private final AtomicLong storedRaw = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong skippedTotal = new AtomicLong();
  private final AtomicReference<Throwable> fatal = new AtomicReference<>();

  /**
   * How long a shutdown hook lets a commit in progress finish before saying its state is unknown.
   */
  static final long COMMIT_WAIT_MILLIS = 20_000;

  private final ConcurrentHashMap<Long, Result> ready = new ConcurrentHashMap<>();
  private final ReentrantLock appendLock = new ReentrantLock();
  private final ConcurrentLinkedQueue<AutoCloseable> perThread = new ConcurrentLinkedQueue<>();
  private volatile long next; // written under appendLock
  private Semaphore permits;
  private DatasetWriter writer;
  private Row row; // guarded by appendLock (the writer has copied it when the lock is released)
  private LabelSource labels;
  private byte[] zeros;
  private List<String> fixedVocabulary;

  /** The lookup of an image the label source has no entry for (packed with an empty set). */
  private static final LabelSource.Lookup NO_ENTRY = new LabelSource.Lookup(new int[0], List.of());

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
  }

  /** The decoder the pack uses (the same settings give the same pixels elsewhere). */
  public static ImageDecoder decoder(PackOptions options) {
    return ImageDecoder.builder().minSide(options.minSide()).build();
  }

  /**
   * Runs the pack. On success the dataset is committed at {@code out}; on any failure (or
   * interruption) nothing is left at {@code out} but what was there before.
   *
   * @throws IOException the input cannot be listed, the output cannot be written, or another pack
   *     holds the output
   */
  public PackResult run() throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Path out = o.out().toAbsolutePath().normalize();
    try (PackLock lock = PackLock.acquire(out)) {
      for (String line : lock.removeLeftovers(out)) {
        listener.note(line);
      }
      if (Files.exists(out) && !o.overwrite()) {
        throw new java.nio.file.FileAlreadyExistsException(
            out.toString(),
            null,
            "a dataset or file is already there; use --overwrite to replace it");
      }
      Path mapFile =
          out.resolveSibling(
              "."
                  + out.getFileName()
                  + ".labels-"
                  + UUID.randomUUID().toString().substring(0, 8)
                  + ".cmap");
      LabelFile labelFile = null;
      fixedVocabulary = fixedVocabulary();
      if (o.labels() != null) {
        labelFile = LabelFile.load(o.labels(), mapFile, listener::note, fixedVocabulary);
        labels = labelFile;
      }
      try {
        return pack(out, labelFile, t0);
      } finally {
        if (labels != null) {
          labels.close();
        }
      }
    }
  }

  private PackResult pack(Path out, LabelFile labelFile, long t0)
      throws IOException, InterruptedException {
    // Pass 1: count the images (progress, key index size) and collect folder names.
    SourceWalker walker = new SourceWalker(o.input(), out);
    long[] count = {0, 0};
    TreeSet<String> folders = new TreeSet<>();
    long[] ignored = {0};
    walker.walk(
        new SourceWalker.Visitor() {
          @Override
          public void image(Path file, String key, List<String> f) {
            count[0]++;
            count[1] += key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            folders.addAll(f);
          }

          @Override
          public void skip(String shown, SkipReason reason, String detail) {}

          @Override
          public void ignored(Path file) {
            ignored[0]++;
          }
        });
    if (o.labelsFromDirs()) {
      labels = new FolderLabels(folders, fixedVocabulary);
    }
    boolean labelColumn = labels != null && !labels.vocabulary().isEmpty();
    if (labels != null && !labelColumn) {
      listener.note(
          "no label names found"
              + (o.labelsFromDirs()
                  ? " (every image is directly in " + o.input() + ")"
                  : " in " + o.labels())
              + ": the dataset has no label column");
    }
    listener.started(count[0]);

    Schema schema = schema(labelColumn);
    DatasetWriter.Options wo =
        DatasetWriter.Options.defaults()
            .withOverwrite(o.overwrite())
            .withExpectedRows(Math.max(1, count[0]))
            .withAverageKeyBytes(count[0] == 0 ? 32 : (double) count[1] / count[0])
            .withCreatedBy("jcolz pack");
    writer = DatasetWriter.create(out, schema, wo);
    row = writer.newRow();
    zeros = o.mode() == PackedImages.Storage.SMART ? new byte[o.size() * o.size() * 3] : null;
    // the hook aborts only while writing; once the commit has begun it lets it finish (see
    // CommitGuard)
    CommitGuard guard = new CommitGuard(out, writer::abort, System.err, COMMIT_WAIT_MILLIS);
    Thread hook = new Thread(guard::onShutdown, "jcolz-pack-abort");
    boolean hooked = addHook(hook);
    ExecutorService pool = Executors.newFixedThreadPool(o.threads(), daemonThreads());
    int window = 16 * o.threads();
    permits = new Semaphore(window);
    boolean committed = false;
    try {
      AtomicLong seq = new AtomicLong();
      walker.walk(
          new SourceWalker.Visitor() {
            @Override
            public void image(Path file, String key, List<String> f) throws IOException {
              try {
                while (!permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                  checkFatal();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("pack interrupted");
              }
              checkFatal();
              long s = seq.getAndIncrement();
              pool.execute(
                  () -> {
                    try {
                      deposit(work(s, file, key, f));
                    } catch (Throwable t) {
                      fatal.compareAndSet(null, t);
                    }
                  });
            }

            @Override
            public void skip(String shown, SkipReason reason, String detail) {
              count(reason, shown + ": " + reason.label() + " (" + detail + ")");
            }
          });
      while (!permits.tryAcquire(
          window, 100, TimeUnit.MILLISECONDS)) { // every image handed to the writer
        checkFatal();
      }
      checkFatal();
      if (!guard.beginCommit()) { // the shutdown hook aborted the writer
        throw new InterruptedIOException("pack interrupted; nothing committed to " + out);
      }
      try {
        if (labelColumn) {
          writer.labels(labels.vocabulary());
        }
        PackedImages.putMetadata(writer, o.mode(), o.size(), o.resize().id(), o.quality());
        writer.putMetadata("source", o.input().toAbsolutePath().normalize().toString());
        writer.putMetadata(
            "labels_from",
            o.labelsFromDirs() ? "dirs" : o.labels() != null ? o.labels().toString() : "none");
        writer.putMetadata("key", "path relative to source, '/' separators");
        if (o.vocabularyFrom() != null) {
          writer.putMetadata(
              "vocabulary_from", o.vocabularyFrom().toAbsolutePath().normalize().toString());
        }
        writer.close(); // commits; the hook no longer aborts (it waits for this to end)
        committed = true;
      } finally {
        guard.endCommit(committed);
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(1, TimeUnit.MINUTES);
      if (!committed) {
        writer.abort();
      }
      for (AutoCloseable c; (c = perThread.poll()) != null; ) {
        try {
          c.close();
        } catch (Exception ignoredClose) {
          // thread-local encoder
        }
      }
      if (hooked) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignoredShutdown) {
          // already shutting down
        }
      }
    }
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
    long droppedLabels = dropped.count();
    if (droppedLabels > 0) {
      listener.note(droppedNote(o, droppedLabels, dropped.examples()));
    }
    if (unlabelled.get() > 0) {
      listener.note(
          unlabelled.get()
              + " image(s) have no line in "
              + o.labels()
              + " and were packed with no labels");
    }
    Map<SkipReason, Long> sk = new EnumMap<>(SkipReason.class);
    skipped.forEach(
        (r, n) -> {
          if (n.get() > 0) {
            sk.put(r, n.get());
          }
        });
    long bytesOut = diskBytes(out);
    long rows = writer.rowCount();
    long raw =
        switch (o.mode()) {
          case RAW -> rows;
          case JPEG -> 0;
          case SMART -> storedRaw.get();
        };
    return new PackResult(
        rows,
        sk,
        bytesIn.get(),
        bytesOut,
        (System.nanoTime() - t0) / 1e9,
        ignored[0],
        unlabelled.get(),
        unmatched,
        labelFile == null ? 0 : labelFile.rejectedLines(),
        raw,
        labelColumn ? labels.vocabulary().size() : 0,
        droppedLabels);
  }

  /**
   * The note on label names dropped from written rows, worded by why they have no vocabulary entry.
   */
  static String droppedNote(PackOptions o, long count, List<String> examples) {
    String why =
        o.vocabularyFrom() != null
            ? "are not in the vocabulary of " + o.vocabularyFrom()
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

  /** The vocabulary of {@code --vocabulary-from DS}, or null. */
  private List<String> fixedVocabulary() throws IOException {
    if (o.vocabularyFrom() == null) {
      return null;
    }
    try (io.jcolz.format.Dataset ds = io.jcolz.format.Dataset.open(o.vocabularyFrom())) {
      if (ds.labels().isEmpty()) {
        throw new IOException(o.vocabularyFrom() + " has no label vocabulary to share");
      }
      return ds.labels();
    }
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

  private Schema schema(boolean labelColumn) {
    return PackedImages.schema(
        o.mode(),
        o.size(),
        labelColumn ? labels.vocabulary().size() : 0,
        true,
        o.level(),
        o.chunkRows());
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

  private final ThreadLocal<JpegEncoder> encoders = new ThreadLocal<>();
  private final ThreadLocal<ChunkCompressor> compressors = new ThreadLocal<>();

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
  private Result work(long seq, Path file, String key, List<String> folders) {
    if (fatal.get() != null) {
      return new Result(seq, key, null, null, null, false, null, null);
    }
    try {
      // looked up before decoding, so a label-file key whose image is skipped still counts as
      // matched;
      // unlabelled images and dropped names are counted when the row is written (append)
      LabelSource.Lookup l = null;
      if (labels != null) {
        l = labels.labels(key, folders);
        if (l == null) {
          l = NO_ENTRY;
        }
      }
      try {
        bytesIn.addAndGet(Files.size(file));
      } catch (IOException e) {
        // reported by the decoder below
      }
      RgbImage img = decoder.decodeResized(file, o.size(), o.size(), o.resize());
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
          file + ": corrupt (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    } catch (IOException | Error e) {
      fatal.compareAndSet(null, e);
      return new Result(seq, key, null, null, null, false, null, null);
    }
  }

  private void count(SkipReason reason, String line) {
    skipped.get(reason).incrementAndGet();
    skippedTotal.incrementAndGet();
    listener.skipped(reason, line);
  }

  /**
   * Hands a result to the ordered appender and appends every consecutive ready result. The append
   * lock orders the rows; it is released as soon as the writer has numbered a row (the writer's
   * {@code afterNumbered} hook), so the next row is appended while this thread compresses the chunk
   * its row completed.
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
        permits.release();
        continue;
      }
      // a result deposited while this thread held the lock found it taken: take it over
      if (!ready.containsKey(next)) {
        break;
      }
    }
  }

  /**
   * Called holding appendLock, in walk order; may release it early (after the writer numbered the
   * row).
   */
  private void append(Result x) {
    if (x.reason() != null) {
      count(x.reason(), x.line());
    } else if (x.pixels() != null || x.jpeg() != null) {
      if (fatal.get() == null) {
        try {
          if (o.failAfterRows() > 0 && writer.rowCount() >= o.failAfterRows()) {
            throw new IOException(
                "simulated failure after " + o.failAfterRows() + " rows (test hook)");
          }
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
          }
          if (x.labels() == NO_ENTRY) {
            unlabelled.incrementAndGet();
          } else if (x.labels() != null) {
            x.labels().dropped().forEach(dropped::add);
          }
        } catch (DuplicateKeyException e) {
          count(
              SkipReason.DUPLICATE_KEY,
              x.key() + ": " + SkipReason.DUPLICATE_KEY.label() + " (" + e.getMessage() + ")");
        } catch (IOException | RuntimeException | Error e) {
          fatal.compareAndSet(null, e);
        }
      }
    }
    listener.progress(done.incrementAndGet(), skippedTotal.get());
  }

  private static long diskBytes(Path dataset) throws IOException {
    try (io.jcolz.format.Dataset ds = io.jcolz.format.Dataset.open(dataset)) {
      return ds.diskBytes();
    }
  }

  /** Skips so far by reason (for a progress display). */
  public Map<SkipReason, Long> skippedSoFar() {
    Map<SkipReason, Long> m = new EnumMap<>(SkipReason.class);
    skipped.forEach((r, n) -> m.put(r, n.get()));
    return m;
  }
}
