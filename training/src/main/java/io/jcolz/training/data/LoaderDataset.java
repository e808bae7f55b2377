package io.jcolz.training.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.Batchifier;
import ai.djl.util.Progress;
import io.jcolz.format.Dataset;
import io.jcolz.loader.Loader;
import io.jcolz.loader.queue.MergedQueue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A DJL {@link ai.djl.training.dataset.Dataset} that streams a jcolz {@link Loader}: each {@link
 * #getData} call is one epoch (0, 1, 2, … in call order, or from {@link #startEpoch}), read by a
 * loader configured by the caller (batch size, seed, shard, augmentation, label mode, workers) and
 * started for that epoch; its batches become DJL batches of normalised float32 images {@code [B, 3,
 * H, W]} ({@link BatchArrays#images}) and labels as the loader carries them (float32 multi-hot
 * {@code [B, L]}, or int32 pairs {@code [P, 2]} for SPARSE; on a dataset of partial labels, targets
 * and mask: {@link BatchArrays#lossLabels}), each copied once.
 *
 * <pre>{@code
 * LoaderDataset data = new LoaderDataset(ds, b -> b.batchSize(64).seed(7).augment(Augment.standard()));
 * EasyTrain.fit(trainer, epochs, data, null);
 * }</pre>
 *
 * <p><b>Several devices.</b> The loader runs with one device queue, read in order through {@link
 * Loader#batches()}, and DJL splits each batch over the trainer's devices ({@link
 * Batchifier#STACK}'s split, as {@code EasyTrain.trainBatch} does). This keeps DJL's own
 * multi-device step and its gradient combination unchanged, and a batch of B samples trains on D
 * devices as B/D each; feeding one loader queue per device would need a trainer loop DJL's {@code
 * EasyTrain} does not have. SPARSE labels cannot be split by sample that way: use MULTI_HOT on
 * several devices.
 *
 * <p>Thread-safety: not thread-safe; one {@code getData} iteration at a time (a new one closes the
 * loader of the previous). The dataset must stay open; {@link #close()} stops a running loader.
 */
public final class LoaderDataset implements ai.djl.training.dataset.Dataset, AutoCloseable {
  private final Dataset dataset;
  private final UnaryOperator<Loader.Builder> configure;
  private long nextEpoch;
  private Loader running;

  /**
   * @param dataset an open dataset
   * @param configure sets the loader's batch size, seed, shard, augmentation, labels, workers;
   *     epoch, epochs and devices are set here (one epoch per {@code getData}, one queue)
   */
  public LoaderDataset(Dataset dataset, UnaryOperator<Loader.Builder> configure) {
    this.dataset = Objects.requireNonNull(dataset);
    this.configure = Objects.requireNonNull(configure);
  }

  /**
   * Sets the epoch the next {@link #getData} reads (for resuming).
   *
   * @param epoch at least 0
   * @return this
   */
  public LoaderDataset startEpoch(long epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch " + epoch + " must be >= 0");
    }
    this.nextEpoch = epoch;
    return this;
  }

  /**
   * The epoch the next {@link #getData} reads.
   *
   * @return the epoch
   */
  public long nextEpoch() {
    return nextEpoch;
  }

  @Override
  public Iterable<Batch> getData(NDManager manager) {
    close();
    long epoch = nextEpoch++;
    Loader loader =
        configure.apply(Loader.builder(dataset)).epoch(epoch).epochs(1).devices(1).start();
    running = loader;
    MergedQueue<io.jcolz.loader.Batch> queue = loader.batches();
    long total = queue.total();
    return () ->
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            boolean more = queue.taken() < total;
            if (!more) {
              loader.close();
            }
            return more;
          }

          @Override
          public Batch next() {
            if (!hasNext()) {
              throw new NoSuchElementException("epoch " + epoch + " has ended");
            }
            io.jcolz.loader.Batch b;
            try {
              b = queue.take();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException("interrupted while waiting for a batch", e);
            }
            try (b) {
              NDManager sub = manager.newSubManager();
              NDList data = new NDList(BatchArrays.images(sub, b));
              NDList labels = BatchArrays.lossLabels(sub, b);
              return new Batch(
                  sub,
                  data,
                  labels,
                  b.size(),
                  Batchifier.STACK,
                  Batchifier.STACK,
                  queue.taken(),
                  total);
            }
          }
        };
  }

  @Override
  public void prepare(Progress progress) {
    // the dataset is open and the loader starts per epoch: nothing to prepare
  }

  /** Stops the loader of the current epoch, if one runs. Idempotent. */
  @Override
  public void close() {
    if (running != null) {
      running.close();
      running = null;
    }
  }
}
