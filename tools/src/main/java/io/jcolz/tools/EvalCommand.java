package io.jcolz.tools;

import ai.djl.Device;
import ai.djl.Model;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.loop.Inference;
import io.jcolz.training.metrics.MultiLabelEvaluator;
import io.jcolz.training.metrics.MultiLabelReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcolz eval DS --checkpoint DIR}: mAP, and micro/macro F1 at threshold 0.5 and at per-label
 * thresholds. The per-label thresholds are those stored in the checkpoint — chosen (F1-maximising)
 * on the {@code --val} set during training, so F1 on DS is an honest estimate when DS is another
 * held-out set ({@code "thresholds": "checkpoint"}); when DS <em>is</em> that {@code --val} set
 * (same dataset id, recorded in the checkpoint) the F1 is optimistic and says so ({@code
 * "thresholds": "chosen on this dataset during training (optimistic)"}). A checkpoint trained
 * without {@code --val} has none, and then they are chosen on DS itself (optimistic: {@code
 * "thresholds": "chosen on DS"}) — {@code --tune-on-data} forces that. {@code --report FILE} writes
 * per-label precision, recall, F1, support, AP and thresholds as CSV. With {@code --json} the last
 * stdout line is one object ({@code map, micro_f1, macro_f1, micro_f1_thresholds,
 * macro_f1_thresholds, thresholds, rows, labels, images_per_s, seconds, checkpoint}). Exit codes:
 * 0; 1 missing checkpoint, vocabulary or image-size mismatch, unreadable data; 2 usage. Not
 * thread-safe.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Evaluate a checkpoint on a dataset: mAP, micro/macro F1 at 0.5 and at per-label thresholds.")
public final class EvalCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DS", description = "dataset directory (with labels)")
  Path dataset;

  @Option(
      names = "--checkpoint",
      paramLabel = "DIR",
      required = true,
      description = "checkpoint directory (or one step-… folder)")
  Path checkpoint;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description = "write per-label precision/recall/F1/AP as CSV")
  Path report;

  @Option(
      names = "--tune-on-data",
      description = "choose per-label thresholds on DS even if the checkpoint has some")
  boolean tuneOnData;

  @picocli.CommandLine.Mixin InferenceOptions run = new InferenceOptions();

  @Mixin JsonOption json = new JsonOption();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** {@code thresholds}: the checkpoint's, chosen on another dataset than DS (honest F1). */
  static final String FROM_CHECKPOINT = "checkpoint";

  /**
   * {@code thresholds}: the checkpoint's, chosen on DS itself as {@code --val} in training
   * (optimistic F1).
   */
  static final String CHOSEN_ON_THIS_IN_TRAINING =
      "chosen on this dataset during training (optimistic)";

  /** {@code thresholds}: chosen on DS now (optimistic F1). */
  static final String CHOSEN_ON_DS = "chosen on DS";

  @Override
  public Integer call() throws Exception {
    Device device = run.validate();
    PrintWriter out = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    try (Dataset ds = Dataset.open(dataset)) {
      Checkpoints.Loaded loaded = ModelSupport.checkpointFor(checkpoint, ds, true);
      Checkpoint c = loaded.checkpoint();
      Inference.Scored scored;
      try (Model model = loaded.model(device)) {
        scored =
            Inference.evaluate(
                ds,
                device,
                model.getNDManager(),
                run.batch,
                run.workers,
                run.reads(),
                Inference.forward(model));
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      MultiLabelReport half;
      MultiLabelReport tuned;
      boolean stored = c.thresholds() != null && !tuneOnData;
      try (scored) {
        MultiLabelEvaluator evaluator = scored.evaluator();
        half = evaluator.evaluate(0.5f);
        float[] thresholds = stored ? c.thresholds() : half.bestThresholds(0.5f);
        tuned = evaluator.evaluate(thresholds);
      }
      String source =
          !stored
              ? CHOSEN_ON_DS
              : ds.id().toString().equals(c.valDataset())
                  ? CHOSEN_ON_THIS_IN_TRAINING
                  : FROM_CHECKPOINT;
      if (report != null) {
        tuned.writeCsv(report, c.labels());
      }
      if (json.on()) {
        ObjectNode j = CliSupport.object();
        CliSupport.putNumber(j, "map", half.meanAveragePrecision());
        CliSupport.putNumber(j, "micro_f1", half.microF1());
        CliSupport.putNumber(j, "macro_f1", half.macroF1());
        CliSupport.putNumber(j, "micro_f1_thresholds", tuned.microF1());
        CliSupport.putNumber(j, "macro_f1_thresholds", tuned.macroF1());
        j.put("thresholds", source);
        j.put("rows", half.numSamples());
        j.put("labels", half.numLabels());
        j.put("labels_with_positives", half.labelsWithPositives());
        j.put("unknowns_skipped", half.unknownsSkipped());
        j.put("images_per_s", half.numSamples() / seconds);
        j.put("seconds", seconds);
        j.put("read_mode", scored.reads().mode().label());
        j.put("read_mode_reason", scored.reads().reason());
        j.put("checkpoint", loaded.directory().toString());
        j.put("model", c.spec().name());
        if (report != null) {
          j.put("report", report.toString());
        }
        CliSupport.printJson(out, j);
      } else {
        out.printf(
            Locale.ROOT,
            "%s (%s) on %s: %s rows, %d labels (%d with positives)%n",
            c.spec().name(),
            loaded.directory(),
            dataset,
            CliSupport.count(half.numSamples()),
            half.numLabels(),
            half.labelsWithPositives());
        if (half.unknownsSkipped() > 0) {
          out.printf(
              Locale.ROOT,
              "unknowns   %s (sample, label) left out: each label evaluated where it is known%n",
              CliSupport.count(half.unknownsSkipped()));
        }
        out.printf(Locale.ROOT, "mAP        %.4f%n", half.meanAveragePrecision());
        out.printf(
            Locale.ROOT,
            "at 0.5     micro F1 %.4f  macro F1 %.4f%n",
            half.microF1(),
            half.macroF1());
        out.printf(
            Locale.ROOT,
            "per label  micro F1 %.4f  macro F1 %.4f  (thresholds %s)%n",
            tuned.microF1(),
            tuned.macroF1(),
            source);
        if (report != null) {
          out.println("per-label report written to " + report);
        }
      }
    }
    return Main.OK;
  }
}
