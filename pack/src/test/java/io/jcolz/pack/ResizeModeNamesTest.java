package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jcolz.format.images.PackedImages;
import io.jcolz.image.ResizeMode;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The image module names resize modes without depending on format; the packer writes those names
 * into the dataset metadata that format's {@link PackedImages} reads. They must agree.
 */
class ResizeModeNamesTest {
  @Test
  void theDefaultResizeOfTheMetadataIsTheImageModulesShorterSideCentreCrop() {
    assertEquals(PackedImages.DEFAULT_RESIZE, ResizeMode.SHORTER_SIDE_CENTER_CROP.id());
    assertEquals(
        Optional.of(ResizeMode.SHORTER_SIDE_CENTER_CROP),
        ResizeMode.parse(PackedImages.DEFAULT_RESIZE));
  }
}
