package io.jcolz.tools;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Column;
import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.Dataset;
import io.jcolz.format.VerifyReport;
import io.jcolz.pack.PackPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcolz verify DS}: checks every checksum, every chunk's decompression and structure, the
 * key index, and the pack plan kept in a packed collection (its CRC32C and plan id). Exit 0 when
 * clean, 1 with each bad chunk named. Not thread-safe.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description =
        "Check every checksum and chunk of a dataset; exit 0 when clean, 1 naming each bad chunk.")
public final class VerifyCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DS", description = "dataset directory")
  Path dataset;

  @Option(names = "--threads", description = "checking threads (default: all cores)")
  int threads = Runtime.getRuntime().availableProcessors();

  @Mixin JsonOption json = new JsonOption();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Knobs.threads("--threads", threads);
    PrintWriter out = spec.commandLine().getOut();
    long start = System.nanoTime();
    VerifyReport report;
    try (Dataset ds = Dataset.open(dataset)) {
      long total = 0;
      for (Column c : ds.columns()) {
        total += c.compressedBytes();
      }
      if (CliSupport.stderrIsTerminal()) {
        try (ProgressBar pb = Progress.bytes("verify", total)) {
          report = ds.verify(threads, pb::stepBy);
        }
      } else {
        report = ds.verify(threads, null);
      }
      report = withPlanProblems(report, ds);
    } catch (CorruptDatasetException e) {
      // the dataset does not even open: that is the one problem to report
      report =
          new VerifyReport(
              List.of(new VerifyReport.Problem(dataset.toString(), null, -1, -1, e.getMessage())),
              0,
              0,
              0);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (json.on()) {
      ObjectNode o = CliSupport.object();
      o.put("ok", report.ok());
      o.put("chunks", report.chunksChecked());
      o.put("bytes", report.bytesChecked());
      o.put("keys", report.keysChecked());
      o.put("seconds", Math.round(seconds * 1000) / 1000.0);
      ArrayNode ps = o.putArray("problems");
      for (VerifyReport.Problem p : report.problems()) {
        ObjectNode j = ps.addObject();
        j.put("file", p.file());
        if (p.column() != null) {
          j.put("column", p.column());
        }
        if (p.chunk() >= 0) {
          j.put("chunk", p.chunk());
        }
        if (p.offset() >= 0) {
          j.put("offset", p.offset());
        }
        j.put("message", p.message());
      }
      for (VerifyReport.Problem p : report.problems()) {
        spec.commandLine().getErr().println("BAD " + p.message());
      }
      CliSupport.printJson(out, o);
    } else if (report.ok()) {
      out.printf(
          Locale.ROOT,
          "OK %s: %s chunks, %s checked, %s keys in %.1f s%n",
          dataset,
          CliSupport.count(report.chunksChecked()),
          CliSupport.bytes(report.bytesChecked()),
          CliSupport.count(report.keysChecked()),
          seconds);
    } else {
      for (VerifyReport.Problem p : report.problems()) {
        out.println("BAD " + p.message());
      }
      out.printf(
          Locale.ROOT,
          "FAILED %s: %d problem(s) in %s chunks checked%n",
          dataset,
          report.problems().size(),
          CliSupport.count(report.chunksChecked()));
    }
    out.flush();
    return report.ok() ? Main.OK : Main.FAILURE;
  }

  /**
   * Adds what is wrong with the pack tool's plan kept in the dataset (FORMAT.md §9.3): not part of
   * the format, but a re-run of pack trusts it, so verify checks its checksum and plan id too.
   */
  private static VerifyReport withPlanProblems(VerifyReport report, Dataset ds) {
    List<java.util.Map.Entry<Path, String>> bad = PackPlan.problems(ds.path(), ds.metadata());
    if (bad.isEmpty()) {
      return report;
    }
    List<VerifyReport.Problem> all = new java.util.ArrayList<>(report.problems());
    for (java.util.Map.Entry<Path, String> b : bad) {
      all.add(new VerifyReport.Problem(b.getKey().toString(), null, -1, -1, b.getValue()));
    }
    return new VerifyReport(
        all, report.chunksChecked(), report.bytesChecked(), report.keysChecked());
  }
}
