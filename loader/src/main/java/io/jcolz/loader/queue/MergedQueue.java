package io.jcolz.loader.queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * All device queues of one loader read by one consumer, in run order: item {@code g} is taken from
 * the queue of {@link RoundRobin#device(long) device(g)}, so the consumer sees batch 0, 1, 2, … of
 * each epoch, every epoch in turn, exactly the sequence a single-device loader delivers. For one
 * thread that feeds several devices itself (or a framework that splits batches its own way).
 *
 * <p>Not thread-safe: one consumer thread.
 *
 * @param <T> the item type
 */
public final class MergedQueue<T> implements Iterable<T> {
  private final List<DeviceQueue<T>> queues;
  private final RoundRobin delivery;
  private final long total;
  private long next;

  /**
   * @param queues the queues, indexed by device
   * @param delivery which queue each run item goes to
   */
  public MergedQueue(List<DeviceQueue<T>> queues, RoundRobin delivery) {
    if (queues.size() != delivery.devices()) {
      throw new IllegalArgumentException(
          queues.size() + " queues for " + delivery.devices() + " devices");
    }
    this.queues = List.copyOf(queues);
    this.delivery = delivery;
    this.total = delivery.plan().totalBatches();
  }

  /** Items delivered in all (every device's together). */
  public long total() {
    return total;
  }

  /** Items taken so far. */
  public long taken() {
    return next;
  }

  /**
   * The next item in run order, waiting for it; null once all {@link #total()} were taken. Throws
   * as {@link DeviceQueue#take} does.
   *
   * @return the item, or null at the end
   * @throws IOException a worker failed with one
   * @throws InterruptedException while waiting
   */
  public T take() throws IOException, InterruptedException {
    if (next >= total) {
      return null;
    }
    int d = delivery.device(next);
    T item = queues.get(d).take();
    if (item == null) {
      throw new IllegalStateException(
          "device " + d + " ended before run item " + next + " of " + total);
    }
    next++;
    return item;
  }

  /**
   * Iterates the remaining items with {@link #take}: IOExceptions come out as {@link
   * UncheckedIOException}, an interrupt as {@link WorkerException} with the interrupt flag set
   * again.
   */
  @Override
  public Iterator<T> iterator() {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return next < total;
      }

      @Override
      public T next() {
        if (next >= total) {
          throw new NoSuchElementException("all " + total + " batches were delivered");
        }
        try {
          return take();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new WorkerException("interrupted while waiting for batch " + next, e);
        }
      }
    };
  }
}
