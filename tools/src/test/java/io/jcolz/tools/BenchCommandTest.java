package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.image.ImageDecoder;
import io.jcolz.image.ResizeMode;
import io.jcolz.shapes.ShapesGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
  static final int SIZE = 32;

  @TempDir Path tmp;
  Path images;
  Path ds;

  /**
   * Source files in one folder per first label (so DJL's ImageFolder can read them) and a raw
   * dataset of them.
   */
  @BeforeEach
  void write() throws Exception {
    images = tmp.resolve("images");
    ds = tmp.resolve("shapes.jcolz");
    ShapesGenerator gen = new ShapesGenerator(48, 3);
    List<String> names = ShapesGenerator.labelNames();
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.string("key"))
            .keyColumn("key")
            .column(ColumnSpec.uint8Tensor("image", SIZE, SIZE, 3).withChunkRows(16))
            .column(ColumnSpec.int32Set("labels", names.size()))
            .labelColumn("labels")
            .build();
    ImageDecoder decoder = ImageDecoder.defaults();
    try (DatasetWriter w = DatasetWriter.create(ds, schema)) {
      Row row = w.newRow();
      for (int i = 0; i < 80; i++) {
        ShapesGenerator.Sample s = gen.sample(i);
        String key = names.get(s.labels()[0]) + "/img-" + i + ".png";
        Path f = images.resolve(key);
        Files.createDirectories(f.getParent());
        ImageIO.write(s.image(), "png", f.toFile());
        byte[] px =
            decoder.decodeResized(f, SIZE, SIZE, ResizeMode.SHORTER_SIDE_CENTER_CROP).pixels();
        w.append(row.setString("key", key).setTensor("image", px).setSet("labels", s.labels()));
      }
      w.labels(names);
      w.putMetadata("mode", "raw");
      w.putMetadata("size", Integer.toString(SIZE));
    }
  }

  @Test
  void djlMeasuresLoaderDatasetBesideTheLoader() throws Exception {
    CliTestSupport.Result r =
        CliTestSupport.run(
            "bench",
            ds.toString(),
            "--djl",
            "--seconds",
            "0.5",
            "--rounds",
            "1",
            "--threads",
            "1",
            "--batch",
            "16",
            "--read-mode",
            "pread",
            "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertEquals("pread", j.get("read_mode").asText(), r.lastLine());
    double direct = j.get("loader_arrays_images_per_s").asDouble();
    double djl = j.get("djl_dataset_images_per_s").asDouble();
    assertTrue(direct > 0 && djl > 0, r.lastLine());
    assertEquals(djl / direct, j.get("ratio").asDouble(), 1e-9, r.lastLine());
    CliTestSupport.Result both =
        CliTestSupport.run("bench", ds.toString(), "--djl", "--compare", images.toString());
    assertEquals(2, both.code(), both.toString());
  }

  @Test
  void aDatasetOfPartialLabelsIsMeasuredWithTargetsUnlessPlainLabels() throws Exception {
    Path partial = tmp.resolve("partial-bench");
    io.jcolz.shapes.ShapesDatasetWriter.writePartial(
        partial, 40, 16, 3, io.jcolz.format.schema.PartialLabels.Unlisted.UNKNOWN);
    String[][] runs = {{}, {"--labels", "SPARSE"}, {"--plain-labels"}, {"--labels", "NONE"}};
    String[] want = {"UNLISTED_UNKNOWN", "UNLISTED_UNKNOWN", "PLAIN", "PLAIN"};
    for (int k = 0; k < runs.length; k++) {
      java.util.List<String> args =
          new java.util.ArrayList<>(
              List.of(
                  "bench",
                  partial.toString(),
                  "--seconds",
                  "0.3",
                  "--threads",
                  "1",
                  "--batch",
                  "8",
                  "--json"));
      args.addAll(List.of(runs[k]));
      CliTestSupport.Result r = CliTestSupport.run(args.toArray(String[]::new));
      assertEquals(0, r.code(), r.toString());
      JsonNode j = CliSupport.JSON.readTree(r.lastLine());
      assertEquals(want[k], j.get("targets").asText(), r.lastLine());
      assertTrue(j.get("images_per_s").asDouble() > 0, r.lastLine());
    }
    CliTestSupport.Result human =
        CliTestSupport.run(
            "bench", partial.toString(), "--seconds", "0.3", "--threads", "1", "--batch", "8");
    assertEquals(0, human.code(), human.toString());
    assertTrue(human.out().contains("with targets and mask (UNLISTED_UNKNOWN)"), human.out());
  }

  @Test
  void benchJsonReportsImagesPerSecond() throws Exception {
    CliTestSupport.Result r =
        CliTestSupport.run(
            "bench", ds.toString(), "--seconds", "1", "--threads", "1", "--batch", "16", "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertTrue(j.get("images_per_s").asDouble() > 0, r.lastLine());
    assertTrue(j.get("mb_per_s").asDouble() > 0, r.lastLine());
    assertTrue(j.get("ceiling_decompress_images_per_s").asDouble() > 0, r.lastLine());
    assertFiguresAgree(j, 16, 80, 5, r.lastLine());
    assertEquals(ds.toString(), j.get("dataset").asText(), r.lastLine());
    assertEquals("QUASI_RANDOM", j.get("order").asText(), r.lastLine());
    assertEquals("flip", j.get("augment").asText(), r.lastLine());
    // where the worker time went, over the timed interval
    assertEquals(1, j.get("worker_busy").size(), r.lastLine());
    double busy = j.get("busy_fraction").asDouble();
    assertTrue(busy > 0 && busy <= 1, r.lastLine());
    assertEquals(busy, j.get("worker_busy").get(0).asDouble(), 1e-3, r.lastLine());
    assertEquals(0.0, j.get("chunk_wait_s").asDouble(), r.lastLine()); // one worker waits for none
    assertTrue(j.get("queue_wait_s").asDouble() >= 0, r.lastLine());
    assertTrue(j.get("chunk_reads").asLong() > 0, r.lastLine());
    assertEquals(0, j.get("chunk_redecodes").asLong(), r.lastLine());
    double perRead = j.get("decodes_per_read").asDouble();
    assertTrue(perRead >= 0 && perRead <= 1, r.lastLine());
  }

  @Test
  void everyReadModeStreamsTheSameEpochAndReportsStorageTelemetry() throws Exception {
    for (String mode : new String[] {"populate", "pread"}) {
      int depth = mode.equals("pread") ? 2 : 0;
      CliTestSupport.Result r =
          CliTestSupport.run(
              "bench",
              ds.toString(),
              "--seconds",
              "1",
              "--threads",
              "1",
              "--batch",
              "16",
              "--read-mode",
              mode,
              "--read-ahead",
              "" + depth,
              "--json");
      assertEquals(0, r.code(), r.toString());
      JsonNode j = CliSupport.JSON.readTree(r.lastLine());
      assertFiguresAgree(j, 16, 80, 5, r.lastLine());
      assertEquals(mode, j.get("read_mode").asText(), r.lastLine());
      assertTrue(j.get("dataset_bytes").asLong() > 0, r.lastLine());
      assertTrue(j.get("storage_read_bytes").asLong() >= -1, r.lastLine());
      // an 80-row dataset fits any memory this test runs in
      assertTrue(j.get("memory_limit_bytes").asLong() > j.get("dataset_bytes").asLong());
      assertEquals(false, j.get("out_of_core").asBoolean(), r.lastLine());
      // reads ahead: the depth asked for, its buffers (pread: depth × a buffer of whole pages)
      assertEquals(depth, j.get("read_ahead").asInt(), r.lastLine());
      long bound = j.get("read_ahead_bound_bytes").asLong();
      long peak = j.get("read_ahead_peak_bytes").asLong();
      assertEquals(depth > 0, bound > 0, r.lastLine());
      assertEquals(0, bound % (4096L * Math.max(1, depth)), r.lastLine());
      assertTrue(peak >= 0 && peak <= bound, r.lastLine());
      assertTrue(j.get("read_wait_s").asDouble() >= 0, r.lastLine());
      assertTrue(j.get("reads_ahead").asLong() >= 0, r.lastLine());
      if (depth == 0) {
        assertEquals(0, j.get("reads_ahead").asLong() + j.get("reads_inline").asLong());
      }
    }
    // the default: the loader chooses (a dataset this small fits: map) and says why; whole epochs
    CliTestSupport.Result auto =
        CliTestSupport.run(
            "bench", ds.toString(), "--epochs", "2", "--threads", "1", "--batch", "16", "--json");
    assertEquals(0, auto.code(), auto.toString());
    JsonNode a = CliSupport.JSON.readTree(auto.lastLine());
    assertTrue(a.get("worker_cpu_s").asDouble() > 0, auto.lastLine());
    long peak = a.get("peak_offheap_bytes").asLong();
    assertTrue(peak > 0 && peak <= a.get("bound_offheap_bytes").asLong(), auto.lastLine());
    assertEquals("auto", a.get("read_mode_asked").asText(), auto.lastLine());
    assertEquals("map", a.get("read_mode").asText(), auto.lastLine());
    assertTrue(a.get("read_mode_reason").asText().startsWith("auto: "), auto.lastLine());
    assertEquals(2, a.get("epochs").asInt(), auto.lastLine());
    assertEquals(2 * 80, a.get("images").asLong(), auto.lastLine()); // 80 rows, batch 16
    long columns = a.get("column_bytes").asLong();
    assertTrue(columns > 0 && columns <= a.get("dataset_bytes").asLong(), auto.lastLine());
    if (java.nio.file.Files.isReadable(Path.of("/proc/self/status"))) { // Linux
      long anon = a.get("rss_anon_peak_bytes").asLong();
      assertTrue(anon > 0 && anon <= a.get("rss_peak_bytes").asLong(), auto.lastLine());
      assertTrue(a.get("heap_max_bytes").asLong() > 0, auto.lastLine());
    }
    CliTestSupport.Result fewEpochs =
        CliTestSupport.run("bench", ds.toString(), "--epochs", "0", "--json");
    assertEquals(2, fewEpochs.code(), fewEpochs.toString());
    assertTrue(fewEpochs.toString().contains("--epochs"), fewEpochs.toString());
    CliTestSupport.Result both =
        CliTestSupport.run("bench", ds.toString(), "--epochs", "1", "--seconds", "2");
    assertEquals(2, both.code(), both.toString());
    assertTrue(both.toString().contains("choose one"), both.toString());
    CliTestSupport.Result compared =
        CliTestSupport.run(
            "bench", ds.toString(), "--compare", tmp.toString(), "--read-mode", "direct");
    assertEquals(2, compared.code(), compared.toString());
    assertTrue(compared.toString().contains("--read-mode"), compared.toString());
    CliTestSupport.Result deep =
        CliTestSupport.run("bench", ds.toString(), "--read-ahead", "-1", "--seconds", "1");
    assertEquals(2, deep.code(), deep.toString());
    assertTrue(deep.toString().contains("--read-ahead"), deep.toString());
    CliTestSupport.Result bad = CliTestSupport.run("bench", ds.toString(), "--read-mode", "mmap");
    assertEquals(2, bad.code(), bad.toString());
    assertTrue(bad.toString().contains("auto, map, populate, pread, direct"), bad.toString());
  }

  /**
   * The figures of one bench run agree with each other and with what was asked: whole batches of
   * {@code batch} (drop-last), each image {@code SIZE×SIZE×3} bytes in the MB/s, rates equal to
   * counts over the time they report, the settings echoed, memory within its bound, and at least
   * one whole epoch of {@code rows} rows read, so every one of the image column's {@code
   * imageChunks} chunks was decoded at least once.
   */
  static void assertFiguresAgree(JsonNode j, int batch, int rows, int imageChunks, String line) {
    long images = j.get("images").asLong();
    double seconds = j.get("seconds").asDouble();
    assertEquals(1, j.get("threads").asInt(), line);
    assertEquals(batch, j.get("batch").asInt(), line);
    assertEquals(0, images % batch, "whole batches only: " + line);
    assertTrue(images >= rows, "at least one epoch in the timed second: " + line);
    double ips = images / seconds;
    assertEquals(ips, j.get("images_per_s").asDouble(), 0.001 * ips + 0.1, line);
    double mbps = images * (double) (SIZE * SIZE * 3) / seconds / 1e6;
    assertEquals(mbps, j.get("mb_per_s").asDouble(), 0.001 * mbps + 0.1, "image bytes: " + line);
    double cpu = j.get("worker_cpu_s").asDouble();
    assertTrue(cpu > 0 && cpu <= seconds * 1.05 + 0.05, "one worker's CPU time: " + line);
    double io = j.get("read_ahead_cpu_s").asDouble();
    assertTrue(io >= 0, "read-ahead I/O threads' CPU time: " + line);
    double perCore = images / (cpu + io); // the workers and the I/O threads that read for them
    // worker_cpu_s and read_ahead_cpu_s are printed to the millisecond
    double tolerance = perCore * (0.01 + 0.0012 / (cpu + io)) + 0.1;
    assertEquals(perCore, j.get("images_per_core_s").asDouble(), tolerance, line);
    long peak = j.get("peak_offheap_bytes").asLong();
    long bound = j.get("bound_offheap_bytes").asLong();
    assertTrue(peak > 0 && peak <= bound, "memory within its bound: " + line);
    assertTrue(peak >= (long) batch * SIZE * SIZE * 3, "at least one batch allocated: " + line);
    assertTrue(j.get("chunk_decodes").asLong() >= imageChunks, line);
  }

  @Test
  void jpegDatasetReportsTheDecodeOnlyCeiling() throws Exception {
    Path jds = tmp.resolve("jpeg.jcolz");
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.string("key"))
            .keyColumn("key")
            .column(ColumnSpec.bytes("jpeg").withChunkRows(16))
            .column(ColumnSpec.int32Set("labels", 12))
            .labelColumn("labels")
            .build();
    ShapesGenerator gen = new ShapesGenerator(SIZE, 5);
    try (DatasetWriter w = DatasetWriter.create(jds, schema);
        io.jcolz.image.JpegEncoder enc = new io.jcolz.image.JpegEncoder(90)) {
      Row row = w.newRow();
      for (int i = 0; i < 48; i++) {
        ShapesGenerator.Sample s = gen.sample(i);
        w.append(
            row.setString("key", "k" + i)
                .setBytes("jpeg", enc.encode(s.rgb(), 0, SIZE, SIZE))
                .setSet("labels", s.labels()));
      }
      w.labels(ShapesGenerator.labelNames());
      w.putMetadata("mode", "jpeg");
      w.putMetadata("size", Integer.toString(SIZE));
    }
    CliTestSupport.Result r =
        CliTestSupport.run(
            "bench", jds.toString(), "--seconds", "1", "--threads", "1", "--batch", "16", "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertTrue(j.get("images_per_s").asDouble() > 0, r.lastLine());
    assertFiguresAgree(j, 16, 48, 3, r.lastLine()); // decoded pixels are what MB/s counts
    double decode = j.get("ceiling_decode_images_per_s").asDouble();
    assertTrue(decode > 0, r.lastLine());
    // The decode-only ceiling decompresses the chunks and decodes every JPEG, so it lies below the
    // decompress-only one (here by ≈50×: the JPEG column barely compresses). Comparing it with the
    // loader's per-core rate instead failed on a busy machine: the worker's CPU time counts only
    // while it runs, the ceiling's wall-clock time also counts while it waits for a core.
    assertTrue(decode < j.get("ceiling_decompress_images_per_s").asDouble() / 4, r.lastLine());
    // in text, the loader is set against the decode ceiling only (against decompress it read "0%")
    CliTestSupport.Result text =
        CliTestSupport.run(
            "bench", jds.toString(), "--seconds", "1", "--threads", "1", "--batch", "16");
    assertEquals(0, text.code(), text.toString());
    assertTrue(text.out().contains("\ndecode     "), text.out());
    // one worker: the default read-ahead of 3 chunks, and the read wait
    assertTrue(text.out().contains("\nreads      map, read ahead 3 chunks; "), text.out());
    assertEquals(1, text.out().split("loader at", -1).length - 1, text.out());
  }

  @Test
  void compareRunsAllThreeLoadersAndDrawsTheChart() throws Exception {
    Path chart = tmp.resolve("out/chart.png");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "bench",
            ds.toString(),
            "--compare",
            images.toString(),
            "--seconds",
            "1",
            "--rounds",
            "1",
            "--threads",
            "1",
            "--batch",
            "8",
            "--chart",
            chart.toString(),
            "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    for (String loader : new String[] {"jcolz", "per_file", "djl_imagefolder"}) {
      assertTrue(j.get("images_per_s").get(loader).asDouble() > 0, loader + ": " + r.lastLine());
    }
    java.util.List<String> baselines =
        new java.util.ArrayList<>(java.util.List.of("per_file", "djl_imagefolder"));
    if (j.get("images_per_s").has("pytorch")) {
      baselines.add("pytorch");
    }
    for (String baseline : baselines) {
      double ratio = j.get("ratios").get(baseline).asDouble();
      double expect =
          j.get("images_per_s").get("jcolz").asDouble()
              / j.get("images_per_s").get(baseline).asDouble();
      assertEquals(expect, ratio, 0.01 * expect + 0.01, r.lastLine());
    }
    assertTrue(Files.size(chart) > 1000, "chart written");
    assertTrue(ImageIO.read(chart.toFile()).getWidth() == 800);
  }

  /**
   * A real folder as a user has it: a category tree, images directly in the root, and files the
   * pack skips (text named .png, empty, cut) or ignores. Packed with jcolz pack; every candidate
   * must read exactly the packed images.
   */
  private Path realFolder() throws Exception {
    Path dir = tmp.resolve("real");
    ShapesGenerator gen = new ShapesGenerator(40, 11);
    String[] keys = {
      "animals/birds/a.png", "animals/birds/b.jpg", "animals/c.png", "plants/d.png", "e.png"
    };
    for (int i = 0; i < keys.length; i++) {
      Path f = dir.resolve(keys[i]);
      Files.createDirectories(f.getParent());
      ImageIO.write(gen.sample(i).image(), keys[i].endsWith(".jpg") ? "jpeg" : "png", f.toFile());
    }
    Files.writeString(dir.resolve("animals/text_bad.png"), "this is not a PNG\n");
    Files.write(dir.resolve("plants/empty_bad.png"), new byte[0]);
    byte[] png = Files.readAllBytes(dir.resolve("plants/d.png"));
    Files.write(dir.resolve("cut_bad.png"), java.util.Arrays.copyOf(png, png.length / 2));
    Files.writeString(dir.resolve("README.txt"), "ignored");
    return dir;
  }

  @Test
  void compareOnARealFolderReadsExactlyThePackedImages() throws Exception {
    Path dir = realFolder();
    Path packed = tmp.resolve("real.jcolz");
    CliTestSupport.Result p =
        CliTestSupport.run(
            "pack",
            "--input",
            dir.toString(),
            "--out",
            packed.toString(),
            "--labels-from-dirs",
            "--size",
            "16",
            "--threads",
            "1",
            "--json");
    assertEquals(0, p.code(), p.toString());
    JsonNode pj = CliSupport.JSON.readTree(p.lastLine());
    assertEquals(5, pj.get("rows").asLong(), p.toString());
    assertEquals(3, pj.get("skipped").asLong(), p.toString());
    CliTestSupport.Result r =
        CliTestSupport.run(
            "bench",
            packed.toString(),
            "--compare",
            dir.toString(),
            "--seconds",
            "1",
            "--rounds",
            "1",
            "--threads",
            "1",
            "--batch",
            "4",
            "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    java.util.List<String> loaders =
        new java.util.ArrayList<>(java.util.List.of("jcolz", "per_file", "djl_imagefolder"));
    if (j.get("images").has("pytorch")) {
      loaders.add("pytorch"); // python3 with torch and torchvision is installed here
      assertEquals(0, j.get("not_run").size(), r.lastLine());
      assertEquals(5, j.get("details").get("pytorch").get("epoch_images").asInt(), r.lastLine());
    } else { // the only baseline allowed not to run is the PyTorch one, for want of torch
      assertEquals(1, j.get("not_run").size(), r.lastLine());
      assertTrue(
          j.get("not_run").get(0).asText().startsWith("PyTorch DataLoader baseline skipped"),
          r.lastLine());
    }
    for (String loader : loaders) {
      assertEquals(5, j.get("images").get(loader).asLong(), loader + ": " + r.lastLine());
      assertTrue(j.get("images_per_s").get(loader).asDouble() > 0, loader + ": " + r.lastLine());
    }
  }

  @Test
  void aPackedFileThatNoLongerDecodesIsNamed() throws Exception {
    Path dir = realFolder();
    Path packed = tmp.resolve("real.jcolz");
    assertEquals(
        0,
        CliTestSupport.run(
                "pack", "--input", dir.toString(), "--out", packed.toString(), "--size", "16")
            .code());
    Files.writeString(dir.resolve("animals/c.png"), "overwritten after the pack\n");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "bench",
            packed.toString(),
            "--compare",
            dir.toString(),
            "--seconds",
            "1",
            "--rounds",
            "1",
            "--threads",
            "1",
            "--batch",
            "4");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains("animals/c.png"), r.err());
    assertTrue(r.err().strip().lines().count() == 1, "one line: " + r.err());
    Files.delete(dir.resolve("animals/c.png"));
    CliTestSupport.Result gone =
        CliTestSupport.run("bench", packed.toString(), "--compare", dir.toString());
    assertEquals(1, gone.code(), gone.toString());
    assertTrue(gone.err().contains("1 of 5 rows"), gone.err());
    assertTrue(gone.err().contains("animals/c.png"), gone.err());
  }

  @Test
  void compareUsageErrorsExitTwo() {
    assertEquals(2, CliTestSupport.run("bench", ds.toString(), "--chart", "x.png").code());
    assertEquals(
        2,
        CliTestSupport.run("bench", ds.toString(), "--compare", tmp.resolve("nope").toString())
            .code());
    assertEquals(
        2,
        CliTestSupport.run("bench", ds.toString(), "--compare", images.toString(), "--rounds", "0")
            .code());
  }

  @Test
  void compareAgainstTheWrongDirectoryIsOneLine() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    CliTestSupport.Result r =
        CliTestSupport.run("bench", ds.toString(), "--compare", empty.toString());
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains("no file under"), r.err());
  }
}
