package io.jcolz.tools;

import static io.jcolz.format.store.FileFormat.LE_FLOAT;
import static io.jcolz.format.store.FileFormat.LE_INT;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.LabelReader;
import io.jcolz.format.schema.PartialLabels;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

/**
 * Per-label counts for {@code jcolz info}: for every label, the rows where it is a positive, a
 * negative and unknown (FORMAT.md §10.1). A negative is a verified negative, plus every unlisted
 * row when metadata {@code unlisted} is {@code negative}; unknown is every unlisted row when it is
 * {@code unknown}. Also the mean confidence of each label's positives. One pass over the label
 * columns, in row order.
 *
 * <p>Not thread-safe (a result object).
 */
final class LabelStats {
  private final PartialLabels convention;
  private final long rows;
  private final long[] positives;
  private final long[] verifiedNegatives;
  private final double[] confidenceSum;

  private LabelStats(PartialLabels convention, long rows, int labels) {
    this.convention = convention;
    this.rows = rows;
    this.positives = new long[labels];
    this.verifiedNegatives = new long[labels];
    this.confidenceSum = new double[labels];
  }

  /** Counts every row of {@code ds}, which has a label column. */
  static LabelStats of(Dataset ds) throws IOException {
    String label = ds.schema().labelColumn().orElseThrow();
    int card = ds.schema().column(label).cardinality();
    LabelStats s = new LabelStats(ds.partialLabels(), ds.rowCount(), card);
    try (LabelReader r = ds.labelReader()) {
      for (long row = 0; row < ds.rowCount(); row++) {
        r.seek(row);
        MemorySegment p = r.positives();
        MemorySegment c = r.confidences();
        for (long j = 0; j < p.byteSize() / 4; j++) {
          int l = p.get(LE_INT, 4 * j);
          s.positives[l]++;
          s.confidenceSum[l] += c == null ? 1.0 : c.get(LE_FLOAT, 4 * j);
        }
        MemorySegment n = r.negatives();
        if (n != null) {
          for (long j = 0; j < n.byteSize() / 4; j++) {
            s.verifiedNegatives[n.get(LE_INT, 4 * j)]++;
          }
        }
      }
    }
    return s;
  }

  private long unlisted(int l) {
    return rows - positives[l] - verifiedNegatives[l];
  }

  long negatives(int l) {
    return verifiedNegatives[l]
        + (convention.unlisted() == PartialLabels.Unlisted.NEGATIVE ? unlisted(l) : 0);
  }

  long unknowns(int l) {
    return convention.unlisted() == PartialLabels.Unlisted.UNKNOWN ? unlisted(l) : 0;
  }

  private long total(java.util.function.IntToLongFunction f) {
    long t = 0;
    for (int l = 0; l < positives.length; l++) {
      t += f.applyAsLong(l);
    }
    return t;
  }

  private static String name(List<String> names, int l) {
    return l < names.size() ? names.get(l) : "#" + l;
  }

  ObjectNode toJson(List<String> names) {
    ObjectNode o = CliSupport.object();
    o.put("unlisted", convention.unlisted().id());
    o.put("confidences", convention.hasConfidence());
    o.put("verified_negatives", convention.hasNegatives());
    o.put("rows", rows);
    o.put("positives", total(l -> positives[l]));
    o.put("negatives", total(this::negatives));
    o.put("unknowns", total(this::unknowns));
    ArrayNode a = o.putArray("per_label");
    for (int l = 0; l < positives.length; l++) {
      ObjectNode j = a.addObject();
      j.put("label", name(names, l));
      j.put("index", l);
      j.put("positives", positives[l]);
      j.put("negatives", negatives(l));
      j.put("verified_negatives", verifiedNegatives[l]);
      j.put("unknowns", unknowns(l));
      if (convention.hasConfidence() && positives[l] > 0) {
        j.put("mean_confidence", confidenceSum[l] / positives[l]);
      }
    }
    return o;
  }

  /** A summary line and the 20 labels with most positives. */
  void print(PrintWriter out, List<String> names) {
    out.printf(
        Locale.ROOT,
        "%nlabel statistics (unlisted = %s%s%s): %s positives, %s negatives, %s unknowns%n",
        convention.unlisted().id(),
        convention.hasConfidence() ? ", confidences" : "",
        convention.hasNegatives() ? ", verified negatives" : "",
        CliSupport.count(total(l -> positives[l])),
        CliSupport.count(total(this::negatives)),
        CliSupport.count(total(this::unknowns)));
    Integer[] order = new Integer[positives.length];
    for (int l = 0; l < order.length; l++) {
      order[l] = l;
    }
    java.util.Arrays.sort(order, (a, b) -> Long.compare(positives[b], positives[a]));
    int shown = Math.min(20, order.length);
    out.printf(
        Locale.ROOT,
        "%-24s %12s %12s %12s%s%n",
        "label",
        "positives",
        "negatives",
        "unknowns",
        convention.hasConfidence() ? "  mean conf." : "");
    for (int i = 0; i < shown; i++) {
      int l = order[i];
      out.printf(
          Locale.ROOT,
          "%-24s %12d %12d %12d%s%n",
          GetCommand.printable(name(names, l)),
          positives[l],
          negatives(l),
          unknowns(l),
          convention.hasConfidence() && positives[l] > 0
              ? String.format(Locale.ROOT, "  %.3f", confidenceSum[l] / positives[l])
              : "");
    }
    if (order.length > shown) {
      out.printf(Locale.ROOT, "… %d more labels (--json lists all)%n", order.length - shown);
    }
  }
}
