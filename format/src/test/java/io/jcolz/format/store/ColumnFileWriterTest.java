package io.jcolz.format.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.testing.Seeds;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The early write-back does not change what a finished column file holds, nor break an abort. */
class ColumnFileWriterTest {
  @TempDir Path dir;

  private static final ColumnSpec SPEC = ColumnSpec.bytes("b");

  @Test
  void earlyFlushesLeaveTheSameFile() throws Exception {
    long seed = Seeds.derive(Seeds.base(), 31);
    int chunks = 400;
    byte[][] payload = new byte[chunks][];
    SplittableRandom r = new SplittableRandom(seed);
    for (int k = 0; k < chunks; k++) {
      payload[k] = new byte[1 + r.nextInt(3000)];
      r.nextBytes(payload[k]);
    }
    UUID id = UUID.randomUUID();
    Path path = dir.resolve("c.col");
    // a flush every 4 KiB: dozens of early flushes overlap the four writer threads
    ColumnFileWriter w = new ColumnFileWriter(path, SPEC, id, 4096);
    AtomicInteger next = new AtomicInteger();
    Thread[] threads = new Thread[4];
    IOException[] failed = new IOException[1];
    for (int t = 0; t < threads.length; t++) {
      threads[t] =
          new Thread(
              () -> {
                for (int k; (k = next.getAndIncrement()) < chunks; ) {
                  try {
                    w.writeChunk(k, 1, payload[k].length, payload[k], payload[k].length);
                  } catch (IOException e) {
                    failed[0] = e;
                  }
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(null, failed[0]);
    long size = w.finish(chunks);
    assertEquals(Files.size(path), size);
    try (FileChannel ch = FileChannel.open(path);
        Arena arena = Arena.ofConfined()) {
      MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
      ColumnFile c = ColumnFile.open(path, SPEC, file, id, size, chunks);
      assertEquals(chunks, c.chunkCount());
      for (int k = 0; k < chunks; k++) {
        assertArrayEquals(
            payload[k], c.compressed(c.chunkOf(k)).toArray(ValueLayout.JAVA_BYTE), Seeds.tag(seed));
      }
    }
  }

  @Test
  void abortWithFlushesInFlightLeavesNoOpenFile() throws Exception {
    Path path = dir.resolve("a.col");
    ColumnFileWriter w = new ColumnFileWriter(path, SPEC, UUID.randomUUID(), 1);
    byte[] b = new byte[1 << 16];
    for (int k = 0; k < 64; k++) {
      w.writeChunk(k, 1, b.length, b, b.length);
    }
    w.close(); // the abort path: flushes still queued see a closed channel and stop quietly
    Files.delete(path);
    assertThrows(IOException.class, () -> w.writeChunk(64, 1, b.length, b, b.length));
  }
}
