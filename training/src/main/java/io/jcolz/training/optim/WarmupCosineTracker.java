package io.jcolz.training.optim;

import ai.djl.training.tracker.Tracker;

/**
 * Learning rate with linear warm-up then cosine decay, as a DJL {@link Tracker}:
 *
 * <pre>
 *   s = offset + numUpdate − 1                   (global step, 0-based)
 *   lr(s) = base · (s + 1) / warmup                               for s &lt; warmup
 *   lr(s) = final + (base − final) · (1 + cos(π · p)) / 2,  p = (s − warmup) / (total − warmup)
 *   lr(s) = final                                                 for s ≥ total
 * </pre>
 *
 * {@code numUpdate} is the optimizer's 1-based step count: DJL's optimizers count updates per
 * parameter from 1, and those built by {@link OptimizerSettings#build(long, int)} turn DJL's
 * per-device-copy count into steps (with D devices DJL would otherwise count D per step). {@code
 * offset} is the number of steps taken before this optimizer was built (a resumed run), so the
 * schedule continues where the checkpoint left it while the optimizer's own counter (Adam's bias
 * correction) restarts.
 *
 * <p>Thread-safety: immutable; safe to share.
 */
public final class WarmupCosineTracker implements Tracker {
  private final float base;
  private final float last;
  private final long warmup;
  private final long total;
  private final long offset;

  /**
   * Creates the schedule.
   *
   * @param base peak learning rate, reached at the end of warm-up
   * @param last learning rate at and after {@code total} steps
   * @param warmup warm-up steps, ≥ 0
   * @param total total steps of the run, ≥ warmup
   * @param offset steps already taken before this optimizer, ≥ 0
   */
  public WarmupCosineTracker(float base, float last, long warmup, long total, long offset) {
    if (!(base > 0) || !(last >= 0) || last > base || warmup < 0 || total < warmup || offset < 0) {
      throw new IllegalArgumentException(
          "bad schedule: base "
              + base
              + ", final "
              + last
              + ", warmup "
              + warmup
              + ", total "
              + total
              + ", offset "
              + offset);
    }
    this.base = base;
    this.last = last;
    this.warmup = warmup;
    this.total = total;
    this.offset = offset;
  }

  @Override
  public float getNewValue(int numUpdate) {
    return valueAt(offset + Math.max(0, numUpdate - 1));
  }

  /**
   * The learning rate of global step {@code s} (0-based).
   *
   * @param s the step
   * @return the rate
   */
  public float valueAt(long s) {
    if (s < warmup) {
      return base * (s + 1) / warmup;
    }
    if (s >= total || total == warmup) {
      return last;
    }
    double p = (double) (s - warmup) / (total - warmup);
    return (float) (last + (base - last) * 0.5 * (1 + Math.cos(Math.PI * p)));
  }
}
