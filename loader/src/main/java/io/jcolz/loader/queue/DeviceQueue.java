package io.jcolz.loader.queue;

import io.jcolz.format.CorruptDatasetException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One device's bounded, ordered queue of batches. Producers (loader workers) finish batches out of
 * order and {@link #offer} (never waiting) or {@link #put} (waiting) each at its sequence number;
 * the consumer {@link #take}s them strictly in sequence order. The bound is a window: the item with
 * sequence s may enter only when {@code s < released + depth}, where {@code released} counts items
 * the consumer has handed back ({@link #released()}). So at most {@code depth} items of this queue
 * exist at once — queued, or taken and not yet released — and an early item can never be starved by
 * later ones.
 *
 * <p>A worker failure ({@link #fail}) makes every later {@code take} throw; {@link #shutdown} wakes
 * every waiting producer (which then drops its item) and consumer.
 *
 * <p><b>Starvation.</b> With {@link #watchSiblings}, a {@code take} that has waited a whole stall
 * timeout checks the other queues of the same loader: if one of them is full of batches no one has
 * taken for that long, this queue can never be fed (the producers are blocked on the full one), so
 * {@code take} throws an {@link IllegalStateException} naming the full, unread queues instead of
 * waiting forever. This is the single-consumer mistake: one thread reading {@code device(0)} of a
 * loader with several devices.
 *
 * <p>Thread-safe: any number of producers; one consumer thread at a time is expected ({@code take}
 * is safe from several, but the order they see is then split between them).
 *
 * @param <T> the item type
 */
public final class DeviceQueue<T> implements Iterable<T> {
  private final int device;
  private final int depth;
  private final long total;
  private final Object[] ring;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long taken;
  private long released;
  private Throwable failure;
  private String failureContext;
  private boolean shutdown;
  private volatile List<DeviceQueue<?>> siblings = List.of();
  private volatile long stallNanos;
  private volatile int queued;
  private volatile long held;
  private volatile long lastTakeNanos = System.nanoTime();

  /**
   * @param device the device number, for messages
   * @param depth items that may exist at once (queued plus held by the consumer), at least 1
   * @param total items the queue will deliver before it ends
   */
  public DeviceQueue(int device, int depth, long total) {
    if (depth < 1) {
      throw new IllegalArgumentException("queue depth " + depth + " must be >= 1");
    }
    this.device = device;
    this.depth = depth;
    this.total = total;
    this.ring = new Object[depth];
  }

  /** The device number. */
  public int device() {
    return device;
  }

  /** Items that may exist at once (queued plus held by the consumer). */
  public int depth() {
    return depth;
  }

  /** Items the queue delivers in all. */
  public long total() {
    return total;
  }

  /**
   * Makes a {@link #take} that has waited {@code stallNanos} check {@code all} (the loader's
   * queues, this one included) for full queues no one reads, and throw if it finds one.
   *
   * @param all every queue fed by the same producers
   * @param stallNanos how long a take waits before it checks; 0 never checks
   */
  public void watchSiblings(List<? extends DeviceQueue<?>> all, long stallNanos) {
    if (stallNanos < 0) {
      throw new IllegalArgumentException("stall timeout " + stallNanos + " ns must be >= 0");
    }
    this.siblings = List.copyOf(all);
    this.stallNanos = stallNanos;
  }

  /**
   * Whether this queue is full and unread: every place of its window holds an item or is held by
   * the consumer, at least one item waits, and nothing was taken for {@code stallNanos}.
   */
  boolean fullAndUnread(long now, long stall) {
    int q = queued;
    return q > 0 && q + held >= depth && now - lastTakeNanos >= stall;
  }

  /** Items taken so far. */
  public long taken() {
    lock.lock();
    try {
      return taken;
    } finally {
      lock.unlock();
    }
  }

  /** What {@link #offer} did with an item. */
  public enum Offer {
    /** Queued. */
    ACCEPTED,
    /** Not queued: the window does not admit it yet (try again after a release). */
    NOT_YET,
    /** Not queued: the queue was shut down or failed. */
    CLOSED
  }

  /**
   * Puts item number {@code seq}, waiting until the window admits it.
   *
   * @return false, without queuing it, when the queue was shut down or failed (the caller keeps
   *     ownership of the item)
   * @throws InterruptedException while waiting
   */
  public boolean put(long seq, T item) throws InterruptedException {
    checkSequence(seq);
    lock.lockInterruptibly();
    try {
      while (!shutdown && failure == null && seq >= released + depth) {
        changed.await();
      }
      return offer(seq, item) == Offer.ACCEPTED;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Puts item number {@code seq} if the window admits it now; never waits. On anything but {@link
   * Offer#ACCEPTED} the caller keeps ownership of the item.
   */
  public Offer offer(long seq, T item) {
    checkSequence(seq);
    lock.lock();
    try {
      if (shutdown || failure != null) {
        return Offer.CLOSED;
      }
      if (seq >= released + depth) {
        return Offer.NOT_YET;
      }
      int slot = (int) (seq % depth);
      if (ring[slot] != null || seq < taken) {
        throw new IllegalStateException(
            "sequence " + seq + " of device " + device + " delivered twice");
      }
      ring[slot] = item;
      queued++;
      changed.signalAll();
      return Offer.ACCEPTED;
    } finally {
      lock.unlock();
    }
  }

  private void checkSequence(long seq) {
    if (seq < 0 || seq >= total) {
      throw new IllegalArgumentException(
          "sequence " + seq + " outside [0, " + total + ") of device " + device);
    }
  }

  /**
   * The next item in sequence, waiting for it; null once all {@link #total()} items were taken.
   *
   * @throws IOException a worker failed with one: a new exception of the same kind (a {@link
   *     CorruptDatasetException} stays one) whose message repeats the worker's and whose cause is
   *     the worker's exception
   * @throws WorkerException a worker failed with an unchecked exception or error (the cause)
   * @throws IllegalStateException the queue was shut down, or the consumer already holds {@code
   *     depth} items it has not released (waiting would never end)
   * @throws InterruptedException while waiting
   */
  @SuppressWarnings("unchecked")
  public T take() throws IOException, InterruptedException {
    lock.lockInterruptibly();
    try {
      if (failure != null) {
        throwFailure();
      }
      if (taken >= total) {
        return null;
      }
      if (shutdown) {
        throw new IllegalStateException("the loader is closed");
      }
      if (taken - released >= depth) {
        throw new IllegalStateException(
            "device "
                + device
                + ": the consumer holds "
                + (taken - released)
                + " batches it has not closed; at most "
                + depth
                + " (prefetch + 1) may be open at once — close a batch "
                + "before taking the next, or raise prefetch");
      }
      int slot = (int) (taken % depth);
      long stall = stallNanos;
      long waited = 0;
      while (ring[slot] == null && failure == null && !shutdown) {
        if (stall <= 0 || siblings.size() < 2) {
          changed.await();
          continue;
        }
        long left = changed.awaitNanos(stall - waited);
        waited = stall - left;
        if (left <= 0 && ring[slot] == null && failure == null && !shutdown) {
          checkStarved(stall);
          waited = 0;
        }
      }
      if (failure != null) {
        throwFailure();
      }
      if (shutdown) {
        throw new IllegalStateException("the loader is closed");
      }
      T item = (T) ring[slot];
      ring[slot] = null;
      taken++;
      queued--;
      held = taken - released;
      lastTakeNanos = System.nanoTime();
      return item;
    } finally {
      lock.unlock();
    }
  }

  private void checkStarved(long stall) {
    long now = System.nanoTime();
    StringBuilder full = new StringBuilder();
    int n = 0;
    for (DeviceQueue<?> q : siblings) {
      if (q != this && q.fullAndUnread(now, stall)) {
        full.append(n++ == 0 ? "" : ", ").append(q.device);
      }
    }
    if (n > 0) {
      throw new IllegalStateException(
          String.format(
              "device %d waited %.1f s for its next batch while device queue%s %s %s full and"
                  + " unread for as long (%d batches each): the loader feeds every device in turn,"
                  + " so each device(d) needs its own consumer thread — or read all of them, in"
                  + " order, from one thread with loader.batches()",
              device, stall / 1e9, n == 1 ? "" : "s", full, n == 1 ? "is" : "are", depth));
    }
  }

  /**
   * Like {@link #take} but gives up after {@code timeout}, returning null (check {@link #taken()}).
   */
  @SuppressWarnings("unchecked")
  public T poll(long timeout, TimeUnit unit) throws IOException, InterruptedException {
    long nanos = unit.toNanos(timeout);
    lock.lockInterruptibly();
    try {
      int slot = (int) (taken % depth);
      while (taken < total && ring[slot] == null && failure == null && !shutdown && nanos > 0) {
        nanos = changed.awaitNanos(nanos);
      }
      if (failure != null || taken >= total || shutdown || ring[slot] != null) {
        return take(); // reentrant: decides end, failure, close, or returns the ready item
      }
      return null;
    } finally {
      lock.unlock();
    }
  }

  /** The consumer has handed one taken item back: the window moves on by one. */
  public void released() {
    lock.lock();
    try {
      if (released >= taken) {
        throw new IllegalStateException("device " + device + ": more releases than takes");
      }
      released++;
      held = taken - released;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Records the first worker failure; every later take rethrows it. */
  public void fail(Throwable t, String context) {
    lock.lock();
    try {
      if (failure == null) {
        failure = t;
        failureContext = context;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Wakes every waiter; producers drop their items, consumers get IllegalStateException. */
  public void shutdown() {
    lock.lock();
    try {
      shutdown = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Removes and returns the items still queued (for the caller to recycle after shutdown). */
  @SuppressWarnings("unchecked")
  public java.util.List<T> drain() {
    lock.lock();
    try {
      java.util.List<T> out = new java.util.ArrayList<>();
      for (int i = 0; i < ring.length; i++) {
        if (ring[i] != null) {
          out.add((T) ring[i]);
          ring[i] = null;
          queued--;
        }
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  private void throwFailure() throws IOException {
    String msg = failure.getMessage() + " [" + failureContext + "]";
    if (failure instanceof CorruptDatasetException) {
      throw new CorruptDatasetException(msg, failure);
    }
    if (failure instanceof IOException) {
      throw new IOException(msg, failure);
    }
    throw new WorkerException(
        "loader worker failed: " + failure + " [" + failureContext + "]", failure);
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
        return taken() < total;
      }

      @Override
      public T next() {
        try {
          T t = take();
          if (t == null) {
            throw new NoSuchElementException(
                "device " + device + " has delivered all " + total + " batches");
          }
          return t;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new WorkerException("interrupted while waiting for a batch of device " + device, e);
        }
      }
    };
  }
}
