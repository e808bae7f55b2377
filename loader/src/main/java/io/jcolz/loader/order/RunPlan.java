package io.jcolz.loader.order;

/**
 * The batches of one loader run in delivery order: from batch {@code startBatch} of epoch {@code
 * startEpoch} to the end of that epoch, then {@code epochs − 1} whole epochs after it. Run batch
 * {@code g} (0-based) maps to an (epoch, batch index) pair in O(1): resuming is starting a plan at
 * another (epoch, batch) — the state to save is those two numbers.
 *
 * <p>Immutable and thread-safe.
 */
public record RunPlan(long startEpoch, long startBatch, long epochs, long batchesPerEpoch) {
  /** Validates the arguments. */
  public RunPlan {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs " + epochs + " must be >= 1");
    }
    if (startEpoch < 0) {
      throw new IllegalArgumentException("start epoch " + startEpoch + " must be >= 0");
    }
    if (startBatch < 0 || (startBatch > 0 && startBatch >= batchesPerEpoch)) {
      throw new IllegalArgumentException(
          "start batch " + startBatch + " outside [0, " + batchesPerEpoch + ") batches per epoch");
    }
  }

  /** Batches in the whole run. */
  public long totalBatches() {
    return Math.addExact(
        batchesPerEpoch - startBatch, Math.multiplyExact(epochs - 1, batchesPerEpoch));
  }

  /** The epoch of run batch {@code g}. */
  public long epochOf(long g) {
    long first = batchesPerEpoch - startBatch;
    return g < first ? startEpoch : startEpoch + 1 + (g - first) / batchesPerEpoch;
  }

  /** The batch index within its epoch of run batch {@code g}. */
  public long indexOf(long g) {
    long first = batchesPerEpoch - startBatch;
    return g < first ? startBatch + g : (g - first) % batchesPerEpoch;
  }
}
