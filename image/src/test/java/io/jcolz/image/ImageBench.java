package io.jcolz.image;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Single-thread throughput of the image layer (a measurement, not a test; JMH versions belong in
 * the bench module). How to run, after {@code mvn -pl image -am verify}:
 *
 * <pre>
 * CP=image/target/classes:image/target/test-classes:$(ls ~/.m2/repository/com/twelvemonkeys/*&#47;*&#47;3.13.1/*.jar | tr '\n' :)
 * java -cp "$CP" io.jcolz.image.ImageBench [corpora dir]
 * </pre>
 *
 * Prints: photos decode+resize to 224 with and without subsampling (images/s, ms per image, min of
 * 3 passes), JPEG 224 q90 encodes/s and decodes/s. Augmentation samples/s: the loader's {@code
 * io.jcolz.loader.augment.AugmentBench}.
 */
public final class ImageBench {
  private ImageBench() {}

  public static void main(String[] args) throws Exception {
    Path root = args.length > 0 ? Path.of(args[0]) : CorpusTest.corpora();
    Path photos = root.resolve("photos");
    if (Files.isDirectory(photos)) {
      List<byte[]> files = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (Path p : CorpusTest.images(photos)) {
        if (p.toString().contains("/images")) { // the full-size photos, not the screenshots
          files.add(Files.readAllBytes(p));
          names.add(p.toString());
        }
      }
      ImageDecoder sub = ImageDecoder.defaults();
      ImageDecoder full = ImageDecoder.builder().subsample(false).build();
      for (int pass = 0; pass < 2; pass++) { // warm-up, then measure
        double[] ts = photoPass(files, names, sub, pass == 1);
        double[] tf = photoPass(files, names, full, pass == 1);
        if (pass == 1) {
          System.out.printf(
              Locale.ROOT,
              "photos (%d files) decode+resize 224 centre crop: subsampled %.2f img/s (%.0f ms/img), full %.2f img/s (%.0f ms/img), speed-up %.2fx%n",
              files.size(),
              files.size() / ts[0],
              1000 * ts[0] / files.size(),
              files.size() / tf[0],
              1000 * tf[0] / files.size(),
              tf[0] / ts[0]);
          System.out.printf(
              Locale.ROOT,
              "  baseline JPEGs only (%d): subsampled %.0f ms/img, full %.0f ms/img%n",
              (int) ts[2],
              1000 * ts[1] / ts[2],
              1000 * tf[1] / tf[2]);
        }
      }
    } else {
      System.out.println("no photos corpus at " + photos + ": photo figures skipped");
    }

    RgbImage img = TestImages.smooth(224, 224, 42);
    byte[] jpeg;
    try (JpegEncoder enc = new JpegEncoder(90)) {
      jpeg = enc.encode(img);
      long t0 = System.nanoTime();
      int n = 0;
      while (System.nanoTime() - t0 < 3_000_000_000L) {
        enc.encode(img);
        n++;
      }
      System.out.printf(
          Locale.ROOT,
          "JPEG 224x224 q90 encode: %.0f img/s (%d bytes)%n",
          n / ((System.nanoTime() - t0) / 1e9),
          jpeg.length);
    }
    try (JpegDecoder dec = new JpegDecoder();
        Arena arena = Arena.ofConfined()) {
      MemorySegment src = arena.allocate(jpeg.length);
      MemorySegment.copy(MemorySegment.ofArray(jpeg), 0, src, 0, jpeg.length);
      MemorySegment dst = arena.allocate(224 * 224 * 3);
      for (int rep = 0; rep < 3; rep++) {
        long t0 = System.nanoTime();
        int n = 0;
        while (System.nanoTime() - t0 < 3_000_000_000L) {
          dec.decodeInto(src, 224, 224, dst);
          n++;
        }
        System.out.printf(
            Locale.ROOT,
            "JPEG 224x224 q90 decodeInto off-heap: %.0f img/s%n",
            n / ((System.nanoTime() - t0) / 1e9));
      }
    }
  }

  /** Seconds for all files, seconds for the baseline JPEGs, and their count. */
  private static double[] photoPass(
      List<byte[]> files, List<String> names, ImageDecoder d, boolean print) throws Exception {
    long total = 0;
    long baseline = 0;
    int nb = 0;
    for (int i = 0; i < files.size(); i++) {
      byte[] b = files.get(i);
      long t0 = System.nanoTime();
      d.decodeResized(b, names.get(i), 224, 224, ResizeMode.SHORTER_SIDE_CENTER_CROP);
      long dt = System.nanoTime() - t0;
      total += dt;
      if (names.get(i).endsWith(".jpg") && !isProgressive(b)) {
        baseline += dt;
        nb++;
      }
    }
    return new double[] {total / 1e9, baseline / 1e9, nb};
  }

  private static boolean isProgressive(byte[] b) {
    for (int i = 2; i + 1 < b.length; i++) {
      if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xC2) {
        return true;
      }
      if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xC0) {
        return false;
      }
    }
    return false;
  }
}
