/**
 * Metrics for multi-label evaluation on the host.
 *
 * <ul>
 *   <li>{@link io.jcolz.training.metrics.MultiLabelEvaluator}: collects scores and labels (dense or
 *       sparse, and unknown labels: each label is then evaluated only where it is known) batch by
 *       batch and evaluates at a global or per-label threshold.
 *   <li>{@link io.jcolz.training.metrics.MultiLabelReport}: mean average precision, micro and macro
 *       F1, per-label precision / recall / F1 / support, F1-maximising thresholds, and the
 *       per-label CSV report.
 * </ul>
 *
 * <p>The conventions (ties, labels without positives, undefined ratios) are stated in {@link
 * io.jcolz.training.metrics.MultiLabelReport}. Average precision is exact: every score is kept
 * ({@code 4·N·L} bytes), and each label costs {@code O(N log P)} time for {@code P} positives. Past
 * a heap budget the scores are spilled to a mapped scratch file, so 100,000 × 11,000 evaluates in a
 * 1 GB heap with the same result, bit for bit.
 */
package io.jcolz.training.metrics;
