package io.jcolz.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Column;
import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.augment.Augmentation;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.batch.Pixels;
import io.jcolz.loader.batch.SampleWriter;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.queue.DeviceQueue;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoaderTest {
  static final int H = 5;
  static final int W = 13; // one 8-pixel group and a 5-pixel tail per row
  static final int L = 40;
  static final int ROWS = 700;
  static final Augmentation FLIP = Augment.flip().resolve(W, H);

  @TempDir Path dir;
  long seed;
  Path path;
  Dataset ds;

  static Schema schema() {
    return Schema.builder()
        .column(ColumnSpec.string("key").withChunkRows(50))
        .keyColumn("key")
        .column(ColumnSpec.uint8Tensor("image", H, W, 3).withChunkRows(9))
        .column(ColumnSpec.int32Set("labels", L).withChunkRows(64))
        .labelColumn("labels")
        .build();
  }

  @BeforeEach
  void open() throws IOException {
    seed = Seeds.derive(Seeds.base(), 31);
    path = RandomDatasets.write(dir.resolve("ds"), schema(), seed, ROWS);
    ds = Dataset.open(path);
  }

  @AfterEach
  void noThreadLeft() {
    ds.close();
    List<String> left = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("jcolz-loader-") && t.isAlive()) {
        left.add(t.getName());
      }
    }
    assertTrue(left.isEmpty(), "threads left behind: " + left);
  }

  /**
   * Takes every batch of every device in run order (device = index mod D), checking each, closing
   * it.
   */
  static List<Batch> drain(Loader loader, java.util.function.Consumer<Batch> check)
      throws Exception {
    List<Batch> seen = new ArrayList<>();
    long total = loader.plan().totalBatches();
    for (long g = 0; g < total; g++) {
      int d = loader.delivery().device(g);
      try (Batch b = loader.device(d).take()) {
        assertNotNull(b, "device " + d + " ended early at run batch " + g);
        assertEquals(loader.plan().epochOf(g), b.epoch());
        assertEquals(loader.plan().indexOf(g), b.index());
        check.accept(b);
        seen.add(b);
      }
    }
    for (int d = 0; d < loader.devices(); d++) {
      assertNull(loader.device(d).take(), "device " + d + " delivers more than planned");
    }
    return seen;
  }

  void checkContent(Batch b, boolean flip, long seed) {
    String msg = Seeds.tag(this.seed) + b + ": ";
    try {
      assertEquals(b.size() * 3L * H * W, b.images().byteSize());
      for (int i = 0; i < b.size(); i++) {
        long row = b.row(i);
        byte[] stored = ds.readTensor("image", row);
        boolean flipped = flip && FLIP.params(seed, b.epoch(), row, W, H).flip();
        byte[] want = reference(stored, flipped, b.layout());
        assertArrayEquals(
            want, b.image(i).toArray(ValueLayout.JAVA_BYTE), msg + "image of row " + row);
        assertArrayEquals(ds.readSet("labels", row), b.labels(i), msg + "labels of row " + row);
        assertEquals(ds.readString("key", row), b.key(i), msg + "key of row " + row);
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] reference(byte[] src, boolean flip, ImageLayout layout) {
    byte[] out = new byte[src.length];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        int dx = flip ? W - 1 - x : x;
        for (int c = 0; c < 3; c++) {
          byte v = src[(y * W + x) * 3 + c];
          if (layout == ImageLayout.NCHW) {
            out[c * H * W + y * W + dx] = v;
          } else {
            out[(y * W + dx) * 3 + c] = v;
          }
        }
      }
    }
    return out;
  }

  @Test
  void batchesHoldWhatDirectReadsReturn() throws Exception {
    for (ImageLayout layout : ImageLayout.values()) {
      for (LabelMode labels : new LabelMode[] {LabelMode.MULTI_HOT, LabelMode.SPARSE}) {
        try (Loader loader =
            Loader.builder(ds)
                .batchSize(32)
                .devices(2)
                .workers(3)
                .prefetch(1)
                .order(Order.QUASI_RANDOM)
                .seed(seed)
                .epoch(1)
                .epochs(2)
                .imageLayout(layout)
                .labels(labels)
                .augment(Augment.flip())
                .keys(labels == LabelMode.SPARSE)
                .start()) {
          Set<Long> epoch1 = new HashSet<>();
          drain(
              loader,
              b -> {
                checkContent(b, true, seed);
                if (b.epoch() == 1) {
                  for (int i = 0; i < b.size(); i++) {
                    assertTrue(
                        epoch1.add(b.row(i)),
                        Seeds.tag(seed) + "row " + b.row(i) + " twice in an epoch");
                  }
                }
              });
          assertEquals(ROWS / 32 * 32, epoch1.size(), Seeds.tag(seed));
          assertTrue(loader.pool().peakInUse() <= loader.pool().capacity());
          assertTrue(loader.allocatedBytes() <= loader.memoryBound().totalBytes());
        }
      }
    }
  }

  @Test
  void multiHotAndSparseAgree() throws Exception {
    Map<Long, float[]> dense = new LinkedHashMap<>();
    try (Loader loader =
        Loader.builder(ds)
            .batchSize(50)
            .workers(2)
            .seed(seed)
            .labels(LabelMode.MULTI_HOT)
            .start()) {
      drain(loader, b -> dense.put(b.index(), b.multiHot().toArray(ValueLayout.JAVA_FLOAT)));
    }
    try (Loader loader =
        Loader.builder(ds).batchSize(50).workers(3).seed(seed).labels(LabelMode.SPARSE).start()) {
      drain(
          loader,
          b -> {
            float[] scattered = new float[b.size() * L];
            MemorySegment p = b.labelPairs();
            int prev = -1;
            for (int k = 0; k < b.pairCount(); k++) {
              int i = p.getAtIndex(ValueLayout.JAVA_INT, 2L * k);
              int label = p.getAtIndex(ValueLayout.JAVA_INT, 2L * k + 1);
              assertTrue(i * L + label > prev, "pairs not sorted");
              prev = i * L + label;
              scattered[i * L + label] = 1f;
            }
            assertArrayEquals(dense.get(b.index()), scattered, Seeds.tag(seed) + b);
          });
    }
  }

  /** (epoch, index) → rows and image bytes of every batch. */
  Map<String, String> fingerprint(Loader.Builder builder) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    try (Loader loader = builder.start()) {
      drain(
          loader,
          b ->
              out.put(
                  b.epoch() + "/" + b.index(),
                  Arrays.toString(b.rowIds())
                      + "|"
                      + Arrays.hashCode(b.images().toArray(ValueLayout.JAVA_BYTE))
                      + "|"
                      + Arrays.hashCode(b.multiHot().toArray(ValueLayout.JAVA_FLOAT))));
    }
    return out;
  }

  @Test
  void sameBatchesWhateverTheWorkersAndResumeReproducesTheRest() throws Exception {
    for (Order order : Order.values()) {
      String msg = Seeds.tag(seed) + order + ": ";
      Map<String, String> one =
          fingerprint(
              Loader.builder(ds)
                  .batchSize(24)
                  .workers(1)
                  .devices(1)
                  .order(order)
                  .seed(seed)
                  .epoch(2)
                  .epochs(2)
                  .augment(Augment.flip()));
      Map<String, String> four =
          fingerprint(
              Loader.builder(ds)
                  .batchSize(24)
                  .workers(4)
                  .devices(3)
                  .order(order)
                  .seed(seed)
                  .epoch(2)
                  .epochs(2)
                  .augment(Augment.flip()));
      assertEquals(one, four, msg + "worker or device count changed the batches");
      Map<String, String> resumed =
          fingerprint(
              Loader.builder(ds)
                  .batchSize(24)
                  .workers(2)
                  .order(order)
                  .seed(seed)
                  .startAt(2, 17)
                  .epochs(2)
                  .augment(Augment.flip()));
      List<String> keys = new ArrayList<>(one.keySet());
      int from = keys.indexOf("2/17");
      Map<String, String> tail = new LinkedHashMap<>();
      for (String k : keys.subList(from, keys.size())) {
        tail.put(k, one.get(k));
      }
      assertEquals(tail, resumed, msg + "resume differs");
    }
  }

  @Test
  void ranksSeeDisjointEqualPartsThatCoverTheEpoch() throws Exception {
    for (Order order : Order.values()) {
      int world = 3;
      Set<Long> union = new HashSet<>();
      long per = -1;
      for (int rank = 0; rank < world; rank++) {
        Set<Long> mine = new HashSet<>();
        try (Loader loader =
            Loader.builder(ds)
                .batchSize(20)
                .workers(2)
                .order(order)
                .seed(seed)
                .epoch(5)
                .shard(rank, world)
                .start()) {
          drain(
              loader,
              b -> {
                for (int i = 0; i < b.size(); i++) {
                  mine.add(b.row(i));
                }
              });
        }
        if (per < 0) {
          per = mine.size();
        }
        assertEquals(per, mine.size(), Seeds.tag(seed) + order + " rank " + rank);
        int before = union.size();
        union.addAll(mine);
        assertEquals(
            before + mine.size(), union.size(), Seeds.tag(seed) + order + ": ranks overlap");
      }
      assertTrue(
          ROWS - union.size() < world * 20, Seeds.tag(seed) + order + " union " + union.size());
    }
  }

  @Test
  void lastShortBatchWithoutDropLast() throws Exception {
    Set<Long> rows = new HashSet<>();
    try (Loader loader =
        Loader.builder(ds)
            .batchSize(64)
            .workers(2)
            .order(Order.RANDOM)
            .seed(seed)
            .dropLast(false)
            .labels(LabelMode.SPARSE)
            .start()) {
      List<Batch> all =
          drain(
              loader,
              b -> {
                checkContent(b, false, seed);
                for (int i = 0; i < b.size(); i++) {
                  rows.add(b.row(i));
                }
              });
      assertEquals(ROWS % 64, all.get(all.size() - 1).size());
    }
    assertEquals(ROWS, rows.size());
  }

  @Test
  void memoryStaysWithinTheReportedBound() throws Exception {
    try (Loader loader =
        Loader.builder(ds)
            .batchSize(16)
            .devices(2)
            .workers(3)
            .prefetch(1)
            .seed(seed)
            .epochs(2)
            .start()) {
      MemoryBudget bound = loader.memoryBound();
      assertEquals(2 * 2 + 3, bound.batchBuffers());
      drain(
          loader,
          b -> {
            try {
              Thread.sleep(1); // a slow consumer: workers fill every queue and wait
            } catch (InterruptedException e) {
              throw new AssertionError(e);
            }
            assertTrue(loader.pool().inUse() <= bound.batchBuffers());
            assertTrue(
                loader.allocatedBytes() <= bound.totalBytes(),
                loader.allocatedBytes() + " > " + bound);
          });
      assertTrue(loader.pool().peakInUse() <= bound.batchBuffers());
      assertTrue(loader.pool().allocatedBytes() <= bound.poolBytes());
    }
  }

  @Test
  void aCorruptChunkSurfacesInTheConsumerNamingTheChunk() throws Exception {
    Column col = ds.column("image");
    int chunk = 5;
    long offset = col.offset(chunk) + col.compressedLength(chunk) / 2;
    Path file = col.path(chunk);
    ds.close();
    io.jcolz.format.testing.Damage.xorByte(file, offset, 0x5A);
    ds = Dataset.open(path);
    try (Loader loader =
        Loader.builder(ds).batchSize(16).devices(2).workers(3).order(Order.SEQUENTIAL).start()) {
      CorruptDatasetException e =
          assertThrows(CorruptDatasetException.class, () -> drain(loader, b -> {}));
      assertTrue(
          e.getMessage().contains("chunk " + chunk) && e.getMessage().contains("'image'"),
          e.getMessage());
      assertTrue(e.getCause() instanceof CorruptDatasetException, "cause: " + e.getCause());
      // every device reports it, again and again
      assertThrows(CorruptDatasetException.class, () -> loader.device(0).take());
      assertThrows(CorruptDatasetException.class, () -> loader.device(1).take());
    }
  }

  @Test
  void cacheAtMostBoundsTheDefaultCacheButNeverRaisesIt() throws Exception {
    int defaults;
    try (Loader loader = Loader.builder(ds).batchSize(16).workers(2).seed(seed).start()) {
      defaults = loader.caches().getFirst().slots();
      assertTrue(defaults > 4, Seeds.tag(seed) + "default image cache " + defaults);
      drain(loader, b -> {});
    }
    try (Loader loader =
        Loader.builder(ds).batchSize(16).workers(2).seed(seed).cacheAtMost(4).start()) {
      assertEquals(4, loader.caches().getFirst().slots(), Seeds.tag(seed));
      drain(
          loader,
          b -> checkContent(b, false, seed)); // still every sample, correct, with a small window
    }
    try (Loader loader =
        Loader.builder(ds).batchSize(16).workers(2).seed(seed).cacheAtMost(1).start()) {
      assertEquals(3, loader.caches().getFirst().slots(), "never below workers + 1");
    }
    try (Loader loader =
        Loader.builder(ds).batchSize(16).workers(2).seed(seed).cacheAtMost(100_000).start()) {
      assertEquals(
          defaults,
          loader.caches().getFirst().slots(),
          "a bound above the default changes nothing");
    }
  }

  @Test
  void closingMidEpochStopsBlockedWorkersAndFreesMemoryAfterTheLastBatch() throws Exception {
    Loader loader =
        Loader.builder(ds).batchSize(8).devices(2).workers(3).prefetch(1).seed(seed).start();
    Batch held = loader.device(0).take();
    assertNotNull(held);
    while (loader.pool().inUse() < loader.pool().capacity() - 1) {
      Thread.sleep(5); // wait until workers are blocked on full queues
    }
    loader.close();
    for (Thread t : loader.workerThreads()) {
      assertFalse(t.isAlive(), t.getName());
    }
    assertEquals(1, loader.pool().inUse());
    assertEquals(H * W * 3, held.image(0).byteSize()); // still readable: memory outlives close
    held.close();
    assertEquals(0, loader.pool().inUse());
    assertThrows(IllegalStateException.class, () -> loader.device(1).take());
    loader.close(); // idempotent
  }

  @Test
  void holdingTooManyBatchesFailsInsteadOfHanging() throws Exception {
    try (Loader loader = Loader.builder(ds).batchSize(8).workers(2).prefetch(1).start()) {
      Batch a = loader.device(0).take();
      Batch b = loader.device(0).take();
      assertThrows(IllegalStateException.class, () -> loader.device(0).take());
      a.close();
      b.close();
      try (Batch c = loader.device(0).take()) {
        assertEquals(2, c.index());
      }
    }
  }

  @Test
  void aWaitingConsumerCanBeInterrupted() throws Exception {
    SampleWriter slow =
        new SampleWriter() {
          @Override
          public void writeRaw(
              MemorySegment src, long srcOff, long ep, long r, MemorySegment dst, long dstOff) {
            try {
              Thread.sleep(20);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public void writeEncoded(
              MemorySegment e, long ep, long r, MemorySegment dst, long o, String src) {
            throw new UnsupportedOperationException();
          }
        };
    try (Loader loader =
        Loader.builder(ds).batchSize(64).workers(1).sampleWriter(() -> slow).start()) {
      AtomicReference<Throwable> got = new AtomicReference<>();
      Thread consumer =
          new Thread(
              () -> {
                try {
                  loader.device(0).take();
                } catch (Throwable t) {
                  got.set(t);
                }
              });
      consumer.start();
      Thread.sleep(100);
      consumer.interrupt();
      consumer.join(10_000);
      assertFalse(consumer.isAlive());
      assertTrue(got.get() instanceof InterruptedException, String.valueOf(got.get()));
    }
  }

  @Test
  void smartModeDecodesEncodedRowsAndCopiesRawOnes() throws Exception {
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.uint8Tensor("image", H, W, 3).withChunkRows(11))
            .column(ColumnSpec.bytes("jpeg").withChunkRows(7))
            .column(ColumnSpec.int32Set("labels", L))
            .labelColumn("labels")
            .build();
    Path smart = dir.resolve("smart");
    try (DatasetWriter w = DatasetWriter.create(smart, schema)) {
      Row row = w.newRow();
      for (int i = 0; i < 300; i++) {
        row.clear();
        boolean encoded = i % 3 == 0;
        byte[] pixels = new byte[H * W * 3];
        if (!encoded) {
          Arrays.fill(pixels, (byte) (i * 7));
        }
        row.setTensor("image", pixels)
            .setBytes("jpeg", encoded ? new byte[] {(byte) i, 1, 2} : new byte[0])
            .setSet("labels", new int[] {i % L});
        w.append(row);
      }
      w.labels(RandomDatasets.vocabulary(L));
      w.putMetadata("mode", "smart");
      w.putMetadata("size", Integer.toString(H));
    }
    SampleWriter fake =
        new SampleWriter() {
          @Override
          public void writeRaw(
              MemorySegment src, long srcOff, long e, long r, MemorySegment dst, long dstOff) {
            Pixels.write(src, srcOff, H, W, 3, false, ImageLayout.NHWC, dst, dstOff);
          }

          @Override
          public void writeEncoded(
              MemorySegment e, long ep, long r, MemorySegment dst, long o, String src) {
            dst.asSlice(o, H * W * 3).fill((byte) (e.get(ValueLayout.JAVA_BYTE, 0) ^ 0x55));
          }
        };
    try (Dataset sds = Dataset.open(smart);
        Loader loader =
            Loader.builder(sds)
                .batchSize(10)
                .workers(2)
                .imageLayout(ImageLayout.NHWC)
                .sampleWriter(() -> fake)
                .start()) {
      drain(
          loader,
          b -> {
            for (int i = 0; i < b.size(); i++) {
              long r = b.row(i);
              byte want = r % 3 == 0 ? (byte) (((byte) r) ^ 0x55) : (byte) (r * 7);
              MemorySegment img = b.image(i);
              for (long k = 0; k < img.byteSize(); k++) {
                assertEquals(want, img.get(ValueLayout.JAVA_BYTE, k), "row " + r);
              }
              assertArrayEquals(new int[] {(int) (r % L)}, b.labels(i));
            }
          });
    }
  }

  @Test
  void iteratorsRunPerDeviceThreads() throws Exception {
    try (Loader loader =
        Loader.builder(ds).batchSize(16).devices(3).workers(2).seed(seed).start()) {
      List<Thread> consumers = new ArrayList<>();
      long[] counts = new long[3];
      AtomicReference<Throwable> error = new AtomicReference<>();
      for (int d = 0; d < 3; d++) {
        int dev = d;
        DeviceQueue<Batch> q = loader.device(d);
        Thread t =
            new Thread(
                () -> {
                  try {
                    long last = -1;
                    for (Batch b : q) {
                      try (b) {
                        assertEquals(dev, b.index() % 3);
                        assertTrue(b.index() > last);
                        last = b.index();
                        counts[dev]++;
                      }
                    }
                  } catch (Throwable e) {
                    error.set(e);
                  }
                });
        consumers.add(t);
        t.start();
      }
      for (Thread t : consumers) {
        t.join(60_000);
      }
      assertNull(error.get());
      assertEquals(loader.batchesPerEpoch(), counts[0] + counts[1] + counts[2]);
    }
  }
}
