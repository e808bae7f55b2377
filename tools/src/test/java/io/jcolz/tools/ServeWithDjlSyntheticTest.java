package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.ZooModel;
import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.image.TestImages;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.model.ResNetModels;
import io.jcolz.training.model.ResNetSpec;
import io.jcolz.training.optim.OptimizerSettings;
import io.jcolz.training.serve.JcolzCriteria;
import io.jcolz.training.serve.JcolzPrediction;
import io.jcolz.training.serve.JcolzTranslator;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving with DJL against {@code jcolz predict} without any corpus: generated images that exercise
 * each pre-processing step (PNGs with graded alpha, a PNG large enough to be subsampled while
 * decoding, JPEGs with EXIF orientations 6 and 3, non-square sides) packed with {@code --resize
 * pad}. The translator's pixels must be the stored pixels byte for byte (file, bytes, DJL image);
 * and with a seeded untrained ResNet-18 saved as a checkpoint that records the pad resize. The
 * translator must give {@code jcolz predict}'s probabilities; the same checkpoint claiming {@code
 * stretch} must miss them by over 100 times as much (so the recorded resize mode is what is
 * applied; an untrained network moves little with its input, so the margin is relative).
 */
class ServeWithDjlSyntheticTest {
  static final long SEED = 20261206L;
  static final int SIZE = 32;

  @TempDir Path tmp;

  static BufferedImage noise(int w, int h, boolean alpha, SplittableRandom r) {
    BufferedImage img =
        new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int a = alpha ? (x * 255 / Math.max(1, w - 1)) : 255; // transparent left → opaque right
        int rgb = ((x * 7 + r.nextInt(40)) & 0xFF) << 16 | ((y * 5) & 0xFF) << 8 | r.nextInt(256);
        img.setRGB(x, y, a << 24 | rgb);
      }
    }
    return img;
  }

  @Test
  void translatorGivesJcolzPredictProbabilitiesAndHonoursTheRecordedResize() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    Path in = tmp.resolve("in");
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("a/alpha-wide.png", TestImages.encode(noise(90, 40, true, r), "png"));
    files.put("a/alpha-big.png", TestImages.encode(noise(700, 300, true, r), "png"));
    files.put("b/alpha-tall.png", TestImages.encode(noise(30, 80, true, r), "png"));
    byte[] jpeg = TestImages.encode(noise(120, 60, false, r), "jpg");
    files.put("b/exif6.jpg", TestImages.withExifOrientation(jpeg, 6, false));
    files.put("a/exif3.jpg", TestImages.withExifOrientation(jpeg, 3, true));
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Files.createDirectories(in.resolve(f.getKey()).getParent());
      Files.write(in.resolve(f.getKey()), f.getValue());
    }
    Path ds = tmp.resolve("ds.jcolz");
    CliTestSupport.Result res =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--labels-from-dirs",
            "--size",
            Integer.toString(SIZE),
            "--resize",
            "pad",
            "--mode",
            "raw",
            "--json");
    assertEquals(0, res.code(), res.toString());
    Path trained = tmp.resolve("ck-trained");
    // the pre-processing contract, independent of any model: the translator's pixels are the
    // pixels pack stored, for a file, its bytes and (PNGs) a DJL Image
    try (Dataset d = Dataset.open(ds)) {
      ResNetSpec any = new ResNetSpec(18, SIZE, SIZE, 2);
      Checkpoint pad = checkpoint(any, List.of("a", "b"), "pad");
      JcolzTranslator<Path> paths = new JcolzTranslator<>(pad, Path.class);
      JcolzTranslator<byte[]> bytes = new JcolzTranslator<>(pad, byte[].class);
      JcolzTranslator<Image> images = new JcolzTranslator<>(pad, Image.class);
      for (long row = 0; row < d.rowCount(); row++) {
        String key = d.readString(PackedImages.KEY, row);
        byte[] stored = d.readTensor(PackedImages.IMAGE, row);
        Path file = in.resolve(key);
        assertArrayEquals(stored, paths.pixels(file).pixels(), key);
        assertArrayEquals(stored, bytes.pixels(Files.readAllBytes(file)).pixels(), key);
        if (key.endsWith(".png")) {
          Image img = ImageFactory.getInstance().fromFile(file);
          assertArrayEquals(stored, images.pixels(img).pixels(), key + " as a DJL Image");
        }
      }
    }
    res =
        CliTestSupport.run(
            "train",
            ds.toString(),
            "--epochs",
            "1",
            "--batch",
            "5",
            "--workers",
            "1",
            "--checkpoint",
            trained.toString());
    assertEquals(0, res.code(), res.toString());
    assertEquals(
        "pad", Checkpoints.load(trained).checkpoint().resize(), "train records the pack's resize");
    List<String> labels = List.of("a", "b");
    ResNetSpec spec = new ResNetSpec(18, SIZE, SIZE, labels.size());
    Path padded = tmp.resolve("ck-pad");
    Path stretched = tmp.resolve("ck-stretch");
    Engine.getInstance().setRandomSeed((int) SEED);
    try (Model m = ResNetModels.fromScratch(spec, Device.cpu(), 0.3f)) {
      Checkpoints.save(padded, checkpoint(spec, labels, "pad"), m);
      Checkpoints.save(stretched, checkpoint(spec, labels, "stretch"), m);
    }
    res =
        CliTestSupport.run(
            "predict", ds.toString(), "--checkpoint", padded.toString(), "--top-k", "2", "--json");
    assertEquals(0, res.code(), res.toString());
    Map<String, float[]> want = new LinkedHashMap<>();
    String[] lines = res.out().strip().split("\n");
    for (int i = 0; i < lines.length - 1; i++) {
      JsonNode j = CliSupport.JSON.readTree(lines[i]);
      float[] p = new float[labels.size()];
      for (JsonNode e : j.get("labels")) {
        p[labels.indexOf(e.get("label").asText())] = e.get("p").floatValue();
      }
      want.put(j.get("key").asText(), p);
    }
    assertEquals(files.keySet(), want.keySet(), res.toString());
    double worst = 0;
    double stretchWorst = 0;
    try (ZooModel<Path, JcolzPrediction> model = JcolzCriteria.of(padded, Path.class).loadModel();
        Predictor<Path, JcolzPrediction> predictor = model.newPredictor();
        ZooModel<Image, JcolzPrediction> imageModel =
            JcolzCriteria.of(padded, Image.class).loadModel();
        Predictor<Image, JcolzPrediction> images = imageModel.newPredictor();
        ZooModel<Path, JcolzPrediction> stretchModel =
            JcolzCriteria.of(stretched, Path.class).loadModel();
        Predictor<Path, JcolzPrediction> stretch = stretchModel.newPredictor()) {
      for (Map.Entry<String, float[]> e : want.entrySet()) {
        Path file = in.resolve(e.getKey());
        JcolzPrediction got = predictor.predict(file);
        float[] asStretched = stretch.predict(file).probabilities();
        assertEquals(List.of(0.25f, 0.75f), List.of(got.thresholds()[0], got.thresholds()[1]));
        assertTrue(got.thresholdsFromTraining());
        for (int j = 0; j < labels.size(); j++) {
          assertEquals(
              e.getValue()[j],
              got.probabilities()[j],
              ServeWithDjlTest.TOLERANCE,
              e.getKey() + " " + labels.get(j) + " (seed " + SEED + ")");
          worst = Math.max(worst, Math.abs(e.getValue()[j] - got.probabilities()[j]));
          stretchWorst = Math.max(stretchWorst, Math.abs(e.getValue()[j] - asStretched[j]));
        }
        if (e.getKey().endsWith(".png")) {
          JcolzPrediction img = images.predict(ImageFactory.getInstance().fromFile(file));
          for (int j = 0; j < labels.size(); j++) {
            assertEquals(
                e.getValue()[j],
                img.probabilities()[j],
                ServeWithDjlTest.TOLERANCE,
                e.getKey() + " as a DJL Image (seed " + SEED + ")");
          }
        }
      }
    }
    // an untrained network moves little with its input: compare with the agreement actually seen
    System.out.printf(
        "synthetic: max |dp| %.3g as packed (pad), %.3g with 'stretch'%n", worst, stretchWorst);
    assertTrue(
        stretchWorst > 100 * Math.max(worst, 1e-7),
        "a checkpoint recording 'stretch' served the padded images alike: max |dp| "
            + stretchWorst
            + " vs "
            + worst
            + " with 'pad'");
  }

  private static Checkpoint checkpoint(ResNetSpec spec, List<String> labels, String resize) {
    return new Checkpoint(
        spec,
        labels,
        new OptimizerSettings("sgd", 0.1f, 0.9f, 1e-4f, 0, 1),
        1,
        1,
        1,
        0,
        SEED,
        8,
        1,
        "SPARSE",
        null,
        new float[] {0.25f, 0.75f},
        Double.NaN,
        Double.NaN,
        "train-id",
        null,
        Checkpoint.FineTuning.NONE,
        resize);
  }
}
