package io.jcolz.tools.compare;

import io.jcolz.format.Dataset;
import io.jcolz.loader.Augment;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
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
  public String description() {
    return "jcolz loader on " + dataset.path().getFileName() + " (" + dataset.metadata().getOrDefault("mode", "?")
        + " mode): chunk decode through the shared cache, NHWC uint8 + multi-hot, quasi-random order";
  }

  @Override
  public double measure(int threads, int batch, double warmupSeconds, double seconds) throws Exception {
    long epochs = Math.max(1, Long.MAX_VALUE / Math.max(1, dataset.rowCount()));
    try (Loader loader = Loader.builder(dataset).batchSize(batch).workers(threads).devices(1)
        .prefetch(Math.max(2, threads)).order(Order.QUASI_RANDOM).imageLayout(ImageLayout.NHWC)
        .labels(LabelMode.MULTI_HOT).augment(Augment.none()).dropLast(false).epochs(epochs).seed(7).build()) {
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
