package io.jcolz.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.jcolz.format.Dataset;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.shapes.ShapesDatasetWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Handing a batch to DJL: one copy that outlives the batch and the loader. (Whether a DJL array
 * made over the batch's direct buffer shares its memory is DJL's business and differs by build; the
 * copy is what jcolz promises.)
 */
class BatchArraysTest {
  @TempDir static Path tmp;
  static Path data;

  @BeforeAll
  static void write() throws Exception {
    data = tmp.resolve("ds");
    ShapesDatasetWriter.write(data, 24, 16, 5);
  }

  @Test
  void copyOutlivesTheBatchAndTheLoader() throws Exception {
    for (LabelMode mode : new LabelMode[] {LabelMode.MULTI_HOT, LabelMode.SPARSE}) {
      try (Dataset ds = Dataset.open(data);
          NDManager m = NDManager.newBaseManager(Device.cpu())) {
        NDList copy;
        byte[] pixels;
        int[] pairs = null;
        float[] dense = null;
        try (Loader loader =
            Loader.builder(ds).batchSize(8).workers(1).labels(mode).seed(3).start()) {
          Batch b = loader.batches().take();
          pixels = b.images().toArray(ValueLayout.JAVA_BYTE);
          if (mode == LabelMode.SPARSE) {
            pairs = b.labelPairs().toArray(ValueLayout.JAVA_INT);
          } else {
            dense = b.multiHot().toArray(ValueLayout.JAVA_FLOAT);
          }
          copy = BatchArrays.copy(m, b);
          MemorySegment images = b.images();
          MemorySegment labels = mode == LabelMode.SPARSE ? b.labelPairs() : b.multiHot();
          b.close();
          images.fill((byte) 7); // what the next batch written into this buffer would do
          labels.fill((byte) 0);
          assertArrayEquals(pixels, copy.get(0).toByteArray(), mode + " images, batch closed");
        } // the loader frees the buffer
        assertEquals(new Shape(8, 3, 16, 16), copy.get(0).getShape());
        assertArrayEquals(pixels, copy.get(0).toByteArray(), mode + " images");
        if (mode == LabelMode.SPARSE) {
          assertEquals(DataType.INT32, copy.get(1).getDataType());
          assertArrayEquals(pairs, copy.get(1).toIntArray());
        } else {
          assertEquals(new Shape(8, 12), copy.get(1).getShape());
          assertArrayEquals(dense, copy.get(1).toFloatArray());
        }
      }
    }
  }
}
