package io.jcolz.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Decodes the real third-party images fetched by {@code bench/corpora/fetch.sh} (clip-art stamps:
 * palette, gray+alpha, RGBA PNGs; large photos: JPEG, progressive JPEG, PNG). Skipped when the
 * corpora are absent (CI). Location: {@code $JCOLZ_CORPORA} or {@code ~/.cache/jcolz-corpora}.
 */
public class CorpusTest {
  public static Path corpora() {
    String env = System.getenv("JCOLZ_CORPORA");
    return env != null
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "jcolz-corpora");
  }

  public static List<Path> images(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .filter(
              p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g)"))
          .sorted()
          .toList();
    }
  }

  @Test
  void everyStampDecodes() throws IOException {
    Path stamps = corpora().resolve("stamps");
    assumeTrue(Files.isDirectory(stamps), "no stamps corpus at " + stamps);
    List<Path> files = images(stamps);
    assertTrue(files.size() > 100, "stamps corpus looks incomplete: " + files.size());
    List<String> failures = new ArrayList<>();
    for (Path f : files) {
      try {
        RgbImage full = ImageDecoder.defaults().decode(f);
        assertTrue(full.width() > 0 && full.height() > 0);
        RgbImage small = ImageDecoder.defaults().decodeResized(f, 64, 64, ResizeMode.PAD);
        assertEquals(64, small.width());
      } catch (ImageDecodeException e) {
        failures.add(e.getMessage());
      }
    }
    assertTrue(
        failures.isEmpty(),
        failures.size() + " of " + files.size() + " stamps failed: " + failures);
  }

  @Test
  void everyPhotoDecodesAndResizes() throws IOException {
    Path photos = corpora().resolve("photos");
    assumeTrue(Files.isDirectory(photos), "no photos corpus at " + photos);
    List<Path> files = images(photos);
    assertTrue(files.size() > 10, "photos corpus looks incomplete: " + files.size());
    List<String> failures = new ArrayList<>();
    for (Path f : files) {
      try {
        RgbImage img =
            ImageDecoder.defaults().decodeResized(f, 224, 224, ResizeMode.SHORTER_SIDE_CENTER_CROP);
        assertEquals(224, img.width());
        assertEquals(224, img.height());
        int min = 255;
        int max = 0;
        for (byte b : img.pixels()) {
          min = Math.min(min, b & 0xFF);
          max = Math.max(max, b & 0xFF);
        }
        assertTrue(max - min > 16, f + " decoded to a flat image");
      } catch (ImageDecodeException e) {
        failures.add(e.getMessage());
      }
    }
    assertTrue(
        failures.isEmpty(),
        failures.size() + " of " + files.size() + " photos failed: " + failures);
  }
}
