package io.jcolz.pack;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts label names dropped for lack of a vocabulary entry, keeping a few examples. Thread-safe.
 */
final class Dropped {
  private static final int EXAMPLES = 10;
  private final AtomicLong count = new AtomicLong();
  private final ConcurrentSkipListSet<String> examples = new ConcurrentSkipListSet<>();

  void add(String name) {
    count.incrementAndGet();
    if (examples.size() < EXAMPLES) {
      examples.add(name);
    }
  }

  long count() {
    return count.get();
  }

  List<String> examples() {
    return List.copyOf(examples);
  }
}
