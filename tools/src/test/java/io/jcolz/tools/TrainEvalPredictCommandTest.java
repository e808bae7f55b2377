package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.shapes.ShapesDatasetWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz train}, {@code eval} and {@code predict} through {@link Main#run}: the JSON contract
 * of the last stdout line, resume, the report file, top-k output, and bad input (one line on
 * stderr, documented exit code). One small training run (ResNet-18, 16 px, 96 rows, 2 epochs) is
 * shared by the tests.
 */
class TrainEvalPredictCommandTest {
  @TempDir static Path tmp;
  static Path train;
  static Path val;
  static Path ck;
  static JsonNode trained;

  @BeforeAll
  static void trainOnce() throws Exception {
    train = tmp.resolve("train");
    val = tmp.resolve("val");
    ck = tmp.resolve("ck");
    ShapesDatasetWriter.write(train, 96, 16, 1);
    ShapesDatasetWriter.write(val, 40, 16, 2);
    CliTestSupport.Result r =
        CliTestSupport.run(
            "train",
            train.toString(),
            "--val",
            val.toString(),
            "--model",
            "resnet18",
            "--epochs",
            "2",
            "--batch",
            "16",
            "--optimizer",
            "adam",
            "--lr",
            "0.002",
            "--workers",
            "1",
            "--checkpoint",
            ck.toString(),
            "--json");
    assertEquals(0, r.code(), r.toString());
    trained = CliSupport.JSON.readTree(r.lastLine());
  }

  private static void oneLineError(CliTestSupport.Result r, int code, String fragment) {
    assertEquals(code, r.code(), r.toString());
    List<String> lines = r.err().lines().filter(l -> !l.isBlank() && !l.contains("WARN")).toList();
    assertTrue(lines.size() <= 2 && lines.get(0).contains(fragment), r.toString());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
  }

  @Test
  void trainPrintsTheContractKeys() {
    for (String key :
        List.of("epochs", "loss", "map", "images_per_s", "data_stall", "seconds", "checkpoint")) {
      assertTrue(trained.has(key), key + " in " + trained);
    }
    assertEquals(2, trained.get("epochs").asInt());
    assertEquals(12, trained.get("steps").asInt()); // 96 / 16 × 2
    assertTrue(
        trained.get("map").asDouble() > 0 && trained.get("map").asDouble() <= 1,
        trained.toString());
    assertTrue(trained.get("images_per_s").asDouble() > 0, trained.toString());
    assertTrue(Files.isDirectory(Path.of(trained.get("checkpoint").asText())), trained.toString());
    assertEquals(2, trained.get("history").size());
  }

  @Test
  void resumeContinuesToMoreEpochs() throws Exception {
    Path copy = tmp.resolve("ck-resume");
    CliTestSupport.Result first =
        CliTestSupport.run(
            "train",
            train.toString(),
            "--val",
            val.toString(),
            "--epochs",
            "2",
            "--batch",
            "16",
            "--workers",
            "1",
            "--max-steps",
            "2",
            "--checkpoint",
            copy.toString(),
            "--json");
    assertEquals(0, first.code(), first.toString());
    JsonNode f = CliSupport.JSON.readTree(first.lastLine());
    assertEquals(0, f.get("epochs").asInt());
    assertTrue(f.get("map").isNumber(), f.toString()); // validated after the partial epoch
    CliTestSupport.Result r =
        CliTestSupport.run(
            "train",
            train.toString(),
            "--epochs",
            "1",
            "--batch",
            "16",
            "--workers",
            "1",
            "--checkpoint",
            copy.toString(),
            "--resume",
            "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertEquals(1, j.get("epochs").asInt());
    assertEquals(6, j.get("steps").asInt());
    assertEquals(1, j.get("history").size());
    assertEquals(4, j.get("history").get(0).get("steps").asInt()); // batches 2..5 of epoch 0
    // resumed without --val: no mAP, not the first run's (a different model's) figure
    assertTrue(j.get("map").isNull(), j.toString());
    assertTrue(j.get("history").get(0).get("map").isNull(), j.toString());

    // resumed without --val: the first run's thresholds were dropped, eval chooses them on the data
    // and says so
    CliTestSupport.Result e =
        CliTestSupport.run(
            "eval", val.toString(), "--checkpoint", copy.toString(), "--workers", "1", "--json");
    assertEquals(0, e.code(), e.toString());
    assertEquals(
        EvalCommand.CHOSEN_ON_DS,
        CliSupport.JSON.readTree(e.lastLine()).get("thresholds").asText());
  }

  @Test
  void resumeUsesAndPrintsTheCheckpointsSettingsAndRefusesOthers() throws Exception {
    String latest = Files.readString(ck.resolve("LATEST"));
    // nothing left to train (2 of 2 epochs): the header shows the settings in use, the checkpoint's
    CliTestSupport.Result r =
        CliTestSupport.run(
            "train",
            train.toString(),
            "--epochs",
            "2",
            "--batch",
            "16",
            "--workers",
            "1",
            "--checkpoint",
            ck.toString(),
            "--resume");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("adam lr 0.002"), r.out()); // not the command line's default 0.001
    assertTrue(r.out().contains("resuming at step 12 with the checkpoint's settings"), r.out());
    // an option given with another value than the checkpoint's: refused, not silently replaced
    oneLineError(
        CliTestSupport.run(
            "train",
            train.toString(),
            "--epochs",
            "3",
            "--batch",
            "16",
            "--workers",
            "1",
            "--checkpoint",
            ck.toString(),
            "--resume",
            "--lr",
            "0.01"),
        Main.FAILURE,
        "--lr 0.01 (checkpoint: 0.002)");
    oneLineError(
        CliTestSupport.run(
            "train",
            train.toString(),
            "--epochs",
            "3",
            "--batch",
            "16",
            "--workers",
            "1",
            "--checkpoint",
            ck.toString(),
            "--resume",
            "--optimizer",
            "sgd"),
        Main.FAILURE,
        "--optimizer sgd (checkpoint: adam)");
    // the same value given explicitly is fine
    CliTestSupport.Result same =
        CliTestSupport.run(
            "train",
            train.toString(),
            "--epochs",
            "2",
            "--batch",
            "16",
            "--workers",
            "1",
            "--checkpoint",
            ck.toString(),
            "--resume",
            "--lr",
            "0.002",
            "--optimizer",
            "adam",
            "--json");
    assertEquals(0, same.code(), same.toString());
    // another training dataset (same labels and image size): refused, naming both ids
    try (Dataset t = Dataset.open(train);
        Dataset v = Dataset.open(val)) {
      CliTestSupport.Result other =
          CliTestSupport.run(
              "train",
              val.toString(),
              "--epochs",
              "3",
              "--batch",
              "16",
              "--workers",
              "1",
              "--checkpoint",
              ck.toString(),
              "--resume");
      oneLineError(other, Main.FAILURE, "was trained on dataset id " + t.id());
      assertTrue(other.err().contains(v.id().toString()), other.toString());
    }
    assertEquals(latest, Files.readString(ck.resolve("LATEST")), "nothing written");
  }

  @Test
  void evalReportsMapAndF1AndWritesTheReport() throws Exception {
    Path report = tmp.resolve("report.csv");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "eval",
            val.toString(),
            "--checkpoint",
            ck.toString(),
            "--report",
            report.toString(),
            "--workers",
            "1",
            "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    for (String key :
        List.of("map", "micro_f1", "macro_f1", "micro_f1_thresholds", "macro_f1_thresholds")) {
      assertTrue(j.has(key), key + " in " + j);
    }
    // DS is the --val set the thresholds were chosen on: said to be optimistic
    assertEquals(EvalCommand.CHOSEN_ON_THIS_IN_TRAINING, j.get("thresholds").asText());
    assertEquals(40, j.get("rows").asInt());
    // the val set was scored the same way at the end of training
    assertEquals(trained.get("map").asDouble(), j.get("map").asDouble(), 1e-4);
    List<String> lines = Files.readAllLines(report);
    assertEquals(13, lines.size());
    assertTrue(
        lines.get(0).startsWith("label,name,support,predicted,tp,fp,fn,precision,recall"),
        lines.get(0));
    assertTrue(lines.get(1).contains("red-circle"), lines.get(1));

    CliTestSupport.Result human =
        CliTestSupport.run("eval", val.toString(), "--checkpoint", ck.toString(), "--workers", "1");
    assertEquals(0, human.code(), human.toString());
    assertTrue(human.out().contains("mAP"), human.out());
    assertTrue(
        human.out().contains("(thresholds " + EvalCommand.CHOSEN_ON_THIS_IN_TRAINING + ")"),
        human.out());

    // another held-out set: the checkpoint's thresholds give an honest estimate
    Path other = tmp.resolve("held-out-2");
    ShapesDatasetWriter.write(other, 16, 16, 4);
    CliTestSupport.Result o =
        CliTestSupport.run(
            "eval", other.toString(), "--checkpoint", ck.toString(), "--workers", "1", "--json");
    assertEquals(0, o.code(), o.toString());
    assertEquals(
        EvalCommand.FROM_CHECKPOINT,
        CliSupport.JSON.readTree(o.lastLine()).get("thresholds").asText());
  }

  @Test
  void predictPrintsTopKPerKey() throws Exception {
    CliTestSupport.Result r =
        CliTestSupport.run(
            "predict",
            val.toString(),
            "--checkpoint",
            ck.toString(),
            "--top-k",
            "3",
            "--workers",
            "1",
            "--json");
    assertEquals(0, r.code(), r.toString());
    List<String> lines = r.out().strip().lines().toList();
    assertEquals(41, lines.size(), r.out());
    JsonNode first = CliSupport.JSON.readTree(lines.get(0));
    assertEquals(ShapesDatasetWriter.key(0), first.get("key").asText());
    assertEquals(3, first.get("labels").size());
    double p0 = first.get("labels").get(0).get("p").asDouble();
    double p2 = first.get("labels").get(2).get("p").asDouble();
    assertTrue(p0 >= p2 && p0 <= 1 && p2 >= 0, first.toString());
    assertEquals(40, CliSupport.JSON.readTree(r.lastLine()).get("rows").asInt());

    CliTestSupport.Result human =
        CliTestSupport.run(
            "predict",
            val.toString(),
            "--checkpoint",
            ck.toString(),
            "--top-k",
            "2",
            "--workers",
            "1");
    assertEquals(0, human.code(), human.toString());
    assertTrue(human.out().startsWith(ShapesDatasetWriter.key(0) + "\t"), human.out());
  }

  @Test
  void evalAndPredictReadTheSameInEveryReadMode() throws Exception {
    String[] base = {"--checkpoint", ck.toString(), "--workers", "1", "--json"};
    CliTestSupport.Result e0 = CliTestSupport.run(concat("eval", val.toString(), base));
    CliTestSupport.Result p0 = CliTestSupport.run(concat("predict", val.toString(), base));
    assertEquals(0, e0.code(), e0.toString());
    assertEquals(0, p0.code(), p0.toString());
    List<String[]> modes = new java.util.ArrayList<>();
    modes.add(new String[] {"pread", "0"});
    modes.add(new String[] {"map", "4"});
    // direct where the file system takes O_DIRECT (tmpfs before Linux 6.6 does not)
    try (io.jcolz.format.Dataset ds = io.jcolz.format.Dataset.open(val)) {
      if (io.jcolz.format.testing.DirectIo.opens(ds.column("image").path(0))) {
        modes.add(new String[] {"direct", "1"});
      }
    }
    assertEquals("map", CliSupport.JSON.readTree(p0.lastLine()).get("read_mode").asText());
    for (String[] reads : modes) {
      String[] flags = {"--read-mode", reads[0], "--read-ahead", reads[1]};
      String[] args = concat(flags[0], flags[1], concat(flags[2], flags[3], base));
      CliTestSupport.Result e = CliTestSupport.run(concat("eval", val.toString(), args));
      assertEquals(0, e.code(), e.toString());
      // the same scores, so the same report, to the last digit
      assertEquals(untimed(e0), untimed(e), String.join(" ", flags));
      JsonNode ej = CliSupport.JSON.readTree(e.lastLine());
      assertEquals(reads[0], ej.get("read_mode").asText(), e.lastLine());
      CliTestSupport.Result p = CliTestSupport.run(concat("predict", val.toString(), args));
      assertEquals(0, p.code(), p.toString());
      assertEquals(rowsOf(p0), rowsOf(p), String.join(" ", flags));
      // the loader read as asked: predict echoes the mode it read in
      JsonNode summary = CliSupport.JSON.readTree(p.lastLine());
      assertEquals(reads[0], summary.get("read_mode").asText(), p.lastLine());
      assertEquals("asked for", summary.get("read_mode_reason").asText(), p.lastLine());
    }
    CliTestSupport.Result bad =
        CliTestSupport.run(concat("eval", val.toString(), concat("--read-mode", "mmap", base)));
    oneLineError(bad, 2, "--read-mode");
    CliTestSupport.Result deep =
        CliTestSupport.run(concat("predict", val.toString(), concat("--read-ahead", "-2", base)));
    oneLineError(deep, 2, "--read-ahead");
  }

  /** A --json result line without its timings. */
  private static JsonNode untimed(CliTestSupport.Result r) throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode j =
        (com.fasterxml.jackson.databind.node.ObjectNode) CliSupport.JSON.readTree(r.lastLine());
    j.remove(List.of("images_per_s", "seconds", "read_mode", "read_mode_reason"));
    return j;
  }

  /** predict's per-row lines (the last line is the summary, with timings). */
  private static List<String> rowsOf(CliTestSupport.Result r) {
    List<String> lines = r.out().strip().lines().toList();
    return lines.subList(0, lines.size() - 1);
  }

  private static String[] concat(String a, String b, String... rest) {
    String[] all = new String[rest.length + 2];
    all[0] = a;
    all[1] = b;
    System.arraycopy(rest, 0, all, 2, rest.length);
    return all;
  }

  @Test
  void predictWorksWithoutALabelColumn() throws Exception {
    // what `jcolz pack` writes without a label source: key + image, no label column, no vocabulary
    Path unlabelled = tmp.resolve("unlabelled");
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.string("key"))
            .column(ColumnSpec.uint8Tensor("image", 16, 16, 3))
            .keyColumn("key")
            .build();
    try (Dataset v = Dataset.open(val);
        DatasetWriter w = DatasetWriter.create(unlabelled, schema)) {
      Row row = w.newRow();
      for (int i = 0; i < 10; i++) { // the first 10 images of the val set, under new keys
        w.append(
            row.clear().setString("key", "new-" + i).setTensor("image", v.readTensor("image", i)));
      }
      w.putMetadata("mode", "raw");
      w.putMetadata("size", "16");
    }
    CliTestSupport.Result r =
        CliTestSupport.run(
            "predict",
            unlabelled.toString(),
            "--checkpoint",
            ck.toString(),
            "--top-k",
            "3",
            "--workers",
            "1",
            "--json");
    assertEquals(0, r.code(), r.toString());
    List<String> lines = r.out().strip().lines().toList();
    assertEquals(11, lines.size(), r.out());
    JsonNode first = CliSupport.JSON.readTree(lines.get(0));
    assertEquals("new-0", first.get("key").asText());
    assertEquals(10, CliSupport.JSON.readTree(r.lastLine()).get("rows").asInt());
    // the same images score the same as in the labelled set
    CliTestSupport.Result labelled =
        CliTestSupport.run(
            "predict",
            val.toString(),
            "--checkpoint",
            ck.toString(),
            "--top-k",
            "3",
            "--workers",
            "1",
            "--json");
    assertEquals(0, labelled.code(), labelled.toString());
    JsonNode same =
        CliSupport.JSON.readTree(labelled.out().strip().lines().findFirst().orElseThrow());
    for (int t = 0; t < 3; t++) {
      JsonNode a = same.get("labels").get(t);
      JsonNode b = first.get("labels").get(t);
      assertEquals(
          a.get("p").asDouble(),
          b.get("p").asDouble(),
          1e-4,
          first.toString()); // batch size may differ
    }

    CliTestSupport.Result human =
        CliTestSupport.run(
            "predict", unlabelled.toString(), "--checkpoint", ck.toString(), "--workers", "1");
    assertEquals(0, human.code(), human.toString());
    assertTrue(human.out().startsWith("new-0\t"), human.out());
    // eval needs labels: one line, exit 1
    oneLineError(
        CliTestSupport.run("eval", unlabelled.toString(), "--checkpoint", ck.toString()),
        Main.FAILURE,
        "no label column");
    // the image-size check still applies without labels
    Path bigger = tmp.resolve("unlabelled-24");
    Schema big = Schema.builder().column(ColumnSpec.uint8Tensor("image", 24, 24, 3)).build();
    try (DatasetWriter w = DatasetWriter.create(bigger, big)) {
      w.append(w.newRow().setTensor("image", new byte[24 * 24 * 3]));
      w.putMetadata("mode", "raw");
    }
    oneLineError(
        CliTestSupport.run("predict", bigger.toString(), "--checkpoint", ck.toString()),
        Main.FAILURE,
        "24×24");
  }

  @Test
  void topKOrdersByProbability() {
    float[] p = {0.1f, 0.9f, 0.5f, 0.9f, 0.7f};
    assertEquals(List.of(1, 3, 4), box(PredictCommand.top(p, 0, 5, 3)));
    assertEquals(List.of(1, 2), box(PredictCommand.top(p, 2, 3, 2))); // relative to the row start
  }

  private static List<Integer> box(int[] a) {
    List<Integer> out = new ArrayList<>();
    for (int v : a) {
      out.add(v);
    }
    return out;
  }

  @Test
  void badInputGetsOneLineAndTheDocumentedExitCode() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    oneLineError(
        CliTestSupport.run("eval", val.toString(), "--checkpoint", empty.toString()),
        Main.FAILURE,
        "no jcolz checkpoint");
    oneLineError(
        CliTestSupport.run("predict", val.toString(), "--checkpoint", empty.toString()),
        Main.FAILURE,
        "no jcolz checkpoint");
    oneLineError(
        CliTestSupport.run("train", train.toString(), "--checkpoint", empty.toString(), "--resume"),
        Main.FAILURE,
        "no jcolz checkpoint");
    oneLineError(
        CliTestSupport.run("eval", tmp.resolve("nope").toString(), "--checkpoint", ck.toString()),
        Main.FAILURE,
        "nope");

    Path other = otherVocabulary(tmp.resolve("other"));
    oneLineError(
        CliTestSupport.run("eval", other.toString(), "--checkpoint", ck.toString()),
        Main.FAILURE,
        "label vocabulary mismatch");
    oneLineError(
        CliTestSupport.run("predict", other.toString(), "--checkpoint", ck.toString()),
        Main.FAILURE,
        "label vocabulary mismatch");
    oneLineError(
        CliTestSupport.run("train", train.toString(), "--val", other.toString(), "--epochs", "1"),
        Main.FAILURE,
        "label vocabulary mismatch: --val dataset " + other);
    Path bigger = tmp.resolve("bigger");
    ShapesDatasetWriter.write(bigger, 8, 24, 3);
    oneLineError(
        CliTestSupport.run("eval", bigger.toString(), "--checkpoint", ck.toString()),
        Main.FAILURE,
        "24×24");

    oneLineError(
        CliTestSupport.run("train", train.toString(), "--devices", "gpu"),
        Main.USAGE,
        "--devices gpu: no GPU");
    oneLineError(
        CliTestSupport.run("train", train.toString(), "--devices", "gpu0,gpu1"),
        Main.USAGE,
        "gpu0");
    oneLineError(
        CliTestSupport.run("train", train.toString(), "--devices", "tpu"), Main.USAGE, "--devices");
    oneLineError(
        CliTestSupport.run("train", train.toString(), "--checkpoint", ck.toString()),
        Main.USAGE,
        "already holds a checkpoint");
    oneLineError(
        CliTestSupport.run("train", train.toString(), "--optimizer", "rmsprop"),
        Main.USAGE,
        "sgd or adam");
    oneLineError(
        CliTestSupport.run("train", train.toString(), "--model", "vgg16"), Main.USAGE, "resnet18");
    oneLineError(
        CliTestSupport.run("train", train.toString(), "--pos-weight", "-3"),
        Main.USAGE,
        "--pos-weight");
    oneLineError(
        CliTestSupport.run("train", train.toString(), "--resume"), Main.USAGE, "--checkpoint");
    oneLineError(
        CliTestSupport.run("train", train.toString(), "--batch", "1000", "--epochs", "1"),
        Main.FAILURE,
        "not one step");
  }

  /** 8 rows of 16×16 images with a vocabulary other than the shapes'. */
  private static Path otherVocabulary(Path dir) throws Exception {
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.uint8Tensor("image", 16, 16, 3))
            .column(ColumnSpec.int32Set("labels", 12))
            .labelColumn("labels")
            .build();
    List<String> vocab = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      vocab.add("thing-" + i);
    }
    try (DatasetWriter w = DatasetWriter.create(dir, schema)) {
      Row row = w.newRow();
      for (int i = 0; i < 8; i++) {
        w.append(row.clear().setTensor("image", new byte[16 * 16 * 3]).setSet("labels", i % 12));
      }
      w.labels(vocab);
      w.putMetadata("mode", "raw");
    }
    return dir;
  }
}
