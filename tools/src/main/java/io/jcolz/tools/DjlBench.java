package io.jcolz.tools;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.jcolz.format.Dataset;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.training.data.BatchArrays;
import io.jcolz.training.data.LoaderDataset;
import java.util.function.UnaryOperator;

/**
 * {@code jcolz bench --djl}: the data path into DJL arrays on the CPU, measured two ways in one
 * run, alternating rounds: the {@link Loader} read directly with {@link BatchArrays} (images
 * normalised to float32, labels copied), and the same loader settings through {@link
 * LoaderDataset}'s {@code getData} as {@code EasyTrain} reads it. Each round is whole epochs until
 * its time is up; the figures are the median rounds' images/s.
 *
 * <p>Not thread-safe; one run at a time.
 */
final class DjlBench {
  /** Images/s of each path (median of rounds) and their ratio (dataset ÷ direct). */
  record Result(double directImagesPerSecond, double datasetImagesPerSecond) {
    double ratio() {
      return datasetImagesPerSecond / directImagesPerSecond;
    }
  }

  private DjlBench() {}

  static Result run(Dataset ds, UnaryOperator<Loader.Builder> configure, double seconds, int rounds)
      throws Exception {
    double[] direct = new double[rounds];
    double[] dataset = new double[rounds];
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      direct(ds, configure, Math.min(1, seconds / 4), m, 0); // warm-up
      for (int r = 0; r < rounds; r++) {
        direct[r] = direct(ds, configure, seconds, m, r + 1);
        dataset[r] = viaDataset(ds, configure, seconds, m, r + 1);
      }
    }
    return new Result(median(direct), median(dataset));
  }

  private static double direct(
      Dataset ds, UnaryOperator<Loader.Builder> configure, double seconds, NDManager m, long epoch)
      throws Exception {
    long images = 0;
    long t0 = System.nanoTime();
    long end = t0 + (long) (seconds * 1e9);
    for (long e = epoch * 1000; System.nanoTime() < end; e++) {
      try (Loader l = configure.apply(Loader.builder(ds)).epoch(e).start()) {
        for (Batch b : l.batches()) {
          try (b;
              NDArray x = BatchArrays.images(m, b);
              ai.djl.ndarray.NDList y = BatchArrays.lossLabels(m, b)) {
            images += b.size();
          }
          if (System.nanoTime() >= end) {
            break;
          }
        }
      }
    }
    return images / ((System.nanoTime() - t0) / 1e9);
  }

  private static double viaDataset(
      Dataset ds, UnaryOperator<Loader.Builder> configure, double seconds, NDManager m, long epoch)
      throws Exception {
    long images = 0;
    long t0 = System.nanoTime();
    long end = t0 + (long) (seconds * 1e9);
    try (LoaderDataset data = new LoaderDataset(ds, configure).startEpoch(epoch * 1000)) {
      while (System.nanoTime() < end) {
        for (ai.djl.training.dataset.Batch b : data.getData(m)) {
          try (b) {
            images += b.getSize();
          }
          if (System.nanoTime() >= end) {
            break;
          }
        }
      }
    }
    return images / ((System.nanoTime() - t0) / 1e9);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
