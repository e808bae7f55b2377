package io.jcolz.loader.order;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.testing.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OrderTest {
  /** A layout with irregular chunk sizes (as byte-cut columns have). */
  static ChunkLayout irregular(SplittableRandom r, long rows) {
    List<Long> firsts = new ArrayList<>();
    long row = 0;
    while (row < rows) {
      firsts.add(row);
      row += 1 + r.nextInt(r.nextBoolean() ? 5 : 60);
    }
    long[] f = firsts.stream().mapToLong(Long::longValue).toArray();
    return new ChunkLayout() {
      @Override
      public long rows() {
        return rows;
      }

      @Override
      public int chunkCount() {
        return f.length;
      }

      @Override
      public long firstRow(int k) {
        return f[k];
      }

      @Override
      public int rowCount(int k) {
        return (int) ((k + 1 < f.length ? f[k + 1] : rows) - f[k]);
      }
    };
  }

  static long[] sequence(EpochOrder o) {
    long[] out = new long[(int) o.size()];
    o.rows(0, out.length, out);
    return out;
  }

  @Test
  void permutationIsABijection() {
    long seed = Seeds.derive(Seeds.base(), 1);
    SplittableRandom r = new SplittableRandom(seed);
    for (int t = 0; t < 200; t++) {
      long n = t < 40 ? t + 1 : 1 + r.nextInt(3000);
      long key = r.nextLong();
      boolean[] seen = new boolean[(int) n];
      for (long x = 0; x < n; x++) {
        long y = Permutation.apply(x, n, key);
        assertTrue(
            y >= 0 && y < n && !seen[(int) y], Seeds.tag(seed) + "n=" + n + " x=" + x + " -> " + y);
        seen[(int) y] = true;
      }
    }
  }

  @Test
  void everyOrderIsAPermutationDeterministicAndEpochDependent() {
    long seed = Seeds.derive(Seeds.base(), 2);
    SplittableRandom r = new SplittableRandom(seed);
    for (int t = 0; t < 30; t++) {
      long rows = 1 + r.nextInt(t < 5 ? 10 : 4000);
      ChunkLayout layout =
          r.nextBoolean() ? ChunkLayout.uniform(rows, 1 + r.nextInt(64)) : irregular(r, rows);
      int window = 1 + r.nextInt(10);
      long s = r.nextLong();
      for (Order order : Order.values()) {
        String msg =
            Seeds.tag(seed) + order + " rows=" + rows + " window=" + window + " t=" + t + ": ";
        SampleOrder a = order.over(layout, s, window);
        SampleOrder b = order.over(layout, s, window);
        long[] e0 = sequence(a.epoch(0));
        long[] e1 = sequence(a.epoch(1));
        assertArrayEquals(e0, sequence(b.epoch(0)), msg + "not deterministic");
        for (long[] e : new long[][] {e0, e1}) {
          long[] sorted = e.clone();
          Arrays.sort(sorted);
          for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i], msg + "not a permutation");
          }
        }
        for (int i = 0; i < e0.length; i += 1 + e0.length / 17) {
          assertEquals(e0[i], a.epoch(0).row(i), msg + "row(p) differs from rows()");
        }
        if (order == Order.SEQUENTIAL) {
          assertArrayEquals(e0, e1, msg);
        } else if (rows > 200 && layout.chunkCount() > 4) {
          assertFalse(Arrays.equals(e0, e1), msg + "epochs 0 and 1 are the same");
          assertFalse(
              Arrays.equals(e0, sequence(order.over(layout, s + 1, window).epoch(0))),
              msg + "seed ignored");
        }
      }
    }
  }

  @Test
  void quasiRandomStaysInsideWindowsOfChunks() {
    long seed = Seeds.derive(Seeds.base(), 3);
    SplittableRandom r = new SplittableRandom(seed);
    ChunkLayout layout = irregular(r, 5000);
    int window = 4;
    EpochOrder e = Order.QUASI_RANDOM.over(layout, seed, window).epoch(7);
    long[] seq = sequence(e);
    // consecutive runs of positions belong to at most `window` distinct chunks each
    int pos = 0;
    int chunksSeen = 0;
    Set<Integer> all = new HashSet<>();
    while (pos < seq.length) {
      Set<Integer> chunks = new HashSet<>();
      int rowsInWindow = 0;
      // the window is the set of chunks of the first row, grown until `window` chunks are full
      int end = pos;
      while (end < seq.length) {
        int c = chunkOf(layout, seq[end]);
        if (!chunks.contains(c) && chunks.size() == window) {
          break;
        }
        chunks.add(c);
        end++;
      }
      for (int c : chunks) {
        rowsInWindow += layout.rowCount(c);
        assertTrue(all.add(c), Seeds.tag(seed) + "chunk " + c + " appears in two windows");
      }
      assertEquals(
          rowsInWindow, end - pos, Seeds.tag(seed) + "window at " + pos + " is not chunk-complete");
      chunksSeen += chunks.size();
      pos = end;
    }
    assertEquals(layout.chunkCount(), chunksSeen, Seeds.tag(seed));
  }

  private static int chunkOf(ChunkLayout l, long row) {
    for (int k = 0; k < l.chunkCount(); k++) {
      if (row < l.firstRow(k) + l.rowCount(k)) {
        return k;
      }
    }
    throw new AssertionError(row);
  }

  @Test
  void shardsAreDisjointEqualAndCoverTheEpoch() {
    long seed = Seeds.derive(Seeds.base(), 4);
    SplittableRandom r = new SplittableRandom(seed);
    for (int t = 0; t < 300; t++) {
      long n = r.nextInt(t < 50 ? 40 : 5000);
      int world = 1 + r.nextInt(9);
      int batch = 1 + r.nextInt(70);
      boolean dropLast = r.nextBoolean();
      String msg =
          Seeds.tag(seed)
              + "n="
              + n
              + " world="
              + world
              + " batch="
              + batch
              + " dropLast="
              + dropLast
              + ": ";
      boolean[] covered = new boolean[(int) n];
      long total = 0;
      long first = -1;
      for (int rank = 0; rank < world; rank++) {
        Shard s = new Shard(n, rank, world, batch, dropLast);
        if (first < 0) {
          first = s.length();
        }
        if (dropLast) {
          assertEquals(first, s.length(), msg + "unequal shards");
          assertEquals(0, s.length() % batch, msg);
          assertEquals(s.length() / batch, s.batches(), msg);
        } else {
          assertTrue(Math.abs(first - s.length()) <= 1, msg + "shards differ by more than one");
        }
        long inBatches = 0;
        for (long i = 0; i < s.batches(); i++) {
          int len = s.batchLength(i);
          assertTrue(len > 0 && len <= batch, msg);
          for (long p = s.batchStart(i); p < s.batchStart(i) + len; p++) {
            assertFalse(covered[(int) p], msg + "position " + p + " in two shards");
            covered[(int) p] = true;
          }
          inBatches += len;
        }
        assertEquals(s.length(), inBatches, msg);
        total += s.length();
      }
      long missing = n - total;
      if (dropLast) {
        assertTrue(missing >= 0 && missing < (long) world * batch, msg + "dropped " + missing);
      } else {
        assertEquals(0, missing, msg + "union is not the epoch");
      }
      for (int p = 0; p < total; p++) {
        assertTrue(covered[p], msg + "the dropped positions are not the epoch's tail");
      }
    }
  }

  @Test
  void runPlanResumesAnywhere() {
    for (long n = 1; n < 12; n++) {
      for (long start = 0; start < n; start++) {
        RunPlan full = new RunPlan(2, 0, 3, n);
        RunPlan resumed = new RunPlan(2, start, 3, n);
        assertEquals(full.totalBatches() - start, resumed.totalBatches());
        for (long g = 0; g < resumed.totalBatches(); g++) {
          assertEquals(
              full.epochOf(g + start),
              resumed.epochOf(g),
              "n=" + n + " start=" + start + " g=" + g);
          assertEquals(
              full.indexOf(g + start),
              resumed.indexOf(g),
              "n=" + n + " start=" + start + " g=" + g);
        }
      }
    }
  }
}
