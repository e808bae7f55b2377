package io.jcolz.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jcolz.format.images.PackedImages;
import io.jcolz.image.ResizeMode;
import io.jcolz.pack.CodecChoice;
import io.jcolz.pack.PackOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The settings a task rebuilds are the driver's, every field (a lost one packs parts unlike the
 * plan).
 */
class JobSettingsTest {
  @Test
  void everyOptionTravelsToTheTasks() {
    for (CodecChoice codec : CodecChoice.values()) {
      PackOptions o =
          PackOptions.builder(Path.of("/in"), Path.of("/out.jcolz"))
              .labels(Path.of("/labels.csv"))
              .size(96)
              .resize(ResizeMode.STRETCH)
              .mode(PackedImages.Storage.JPEG)
              .quality(77)
              .threads(3)
              .chunkRows(5)
              .level(7)
              .minSide(11)
              .partRows(13)
              .vocabularyFrom(Path.of("/vocab.jcolz"))
              .codec(codec)
              .build();
      assertEquals(o, JobSettings.of(o).options(), codec.id());
    }
  }
}
