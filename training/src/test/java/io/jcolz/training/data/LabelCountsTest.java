package io.jcolz.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.jcolz.format.Dataset;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.shapes.ShapesDatasetWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LabelCounts#of} against counts made by hand from {@link Dataset#readLabels}: on partial
 * labels an unknown cell is neither a positive nor a negative and a positive counts its confidence;
 * on plain labels the prior is today's {@code Σ positives / (rows × L)}.
 */
class LabelCountsTest {
  @TempDir Path tmp;

  @Test
  void thePriorOfPartialLabelsSkipsUnknownsAndWeighsConfidences() throws Exception {
    Path data = tmp.resolve("unknown");
    ShapesDatasetWriter.writePartial(data, 37, 16, 11, PartialLabels.Unlisted.UNKNOWN);
    try (Dataset ds = Dataset.open(data)) {
      int labels = ds.labels().size();
      double confidence = 0;
      long known = 0;
      long[] positives = new long[labels];
      long[] knownRows = new long[labels];
      for (long row = 0; row < ds.rowCount(); row++) {
        PartialLabels.RowLabels r = ds.readLabels(row);
        for (int j = 0; j < r.positives().length; j++) {
          confidence += r.confidence(j);
          positives[r.positives()[j]]++;
          knownRows[r.positives()[j]]++;
        }
        for (int n : r.negatives()) {
          knownRows[n]++;
        }
        known += r.positives().length + r.negatives().length;
      }
      LabelCounts c = LabelCounts.of(ds);
      assertArrayEquals(positives, c.positives());
      assertArrayEquals(knownRows, c.knownRows());
      float want = (float) Math.max(LabelCounts.MIN_PRIOR, Math.min(0.5, confidence / known));
      assertEquals(want, c.prior(), 1e-6f);
      // what counting unknowns as negatives and confidences as 1 gave before
      long sum = java.util.Arrays.stream(positives).sum();
      float old = (float) ((double) sum / ((double) ds.rowCount() * labels));
      assertNotEquals(old, c.prior(), 1e-3f, "unknowns must not count as negatives");
      float[] w = c.autoPositiveWeights();
      for (int l = 0; l < labels; l++) {
        if (positives[l] > 0) {
          double ratio = (double) (knownRows[l] - positives[l]) / positives[l];
          assertEquals((float) Math.max(0.01, Math.min(100, ratio)), w[l], 1e-6f, "label " + l);
        }
      }
    }
  }

  @Test
  void plainLabelsGiveTheMeanLabelFrequency() throws Exception {
    Path data = tmp.resolve("plain");
    ShapesDatasetWriter.write(data, 37, 16, 11);
    try (Dataset ds = Dataset.open(data)) {
      long sum = 0;
      for (long row = 0; row < ds.rowCount(); row++) {
        sum += ds.readLabels(row).positives().length;
      }
      float want = (float) ((double) sum / ((double) ds.rowCount() * ds.labels().size()));
      LabelCounts c = LabelCounts.of(ds);
      assertEquals(want, c.prior());
      assertEquals(new LabelCounts(c.rows(), c.positives()).prior(), c.prior());
    }
  }
}
