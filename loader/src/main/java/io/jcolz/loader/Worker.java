package io.jcolz.loader;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.store.FileFormat;
import io.jcolz.loader.batch.BatchBuffer;
import io.jcolz.loader.batch.BatchSpec;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.SampleWriter;
import io.jcolz.loader.cache.ChunkCache;
import io.jcolz.loader.order.EpochOrder;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One loader worker: claims whole batches, fills each into a pooled buffer and delivers it. All
 * scratch is allocated once per worker; filling a batch allocates nothing per sample (except the
 * key strings when keys are filled eagerly).
 *
 * <p>Not thread-safe: one instance per worker thread.
 */
final class Worker {
  private static final ValueLayout.OfInt LE_INT = FileFormat.LE_INT;

  private final Loader loader;
  private final SampleWriter writer;
  private final BatchSpec spec;
  private final Loader.Settings settings;
  private final long[] rows;
  private final long[] sortKeys;
  private final boolean[] done;
  private final int[] labelStart;
  private final int[] labelCount;
  private int[] labelValues;

  Worker(Loader loader, SampleWriter writer) {
    this.loader = loader;
    this.writer = writer;
    this.settings = loader.settings();
    this.spec = settings.spec;
    int b = spec.batchSize();
    rows = new long[b];
    sortKeys = new long[b];
    done = new boolean[b];
    labelStart = new int[b];
    labelCount = new int[b];
    labelValues = new int[b * 8];
  }

  void run() {
    long g = -1;
    try (ChunkDecoder decoder = loader.dataset().newDecoder().releaseMappedPages(true)) {
      while ((g = loader.claim()) >= 0) {
        BatchBuffer buf = loader.acquire();
        boolean handed = false;
        try {
          String[] keys = fill(g, buf, decoder);
          boolean queued = loader.deliver(g, buf, keys); // on false it released the buffer itself
          handed = true;
          if (!queued) {
            return;
          }
        } finally {
          if (!handed) {
            loader.release(buf);
          }
        }
      }
    } catch (InterruptedException e) {
      // closing
    } catch (Throwable t) {
      failed(g, t);
    } finally {
      try {
        writer.close();
      } catch (Throwable t) {
        failed(-1, t);
      }
    }
  }

  private void failed(long g, Throwable t) {
    if (!loader.stopping()
        || !(t instanceof IllegalStateException)) { // a closing cache says so: not a failure
      loader.fail(t, Thread.currentThread().getName() + ", " + context(g));
    }
  }

  private record RunContext(long epoch, long index) {
    @Override
    public String toString() {
      return "epoch " + epoch + " batch " + index;
    }
  }

  private RunContext context(long g) {
    if (g < 0) {
      return new RunContext(-1, -1);
    }
    return new RunContext(loader.plan().epochOf(g), loader.plan().indexOf(g));
  }

  /** Fills run batch {@code g}; returns its keys when filled eagerly. */
  private String[] fill(long g, BatchBuffer buf, ChunkDecoder decoder)
      throws IOException, InterruptedException {
    long epoch = loader.plan().epochOf(g);
    long index = loader.plan().indexOf(g);
    int n = loader.shard().batchLength(index);
    long start = loader.shard().batchStart(index);
    EpochOrder order = loader.epochOrder(epoch);
    order.rows(start, n, rows);
    for (int j = 0; j < n; j++) {
      buf.row(j, rows[j]);
    }
    buf.size(n);
    Arrays.fill(done, 0, n, false);
    if (loader.jpegCache() != null) {
      encodedImages(n, epoch, buf, decoder, loader.imageCache() != null);
    }
    if (loader.imageCache() != null) {
      rawImages(n, epoch, buf, decoder);
    }
    if (spec.labelMode() != LabelMode.NONE) {
      labels(n, buf, decoder);
    } else {
      buf.pairs(0);
    }
    return loader.keyCache() == null ? null : keys(n, decoder);
  }

  /**
   * Sorts sample indices by the chunk of {@code col} holding their row: sortKeys = chunk<<32 | j.
   */
  private void groupByChunk(Column col, int n) {
    int m = 0;
    for (int j = 0; j < n; j++) {
      if (!done[j]) {
        sortKeys[m++] = ((long) col.chunkOf(rows[j]) << 32) | j;
      }
    }
    Arrays.sort(sortKeys, 0, m);
    groups = m;
  }

  private int groups;

  private void rawImages(int n, long epoch, BatchBuffer buf, ChunkDecoder decoder)
      throws IOException, InterruptedException {
    ChunkCache cache = loader.imageCache();
    groupByChunk(cache.column(), n);
    long rowBytes = cache.column().spec().rowBytes();
    MemorySegment images = buf.images();
    long imageBytes = spec.imageBytes();
    int i = 0;
    while (i < groups) {
      int chunk = (int) (sortKeys[i] >>> 32);
      ChunkView v = cache.pin(chunk, decoder);
      try {
        MemorySegment payload = v.payload();
        long first = v.firstRow();
        for (; i < groups && (int) (sortKeys[i] >>> 32) == chunk; i++) {
          int j = (int) sortKeys[i];
          writer.writeRaw(
              payload, (rows[j] - first) * rowBytes, epoch, rows[j], images, j * imageBytes);
        }
      } finally {
        cache.unpin(chunk);
      }
    }
  }

  private void encodedImages(
      int n, long epoch, BatchBuffer buf, ChunkDecoder decoder, boolean rawFallback)
      throws IOException, InterruptedException {
    ChunkCache cache = loader.jpegCache();
    groupByChunk(cache.column(), n);
    MemorySegment images = buf.images();
    long imageBytes = spec.imageBytes();
    int i = 0;
    while (i < groups) {
      int chunk = (int) (sortKeys[i] >>> 32);
      ChunkView v = cache.pin(chunk, decoder);
      try {
        long first = v.firstRow();
        for (; i < groups && (int) (sortKeys[i] >>> 32) == chunk; i++) {
          int j = (int) sortKeys[i];
          MemorySegment bytes = v.bytes((int) (rows[j] - first));
          if (bytes.byteSize() == 0) {
            if (rawFallback) {
              continue; // smart mode: stored raw
            }
            throw new IOException(
                cache.column().path(chunk)
                    + ": row "
                    + rows[j]
                    + " has an empty encoded image in column '"
                    + cache.column().name()
                    + "'");
          }
          writer.writeEncoded(
              bytes,
              epoch,
              rows[j],
              images,
              j * imageBytes,
              "row " + rows[j] + " of " + loader.dataset().path());
          done[j] = true;
        }
      } finally {
        cache.unpin(chunk);
      }
    }
  }

  private void labels(int n, BatchBuffer buf, ChunkDecoder decoder)
      throws IOException, InterruptedException {
    ChunkCache cache = loader.labelCache();
    Arrays.fill(done, 0, n, false);
    groupByChunk(cache.column(), n);
    boolean multiHot = spec.labelMode() == LabelMode.MULTI_HOT;
    MemorySegment out = buf.labels();
    long rowBytes = 4L * spec.labelCount();
    int used = 0;
    int i = 0;
    while (i < groups) {
      int chunk = (int) (sortKeys[i] >>> 32);
      ChunkView v = cache.pin(chunk, decoder);
      try {
        long first = v.firstRow();
        for (; i < groups && (int) (sortKeys[i] >>> 32) == chunk; i++) {
          int j = (int) sortKeys[i];
          MemorySegment values = v.setValues((int) (rows[j] - first));
          int k = (int) (values.byteSize() >>> 2);
          if (multiHot) {
            long base = j * rowBytes;
            out.asSlice(base, rowBytes).fill((byte) 0);
            for (int x = 0; x < k; x++) {
              out.set(ValueLayout.JAVA_FLOAT, base + 4L * values.get(LE_INT, 4L * x), 1f);
            }
          } else {
            if (used + k > labelValues.length) {
              labelValues = Arrays.copyOf(labelValues, Math.max(2 * labelValues.length, used + k));
            }
            for (int x = 0; x < k; x++) {
              labelValues[used + x] = values.get(LE_INT, 4L * x);
            }
            labelStart[j] = used;
            labelCount[j] = k;
            used += k;
          }
        }
      } finally {
        cache.unpin(chunk);
      }
    }
    if (!multiHot) {
      if (used > spec.maxPairs()) {
        throw new IllegalStateException(
            "a batch of "
                + n
                + " samples has "
                + used
                + " labels, over the sparse "
                + "capacity of "
                + spec.maxPairs()
                + " pairs; raise Loader.Builder.maxLabelsPerSample (now "
                + spec.maxPairs() / spec.batchSize()
                + ")");
      }
      int p = 0;
      for (int j = 0; j < n; j++) {
        for (int x = 0; x < labelCount[j]; x++) {
          out.setAtIndex(ValueLayout.JAVA_INT, 2L * p, j);
          out.setAtIndex(ValueLayout.JAVA_INT, 2L * p + 1, labelValues[labelStart[j] + x]);
          p++;
        }
      }
      buf.pairs(p);
    } else {
      buf.pairs(0);
    }
  }

  private String[] keys(int n, ChunkDecoder decoder) throws IOException, InterruptedException {
    ChunkCache cache = loader.keyCache();
    Arrays.fill(done, 0, n, false);
    groupByChunk(cache.column(), n);
    String[] keys = new String[n];
    int i = 0;
    while (i < groups) {
      int chunk = (int) (sortKeys[i] >>> 32);
      ChunkView v = cache.pin(chunk, decoder);
      try {
        long first = v.firstRow();
        for (; i < groups && (int) (sortKeys[i] >>> 32) == chunk; i++) {
          int j = (int) sortKeys[i];
          keys[j] = v.string((int) (rows[j] - first));
        }
      } finally {
        cache.unpin(chunk);
      }
    }
    return keys;
  }
}
