package io.jcolz.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.image.ResizeMode;
import io.jcolz.pack.CodecReport;
import io.jcolz.pack.PackFlags;
import io.jcolz.pack.PackListener;
import io.jcolz.pack.PackOptions;
import io.jcolz.pack.PackResult;
import io.jcolz.pack.Packer;
import io.jcolz.pack.SkipReason;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jcolz pack}: turns a folder of images (and a label file, or the folder names) into a
 * dataset. The engine is {@link Packer}; the conventions are in {@link io.jcolz.pack}. Not
 * thread-safe.
 */
@Command(
    name = "pack",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Pack a folder of images into a jcolz dataset: every image is decoded (JPEG incl. CMYK and EXIF orientation, "
          + "PNG, GIF, BMP, TIFF, WebP, PNM), converted to 8-bit RGB (alpha over white), resized to SIZExSIZE "
          + "and stored raw (exact pixels), as JPEG, or per image whichever pays (smart).",
      "",
      "Keys: an image's key is its path relative to --input with '/' separators (animals/birds/owl.png). Rows are "
          + "written in walk order (depth-first, names sorted), the same whatever --threads.",
      "Labels: --labels FILE is CSV/TSV 'key,label label ...' (quoted fields, optional header) or JSON lines "
          + "{\"key\": ..., \"labels\": [...]}; a CSV label may carry a confidence (cat:0.7) or be a verified "
          + "negative (-car, or car:0), a JSON line may give {\"labels\": {\"cat\": 1, \"dog\": 0.7, \"car\": 0}}, "
          + "and --labels-format openimages reads Open Images' ImageID,Source,LabelName,Confidence CSV. "
          + "--unlisted unknown makes every label an image's labels do not list unknown instead of negative. "
          + "Only labels with a confidence below 1, a verified negative or --unlisted unknown make a format-3 "
          + "dataset; plain labels pack exactly as before. A bad label line is skipped with one line naming "
          + "file:line (counted: label_lines_rejected). --labels-from-dirs makes every folder between --input and the file "
          + "a label. The label vocabulary is sorted by name, or taken from --vocabulary-from DS (a validation set "
          + "packed after its training set shares its label indices). Without either there is no label column.",
      "Bad inputs (unreadable, empty, truncated, not an image, a decompression bomb over 2^31 pixels, smaller than "
          + "--min-side, symlink loops, non-UTF-8 names) are skipped with one line each on stderr, counted by reason. "
          + "Files without an image extension and names starting with '.' are ignored (counted). Huge images are "
          + "kept: PNG and baseline JPEG are decoded subsampled, so memory is bounded by the 100-megapixel limit "
          + "on the decoded image; other formats (and progressive JPEG) are decoded whole and must be within it.",
      "Labels-file keys with no image, and images with no line (packed with no labels), are counted and reported.",
      "Parts: the sorted listing is cut into parts of --part-rows images, each committed on its own in "
          + ".DS.building/parts/ after a plan (inputs digest, settings, boundaries) is written first; the "
          + "collection appears at DS in one atomic rename when every part is in.",
      "Interrupted? Run the same command again: committed parts of the same plan are kept and only the rest "
          + "is packed; changed inputs or settings are refused (--restart starts over). --append DS adds the "
          + "images of --input as new parts (fixed vocabulary; a key already in DS is an error). --shard i/n "
          + "packs only parts with index = i mod n (run n of them on a shared directory), then --finish commits. "
          + "While a pack runs, .DS.pack.lock keeps a second pack off the same --out.",
      ""
    },
    footer = {
      "",
      "--json fields: rows, skipped, skipped_by_reason, bytes (dataset on disk), bytes_in (the dataset's "
          + "image files, kept parts' included), run_bytes_in (read by this run), ratio, seconds, "
          + "images_per_s, mode, labels, unlabelled, label_keys_without_image, label_lines_rejected, "
          + "ignored_files, parts, parts_kept, parts_packed, committed, codecs (per column: codec -> parts stored "
          + "with it) (smart: stored_raw, stored_jpeg).",
      "Exit status: 0 packed (even with skipped inputs), 1 failure, 2 usage error.",
      "Example: jcolz pack --input photos/ --labels-from-dirs --out photos.jcolz --size 224 --mode smart --json"
    })
public final class PackCommand implements Callable<Integer> {
  @Option(
      names = "--input",
      paramLabel = "DIR",
      description = "folder of images (searched recursively)")
  Path input;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DS",
      description = "dataset directory to create (or to append to, or to finish)")
  Path out;

  @Option(
      names = "--append",
      description = "add the images of --input as new parts of the collection at --out")
  boolean append;

  @Option(
      names = "--shard",
      paramLabel = "I/N",
      description = "pack only the parts whose index is I mod N (0 <= I < N); then --finish")
  String shard;

  @Option(
      names = "--finish",
      description = "commit a sharded pack at --out once every part is in (names missing parts)")
  boolean finish;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  LabelArgs labelArgs;

  static final class LabelArgs {
    @Option(
        names = "--labels",
        paramLabel = "FILE",
        description = "label file: CSV/TSV key,labels or JSON lines")
    Path file;

    @Option(
        names = "--labels-from-dirs",
        description = "every folder on an image's path below DIR is one of its labels")
    boolean fromDirs;
  }

  /** The settings flags, shared with the Spark job. */
  @Mixin PackFlags flags = new PackFlags();

  @Mixin JsonOption json = new JsonOption();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (finish) {
      if (input != null || append || shard != null) {
        throw new Main.UsageException("--finish takes only --out (and --json)");
      }
      PackResult r;
      try {
        r = finish();
      } catch (io.jcolz.pack.OutputCheck.NotADatasetException e) {
        throw new Main.UsageException(e.getMessage());
      }
      PackOptions o = committedSettings(this.out);
      if (json.on()) {
        CliSupport.printJson(out(), json(r, o));
      } else {
        out()
            .printf(
                Locale.ROOT,
                "committed %s: %s rows in %d parts%n",
                this.out,
                CliSupport.count(r.rows()),
                r.parts());
        out().flush();
      }
      return Main.OK;
    }
    return pack(out, err);
  }

  private PackResult finish() throws java.io.IOException {
    PrintWriter err = spec.commandLine().getErr();
    return Packer.finish(
        this.out,
        new PackListener() {
          @Override
          public void note(String line) {
            err.println("jcolz pack: " + line);
            err.flush();
          }
        });
  }

  private Integer pack(PrintWriter out, PrintWriter err) throws Exception {
    PackOptions o = options();
    boolean bar = CliSupport.stderrIsTerminal();
    AtomicReference<ProgressBar> pb = new AtomicReference<>();
    Object printLock = new Object();
    PackListener listener =
        new PackListener() {
          @Override
          public void started(long images) {
            if (bar) {
              pb.set(Progress.items("pack", images, "img"));
            }
          }

          @Override
          public void skipped(SkipReason reason, String line) {
            synchronized (printLock) {
              clearBar();
              err.println("jcolz pack: skipped " + line);
              err.flush();
            }
          }

          @Override
          public void note(String line) {
            synchronized (printLock) {
              clearBar();
              err.println("jcolz pack: " + line);
              err.flush();
            }
          }

          /**
           * A line printed while the bar is drawn starts on a clean line; the bar redraws below it.
           */
          private void clearBar() {
            if (pb.get() != null) {
              err.print("\r\033[K");
            }
          }

          @Override
          public void progress(long done, long skipped) {
            ProgressBar p = pb.get();
            if (p != null) {
              p.stepTo(done);
              if (skipped > 0) {
                p.setExtraMessage(" skipped " + skipped); // the bar prints it right after "img/s"
              }
            }
          }
        };
    PackResult r;
    try {
      r = new Packer(o, listener).run();
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new Main.UsageException(
          this.out + " already exists; use --overwrite to replace it" + reasonOf(e));
    } catch (io.jcolz.pack.OutputCheck.NotADatasetException e) {
      throw new Main.UsageException(e.getMessage());
    } catch (io.jcolz.pack.EmptyInputException e) {
      throw new Main.UsageException("--input " + e.getMessage());
    } finally {
      ProgressBar p = pb.get();
      if (p != null) {
        p.close();
      }
    }
    if (r.rows() == 0 && r.skippedTotal() > 0) {
      err.println(
          "jcolz pack: warning: none of the "
              + r.skippedTotal()
              + " images could be packed (every one was skipped, see above): "
              + this.out
              + " has 0 rows");
      err.flush();
    }
    if (json.on()) {
      CliSupport.printJson(out, json(r, o));
    } else {
      printHuman(out, r, o);
    }
    return Main.OK;
  }

  private static String reasonOf(java.nio.file.FileAlreadyExistsException e) {
    String r = e.getReason();
    int i = r == null ? -1 : r.indexOf("(it was packed");
    return i < 0 ? "" : " " + r.substring(i);
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private PackOptions options() {
    if (input == null) {
      throw new Main.UsageException("--input DIR is required (but with --finish)");
    }
    if (!Files.isDirectory(input)) {
      throw new Main.UsageException("--input " + input + " is not a directory");
    }
    if (labelArgs != null && labelArgs.file != null && !Files.isRegularFile(labelArgs.file)) {
      throw new Main.UsageException("--labels " + labelArgs.file + " is not a file");
    }
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new Main.UsageException(
          "--out " + out + " is a regular file, not a dataset directory; choose another --out");
    }
    if (append && !Files.isDirectory(out)) {
      throw new Main.UsageException("--append " + out + ": no collection there to append to");
    }
    Path absIn = input.toAbsolutePath().normalize();
    Path absOut = out.toAbsolutePath().normalize();
    if (absIn.startsWith(absOut)) {
      throw new Main.UsageException("--out " + out + " would contain --input " + input);
    }
    try {
      if (append) {
        adoptCollectionSettings();
      }
      PackOptions.Builder o = flags.applyTo(PackOptions.builder(input, out)).append(append);
      if (shard != null) {
        String[] f = shard.split("/", -1);
        try {
          o.shard(Integer.parseInt(f[0].trim()), Integer.parseInt(f[1].trim()));
        } catch (RuntimeException e) {
          throw new Main.UsageException("--shard must be I/N, e.g. 0/4; got '" + shard + "'");
        }
      }
      if (labelArgs != null && labelArgs.file != null) {
        o.labels(labelArgs.file);
      } else if (labelArgs != null && labelArgs.fromDirs) {
        o.labelsFromDirs(true);
      }
      Path vocabularyFrom = flags.vocabularyFrom;
      if (vocabularyFrom != null) {
        if (labelArgs == null) {
          throw new Main.UsageException(
              "--vocabulary-from needs --labels FILE or --labels-from-dirs");
        }
        if (!Files.isDirectory(vocabularyFrom)) {
          throw new Main.UsageException(
              "--vocabulary-from " + vocabularyFrom + " is not a dataset directory");
        }
        o.vocabularyFrom(vocabularyFrom);
      }
      return o.build();
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException(e.getMessage());
    }
  }

  /** An append packs with the collection's size, resize, mode and quality unless given. */
  private void adoptCollectionSettings() {
    java.util.Map<String, String> meta;
    try (io.jcolz.format.Dataset ds = io.jcolz.format.Dataset.open(out)) {
      meta = ds.metadata();
    } catch (java.io.IOException e) {
      throw new Main.UsageException("--append " + out + ": " + e.getMessage());
    }
    var parsed = spec.commandLine().getParseResult();
    if (!parsed.hasMatchedOption("--size") && meta.containsKey(PackedImages.SIZE)) {
      flags.size = Integer.parseInt(meta.get(PackedImages.SIZE));
    }
    if (!parsed.hasMatchedOption("--mode") && meta.containsKey(PackedImages.MODE)) {
      flags.mode = PackedImages.Storage.parse(meta.get(PackedImages.MODE)).orElse(flags.mode);
    }
    if (!parsed.hasMatchedOption("--resize") && meta.containsKey(PackedImages.RESIZE)) {
      flags.resize = ResizeMode.parse(meta.get(PackedImages.RESIZE)).orElse(flags.resize);
    }
    if (!parsed.hasMatchedOption("--quality") && meta.containsKey(PackedImages.QUALITY)) {
      flags.quality = Integer.parseInt(meta.get(PackedImages.QUALITY));
    }
    if (!parsed.hasMatchedOption("--unlisted") && meta.containsKey(PartialLabels.UNLISTED)) {
      flags.unlisted =
          PartialLabels.Unlisted.parse(meta.get(PartialLabels.UNLISTED)).orElse(flags.unlisted);
    }
  }

  /**
   * The settings a finished pack was made with, read back from the dataset it committed, for the
   * summary of {@code --finish} (which takes no pack flags); one thread: finishing packs nothing.
   */
  private static PackOptions committedSettings(Path out) throws java.io.IOException {
    try (Dataset ds = Dataset.open(out)) {
      PackedImages images = PackedImages.of(ds);
      PackOptions.Builder b = PackOptions.builder(out, out).mode(images.storage()).threads(1);
      images.size().ifPresent(b::size);
      return b.build();
    }
  }

  static ObjectNode json(PackResult r, PackOptions o) {
    return r.toJson(o, o.out().toString(), CodecReport.committedCodecs(r, o.out()));
  }

  private static void printHuman(PrintWriter out, PackResult r, PackOptions o) {
    out.printf(
        Locale.ROOT,
        "packed %s images into %s (%dx%d, %s%s) in %.1f s: %,.1f images/s with %d thread%s%n",
        CliSupport.count(r.rows()),
        o.out(),
        o.size(),
        o.size(),
        o.mode().id(),
        o.mode() == PackedImages.Storage.SMART
            ? ": "
                + CliSupport.count(r.storedRaw())
                + " raw, "
                + CliSupport.count(r.rows() - r.storedRaw())
                + " jpeg"
            : "",
        r.seconds(),
        r.imagesPerSecond(),
        o.threads(),
        o.threads() == 1 ? "" : "s");
    if (r.skippedTotal() > 0) {
      StringBuilder sb = new StringBuilder();
      r.skipped()
          .forEach(
              (k, v) ->
                  sb.append(sb.isEmpty() ? "" : ", ").append(v).append(' ').append(k.label()));
      out.printf(Locale.ROOT, "skipped %s: %s%n", CliSupport.count(r.skippedTotal()), sb);
    } else {
      out.println("skipped 0");
    }
    out.printf(
        Locale.ROOT,
        "bytes   %s in, %s out, ratio %.2f%s%n",
        CliSupport.bytes(r.bytesIn()),
        CliSupport.bytes(r.bytesOut()),
        r.ratio(),
        r.runBytesIn() != r.bytesIn()
            ? " (the whole dataset; this run read " + CliSupport.bytes(r.runBytesIn()) + ")"
            : "");
    if (r.labels() > 0) {
      out.printf(
          Locale.ROOT,
          "labels  %s name%s%s%s%n",
          CliSupport.count(r.labels()),
          r.labels() == 1 ? "" : "s",
          r.unlabelled() > 0
              ? ", " + CliSupport.count(r.unlabelled()) + " images without labels"
              : "",
          r.labelKeysWithoutImage() > 0
              ? ", " + CliSupport.count(r.labelKeysWithoutImage()) + " label keys without image"
              : "");
    }
    out.printf(
        Locale.ROOT,
        "parts   %d (%d packed now, %d kept from an earlier run)%s%n",
        r.parts(),
        r.partsPacked(),
        r.partsKept(),
        r.committed()
            ? ""
            : "; not committed yet (shard): run jcolz pack --finish --out " + o.out());
    Map<String, Map<String, Integer>> codecs = CodecReport.committedCodecs(r, o.out());
    if (codecs != null) {
      StringBuilder sb = new StringBuilder();
      codecs.forEach(
          (col, byCodec) -> {
            sb.append(sb.isEmpty() ? "" : ", ").append(col).append(' ');
            if (byCodec.size() == 1) {
              sb.append(byCodec.keySet().iterator().next());
            } else {
              StringBuilder m = new StringBuilder();
              byCodec.forEach(
                  (k, v) ->
                      m.append(m.isEmpty() ? "" : " + ")
                          .append(k)
                          .append(" in ")
                          .append(v)
                          .append(v == 1 ? " part" : " parts"));
              sb.append('(').append(m).append(')');
            }
          });
      out.printf(Locale.ROOT, "codecs  %s%n", sb);
    }
    if (r.ignoredFiles() > 0) {
      out.printf(
          Locale.ROOT,
          "ignored %s files without an image extension%n",
          CliSupport.count(r.ignoredFiles()));
    }
    out.flush();
  }
}
