package io.jcolz.tools.compare;

/**
 * Times a consumer loop: call {@link #delivered(int)} for every batch taken; warm-up batches are
 * not counted, and the loop ends when {@link #done()} says so. Not thread-safe: the consumer thread
 * owns it.
 */
final class Timed {
  private final long warmEnd;
  private final long timedNanos;
  private long t0 = -1;
  private long last;
  private long images;

  Timed(double warmupSeconds, double seconds) {
    long now = System.nanoTime();
    this.warmEnd = now + (long) (warmupSeconds * 1e9);
    this.timedNanos = (long) (seconds * 1e9);
    this.last = now;
  }

  /** Records a batch of {@code n} images just taken by the consumer. */
  void delivered(int n) {
    long now = System.nanoTime();
    last = now;
    if (now < warmEnd) {
      return;
    }
    if (t0 < 0) {
      t0 = now; // the first batch after warm-up starts the clock; it is not counted
      return;
    }
    images += n;
  }

  /** True once the timed interval has passed. */
  boolean done() {
    return t0 >= 0 && last - t0 >= timedNanos;
  }

  /** Images per second over the timed interval. */
  double rate() {
    double s = (last - t0) / 1e9;
    return t0 < 0 || s <= 0 ? 0 : images / s;
  }
}
