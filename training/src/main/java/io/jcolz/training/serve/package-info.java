/**
 * Serving a jcolz checkpoint with DJL: {@link io.jcolz.training.serve.JcolzCriteria} builds DJL
 * {@code Criteria} from a checkpoint directory, whose {@link
 * io.jcolz.training.serve.JcolzTranslator} pre-processes an image ({@code Path}, bytes or DJL
 * {@code Image}) with the code {@code jcolz pack} and {@code jcolz predict} run and returns a
 * {@link io.jcolz.training.serve.JcolzPrediction}: per-label probabilities, the thresholds chosen
 * in training and the labels predicted at them.
 */
package io.jcolz.training.serve;
