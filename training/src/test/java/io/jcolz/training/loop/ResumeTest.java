package io.jcolz.training.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.shapes.ShapesDatasetWriter;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.loop.TrainingSettings.Setting;
import io.jcolz.training.optim.OptimizerSettings;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint and resume through {@link Training}: a run stopped by {@code maxSteps} records the
 * loader position; a resumed run continues with exactly the batches (rows) an uninterrupted run
 * takes, continues the step count and the epoch count; bad resumes are refused with a message.
 * ResNet-18 at 16 px, batch 8, 64 rows.
 */
class ResumeTest {
  @TempDir static Path tmp;
  static Path data;
  static Path heldOut;

  @BeforeAll
  static void write() throws Exception {
    data = tmp.resolve("train");
    ShapesDatasetWriter.write(data, 64, 16, 5);
    heldOut = tmp.resolve("held-out");
    ShapesDatasetWriter.write(heldOut, 16, 16, 6);
  }

  /** (epoch, index, rows) of every batch a run took. */
  private static final class Recorder implements TrainingCallbacks {
    final List<String> taken = new ArrayList<>();

    @Override
    public void batchTaken(io.jcolz.loader.Batch b) {
      taken.add(b.epoch() + "/" + b.index() + "/" + java.util.Arrays.toString(b.rowIds()));
    }
  }

  private static TrainingSettings.Builder config(Path checkpoints) {
    return TrainingSettings.builder()
        .model("resnet18")
        .epochs(2)
        .batchSize(8)
        .workers(1)
        .seed(3)
        .checkpointDir(checkpoints);
  }

  @Test
  void resumedRunTakesTheBatchesAnUninterruptedRunTakes() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      Recorder whole = new Recorder();
      TrainingOutcome all = Training.run(ds, null, config(tmp.resolve("whole")).build(), whole);
      assertEquals(16, all.stepsDone());
      assertEquals(2, all.epochsCompleted());

      Path ck = tmp.resolve("parts");
      Recorder first = new Recorder();
      TrainingOutcome part = Training.run(ds, null, config(ck).maxSteps(3).build(), first);
      assertEquals(3, part.stepsDone());
      assertEquals(0, part.epochsCompleted());
      Checkpoint c = Checkpoints.load(ck).checkpoint();
      assertEquals(0, c.nextEpoch());
      assertEquals(3, c.nextBatch());
      assertEquals(3, c.stepsDone());
      assertEquals(ds.labels(), c.labels());
      assertEquals("resnet18", c.spec().name());

      Recorder second = new Recorder();
      TrainingOutcome rest = Training.run(ds, null, config(ck).resume(true).build(), second);
      assertEquals(16, rest.stepsDone());
      assertEquals(2, rest.epochsCompleted());
      List<String> joined = new ArrayList<>(first.taken);
      joined.addAll(second.taken);
      assertEquals(whole.taken, joined);
      Checkpoint end = Checkpoints.load(ck).checkpoint();
      assertEquals(2, end.nextEpoch());
      assertEquals(0, end.nextBatch());

      // nothing left: returns at once, same figures
      TrainingOutcome again =
          Training.run(ds, null, config(ck).resume(true).build(), new TrainingCallbacks() {});
      assertTrue(again.epochs().isEmpty());
      assertEquals(16, again.stepsDone());
    }
  }

  @Test
  void resumeWithoutValidationReportsNoStaleMapOrThresholds() throws Exception {
    try (Dataset ds = Dataset.open(data);
        Dataset val = Dataset.open(heldOut)) {
      Path ck = tmp.resolve("stale");
      TrainingOutcome first =
          Training.run(ds, val, config(ck).maxSteps(8).build(), new TrainingCallbacks() {});
      assertTrue(Double.isFinite(first.map()), first.toString());
      Checkpoint validated = Checkpoints.load(ck).checkpoint();
      assertTrue(Double.isFinite(validated.map()));
      assertEquals(12, validated.thresholds().length);

      TrainingOutcome resumed =
          Training.run(ds, null, config(ck).resume(true).build(), new TrainingCallbacks() {});
      assertEquals(16, resumed.stepsDone());
      assertTrue(Double.isNaN(resumed.map()), "no mAP measured by this run: " + resumed.map());
      assertNull(resumed.thresholds());
      assertTrue(Double.isNaN(resumed.epochs().get(0).map()));
      Checkpoint after = Checkpoints.load(ck).checkpoint();
      assertTrue(Double.isNaN(after.map()), "the older model's mAP is not written again");
      assertNull(after.thresholds(), "the older model's thresholds are dropped");
    }
  }

  @Test
  void badResumesAreRefused() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      Path ck = tmp.resolve("bad");
      assertThrows(
          NoSuchFileException.class,
          () ->
              Training.run(ds, null, config(ck).resume(true).build(), new TrainingCallbacks() {}));
      Training.run(ds, null, config(ck).maxSteps(1).build(), new TrainingCallbacks() {});
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Training.run(
                      ds,
                      null,
                      config(ck).batchSize(4).resume(true).build(),
                      new TrainingCallbacks() {}));
      assertTrue(
          e.getMessage()
              .startsWith(
                  "the checkpoint's global batch is 1 device(s) × 8 = 8, this run's 1 × 4 = 4"),
          e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Training.run(
                      ds,
                      null,
                      config(ck).model("resnet34").resume(true).build(),
                      new TrainingCallbacks() {}));
      assertTrue(e.getMessage().contains("resnet34"), e.getMessage());
      Path other = tmp.resolve("other");
      ShapesDatasetWriter.write(other, 16, 24, 9);
      try (Dataset o = Dataset.open(other)) {
        e =
            assertThrows(
                IllegalArgumentException.class,
                () ->
                    Training.run(
                        ds, o, config(tmp.resolve("v")).build(), new TrainingCallbacks() {}));
        assertTrue(e.getMessage().contains("24×24"), e.getMessage());
        assertEquals(List.of(Setting.VAL), assertInstanceOf(SettingException.class, e).settings());
        assertTrue(e.getMessage().startsWith("val dataset images are"), e.getMessage());
      }
      assertEquals(
          1, Checkpoints.load(ck).checkpoint().stepsDone(), "refused resumes write nothing");
    }
  }

  @Test
  void resumeUsesTheCheckpointsSettingsAndRefusesOthersOrAnotherDataset() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      Path ck2 = tmp.resolve("settings");
      Training.run(
          ds,
          null,
          config(ck2).maxSteps(1).learningRate(0.002f).build(),
          new TrainingCallbacks() {});

      // options not set: the checkpoint's are used, and reported as such
      List<OptimizerSettings> used = new ArrayList<>();
      TrainingCallbacks reports =
          new TrainingCallbacks() {
            @Override
            public void started(
                io.jcolz.training.model.ResNetSpec spec,
                OptimizerSettings o,
                float[] w,
                boolean resumed,
                long stepsDone) {
              assertTrue(resumed);
              assertEquals(1, stepsDone);
              assertNull(w);
              used.add(o);
            }
          };
      Training.run(ds, null, config(ck2).maxSteps(1).resume(true).build(), reports);
      assertEquals(1, used.size());
      assertEquals(0.002f, used.get(0).learningRate());
      assertEquals("adam", used.get(0).kind());
      // the same values given explicitly are accepted
      Training.run(
          ds,
          null,
          config(ck2)
              .maxSteps(1)
              .resume(true)
              .learningRate(0.002f)
              .optimizer("ADAM")
              .momentum(0.9f)
              .weightDecay(1e-4f)
              .warmupSteps(-1)
              .positiveWeight("none")
              .build(),
          new TrainingCallbacks() {});
      long steps = Checkpoints.load(ck2).checkpoint().stepsDone();
      assertEquals(3, steps);

      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Training.run(
                      ds,
                      null,
                      config(ck2).resume(true).learningRate(0.01f).optimizer("sgd").build(),
                      new TrainingCallbacks() {}));
      // the library names settings neutrally (builder methods); a front end words them its way
      assertTrue(e.getMessage().contains("learningRate 0.01 (checkpoint: 0.002)"), e.getMessage());
      assertTrue(e.getMessage().contains("optimizer sgd (checkpoint: adam)"), e.getMessage());
      assertTrue(e.getMessage().contains("another checkpointDir directory"), e.getMessage());
      SettingException se = assertInstanceOf(SettingException.class, e);
      assertEquals(
          List.of(Setting.OPTIMIZER, Setting.LEARNING_RATE, Setting.CHECKPOINT_DIR), se.settings());
      String worded = se.message(s -> "<" + s.name() + ">");
      assertTrue(worded.contains("<LEARNING_RATE> 0.01 (checkpoint: 0.002)"), worded);
      assertTrue(worded.contains("<OPTIMIZER> sgd (checkpoint: adam)"), worded);
      assertFalse(worded.contains("learningRate"), worded);
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Training.run(
                      ds,
                      null,
                      config(ck2).resume(true).warmupSteps(5).build(),
                      new TrainingCallbacks() {}));
      assertTrue(e.getMessage().contains("warmupSteps 5"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Training.run(
                      ds,
                      null,
                      config(ck2).resume(true).positiveWeight("auto").build(),
                      new TrainingCallbacks() {}));
      assertTrue(e.getMessage().contains("positiveWeight (checkpoint: none)"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Training.run(
                      ds,
                      null,
                      config(ck2).resume(true).momentum(0.5f).weightDecay(0f).build(),
                      new TrainingCallbacks() {}));
      assertTrue(
          e.getMessage().contains("momentum 0.5")
              && e.getMessage().contains("weightDecay 0.0")
              && e.getMessage().contains(" differ "),
          e.getMessage());

      // another training dataset (same vocabulary and image size): refused, naming both ids
      Path otherPath = tmp.resolve("other-train");
      ShapesDatasetWriter.write(otherPath, 64, 16, 7);
      try (Dataset other = Dataset.open(otherPath)) {
        e =
            assertThrows(
                IllegalArgumentException.class,
                () ->
                    Training.run(
                        other, null, config(ck2).resume(true).build(), new TrainingCallbacks() {}));
        assertTrue(
            e.getMessage().contains(ds.id().toString())
                && e.getMessage().contains(other.id().toString()),
            e.getMessage());
      }
      assertEquals(
          steps, Checkpoints.load(ck2).checkpoint().stepsDone(), "refused resumes write nothing");
    }
  }

  @Test
  void multiHotLabelsAndAutoPositiveWeightsTrainAndAreRecorded() throws Exception {
    try (Dataset ds = Dataset.open(data)) {
      Path ck = tmp.resolve("multi-hot");
      TrainingOutcome r =
          Training.run(
              ds,
              null,
              config(ck)
                  .epochs(1)
                  .labelMode(io.jcolz.loader.batch.LabelMode.MULTI_HOT)
                  .positiveWeight("auto")
                  .optimizer("sgd")
                  .learningRate(0.05f)
                  .build(),
              new TrainingCallbacks() {});
      assertEquals(8, r.stepsDone());
      assertTrue(Double.isFinite(r.loss()) && r.loss() > 0, r.toString());
      Checkpoint c = Checkpoints.load(ck).checkpoint();
      assertEquals("MULTI_HOT", c.labelMode());
      assertEquals("sgd", c.optimizer().kind());
      float[] expected = io.jcolz.training.data.LabelCounts.of(ds).autoPositiveWeights();
      org.junit.jupiter.api.Assertions.assertArrayEquals(expected, c.positiveWeights());
    }
  }
}
