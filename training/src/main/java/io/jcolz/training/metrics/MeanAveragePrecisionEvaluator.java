package io.jcolz.training.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.evaluator.Evaluator;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link MultiLabelEvaluator}'s mean average precision as a DJL {@link Evaluator}, so that mAP
 * shows in DJL's training listeners and {@code TrainingResult} ({@code
 * DefaultTrainingConfig.addEvaluator(new MeanAveragePrecisionEvaluator(numLabels))}). Predictions
 * are scores {@code [B, L]} (logits or probabilities: mAP only ranks them); labels are multi-hot
 * {@code [B, L]} or int32/int64 {@code (row, label)} pairs {@code [P, 2]}, as {@link
 * MultiLabelEvaluator#add(NDArray, NDArray)} takes them.
 *
 * <p>Each accumulator keeps every score of its epoch (exact AP; see {@link MultiLabelEvaluator}'s
 * memory note) and computes mAP when read, caching it until the next update. Labels without a
 * positive are left out of the mean, as in {@link MultiLabelReport#meanAveragePrecision()}; with
 * none at all the value is NaN.
 *
 * <p>Thread-safety: synchronised per instance, like DJL's own evaluators.
 */
public final class MeanAveragePrecisionEvaluator extends Evaluator {
  private final int numLabels;
  private final Map<String, MultiLabelEvaluator> accumulators = new HashMap<>();
  private final Map<String, Float> cached = new HashMap<>();

  /**
   * An evaluator named {@code mAP}.
   *
   * @param numLabels the label vocabulary size L
   */
  public MeanAveragePrecisionEvaluator(int numLabels) {
    this("mAP", numLabels);
  }

  /**
   * An evaluator with another name.
   *
   * @param name the name listeners show
   * @param numLabels the label vocabulary size L
   */
  public MeanAveragePrecisionEvaluator(String name, int numLabels) {
    super(name);
    if (numLabels < 1) {
      throw new IllegalArgumentException("labels " + numLabels + " must be >= 1");
    }
    this.numLabels = numLabels;
  }

  /** The mAP of one batch, as a float32 scalar on the predictions' manager. */
  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    MultiLabelEvaluator e = new MultiLabelEvaluator(numLabels);
    NDArray scores = predictions.head();
    e.add(scores, labels.head());
    return scores.getManager().create((float) e.evaluate(0f).meanAveragePrecision());
  }

  @Override
  public synchronized void addAccumulator(String key) {
    accumulators.put(key, new MultiLabelEvaluator(numLabels));
    cached.remove(key);
  }

  @Override
  public synchronized void updateAccumulator(String key, NDList labels, NDList predictions) {
    accumulator(key).add(predictions.head(), labels.head());
    cached.remove(key);
  }

  @Override
  public synchronized void resetAccumulator(String key) {
    addAccumulator(key);
  }

  @Override
  public synchronized float getAccumulator(String key) {
    MultiLabelEvaluator e = accumulator(key);
    Float v = cached.get(key);
    if (v == null) {
      v = e.numSamples() == 0 ? Float.NaN : (float) e.evaluate(0f).meanAveragePrecision();
      cached.put(key, v);
    }
    return v;
  }

  private MultiLabelEvaluator accumulator(String key) {
    MultiLabelEvaluator e = accumulators.get(key);
    if (e == null) {
      throw new IllegalArgumentException("no accumulator '" + key + "' in evaluator " + getName());
    }
    return e;
  }
}
