package io.jcolz.loader.queue;

import io.jcolz.loader.order.RunPlan;

/**
 * The delivery policy: batch i of an epoch goes to device {@code i mod D}, and each device sees its
 * batches in run order. So with D devices stepping in lock-step, step s of an epoch trains on
 * batches {@code sD .. sD+D−1}, one per device, whatever the worker count or timing. (Work stealing
 * would feed a slow device less, but would make which device trains on which batch depend on
 * timing; this policy is deterministic.)
 *
 * <p>This class maps a run batch to its device and to its sequence number on that device. Immutable
 * and thread-safe.
 */
public record RoundRobin(RunPlan plan, int devices) {
  /** Validates the arguments. */
  public RoundRobin {
    if (devices <= 0) {
      throw new IllegalArgumentException("devices " + devices + " must be > 0");
    }
  }

  /** The device of run batch {@code g}. */
  public int device(long g) {
    return (int) (plan.indexOf(g) % devices);
  }

  /** The 0-based position of run batch {@code g} among its device's batches. */
  public long sequence(long g) {
    int d = device(g);
    long e = plan.epochOf(g);
    long i = plan.indexOf(g);
    long n = plan.batchesPerEpoch();
    if (e == plan.startEpoch()) {
      return count(d, plan.startBatch(), i);
    }
    return count(d, plan.startBatch(), n)
        + (e - plan.startEpoch() - 1) * count(d, 0, n)
        + count(d, 0, i);
  }

  /** Batches device {@code d} receives in the whole run. */
  public long total(int d) {
    long n = plan.batchesPerEpoch();
    return count(d, plan.startBatch(), n) + (plan.epochs() - 1) * count(d, 0, n);
  }

  /**
   * Number of batch indices in {@code [from, to)} congruent to {@code d} modulo the device count.
   */
  private long count(int d, long from, long to) {
    return Math.max(0, Math.ceilDiv(to - d, devices) - Math.ceilDiv(from - d, devices));
  }
}
