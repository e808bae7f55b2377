package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.image.ImageDecoder;
import io.jcolz.image.JpegDecoder;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz get}: by key and by row, labels by name, the image as PNG (raw and jpeg rows),
 * errors.
 */
class GetCommandTest {
  @TempDir Path tmp;
  Path in;

  @BeforeEach
  void images() throws Exception {
    in = tmp.resolve("in");
    Random r = new Random(7);
    for (String key :
        new String[] {"animals/birds/owl.png", "animals/cat.png", "plants/tree.png"}) {
      BufferedImage img = new BufferedImage(30, 24, BufferedImage.TYPE_INT_RGB);
      int base = r.nextInt(1 << 24);
      for (int y = 0; y < 24; y++) {
        for (int x = 0; x < 30; x++) {
          img.setRGB(x, y, base + x * 3 + y * 500);
        }
      }
      Files.createDirectories(in.resolve(key).getParent());
      ImageIO.write(img, "png", in.resolve(key).toFile());
    }
  }

  private Path pack(String mode) {
    Path ds = tmp.resolve(mode + ".jcolz");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--size",
            "16",
            "--mode",
            mode,
            "--labels-from-dirs");
    assertEquals(0, r.code(), r.toString());
    return ds;
  }

  @Test
  void getByKeyAndRowPrintsKeyRowLabelsAndWritesTheStoredPixelsAsPng() throws Exception {
    Path ds = pack("raw");
    CliTestSupport.Result r = CliTestSupport.run("get", ds.toString(), "animals/birds/owl.png");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("key     animals/birds/owl.png"), r.out());
    assertTrue(r.out().contains("labels  animals birds"), r.out());
    assertTrue(r.out().contains("row     0"), r.out());
    Path png = tmp.resolve("out/tree.png");
    r = CliTestSupport.run("get", ds.toString(), "--row", "2", "--out", png.toString(), "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertEquals("plants/tree.png", j.get("key").asText());
    assertEquals("plants", j.get("labels").get(0).asText());
    assertEquals("raw", j.get("stored").asText());
    try (Dataset d = Dataset.open(ds)) {
      byte[] stored = d.readTensor("image", 2);
      assertArrayEquals(
          stored,
          ImageDecoder.defaults().decode(png).pixels(),
          "PNG holds the stored pixels exactly");
    }
  }

  @Test
  void jpegRowsAreDecodedThroughJpegDecoder() throws Exception {
    Path ds = pack("jpeg");
    Path png = tmp.resolve("cat.png");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "get", ds.toString(), "animals/cat.png", "--out", png.toString(), "--json");
    assertEquals(0, r.code(), r.toString());
    assertEquals("jpeg", CliSupport.JSON.readTree(r.lastLine()).get("stored").asText());
    try (Dataset d = Dataset.open(ds);
        JpegDecoder jd = new JpegDecoder()) {
      long row = d.rowOf("animals/cat.png").orElseThrow();
      assertArrayEquals(
          jd.decode(d.readBytes("jpeg", row)).pixels(),
          ImageDecoder.defaults().decode(png).pixels());
    }
  }

  @Test
  void unknownKeyExitsOneAndBadRowExitsTwo() {
    Path ds = pack("raw");
    CliTestSupport.Result r = CliTestSupport.run("get", ds.toString(), "no/such.png");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains("no row with key 'no/such.png'"), r.err());
    r = CliTestSupport.run("get", ds.toString(), "--row", "3");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("out of range"), r.err());
    r = CliTestSupport.run("get", ds.toString());
    assertEquals(2, r.code(), r.toString());
    r = CliTestSupport.run("get", ds.toString(), "animals/cat.png", "--row", "1");
    assertEquals(2, r.code(), r.toString());
    r = CliTestSupport.run("get", tmp.resolve("nothing").toString(), "--row", "0");
    assertEquals(1, r.code(), r.toString());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
