package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.shapes.ShapesDatasetWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcolz train --loss asl} and {@code jcolz eval} on datasets of partial labels (format
 * version 3, confidences and verified negatives, unlisted labels unknown): both succeed, and eval
 * leaves out exactly the unknown (sample, label) elements, counted here from the rows.
 */
class TrainPartialLabelsTest {
  @TempDir Path tmp;

  @Test
  void trainAslOneEpochThenEvalSkipsTheUnknowns() throws Exception {
    Path train = tmp.resolve("train");
    Path val = tmp.resolve("val");
    Path ck = tmp.resolve("ck");
    ShapesDatasetWriter.writePartial(train, 32, 16, 1, PartialLabels.Unlisted.UNKNOWN);
    ShapesDatasetWriter.writePartial(val, 24, 16, 2, PartialLabels.Unlisted.UNKNOWN);
    long unknowns = 0;
    try (Dataset ds = Dataset.open(val)) {
      int l = ds.labels().size();
      for (long r = 0; r < ds.rowCount(); r++) {
        PartialLabels.RowLabels row = ds.readLabels(r);
        unknowns += l - row.positives().length - row.negatives().length;
      }
    }
    assertTrue(unknowns > 0);
    for (String labels : new String[] {"multi-hot", "sparse"}) {
      CliTestSupport.Result t =
          CliTestSupport.run(
              "train",
              train.toString(),
              "--val",
              val.toString(),
              "--model",
              "resnet18",
              "--epochs",
              "1",
              "--batch",
              "8",
              "--workers",
              "1",
              "--loss",
              "asl",
              "--labels",
              labels,
              "--checkpoint",
              ck.resolve(labels).toString(),
              "--json");
      assertEquals(0, t.code(), t.toString());
      JsonNode tj = CliSupport.JSON.readTree(t.lastLine());
      assertEquals(4, tj.get("steps").asInt(), t.toString());
      double loss = tj.get("loss").asDouble();
      assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
      CliTestSupport.Result e =
          CliTestSupport.run(
              "eval",
              val.toString(),
              "--checkpoint",
              ck.resolve(labels).toString(),
              "--workers",
              "1",
              "--json");
      assertEquals(0, e.code(), e.toString());
      JsonNode ej = CliSupport.JSON.readTree(e.lastLine());
      assertEquals(unknowns, ej.get("unknowns_skipped").asLong(), e.toString());
      assertEquals(24, ej.get("rows").asInt());
      CliTestSupport.Result human =
          CliTestSupport.run(
              "eval",
              val.toString(),
              "--checkpoint",
              ck.resolve(labels).toString(),
              "--workers",
              "1");
      assertEquals(0, human.code(), human.toString());
      assertTrue(human.out().contains("left out"), human.toString());
    }
    // positive weights are for plain labels: one line naming the flag (a setting that does not
    // fit the data: exit 1, as train words every SettingException)
    CliTestSupport.Result w =
        CliTestSupport.run(
            "train", train.toString(), "--epochs", "1", "--batch", "8", "--pos-weight", "3");
    assertEquals(Main.FAILURE, w.code(), w.toString());
    assertTrue(w.err().contains("--pos-weight applies to plain labels only"), w.toString());
    assertFalse(w.err().contains("\tat "), w.toString());
  }
}
