package io.jcolz.tools.compare;

import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.order.Order;

/**
 * jcolz's own loader on the packed dataset: quasi-random order, NHWC uint8 images, multi-hot
 * float32 labels, no augmentation — the same output the baselines produce. Not thread-safe.
 */
final class JcolzCandidate implements Candidate {
  private final Dataset dataset;

  JcolzCandidate(Dataset dataset) {
    this.dataset = dataset;
  }

  @Override
  public String name() {
    return "jcolz";
  }

  @Override
  public long images() {
    return dataset.rowCount();
  }

  @Override
  public String description() {
    return "jcolz loader on "
        + dataset.path().getFileName()
        + " ("
        + PackedImages.of(dataset).storage().id()
        + " mode): chunk decode through the shared cache, NHWC uint8 + multi-hot, quasi-random order; "
        + cacheNote;
  }

  private String cacheNote = "";

  /**
   * A chunk cache that cannot hold the dataset. The loader's default cache (the chunks of every
   * quasi-random window its lookahead spans, see {@link io.jcolz.loader.LoaderConfig}) holds all of
   * a small dataset after the first epoch, and the loader would then only copy decoded pixels — a
   * figure no dataset larger than memory reaches. Bounding the cache at a quarter of the image
   * chunks (the window at an eighth, see {@link Loader.Builder#cacheAtMost}) makes every epoch
   * decompress its chunks again, as at scale; on a dataset large enough the default is below the
   * bound and stays.
   */
  private Loader.Builder capped(Loader.Builder b, int threads) {
    int chunks = 0;
    for (String c : new String[] {PackedImages.IMAGE, PackedImages.JPEG}) {
      if (dataset.schema().indexOf(c) >= 0) {
        chunks = Math.max(chunks, dataset.column(c).chunkCount());
      }
    }
    return chunks == 0 ? b : b.cacheAtMost(Math.max(threads + 1, chunks / 4));
  }

  @Override
  public double measure(int threads, int batch, double warmupSeconds, double seconds)
      throws Exception {
    long epochs = Math.max(1, Long.MAX_VALUE / Math.max(1, dataset.rowCount()));
    try (Loader loader =
        capped(Loader.builder(dataset), threads)
            .batchSize(batch)
            .workers(threads)
            .devices(1)
            .prefetch(Math.max(2, threads))
            .order(Order.QUASI_RANDOM)
            .imageLayout(ImageLayout.NHWC)
            .labels(
                dataset.schema().labelColumn().isPresent() ? LabelMode.MULTI_HOT : LabelMode.NONE)
            .augment(Augment.none())
            .dropLast(false)
            .epochs(epochs)
            .seed(7)
            .start()) {
      var image = loader.caches().getFirst();
      cacheNote =
          "chunk cache of "
              + image.slots()
              + " of "
              + image.column().chunkCount()
              + " '"
              + image.column().name()
              + "' chunks, so every epoch decompresses again as on a dataset larger than memory";
      Timed t = new Timed(warmupSeconds, seconds);
      var queue = loader.device(0);
      while (!t.done()) {
        Batch b = queue.take();
        if (b == null) {
          break;
        }
        int n = b.size();
        b.close();
        t.delivered(n);
      }
      return t.rate();
    }
  }
}
