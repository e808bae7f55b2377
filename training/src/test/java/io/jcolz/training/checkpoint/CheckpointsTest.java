package io.jcolz.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.jcolz.training.model.ResNetModels;
import io.jcolz.training.model.ResNetSpec;
import io.jcolz.training.optim.OptimizerSettings;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint files: round trip of parameters and description, LATEST, pruning, bad input. */
class CheckpointsTest {
  @TempDir Path tmp;

  private static Checkpoint description(ResNetSpec spec, long steps) {
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < spec.numLabels(); i++) {
      labels.add("l" + i);
    }
    return new Checkpoint(
        spec,
        labels,
        new OptimizerSettings("sgd", 0.1f, 0.9f, 1e-4f, 5, 100),
        1,
        steps,
        1,
        0,
        42,
        8,
        1,
        "SPARSE",
        new float[] {1, 2, 3},
        new float[] {0.3f, 0.5f, 0.7f},
        0.25,
        0.875,
        "id",
        "val-id");
  }

  @Test
  void parametersAndDescriptionRoundTrip() throws Exception {
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 3);
    Checkpoint c = description(spec, 7);
    try (Model m = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f)) {
      Path dir = Checkpoints.save(tmp, c, m);
      assertEquals("step-000000007", dir.getFileName().toString());
      Checkpoints.Loaded back = Checkpoints.load(tmp);
      assertEquals(dir, back.directory());
      Checkpoint r = back.checkpoint();
      assertEquals(c.spec(), r.spec());
      assertEquals(c.labels(), r.labels());
      assertEquals(c.optimizer(), r.optimizer());
      assertEquals(c.stepsDone(), r.stepsDone());
      assertEquals(c.nextEpoch(), r.nextEpoch());
      assertEquals(c.seed(), r.seed());
      assertArrayEquals(c.positiveWeights(), r.positiveWeights());
      assertArrayEquals(c.thresholds(), r.thresholds());
      assertEquals(c.map(), r.map());
      assertEquals("id", r.dataset());
      assertEquals("val-id", r.valDataset());
      try (Model loaded = back.model(Device.cpu())) {
        var want = m.getBlock().getParameters();
        var got = loaded.getBlock().getParameters();
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
          Pair<String, Parameter> a = want.get(i);
          Pair<String, Parameter> b = got.get(i);
          assertEquals(a.getKey(), b.getKey());
          assertArrayEquals(
              a.getValue().getArray().toFloatArray(),
              b.getValue().getArray().toFloatArray(),
              a.getKey());
        }
      }
      // a checkpoint folder itself is accepted too
      assertEquals(7, Checkpoints.load(dir).checkpoint().stepsDone());
    }
  }

  @Test
  void descriptionsWithoutAValidationSetIdReadAsNone() {
    String json = description(new ResNetSpec(18, 16, 16, 3), 7).toJson();
    String older = json.replaceAll(",\\s*\"val_dataset\":\\s*\"val-id\"", "");
    assertFalse(older.contains("val_dataset"), older);
    assertEquals(null, Checkpoint.fromJson(older, "old").valDataset());
    assertEquals("val-id", Checkpoint.fromJson(json, "new").valDataset());
  }

  /**
   * Two descriptions exactly as the Gson-based writer (before the switch to Jackson) printed them:
   * NaN and Infinity as bare literals, an escaped quote, a non-ASCII label, optional fields absent.
   */
  private static final String GSON_NO_VALIDATION =
      """
      {
        "format": "jcolz-checkpoint",
        "version": 2,
        "model": {
          "name": "resnet18",
          "layers": 18,
          "height": 16,
          "width": 16,
          "labels": 3
        },
        "labels": [
          "cat",
          "dog \\"big\\"",
          "é"
        ],
        "optimizer": {
          "kind": "sgd",
          "learning_rate": 0.1,
          "momentum": 0.9,
          "weight_decay": 1.0E-4,
          "warmup_steps": 5,
          "total_steps": 100
        },
        "epochs_completed": 2,
        "steps_done": 40,
        "loader": {
          "epoch": 2,
          "batch": 0,
          "seed": 42,
          "batch_size": 8,
          "devices": 1,
          "labels": "SPARSE"
        },
        "positive_weights": [
          1.0,
          2.5,
          Infinity
        ],
        "loss": 0.123456789,
        "map": NaN,
        "dataset": "ds-id"
      }""";

  private static final String GSON_WITH_VALIDATION =
      """
      {
        "format": "jcolz-checkpoint",
        "version": 2,
        "model": {
          "name": "resnet50",
          "layers": 50,
          "height": 224,
          "width": 224,
          "labels": 2
        },
        "labels": [
          "a",
          "b"
        ],
        "optimizer": {
          "kind": "adam",
          "learning_rate": 0.001,
          "momentum": 0.9,
          "weight_decay": 0.05,
          "warmup_steps": 0,
          "total_steps": 1000
        },
        "epochs_completed": 1,
        "steps_done": 12,
        "loader": {
          "epoch": 1,
          "batch": 3,
          "seed": 7,
          "batch_size": 16,
          "devices": 2,
          "labels": "MULTI_HOT"
        },
        "thresholds": [
          0.3,
          0.55
        ],
        "loss": 0.25,
        "map": 0.875,
        "dataset": "train",
        "val_dataset": "val"
      }""";

  @Test
  void descriptionsWrittenByTheGsonWriterStillReadAndPrintTheSame() {
    Checkpoint a = Checkpoint.fromJson(GSON_NO_VALIDATION, "gson-a");
    assertEquals(new ResNetSpec(18, 16, 16, 3), a.spec());
    assertEquals(List.of("cat", "dog \"big\"", "\u00e9"), a.labels());
    assertEquals(new OptimizerSettings("sgd", 0.1f, 0.9f, 1e-4f, 5, 100), a.optimizer());
    assertEquals(2, a.epochsCompleted());
    assertEquals(40, a.stepsDone());
    assertEquals(2, a.nextEpoch());
    assertEquals(0, a.nextBatch());
    assertEquals(42, a.seed());
    assertEquals(8, a.batchSize());
    assertEquals(1, a.devices());
    assertEquals("SPARSE", a.labelMode());
    assertArrayEquals(new float[] {1, 2.5f, Float.POSITIVE_INFINITY}, a.positiveWeights());
    assertNull(a.thresholds());
    assertEquals(0.123456789, a.loss());
    assertTrue(Double.isNaN(a.map()), "map " + a.map());
    assertEquals("ds-id", a.dataset());
    assertNull(a.valDataset());

    Checkpoint b = Checkpoint.fromJson(GSON_WITH_VALIDATION, "gson-b");
    assertEquals(new ResNetSpec(50, 224, 224, 2), b.spec());
    assertEquals(new OptimizerSettings("adam", 0.001f, 0.9f, 0.05f, 0, 1000), b.optimizer());
    assertEquals(3, b.nextBatch());
    assertEquals(2, b.devices());
    assertEquals("MULTI_HOT", b.labelMode());
    assertNull(b.positiveWeights());
    assertArrayEquals(new float[] {0.3f, 0.55f}, b.thresholds());
    assertEquals(0.875, b.map());
    assertEquals("val", b.valDataset());

    // the Jackson writer prints the very same text, so old and new files are interchangeable
    assertEquals(GSON_NO_VALIDATION, a.toJson());
    assertEquals(GSON_WITH_VALIDATION, b.toJson());
  }

  @Test
  void theTrainingSetsResizeModeRoundTripsAndDefaultsToPacksDefault() {
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 3);
    Checkpoint plain = description(spec, 7);
    assertEquals("shorter-side+center-crop", plain.resize());
    assertFalse(plain.toJson().contains("resize"), "the default is not written");
    Checkpoint c = plain;
    Checkpoint pad =
        new Checkpoint(
            c.spec(),
            c.labels(),
            c.optimizer(),
            c.epochsCompleted(),
            c.stepsDone(),
            c.nextEpoch(),
            c.nextBatch(),
            c.seed(),
            c.batchSize(),
            c.devices(),
            c.labelMode(),
            c.positiveWeights(),
            c.thresholds(),
            c.loss(),
            c.map(),
            c.dataset(),
            c.valDataset(),
            c.fineTuning(),
            "pad");
    String json = pad.toJson();
    assertTrue(json.contains("\"resize\": \"pad\""), json);
    assertEquals("pad", Checkpoint.fromJson(json, "pad").resize());
    assertEquals(
        "shorter-side+center-crop", Checkpoint.fromJson(GSON_NO_VALIDATION, "old").resize());
  }

  @Test
  void fieldsOfTheWrongTypeAreDamage() {
    String json = description(new ResNetSpec(18, 16, 16, 3), 7).toJson();
    for (String[] edit :
        new String[][] {
          {"\"steps_done\": 7", "\"steps_done\": \"seven\""},
          {"\"steps_done\": 7", "\"steps_done\": 7.5"},
          {"\"kind\": \"sgd\"", "\"kind\": 3"},
          {"\"loss\": 0.25", "\"loss\": null"},
          {"\"batch_size\": 8", "\"batch_size\": 99999999999"},
          {"\"map\": 0.875", "\"map\": 0.875,"},
        }) {
      String bad = json.replace(edit[0], edit[1]);
      assertNotEquals(json, bad, edit[0]);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Checkpoint.fromJson(bad, "f.json"));
      assertTrue(e.getMessage().startsWith("f.json: damaged"), e.getMessage());
    }
  }

  @Test
  void latestMovesAndOnlyTheNewestAreKept() throws Exception {
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 3);
    try (Model m = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f)) {
      for (long s = 1; s <= 4; s++) {
        Checkpoints.save(tmp, description(spec, s), m);
        assertEquals(s, Checkpoints.load(tmp).checkpoint().stepsDone());
      }
    }
    try (Stream<Path> s = Files.list(tmp)) {
      List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(List.of("LATEST", "step-000000003", "step-000000004"), names);
    }
  }

  /** The output bias, which {@code fromScratch} sets from the prior: differs between priors. */
  private static float[] outputBias(Model m) {
    var params = m.getBlock().getParameters();
    return params.get(params.size() - 1).getValue().getArray().toFloatArray();
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void savingTheSameStepAgainNeverTouchesTheFolderLatestNames() throws Exception {
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 3);
    try (Model a = ResNetModels.fromScratch(spec, Device.cpu(), 0.1f);
        Model b = ResNetModels.fromScratch(spec, Device.cpu(), 0.9f);
        Model c = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f)) {
      assertFalse(java.util.Arrays.equals(outputBias(a), outputBias(b)));
      Path first = Checkpoints.save(tmp, description(spec, 4), a);
      Path second = Checkpoints.save(tmp, description(spec, 5), a);
      Path third = Checkpoints.save(tmp, description(spec, 5), b);
      assertNotEquals(second, third, "a second save of step 5 must not reuse the folder");
      assertEquals("step-000000005.1", third.getFileName().toString());
      Checkpoints.Loaded back = Checkpoints.load(tmp);
      assertEquals(third, back.directory());
      assertEquals(5, back.checkpoint().stepsDone());
      try (Model loaded = back.model(Device.cpu())) {
        assertArrayEquals(outputBias(b), outputBias(loaded));
      }
      // the superseded step-5 revision is gone; step 4 stays as the second newest
      assertEquals(List.of("LATEST", "step-000000004", "step-000000005.1"), names(tmp));

      // a crash after the new folder is in place but before LATEST moves (here: LATEST.tmp
      // cannot be written) leaves LATEST on the previous complete checkpoint, untouched
      Path blocker = Files.createDirectories(tmp.resolve(Checkpoints.LATEST + ".tmp"));
      Files.writeString(blocker.resolve("x"), "x");
      assertThrows(java.io.IOException.class, () -> Checkpoints.save(tmp, description(spec, 5), c));
      Checkpoints.Loaded after = Checkpoints.load(tmp);
      assertEquals(third, after.directory());
      try (Model loaded = after.model(Device.cpu())) {
        assertArrayEquals(outputBias(b), outputBias(loaded));
      }
      Files.delete(blocker.resolve("x"));
      Files.delete(blocker);

      // the next save of step 5 goes above the orphaned revision and cleans all of them up
      Path fourth = Checkpoints.save(tmp, description(spec, 5), c);
      assertEquals("step-000000005.3", fourth.getFileName().toString());
      try (Model loaded = Checkpoints.load(tmp).model(Device.cpu())) {
        assertArrayEquals(outputBias(c), outputBias(loaded));
      }
      assertEquals(List.of("LATEST", "step-000000004", "step-000000005.3"), names(tmp));
      assertEquals("step-000000004", first.getFileName().toString());
    }
  }

  @Test
  void revisionsAreOrderedByNumberNotByName() throws Exception {
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 3);
    // revisions 2..9 left by earlier runs: ".10" sorts before ".9" as text, not as a revision
    for (int r = 2; r <= 9; r++) {
      Path d = Files.createDirectories(tmp.resolve("step-000000005." + r));
      Files.writeString(d.resolve(Checkpoints.DESCRIPTION), description(spec, 5).toJson());
    }
    try (Model m = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f)) {
      Path saved = Checkpoints.save(tmp, description(spec, 5), m);
      assertEquals("step-000000005.10", saved.getFileName().toString());
      assertEquals(saved, Checkpoints.load(tmp).directory());
      assertEquals(List.of("LATEST", "step-000000005.10"), names(tmp));
    }
  }

  @Test
  void missingOrDamagedCheckpointsAreRefused() throws Exception {
    assertFalse(Checkpoints.exists(tmp));
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Checkpoints.load(tmp));
    assertTrue(e.getReason().contains("no jcolz checkpoint"), e.getReason());
    Files.writeString(
        tmp.resolve(Checkpoints.DESCRIPTION), "{\"format\":\"jcolz-checkpoint\",\"version\":99}");
    IllegalArgumentException v =
        assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(tmp));
    assertTrue(v.getMessage().contains("version 99"), v.getMessage());
    Files.writeString(
        tmp.resolve(Checkpoints.DESCRIPTION), "{\"format\":\"jcolz-checkpoint\",\"version\":2}");
    v = assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(tmp));
    assertTrue(v.getMessage().contains("damaged"), v.getMessage());
    Files.writeString(
        tmp.resolve(Checkpoints.DESCRIPTION), "{\"format\":\"jcolz-checkpoint\",\"version\":1}");
    v = assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(tmp));
    assertTrue(v.getMessage().contains("version 1 holds the DJL-zoo ResNets"), v.getMessage());
  }

  /** Issue 28, item 5: a truncated parameter file is named, called damaged, with its checkpoint. */
  @Test
  void aTruncatedParameterFileIsNamedAsDamaged() throws Exception {
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 3);
    Path dir;
    try (Model m = ResNetModels.fromScratch(spec, Device.cpu(), 0.5f)) {
      dir = Checkpoints.save(tmp, description(spec, 3), m);
    }
    Path params;
    try (Stream<Path> s = Files.list(dir)) {
      params = s.filter(p -> p.toString().endsWith(".params")).findFirst().orElseThrow();
    }
    byte[] all = Files.readAllBytes(params);
    Files.write(params, java.util.Arrays.copyOf(all, all.length / 2));
    Checkpoints.Loaded back = Checkpoints.load(tmp);
    java.io.IOException e =
        assertThrows(java.io.IOException.class, () -> back.model(Device.cpu()).close());
    assertEquals(
        params + " is damaged (truncated): the parameters of checkpoint " + dir + " cannot be read",
        e.getMessage());
  }
}
