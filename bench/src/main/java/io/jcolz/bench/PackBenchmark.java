package io.jcolz.bench;

import io.jcolz.format.images.PackedImages;
import io.jcolz.format.store.FileTrees;
import io.jcolz.image.ImageDecodeException;
import io.jcolz.image.ImageDecoder;
import io.jcolz.pack.PackListener;
import io.jcolz.pack.PackOptions;
import io.jcolz.pack.PackResult;
import io.jcolz.pack.Packer;
import io.jcolz.pack.SkipReason;
import io.jcolz.pack.SourceWalker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Packing throughput against its floor, measured in one run on the same images: the single-thread
 * decode-only rate ({@link ImageDecoder#decodeResized} of every image to SIZE×SIZE, exactly what a
 * pack worker does before storing) and {@code jcolz pack} ({@link Packer}) with all cores, and with
 * one thread. The goal is pack(all cores) ≥ 80% of decode(1 thread) × cores. Each figure is the
 * median of the rounds, after one untimed warm-up pass of each (JIT, page cache).
 *
 * <p>On a shared machine wall-clock rates measure what the machine lent, so the process CPU time of
 * each phase is measured too: the pack's images per CPU-second next to decode's is the efficiency
 * that does not depend on other load, and decode(1 thread) × cores × that efficiency is what the
 * pack would reach on idle cores.
 *
 * <p>A third figure splits the gap between the two: the <em>store floor</em>, the same decode on
 * all cores followed only by what storing an image must cost (copy or JPEG encode, then Zstd of 4
 * MiB chunks at the pack's level), without the pack's ordering, key index, labels, file writes and
 * commit. Pack vs floor is the pack machinery's own overhead; floor vs decode × cores is the
 * storage codec's.
 *
 * <p>How to run: {@code java -jar bench/target/jcolz-bench.jar pack DIR [SIZE] [MODE] [ROUNDS]
 * [LEVEL] [CODEC]} (default 224, raw, 3, Zstd level 3, codec auto), e.g. on the photo corpus of
 * {@code bench/corpora/fetch.sh}: {@code java -jar bench/target/jcolz-bench.jar pack
 * ~/.cache/jcolz-corpora/photos}. Prints a table and one JSON line. Not thread-safe; a command-line
 * tool.
 */
public final class PackBenchmark {
  private PackBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println(
          "usage: pack DIR [SIZE] [MODE raw|jpeg|smart] [ROUNDS] [LEVEL] [CODEC auto|zstd|none]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    int size = args.length > 1 ? Integer.parseInt(args[1]) : 224;
    PackedImages.Storage mode =
        args.length > 2
            ? PackedImages.Storage.valueOf(args[2].toUpperCase(Locale.ROOT))
            : PackedImages.Storage.RAW;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int level =
        args.length > 4
            ? Integer.parseInt(args[4])
            : io.jcolz.format.schema.ColumnSpec.DEFAULT_LEVEL;
    io.jcolz.pack.CodecChoice codec =
        args.length > 5
            ? io.jcolz.pack.CodecChoice.parse(args[5])
                .orElseThrow(() -> new IllegalArgumentException("codec " + args[5]))
            : io.jcolz.pack.CodecChoice.AUTO;
    int cores = Runtime.getRuntime().availableProcessors();
    Path work = Files.createTempDirectory("jcolz-pack-bench");
    Path out = work.resolve("bench.jcolz");
    PackOptions base =
        PackOptions.builder(dir, out)
            .size(size)
            .mode(mode)
            .level(level)
            .codec(codec)
            .overwrite(true)
            .build();
    ImageDecoder decoder = Packer.decoder(base);
    List<Path> files = imageFiles(dir, Integer.MAX_VALUE);
    long bytes = 0;
    for (Path f : files) {
      bytes += Files.size(f);
    }
    System.out.printf(
        Locale.ROOT,
        "%d images (%.1f MiB) under %s, size %d, mode %s, level %d, codec %s, %d cores, %d rounds"
            + " (median)%n",
        files.size(),
        bytes / 1048576.0,
        dir,
        size,
        mode.id(),
        level,
        codec.id(),
        cores,
        rounds);
    decodeAll(decoder, files, size, base); // warm-up: JIT of decode, page cache
    new Packer(base.toBuilder().threads(cores).build(), PackListener.NONE)
        .run(); // and of the pack's own code
    storeFloor(decoder, files, base, cores);
    double[] decode = new double[rounds];
    double[] decodeCpu = new double[rounds];
    double[] packCpu = new double[rounds];
    double[] packUtil = new double[rounds];
    double[] packAll = new double[rounds];
    double[] packOne = new double[rounds];
    double[] floor = new double[rounds];
    double[] decodeN = new double[rounds];
    long rows = 0;
    long outBytes = 0;
    for (int r = 0; r < rounds; r++) {
      long c0 = cpuNanos();
      decode[r] = decodeAll(decoder, files, size, base);
      decodeCpu[r] = files.size() / ((cpuNanos() - c0) / 1e9);
      long c1 = fresh(out);
      PackResult all = new Packer(base.toBuilder().threads(cores).build(), PackListener.NONE).run();
      long c2 = cpuNanos();
      packAll[r] = all.imagesPerSecond();
      packCpu[r] = all.rows() / ((c2 - c1) / 1e9);
      packUtil[r] = (c2 - c1) / 1e9 / all.seconds();
      rows = all.rows();
      outBytes = all.bytesOut();
      fresh(out);
      packOne[r] =
          new Packer(base.toBuilder().threads(1).build(), PackListener.NONE)
              .run()
              .imagesPerSecond();
      floor[r] = storeFloor(decoder, files, base, cores);
      decodeN[r] = decodeParallel(decoder, files, base, cores);
      System.out.printf(
          Locale.ROOT,
          "round %d: decode 1 thread %.2f images/s (%.2f per CPU-s), %d threads %.2f, pack %d threads"
              + " %.2f (%.2f per CPU-s, %.2f cores busy), pack 1 thread %.2f, store floor %.2f%n",
          r + 1,
          decode[r],
          decodeCpu[r],
          cores,
          decodeN[r],
          cores,
          packAll[r],
          packCpu[r],
          packUtil[r],
          packOne[r],
          floor[r]);
    }
    double fl = median(floor);
    double dn = median(decodeN);
    double d = median(decode);
    double pa = median(packAll);
    double p1 = median(packOne);
    double goal = pa / (d * cores);
    double eff = median(packCpu) / median(decodeCpu);
    System.out.printf(Locale.ROOT, "decode-only, 1 thread   %8.2f images/s%n", d);
    System.out.printf(
        Locale.ROOT,
        "decode-only, %d threads  %8.2f images/s = %.0f%% of decode x %d cores: what the machine"
            + " lends; the pack reaches %.0f%% of it%n",
        cores,
        dn,
        100 * dn / (d * cores),
        cores,
        100 * median(packAll) / dn);
    System.out.printf(
        Locale.ROOT,
        "pack, 1 thread          %8.2f images/s (%.0f%% of decode)%n",
        p1,
        100 * p1 / d);
    System.out.printf(
        Locale.ROOT,
        "pack, %d threads         %8.2f images/s = %.0f%% of decode x %d cores (goal >= 80%%)%n",
        cores,
        pa,
        100 * goal,
        cores);
    System.out.printf(
        Locale.ROOT,
        "store floor, %d threads  %8.2f images/s = %.0f%% of decode x %d cores: decode + %s + codec"
            + " %s (Zstd level %d) of 4 MiB chunks, no pack machinery; the pack reaches %.0f%% of it%n",
        cores,
        fl,
        100 * fl / (d * cores),
        cores,
        mode == PackedImages.Storage.RAW ? "copy" : "JPEG encode",
        codec.id(),
        level,
        100 * pa / fl);
    System.out.printf(
        Locale.ROOT,
        "per CPU-second          decode %.2f, pack %.2f images: pack efficiency %.0f%%, "
            + "pack used %.2f of %d cores; on idle cores: %.2f images/s = %.0f%% of decode x cores%n",
        median(decodeCpu),
        median(packCpu),
        100 * eff,
        median(packUtil),
        cores,
        d * cores * eff,
        100 * eff);
    System.out.printf(
        Locale.ROOT,
        "dataset                 %d rows, %.2f MiB (from %.1f MiB of files)%n",
        rows,
        outBytes / 1048576.0,
        bytes / 1048576.0);
    System.out.printf(
        Locale.ROOT,
        "{\"images\":%d,\"size\":%d,\"mode\":\"%s\",\"level\":%d,\"codec\":\"%s\",\"cores\":%d,"
            + "\"decode_1t_images_per_s\":%.3f,\"decode_all_cores_images_per_s\":%.3f,"
            + "\"store_floor_images_per_s\":%.3f,"
            + "\"pack_1t_images_per_s\":%.3f,\"pack_images_per_s\":%.3f,\"pack_vs_decode_x_cores\":%.3f,"
            + "\"pack_cpu_efficiency\":%.3f,\"pack_cores_busy\":%.2f,\"bytes_in\":%d,\"bytes_out\":%d}%n",
        files.size(),
        size,
        mode.id(),
        level,
        codec.id(),
        cores,
        d,
        dn,
        fl,
        p1,
        pa,
        goal,
        eff,
        median(packUtil),
        bytes,
        outBytes);
    FileTrees.deleteRecursively(work);
  }

  /**
   * The first {@code max} images under {@code dir} in the order {@code jcolz pack} walks them (the
   * files it would try to decode; listing-level skips left out).
   */
  static List<Path> imageFiles(Path dir, int max) throws IOException {
    List<Path> files = new ArrayList<>();
    new SourceWalker(dir, null)
        .walk(
            new SourceWalker.Visitor() {
              @Override
              public void image(Path file, String key, List<String> folders) {
                if (files.size() < max) {
                  files.add(file);
                }
              }

              @Override
              public void skip(String shown, SkipReason reason, String detail) {}
            });
    return files;
  }

  /**
   * Removes the previous round's dataset before a timed pack (untimed) and returns the process CPU
   * time: a fresh pack has no old output to delete, so its rate should not include deleting 300 MB
   * of files (≈ 1.5% of a warm round on the stamps × 8 folder, measured 2026-12-03).
   */
  private static long fresh(Path out) throws IOException {
    if (Files.exists(out)) {
      FileTrees.deleteRecursively(out);
    }
    return cpuNanos();
  }

  private static double decodeAll(ImageDecoder decoder, List<Path> files, int size, PackOptions o)
      throws IOException {
    long t0 = System.nanoTime();
    int n = 0;
    long sink = 0;
    for (Path f : files) {
      try {
        sink += decoder.decodeResized(f, size, size, o.resize()).pixels()[0];
        n++;
      } catch (ImageDecodeException e) {
        // skipped by the pack too
      }
    }
    double s = (System.nanoTime() - t0) / 1e9;
    if (sink == Long.MIN_VALUE) {
      System.out.print("");
    }
    return n / s;
  }

  /**
   * The least any pack must do, on {@code cores} threads: decode every image as the pack does, then
   * what storing it costs — raw: copy the pixels into a 4 MiB chunk buffer; jpeg/smart: encode it
   * to JPEG at the pack's quality and copy the bytes — and Zstd-compress each full chunk at the
   * pack's level (codec none: no compression; auto: each thread measures its first chunk as the
   * pack's writer does and keeps Zstd only where it saves 10%). No ordering, labels, keys, files or
   * commit.
   */
  private static double storeFloor(ImageDecoder decoder, List<Path> files, PackOptions o, int cores)
      throws Exception {
    java.util.concurrent.atomic.AtomicInteger next =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger done =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Exception> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread[] threads = new Thread[cores];
    long t0 = System.nanoTime();
    for (int i = 0; i < cores; i++) {
      threads[i] =
          new Thread(
              () -> {
                byte[] chunk = new byte[io.jcolz.format.schema.ColumnSpec.DEFAULT_CHUNK_BYTES];
                int fill = 0;
                boolean[] compress = {o.codec() != io.jcolz.pack.CodecChoice.NONE};
                boolean[] measure = {o.codec() == io.jcolz.pack.CodecChoice.AUTO};
                try (io.jcolz.format.codec.ChunkCompressor z =
                        new io.jcolz.format.codec.ChunkCompressor(
                            io.jcolz.format.codec.Codec.ZSTD, o.level());
                    io.jcolz.image.JpegEncoder jpeg = new io.jcolz.image.JpegEncoder(o.quality())) {
                  for (int k; (k = next.getAndIncrement()) < files.size(); ) {
                    io.jcolz.image.RgbImage img;
                    try {
                      img = decoder.decodeResized(files.get(k), o.size(), o.size(), o.resize());
                    } catch (ImageDecodeException e) {
                      continue;
                    }
                    byte[] stored =
                        o.mode() == PackedImages.Storage.RAW ? img.pixels() : jpeg.encode(img);
                    if (fill + stored.length > chunk.length) {
                      compressChunk(z, chunk, fill, compress, measure);
                      fill = 0;
                    }
                    System.arraycopy(stored, 0, chunk, fill, Math.min(stored.length, chunk.length));
                    fill += Math.min(stored.length, chunk.length);
                    done.incrementAndGet();
                  }
                  if (fill > 0) {
                    compressChunk(z, chunk, fill, compress, measure);
                  }
                } catch (Exception e) {
                  failure.compareAndSet(null, e);
                }
              },
              "store-floor-" + i);
      threads[i].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return done.get() / ((System.nanoTime() - t0) / 1e9);
  }

  /** Decode only, on {@code cores} threads: the parallel ceiling the machine actually lends. */
  private static double decodeParallel(
      ImageDecoder decoder, List<Path> files, PackOptions o, int cores) throws Exception {
    java.util.concurrent.atomic.AtomicInteger next =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger done =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread[] threads = new Thread[cores];
    long t0 = System.nanoTime();
    for (int i = 0; i < cores; i++) {
      threads[i] =
          new Thread(
              () -> {
                for (int k; (k = next.getAndIncrement()) < files.size(); ) {
                  try {
                    decoder.decodeResized(files.get(k), o.size(), o.size(), o.resize());
                    done.incrementAndGet();
                  } catch (IOException e) {
                    // skipped by the pack too
                  }
                }
              },
              "decode-" + i);
      threads[i].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return done.get() / ((System.nanoTime() - t0) / 1e9);
  }

  private static void compressChunk(
      io.jcolz.format.codec.ChunkCompressor z,
      byte[] chunk,
      int fill,
      boolean[] compress,
      boolean[] measure) {
    if (!compress[0]) {
      return;
    }
    int n = z.compress(chunk, fill);
    if (measure[0]) {
      measure[0] = false;
      compress[0] = n <= (1 - io.jcolz.pack.CodecChoice.AUTO_MIN_SAVING) * fill;
    }
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
