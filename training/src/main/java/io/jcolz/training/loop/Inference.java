package io.jcolz.training.loop;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import io.jcolz.format.Dataset;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.TargetMode;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.read.ReadModeChoice;
import io.jcolz.loader.read.ReadSettings;
import io.jcolz.training.data.BatchArrays;
import io.jcolz.training.metrics.MultiLabelEvaluator;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.util.function.Function;

/**
 * Runs a model over a whole dataset in row order (no shuffling, no augmentation, the last short
 * batch kept) on one device and hands each batch's probabilities {@code σ(logits)} to a sink:
 * validation during training, {@code jcolz eval} and {@code jcolz predict}.
 *
 * <p>Thread-safety: stateless; one call per model at a time (DJL models are not thread-safe).
 */
public final class Inference {
  private Inference() {}

  /** Receives one batch and its probabilities {@code [n × L]}, row-major. */
  @FunctionalInterface
  public interface Sink {
    /**
     * Takes a batch (open during the call only).
     *
     * @param batch the loader batch (labels as asked of {@link #run}: SPARSE or NONE)
     * @param probabilities {@code σ(logit)} for each sample and label
     * @throws IOException to stop the run
     */
    void accept(Batch batch, float[] probabilities) throws IOException;
  }

  /**
   * A dataset's scores ({@link #evaluate}) and how its chunks were read. Closing it closes the
   * evaluator. Not thread-safe (the evaluator is not).
   *
   * @param evaluator every row's scores and labels
   * @param reads the read mode the loader read in, and why
   */
  public record Scored(MultiLabelEvaluator evaluator, ReadModeChoice reads)
      implements AutoCloseable {
    /** Closes the evaluator (its scratch file, if it spilled). */
    @Override
    public void close() {
      evaluator.close();
    }
  }

  /**
   * The forward function of a model in inference mode (batch-norm running statistics).
   *
   * @param model a loaded model
   * @return inputs → logits
   */
  public static Function<NDList, NDList> forward(Model model) {
    ParameterStore store = new ParameterStore(model.getNDManager(), false);
    return inputs -> model.getBlock().forward(store, inputs, false);
  }

  /**
   * Streams {@code dataset} through {@code forward}.
   *
   * @param dataset the dataset (with a label column unless {@code labels} is NONE)
   * @param device where inputs go
   * @param manager a manager on {@code device}; per-batch arrays live in sub-managers of it
   * @param batchSize samples per batch
   * @param workers loader threads
   * @param reads how the loader reads chunks
   * @param labels SPARSE (for metrics) or NONE (predictions only; the dataset may lack labels)
   * @param keys fill sample keys in the workers (for predict)
   * @param forward inputs → logits {@code [n, L]}
   * @param sink receives every batch
   * @return the read mode the loader read in, and why
   * @throws IOException if the dataset cannot be read or the sink fails
   * @throws InterruptedException if interrupted while waiting for a batch
   */
  public static ReadModeChoice run(
      Dataset dataset,
      Device device,
      NDManager manager,
      int batchSize,
      int workers,
      ReadSettings reads,
      LabelMode labels,
      boolean keys,
      Function<NDList, NDList> forward,
      Sink sink)
      throws IOException, InterruptedException {
    if (labels != LabelMode.SPARSE && labels != LabelMode.NONE) {
      throw new IllegalArgumentException("labels must be SPARSE or NONE, got " + labels);
    }
    try (Loader loader =
        reads
            .applyTo(
                Loader.builder(dataset)
                    .batchSize(batchSize)
                    .devices(1)
                    .workers(workers)
                    .order(Order.SEQUENTIAL)
                    .dropLast(false)
                    .labels(labels)
                    .augment(Augment.none())
                    .keys(keys && dataset.schema().keyColumn().isPresent()))
            .start()) {
      Batch b;
      while ((b = loader.device(0).take()) != null) {
        try (Batch batch = b;
            NDManager scope = manager.newSubManager(device)) {
          NDArray x = BatchArrays.images(scope, batch);
          NDArray logits = forward.apply(new NDList(x)).singletonOrThrow();
          float[] p = Activation.sigmoid(logits).toFloatArray();
          sink.accept(batch, p);
        }
      }
      return loader.config().readModeChoice();
    }
  }

  /**
   * Scores a dataset into a new evaluator.
   *
   * @param dataset the dataset, with a label column
   * @param device where inputs go
   * @param manager a manager on {@code device}
   * @param batchSize samples per batch
   * @param workers loader threads
   * @param reads how the loader reads chunks
   * @param forward inputs → logits
   * @return the evaluator holding every row's scores and labels (spilled to a scratch file past its
   *     heap budget), each label evaluated only where it is known when the dataset's unlisted
   *     labels are unknown, with the read mode the loader read in; the caller closes it
   * @throws IOException if the dataset cannot be read
   * @throws InterruptedException if interrupted
   */
  public static Scored evaluate(
      Dataset dataset,
      Device device,
      NDManager manager,
      int batchSize,
      int workers,
      ReadSettings reads,
      Function<NDList, NDList> forward)
      throws IOException, InterruptedException {
    int labels = BatchArrays.vocabulary(dataset).size();
    MultiLabelEvaluator evaluator = new MultiLabelEvaluator(labels);
    boolean success = false;
    try {
      ReadModeChoice readWith =
          run(
              dataset,
              device,
              manager,
              batchSize,
              workers,
              reads,
              LabelMode.SPARSE,
              false,
              forward,
              (batch, p) -> {
                if (batch.targetMode() == TargetMode.UNLISTED_UNKNOWN) {
                  evaluator.addKnown(
                      p,
                      batch.size(),
                      BatchArrays.pairs(batch),
                      batch.negativePairs().toArray(ValueLayout.JAVA_INT));
                } else {
                  evaluator.addSparse(p, batch.size(), BatchArrays.pairs(batch));
                }
              });
      success = true;
      return new Scored(evaluator, readWith);
    } finally {
      if (!success) {
        evaluator.close();
      }
    }
  }
}
