package io.jcolz.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    try (Model m = ResNetModels.fromScratch(spec, Device.cpu())) {
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

  @Test
  void latestMovesAndOnlyTheNewestAreKept() throws Exception {
    ResNetSpec spec = new ResNetSpec(18, 16, 16, 3);
    try (Model m = ResNetModels.fromScratch(spec, Device.cpu())) {
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
        tmp.resolve(Checkpoints.DESCRIPTION), "{\"format\":\"jcolz-checkpoint\",\"version\":1}");
    v = assertThrows(IllegalArgumentException.class, () -> Checkpoints.load(tmp));
    assertTrue(v.getMessage().contains("damaged"), v.getMessage());
  }
}
