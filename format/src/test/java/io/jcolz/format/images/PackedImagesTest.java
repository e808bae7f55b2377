package io.jcolz.format.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.Schema;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackedImagesTest {
  @TempDir Path dir;

  @Test
  void schemaHoldsTheColumnsEachStorageNeeds() {
    Schema raw = PackedImages.schema(PackedImages.Storage.RAW, 32, 5, true, 3, 0);
    assertEquals(3, raw.size());
    assertEquals(Optional.of(PackedImages.KEY), raw.keyColumn());
    assertEquals(Optional.of(PackedImages.LABELS), raw.labelColumn());
    assertArrayEquals(new int[] {32, 32, 3}, raw.column(PackedImages.IMAGE).shape());
    assertEquals(5, raw.column(PackedImages.LABELS).cardinality());
    assertEquals(-1, raw.indexOf(PackedImages.JPEG));

    Schema jpeg = PackedImages.schema(PackedImages.Storage.JPEG, 32, 0, false, 5, 64);
    assertEquals(1, jpeg.size());
    assertEquals(ColumnType.BYTES, jpeg.column(PackedImages.JPEG).type());
    assertEquals(64, jpeg.column(PackedImages.JPEG).chunkRows());
    assertEquals(0, jpeg.column(PackedImages.JPEG).chunkBytes());
    assertEquals(5, jpeg.column(PackedImages.JPEG).level());

    Schema smart = PackedImages.schema(PackedImages.Storage.SMART, 8, 2, true, 3, 0);
    assertTrue(smart.indexOf(PackedImages.IMAGE) >= 0 && smart.indexOf(PackedImages.JPEG) >= 0);
  }

  @Test
  void readsBackWhatWasWritten() throws Exception {
    Path ds = dir.resolve("ds");
    Schema schema = PackedImages.schema(PackedImages.Storage.SMART, 4, 0, true, 3, 0);
    try (DatasetWriter w = DatasetWriter.create(ds, schema)) {
      w.append(
          w.newRow()
              .setString(PackedImages.KEY, "a.png")
              .setTensor(PackedImages.IMAGE, new byte[4 * 4 * 3])
              .setBytes(PackedImages.JPEG, new byte[0]));
      PackedImages.putMetadata(w, PackedImages.Storage.SMART, 4, "pad", 85);
    }
    try (Dataset d = Dataset.open(ds)) {
      PackedImages p = PackedImages.of(d);
      assertEquals(PackedImages.Storage.SMART, p.storage());
      assertEquals(Optional.of(PackedImages.IMAGE), p.imageColumn());
      assertEquals(Optional.of(PackedImages.JPEG), p.jpegColumn());
      assertEquals(4, p.size().getAsInt());
      assertEquals("pad", p.resize());
      assertEquals(85, p.quality().getAsInt());
      assertArrayEquals(new int[] {4, 4}, p.imageSize("test"));
    }
  }

  @Test
  void withoutMetadataTheColumnsDecide() {
    Schema jpegOnly = Schema.builder().column(ColumnSpec.bytes(PackedImages.JPEG)).build();
    PackedImages p = PackedImages.of(jpegOnly, Map.of(), "x");
    assertEquals(PackedImages.Storage.JPEG, p.storage());
    assertEquals(Optional.empty(), p.imageColumn());
    assertEquals(PackedImages.DEFAULT_RESIZE, p.resize());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> p.imageSize("ds x"));
    assertTrue(e.getMessage().contains("cannot tell the image size"), e.getMessage());

    Schema both =
        Schema.builder()
            .column(ColumnSpec.uint8Tensor(PackedImages.IMAGE, 2, 3, 3))
            .column(ColumnSpec.bytes(PackedImages.JPEG))
            .build();
    assertEquals(PackedImages.Storage.SMART, PackedImages.of(both, Map.of(), "x").storage());
    // metadata mode raw: the jpeg column is not one to read
    PackedImages raw = PackedImages.of(both, Map.of(PackedImages.MODE, "RAW"), "x");
    assertEquals(Optional.empty(), raw.jpegColumn());
    assertArrayEquals(new int[] {2, 3}, raw.imageSize("x"));
  }

  @Test
  void badMetadataIsNamed() {
    Schema s = Schema.builder().column(ColumnSpec.bytes(PackedImages.JPEG)).build();
    IllegalArgumentException mode =
        assertThrows(
            IllegalArgumentException.class,
            () -> PackedImages.of(s, Map.of(PackedImages.MODE, "png"), "ds1"));
    assertEquals("ds1: metadata mode 'png' is not raw, jpeg or smart", mode.getMessage());
    IllegalArgumentException size =
        assertThrows(
            IllegalArgumentException.class,
            () -> PackedImages.of(s, Map.of(PackedImages.SIZE, "-3"), "ds2"));
    assertEquals("ds2: metadata size '-3' is not a positive number", size.getMessage());
  }
}
