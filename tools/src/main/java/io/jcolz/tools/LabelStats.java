package io.jcolz.tools;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.LabelTally;
import io.jcolz.format.schema.PartialLabels;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Per-label counts for {@code jcolz info}: for every label, the rows where it is a positive, a
 * negative and unknown (FORMAT.md §10.1). A negative is a verified negative, plus every unlisted
 * row when metadata {@code unlisted} is {@code negative}; unknown is every unlisted row when it is
 * {@code unknown}. Also the mean confidence of each label's positives. The counting is {@link
 * LabelTally}'s; this class prints it.
 *
 * <p>Not thread-safe (a result object).
 */
final class LabelStats {
  private final LabelTally tally;
  private final PartialLabels convention;

  private LabelStats(LabelTally tally) {
    this.tally = tally;
    this.convention = tally.convention();
  }

  /** Counts every row of {@code ds}, which has a label column ({@link LabelTally#of}). */
  static LabelStats of(Dataset ds) throws IOException {
    return new LabelStats(LabelTally.of(ds));
  }

  private long total(java.util.function.IntToLongFunction f) {
    long t = 0;
    for (int l = 0; l < tally.labels(); l++) {
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
    o.put("rows", tally.rows());
    o.put("positives", total(l -> tally.positives(l)));
    o.put("negatives", total(tally::negatives));
    o.put("unknowns", total(tally::unknowns));
    ArrayNode a = o.putArray("per_label");
    for (int l = 0; l < tally.labels(); l++) {
      ObjectNode j = a.addObject();
      j.put("label", name(names, l));
      j.put("index", l);
      j.put("positives", tally.positives(l));
      j.put("negatives", tally.negatives(l));
      j.put("verified_negatives", tally.verifiedNegatives(l));
      j.put("unknowns", tally.unknowns(l));
      if (convention.hasConfidence() && tally.positives(l) > 0) {
        j.put("mean_confidence", tally.confidenceSum(l) / tally.positives(l));
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
        CliSupport.count(total(l -> tally.positives(l))),
        CliSupport.count(total(tally::negatives)),
        CliSupport.count(total(tally::unknowns)));
    Integer[] order = new Integer[tally.labels()];
    for (int l = 0; l < order.length; l++) {
      order[l] = l;
    }
    java.util.Arrays.sort(order, (a, b) -> Long.compare(tally.positives(b), tally.positives(a)));
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
          tally.positives(l),
          tally.negatives(l),
          tally.unknowns(l),
          convention.hasConfidence() && tally.positives(l) > 0
              ? String.format(Locale.ROOT, "  %.3f", tally.confidenceSum(l) / tally.positives(l))
              : "");
    }
    if (order.length > shown) {
      out.printf(Locale.ROOT, "… %d more labels (--json lists all)%n", order.length - shown);
    }
  }
}
