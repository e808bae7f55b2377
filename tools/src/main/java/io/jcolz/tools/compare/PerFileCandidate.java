package io.jcolz.tools.compare;

import io.jcolz.image.ImageDecodeException;
import io.jcolz.image.ImageDecoder;
import io.jcolz.image.RgbImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The classic loader (ImageFolder with a label dictionary): a thread pool where each worker takes
 * the next batch of a shuffled file list, opens and decodes every file with ImageIO (full-size
 * decode, no subsampling trick), resizes it to the packed size the same way pack did, looks its
 * labels up in a map, builds the multi-hot vector, and hands the finished batch (fresh heap arrays,
 * as a collate function allocates) to a bounded queue. It reads exactly the dataset's files ({@link
 * SourceImages}); one that fails to decode stops the run with an error naming it. An image too
 * large to decode whole (over the decoder's 100 MP limit) is decoded subsampled, as the pack did,
 * rather than refused: a user's loader that ran out of memory on it would measure nothing. Not
 * thread-safe.
 */
final class PerFileCandidate implements Candidate {
  private final SourceImages source;
  private final ImageDecoder decoder = ImageDecoder.builder().subsample(false).build();
  private final ImageDecoder large = ImageDecoder.defaults();
  private final AtomicLong subsampled = new AtomicLong();

  PerFileCandidate(SourceImages source) {
    this.source = source;
  }

  @Override
  public String name() {
    return "per_file";
  }

  @Override
  public long images() {
    return source.files().size();
  }

  @Override
  public String description() {
    long n = subsampled.get();
    return "per-file loader on "
        + source.dir()
        + ": ImageIO decode + resize per file, labels from a map, multi-hot"
        + (n > 0 ? " (" + n + " decodes of images over 100 MP were subsampled)" : "");
  }

  private RgbImage decode(Path file, int s) {
    try {
      try {
        return decoder.decodeResized(file, s, s, source.resize());
      } catch (ImageDecodeException e) {
        if (e.reason() != ImageDecodeException.Reason.TOO_LARGE) {
          throw e;
        }
        subsampled.incrementAndGet();
        return large.decodeResized(file, s, s, source.resize());
      }
    } catch (ImageDecodeException e) {
      throw new IllegalStateException("per-file loader: " + e.getMessage(), e);
    } catch (java.io.InterruptedIOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private record Item(byte[] images, float[] labels, int n) {}

  @Override
  public double measure(int threads, int batch, double warmupSeconds, double seconds)
      throws Exception {
    List<Path> files = source.files();
    int n = files.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom r = new SplittableRandom(7);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int s = source.size();
    int sampleBytes = s * s * 3;
    int labels = source.labelCount();
    BlockingQueue<Item> queue = new ArrayBlockingQueue<>(Math.max(2, 2 * threads));
    AtomicLong next = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            task -> {
              Thread t = new Thread(task, "per-file-loader");
              t.setDaemon(true);
              return t;
            });
    List<Future<?>> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      workers.add(
          pool.submit(
              () -> {
                while (!stop.get()) {
                  long b = next.getAndIncrement();
                  byte[] images = new byte[batch * sampleBytes];
                  float[] multiHot = new float[batch * labels];
                  int filled = 0;
                  for (int i = 0; i < batch; i++) {
                    int idx = order[(int) ((b * batch + i) % n)];
                    RgbImage img = decode(files.get(idx), s);
                    System.arraycopy(img.pixels(), 0, images, filled * sampleBytes, sampleBytes);
                    for (int l : source.labels(idx)) {
                      multiHot[filled * labels + l] = 1f;
                    }
                    filled++;
                  }
                  queue.put(new Item(images, multiHot, filled));
                }
                return null;
              }));
    }
    try {
      Timed t = new Timed(warmupSeconds, seconds);
      long idleSince = System.nanoTime();
      while (!t.done()) {
        Item item = queue.poll(100, TimeUnit.MILLISECONDS);
        if (item == null) {
          for (Future<?> f : workers) {
            if (f.isDone()) {
              f.get(); // rethrows a worker's failure, which names the file
            }
          }
          if (System.nanoTime() - idleSince > 60_000_000_000L) {
            throw new IllegalStateException("per-file loader delivered nothing for 60 s");
          }
          continue;
        }
        idleSince = System.nanoTime();
        t.delivered(item.n());
      }
      return t.rate();
    } finally {
      stop.set(true);
      pool.shutdownNow();
      queue.clear();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
  }
}
