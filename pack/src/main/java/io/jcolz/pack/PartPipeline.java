package io.jcolz.pack;

import io.jcolz.format.DatasetWriter;
import io.jcolz.format.DuplicateKeyException;
import io.jcolz.format.Row;
import io.jcolz.format.codec.ChunkCompressor;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.ManifestFile;
import io.jcolz.image.ImageDecodeException;
import io.jcolz.image.ImageDecoder;
import io.jcolz.image.JpegEncoder;
import io.jcolz.image.RgbImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Packs parts: {@code threads} workers read, decode, resize (and encode) a part's images in
 * parallel; results are handed to the part's writer strictly in listing order through a small
 * reorder buffer, by whichever worker completes the next number. At most {@code 16 × threads}
 * images are in flight. So the rows, their order and every stored value are the same whatever the
 * thread count. Each part is committed on its own ({@link DatasetWriter}'s atomic rename) with its
 * counts in its manifest; a shutdown hook ({@link CommitGuard}) aborts a part still being written.
 *
 * <p>Not thread-safe: one caller thread walks and hands images in; the pipeline's own workers count
 * into the run's {@link PackSummary}. {@link #close} releases the workers' encoders.
 */
final class PartPipeline implements AutoCloseable {
  /**
   * How long a shutdown hook lets a commit in progress finish before saying its state is unknown.
   */
  static final long COMMIT_WAIT_MILLIS = 20_000;

  /** The lookup of an image the label source has no entry for (packed with an empty set). */
  private static final LabelSource.Lookup NO_ENTRY = new LabelSource.Lookup(new int[0], List.of());

  private final PackOptions o;
  private final PackListener listener;
  private final ImageDecoder decoder;
  private final LabelSource labels;
  private final PackSummary summary;
  private final byte[] zeros;
  private final AtomicReference<Throwable> fatal = new AtomicReference<>();
  private final ConcurrentLinkedQueue<AutoCloseable> perThread = new ConcurrentLinkedQueue<>();
  private final ThreadLocal<JpegEncoder> encoders = new ThreadLocal<>();
  private final ThreadLocal<ChunkCompressor> compressors = new ThreadLocal<>();

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

  /**
   * @param labels the label source (its vocabulary is the plan's), or null
   * @param summary the run's counts
   */
  PartPipeline(
      PackOptions o,
      PackListener listener,
      ImageDecoder decoder,
      LabelSource labels,
      PackSummary summary) {
    this.o = o;
    this.listener = listener;
    this.decoder = decoder;
    this.labels = labels;
    this.summary = summary;
    this.zeros = o.mode() == PackedImages.Storage.SMART ? new byte[o.size() * o.size() * 3] : null;
  }

  /** The second walk: hands each image of a part in {@code todo} to that part's packer. */
  void packParts(Path dir, PackPlan plan, List<PackPlan.Part> todo)
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
              current[0].add(new Packer.ImageInput(key, f, file, null));
            }

            @Override
            public void skip(String shown, SkipReason reason, String detail) {
              summary.skip(null, reason, shown + ": " + reason.label() + " (" + detail + ")");
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
   * Packs one part from {@code images} (the part's images, in listing order) and commits it at
   * {@code dir/parts/NAME}, unless a committed copy is there already.
   *
   * @return the part's rows
   */
  long packPart(Path dir, PackPlan plan, PackPlan.Part part, Iterable<Packer.ImageInput> images)
      throws IOException, InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(o.threads(), daemonThreads());
    try {
      if (PackPlanner.belongs(dir, plan, part)) {
        return ManifestFile.read(DatasetLayout.manifest(DatasetLayout.part(dir, part.name())))
            .rows();
      }
      PartPacker pp = new PartPacker(dir, plan, part, 0, pool);
      for (Packer.ImageInput in : images) {
        pp.add(in);
      }
      return pp.finish();
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(1, TimeUnit.MINUTES);
    }
  }

  /** Closes the workers' thread-local encoders and compressors. */
  @Override
  public void close() {
    for (AutoCloseable c; (c = perThread.poll()) != null; ) {
      try {
        c.close();
      } catch (Exception ignoredClose) {
        // thread-local encoder
      }
    }
  }

  /**
   * The schema of a plan's parts as declared: every column Zstd at the pack's level, or codec none
   * with {@code --codec none}; with {@code --codec auto} each part's writer measures each column on
   * its first chunk and may store it with codec none (see {@link CodecChoice#AUTO}).
   */
  static Schema schema(PackOptions o, PackPlan plan) {
    Schema s =
        PackedImages.schema(
            o.mode(),
            o.size(),
            plan.vocabulary().size(),
            true,
            o.level(),
            o.chunkRows(),
            PackPlanner.storesConfidences(plan),
            PackPlanner.storesNegatives(plan));
    if (o.codec() != CodecChoice.NONE) {
      return s;
    }
    Schema.Builder b = Schema.builder();
    s.columns().forEach(c -> b.column(c.withCodec(Codec.NONE, c.level())));
    s.keyColumn().ifPresent(b::keyColumn);
    s.labelColumn().ifPresent(b::labelColumn);
    return b.build();
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
    if (!plan.vocabulary().isEmpty()
        && (PackPlanner.unlisted(plan) == PartialLabels.Unlisted.UNKNOWN
            || PackPlanner.storesConfidences(plan)
            || PackPlanner.storesNegatives(plan))) {
      // a plain dataset keeps its bytes: no key; a partial one says what it means (a dataset
      // without labels has nothing unlisted)
      m.put(PartialLabels.UNLISTED, PackPlanner.unlisted(plan).id());
    }
    m.put(Packer.PLAN_ID, plan.planId());
    m.put("part_rows", Integer.toString(plan.partRows()));
    return m;
  }

  private static boolean addHook(Thread hook) {
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private static ThreadFactory daemonThreads() {
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
  private Result work(long seq, Packer.ImageInput in) {
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
          summary.read(Files.size(in.file()));
        } catch (IOException e) {
          // reported by the decoder below
        }
        img = decoder.decodeResized(in.file(), o.size(), o.size(), o.resize());
      } else {
        summary.read(in.bytes().length);
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
    final boolean partial;
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
              schema(o, plan),
              DatasetWriter.Options.defaults()
                  .withExpectedRows(Math.max(1, part.count()))
                  .withCreatedBy("jcolz pack")
                  .withAutoCodec(o.codec() == CodecChoice.AUTO ? CodecChoice.AUTO_MIN_SAVING : 0));
      row = writer.newRow();
      partial = PackPlanner.storesConfidences(plan) || PackPlanner.storesNegatives(plan);
      guard = new CommitGuard(target, writer::abort, System.err, COMMIT_WAIT_MILLIS);
      hook = new Thread(guard::onShutdown, "jcolz-pack-abort");
      hooked = addHook(hook);
    }

    void add(Packer.ImageInput in) throws IOException {
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
          if (!Files.isDirectory(target)
              || !PackPlanner.belongs(target.getParent().getParent(), plan, part)) {
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
      writer.putMetadata(Packer.PART_INDEX, Integer.toString(part.index()));
      writer.putMetadata("part_images", Long.toString(part.count()));
      partSkips.forEach(
          (r, n) -> {
            if (n.get() > 0) {
              writer.putMetadata(PackSummary.SKIPPED_PREFIX + r.key(), Long.toString(n.get()));
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
        summary.skip(partSkips, x.reason(), x.line());
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
            if (partial) {
              row.setLabels(x.labels().indices(), x.labels().confidences(), x.labels().negatives());
            } else {
              row.setSet(PackedImages.LABELS, x.labels().indices());
            }
          }
          writer.append(row, appendLock::unlock);
          if (o.mode() == PackedImages.Storage.SMART && x.raw()) {
            summary.storedRaw();
            partRaw.incrementAndGet();
          }
          if (x.labels() == NO_ENTRY) {
            summary.unlabelled();
            partUnlabelled.incrementAndGet();
          } else if (x.labels() != null) {
            x.labels().dropped().forEach(summary::dropped);
            partDropped.addAndGet(x.labels().dropped().size());
          }
        } catch (DuplicateKeyException e) {
          summary.skip(
              partSkips,
              SkipReason.DUPLICATE_KEY,
              x.key() + ": " + SkipReason.DUPLICATE_KEY.label() + " (" + e.getMessage() + ")");
        } catch (IOException | RuntimeException | Error e) {
          fatal.compareAndSet(null, e);
        }
      }
      summary.imageDone();
    }
  }
}
