package io.jcolz.tools.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.pack.PackTestImages;
import io.jcolz.shapes.ShapesGenerator;
import io.jcolz.tools.CliTestSupport;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The baselines of {@code bench --compare}: which files they read, and how they fail. */
class BaselinesTest {
  @TempDir Path tmp;

  private Path pack(Path dir) {
    return pack(dir, tmp.resolve("ds.jcolz"));
  }

  /** Packs {@code dir} at 16 px with labels from its folders, on one thread, into {@code ds}. */
  static Path pack(Path dir, Path ds) {
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            dir.toString(),
            "--out",
            ds.toString(),
            "--labels-from-dirs",
            "--size",
            "16",
            "--threads",
            "1");
    assertEquals(0, r.code(), r.toString());
    return ds;
  }

  private static void png(Path f, int seed) throws Exception {
    Files.createDirectories(f.getParent());
    ImageIO.write(new ShapesGenerator(24, seed).sample(0).image(), "png", f.toFile());
  }

  @Test
  void theHeaderProbeReadsPngAndJpegSizes() throws Exception {
    BufferedImage img = new BufferedImage(300, 200, BufferedImage.TYPE_3BYTE_BGR);
    Path png = tmp.resolve("a.png");
    ImageIO.write(img, "png", png.toFile());
    Path jpg = tmp.resolve("a.jpg");
    ImageIO.write(img, "jpeg", jpg.toFile());
    Path prog = tmp.resolve("p.jpg");
    ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream o = ImageIO.createImageOutputStream(prog.toFile())) {
      ImageWriteParam p = w.getDefaultWriteParam();
      p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      w.setOutput(o);
      w.write(null, new IIOImage(img, null, null), p);
    } finally {
      w.dispose();
    }
    assertEquals(60_000, ImageHeader.pixels(png));
    assertEquals(60_000, ImageHeader.pixels(jpg));
    assertEquals(60_000, ImageHeader.pixels(prog));
    Path big = Files.write(tmp.resolve("b.png"), PackTestImages.pngHeaderOnly(100000, 100000));
    assertEquals(10_000_000_000L, ImageHeader.pixels(big));
    assertEquals(-1, ImageHeader.pixels(Files.writeString(tmp.resolve("t.png"), "text")));
    assertEquals(-1, ImageHeader.pixels(Files.write(tmp.resolve("e.png"), new byte[0])));
  }

  @Test
  void aFileThatFailsIsNamedByBothBaselines() throws Exception {
    Path dir = tmp.resolve("in");
    png(dir.resolve("cats/a.png"), 1);
    png(dir.resolve("cats/b.png"), 2);
    png(dir.resolve("dogs/c.png"), 3);
    try (Dataset ds = Dataset.open(pack(dir))) {
      Path bad = Files.writeString(dir.resolve("cats/b.png"), "no longer a PNG");
      SourceImages source = new SourceImages(ds, dir);
      assertEquals(3, source.files().size());
      for (Candidate c :
          new Candidate[] {new PerFileCandidate(source), new DjlImageFolderCandidate(source)}) {
        Exception e = assertThrows(Exception.class, () -> c.measure(1, 3, 0, 0.5), c.name());
        String m = io.jcolz.tools.CliSupport.describe(e);
        assertTrue(m.contains(bad.toString()), c.name() + ": " + m);
      }
    }
  }

  @Test
  void imagesOver100MegapixelsAreReadByTheDjlBaselineWithoutDecodingThemWhole() throws Exception {
    Path dir = tmp.resolve("in");
    png(dir.resolve("flags/small.png"), 4);
    Files.write(
        dir.resolve("flags/huge.png"),
        PackTestImages.largeTwoColourPng(11000, 10000, 0xFF0000, 0x0000FF));
    try (Dataset ds = Dataset.open(pack(dir))) {
      assertEquals(2, ds.rowCount());
      DjlImageFolderCandidate djl = new DjlImageFolderCandidate(new SourceImages(ds, dir));
      assertEquals(2, djl.images());
      assertTrue(djl.measure(1, 2, 0, 0.01) > 0);
      assertTrue(djl.description().contains("over 100 MP were subsampled"), djl.description());
    }
  }
}
