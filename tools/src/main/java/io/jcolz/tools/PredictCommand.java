package io.jcolz.tools;

import ai.djl.Device;
import ai.djl.Model;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.training.checkpoint.Checkpoint;
import io.jcolz.training.checkpoint.Checkpoints;
import io.jcolz.training.loop.Inference;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcolz predict DS --checkpoint DIR}: for every row, in row order, the key and the top-k
 * labels by probability: {@code KEY<TAB>label=0.973 label=0.412 …}; with {@code --json} one object
 * per row ({@code {"key":…,"labels":[{"label":…,"p":…},…]}}) and, last, a summary object ({@code
 * rows, top_k, images_per_s, seconds}). Rows of a dataset without a key column are named {@code
 * #ROW}. The dataset needs no label column (new, unlabelled images packed without a label source);
 * if it has one, its vocabulary must be the checkpoint's. Labels are never read. Exit codes as
 * {@code eval}. Not thread-safe.
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = "Print the top-k labels (with probabilities) of every row of a dataset.",
    footer = {"", "With --json: one JSON object per row, then a summary object as the last line."})
public final class PredictCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DS", description = "dataset directory (labels not needed)")
  Path dataset;

  @Option(
      names = "--checkpoint",
      paramLabel = "DIR",
      required = true,
      description = "checkpoint directory (or one step-… folder)")
  Path checkpoint;

  @Option(
      names = "--top-k",
      paramLabel = "K",
      description = "labels per row (default: ${DEFAULT-VALUE})")
  int topK = 5;

  @picocli.CommandLine.Mixin InferenceOptions run = new InferenceOptions();

  @Mixin JsonOption json = new JsonOption();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (topK < 1) {
      throw new Main.UsageException("--top-k must be positive");
    }
    Device device = run.validate();
    PrintWriter out = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    long[] rows = {0};
    io.jcolz.loader.read.ReadModeChoice reads;
    try (Dataset ds = Dataset.open(dataset)) {
      Checkpoints.Loaded loaded = ModelSupport.checkpointFor(checkpoint, ds, false);
      Checkpoint c = loaded.checkpoint();
      List<String> names = c.labels();
      int l = names.size();
      int k = Math.min(topK, l);
      if (topK > l) { // clamped, and said so (README, command-line conventions)
        spec.commandLine()
            .getErr()
            .println(
                "jcolz predict: --top-k " + topK + " is more than the " + l + " labels: all " + l);
        spec.commandLine().getErr().flush();
      }
      boolean keys = ds.schema().keyColumn().isPresent();
      try (Model model = loaded.model(device)) {
        reads =
            Inference.run(
                ds,
                device,
                model.getNDManager(),
                run.batch,
                run.workers,
                run.reads(),
                LabelMode.NONE,
                keys,
                Inference.forward(model),
                (b, p) -> {
                  for (int i = 0; i < b.size(); i++) {
                    int[] top = top(p, i * l, l, k);
                    String key = keys ? b.key(i) : "#" + b.row(i);
                    if (json.on()) {
                      ObjectNode j = CliSupport.object();
                      j.put("key", key);
                      ArrayNode labels = j.putArray("labels");
                      for (int t : top) {
                        labels.addObject().put("label", names.get(t)).put("p", p[i * l + t]);
                      }
                      CliSupport.printJson(out, j);
                    } else {
                      StringBuilder line = new StringBuilder(key);
                      for (int t = 0; t < top.length; t++) {
                        line.append(t == 0 ? '\t' : ' ')
                            .append(names.get(top[t]))
                            .append('=')
                            .append(String.format(Locale.ROOT, "%.3f", p[i * l + top[t]]));
                      }
                      out.println(line);
                    }
                  }
                  rows[0] += b.size();
                });
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (json.on()) {
      ObjectNode j = CliSupport.object();
      j.put("rows", rows[0]);
      j.put("top_k", topK);
      j.put("images_per_s", rows[0] / seconds);
      j.put("seconds", seconds);
      j.put("read_mode", reads.mode().label());
      j.put("read_mode_reason", reads.reason());
      CliSupport.printJson(out, j);
    }
    out.flush();
    return Main.OK;
  }

  /**
   * Indices of the k largest of {@code p[from, from+l)}, largest first (ties: lower index first).
   */
  static int[] top(float[] p, int from, int l, int k) {
    int[] best = new int[k];
    int n = 0;
    for (int j = 0; j < l; j++) {
      float v = p[from + j];
      if (n < k) {
        n++;
      } else if (!(v > p[from + best[k - 1]])) {
        continue;
      }
      int pos = n - 1;
      while (pos > 0 && v > p[from + best[pos - 1]]) {
        best[pos] = best[pos - 1];
        pos--;
      }
      best[pos] = j;
    }
    return best;
  }
}
