package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcolz.format.codec.Codec;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A column file over 2 GiB: offsets past 2^31 must map, index and decode correctly. */
class LargeFileTest {
  static final int ROW_BYTES = 64 << 20;
  static final int ROWS = 34; // 34 × 64 MiB = 2.125 GiB

  @TempDir Path tmp;

  @Test
  void columnFileOverTwoGiB() throws Exception {
    assumeTrue(Files.getFileStore(tmp).getUsableSpace() > 8L << 30, "needs 8 GiB free disk");
    Schema schema =
        Schema.builder()
            .column(
                ColumnSpec.uint8Tensor("blob", ROW_BYTES).withCodec(Codec.NONE, 0).withChunkRows(1))
            .build();
    Path dir = tmp.resolve("big");
    byte[] value = new byte[ROW_BYTES];
    try (DatasetWriter w = DatasetWriter.create(dir, schema)) {
      Row row = w.newRow();
      for (int i = 0; i < ROWS; i++) {
        // a per-row stamp at both ends, so a wrong offset reads a wrong stamp
        MemorySegment s = MemorySegment.ofArray(value);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0x5eed0000 + i);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, ROW_BYTES - 4, ~i);
        w.append(row.setTensor("blob", value));
      }
    }
    try (Dataset ds = Dataset.open(dir);
        ChunkDecoder d = ds.newDecoder()) {
      Column c = ds.column("blob");
      assertTrue(c.fileBytes() > (1L << 31) + (64L << 20), "file is " + c.fileBytes());
      assertTrue(c.offset(ROWS - 1) > 1L << 31, "last chunk offset " + c.offset(ROWS - 1));
      for (int k : new int[] {0, 31, 32, ROWS - 1}) {
        ChunkView v = d.decode(c, k);
        assertEquals(
            0x5eed0000 + k, v.tensor(0).get(ValueLayout.JAVA_INT_UNALIGNED, 0), "chunk " + k);
        assertEquals(
            ~k, v.tensor(0).get(ValueLayout.JAVA_INT_UNALIGNED, ROW_BYTES - 4), "chunk " + k);
      }
      assertEquals(ROWS - 1, c.chunkOf(ROWS - 1));
    }
  }
}
