package io.jcolz.tools.compare;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.tools.CliSupport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Runs loaders side by side in one process on the same images: for each thread count, {@code
 * rounds} rounds, and in each round every candidate once (interleaved, so a noisy neighbour hits
 * all of them alike); each figure is the median of its rounds, warm-up excluded. Optionally the
 * same again with the page cache dropped before every measurement (cold). Prints a table, returns
 * the JSON object of {@code jcolz bench --compare}, and draws the chart.
 *
 * <p>Not thread-safe.
 */
public final class Comparison {
  private final List<Candidate> candidates;
  private final List<String> skipped;
  private final int[] threads;
  private final int batch;
  private final int rounds;
  private final double warmup;
  private final double seconds;
  private final boolean cold;
  private final Map<String, double[][]> warm = new LinkedHashMap<>();
  private final Map<String, double[][]> coldRates = new LinkedHashMap<>();
  private String coldNote;

  /**
   * @param candidates jcolz first, then the baselines
   * @param skipped notes on baselines that could not run on these inputs, one line each: the caller
   *     prints them when the run starts, {@link #json()} lists them as {@code not_run}
   */
  public Comparison(
      List<Candidate> candidates,
      List<String> skipped,
      int[] threads,
      int batch,
      int rounds,
      double warmup,
      double seconds,
      boolean cold) {
    this.candidates = candidates;
    this.skipped = skipped;
    this.threads = threads.clone();
    this.batch = batch;
    this.rounds = rounds;
    this.warmup = warmup;
    this.seconds = seconds;
    this.cold = cold;
  }

  /**
   * Builds the candidates for a packed dataset and the directory it was packed from, finding the
   * PyTorch baseline's Python through the process environment ({@code JCOLZ_PYTHON}, {@code PATH}).
   * A baseline that cannot run here adds one line to {@code skipped} saying why.
   */
  public static List<Candidate> candidates(
      io.jcolz.format.Dataset ds, Path dir, List<String> skipped) throws IOException {
    return candidates(ds, dir, skipped, System.getenv());
  }

  static List<Candidate> candidates(
      io.jcolz.format.Dataset ds, Path dir, List<String> skipped, Map<String, String> env)
      throws IOException {
    List<Candidate> list = new ArrayList<>();
    list.add(new JcolzCandidate(ds));
    SourceImages source = new SourceImages(ds, dir);
    list.add(new PerFileCandidate(source));
    list.add(new DjlImageFolderCandidate(source));
    PyTorchCandidate.Probe torch = PyTorchCandidate.probe(env);
    String refused = torch.python() == null ? torch.why() : PyTorchCandidate.pilRefuses(source);
    if (refused == null) {
      list.add(new PyTorchCandidate(source, torch.python()));
    } else {
      skipped.add(refused);
    }
    for (Candidate c : list) {
      if (c.images() != ds.rowCount()) { // SourceImages guarantees it; a bug otherwise
        throw new IllegalStateException(
            c.name() + " would read " + c.images() + " images, the dataset has " + ds.rowCount());
      }
    }
    return list;
  }

  /** Runs every measurement, printing progress lines to {@code log} (may be null). */
  public void run(PrintWriter log) throws Exception {
    for (Candidate c : candidates) {
      warm.put(c.name(), new double[threads.length][rounds]);
      coldRates.put(c.name(), new double[threads.length][rounds]);
    }
    for (int ti = 0; ti < threads.length; ti++) {
      for (int r = 0; r < rounds; r++) {
        for (Candidate c : candidates) {
          double v = c.measure(threads[ti], batch, warmup, seconds);
          warm.get(c.name())[ti][r] = v;
          if (log != null) {
            log.printf(
                Locale.ROOT,
                "  %-16s threads %-3d round %d/%d  %,10.1f images/s%n",
                c.name(),
                threads[ti],
                r + 1,
                rounds,
                v);
            log.flush();
          }
        }
      }
      if (cold && coldNote == null) {
        for (int r = 0; r < rounds && coldNote == null; r++) {
          for (Candidate c : candidates) {
            String failure = PageCache.drop();
            if (failure != null) {
              coldNote = "cold-cache figures not measured: " + failure;
              break;
            }
            // no warm-up: the first batches are the cold ones
            double v = c.measure(threads[ti], batch, 0, seconds);
            coldRates.get(c.name())[ti][r] = v;
            if (log != null) {
              log.printf(
                  Locale.ROOT,
                  "  %-16s threads %-3d cold %d/%d  %,10.1f images/s%n",
                  c.name(),
                  threads[ti],
                  r + 1,
                  rounds,
                  v);
              log.flush();
            }
          }
        }
      }
    }
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private double med(Map<String, double[][]> m, String name, int ti) {
    return median(m.get(name)[ti]);
  }

  private boolean coldMeasured() {
    return cold && coldNote == null;
  }

  /** Prints the table: medians per loader and thread count, and jcolz's ratio to each baseline. */
  public void printTable(PrintWriter out) {
    String jcolz = candidates.get(0).name();
    out.printf(
        Locale.ROOT,
        "%nimages/s, median of %d rounds of %.0f s after %.0f s warm-up, batch %d%n",
        rounds,
        seconds,
        warmup,
        batch);
    for (int ti = 0; ti < threads.length; ti++) {
      out.printf(Locale.ROOT, "threads %d%n", threads[ti]);
      for (Candidate c : candidates) {
        double v = med(warm, c.name(), ti);
        String ratio =
            c.name().equals(jcolz)
                ? ""
                : String.format(Locale.ROOT, "   jcolz is %.1fx", med(warm, jcolz, ti) / v);
        String coldText =
            coldMeasured()
                ? String.format(Locale.ROOT, "   cold %,10.1f", med(coldRates, c.name(), ti))
                : "";
        out.printf(Locale.ROOT, "  %-16s %,12.1f%s%s%n", c.name(), v, coldText, ratio);
      }
    }
    out.printf(
        Locale.ROOT,
        "  every loader reads the same %,d images (the dataset's rows)%n",
        candidates.get(0).images());
    for (Candidate c : candidates) {
      out.println("  " + c.name() + ": " + c.description());
    }
    if (cold && coldNote != null) {
      out.println("  " + coldNote);
    }
    out.flush();
  }

  /**
   * The {@code --json} object; figures at the largest thread count, all counts under {@code
   * by_threads}.
   */
  public ObjectNode json() {
    ObjectNode o = CliSupport.object();
    int last = threads.length - 1;
    String jcolz = candidates.get(0).name();
    ObjectNode ips = o.putObject("images_per_s");
    ObjectNode ratios = o.putObject("ratios");
    for (Candidate c : candidates) {
      ips.put(c.name(), round1(med(warm, c.name(), last)));
      if (!c.name().equals(jcolz)) {
        ratios.put(
            c.name(), Math.round(100 * med(warm, jcolz, last) / med(warm, c.name(), last)) / 100.0);
      }
    }
    ObjectNode counts = o.putObject("images");
    for (Candidate c : candidates) {
      counts.put(c.name(), c.images());
    }
    o.put("threads", threads[last]);
    o.put("batch", batch);
    o.put("rounds", rounds);
    o.put("seconds", seconds);
    o.put("warmup_seconds", warmup);
    ObjectNode by = o.putObject("by_threads");
    for (int ti = 0; ti < threads.length; ti++) {
      ObjectNode t = by.putObject(Integer.toString(threads[ti]));
      for (Candidate c : candidates) {
        ArrayNode a = t.putArray(c.name());
        for (double v : warm.get(c.name())[ti]) {
          a.add(round1(v));
        }
      }
    }
    if (coldMeasured()) {
      ObjectNode c2 = o.putObject("cold_images_per_s");
      for (Candidate c : candidates) {
        c2.put(c.name(), round1(med(coldRates, c.name(), last)));
      }
    } else if (cold) {
      o.put("cold_images_per_s", coldNote);
    }
    ObjectNode details = CliSupport.object();
    for (Candidate c : candidates) {
      ObjectNode d = c.details();
      if (d != null) {
        details.set(c.name(), d);
      }
    }
    if (!details.isEmpty()) {
      o.set("details", details);
    }
    ArrayNode notRun = o.putArray("not_run");
    skipped.forEach(notRun::add);
    return o;
  }

  private static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /**
   * Writes a PNG chart: bars per loader for one thread count, lines over thread counts otherwise.
   */
  public void chart(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    String title = "Loader throughput, batch " + batch + " (median of " + rounds + ")";
    if (threads.length == 1) {
      CategoryChart chart =
          new CategoryChartBuilder()
              .width(800)
              .height(500)
              .title(title)
              .xAxisTitle("loader (" + threads[0] + " threads)")
              .yAxisTitle("images/s")
              .build();
      List<String> names = new ArrayList<>();
      List<Double> values = new ArrayList<>();
      for (Candidate c : candidates) {
        names.add(c.name());
        values.add(med(warm, c.name(), 0));
      }
      chart.addSeries("warm page cache", names, values);
      if (coldMeasured()) {
        List<Double> cv = new ArrayList<>();
        for (Candidate c : candidates) {
          cv.add(med(coldRates, c.name(), 0));
        }
        chart.addSeries("cold page cache", names, cv);
      }
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    } else {
      XYChart chart =
          new XYChartBuilder()
              .width(800)
              .height(500)
              .title(title)
              .xAxisTitle("threads")
              .yAxisTitle("images/s")
              .build();
      double[] x = Arrays.stream(threads).asDoubleStream().toArray();
      for (Candidate c : candidates) {
        double[] y = new double[threads.length];
        for (int ti = 0; ti < threads.length; ti++) {
          y[ti] = med(warm, c.name(), ti);
        }
        chart.addSeries(c.name(), x, y);
      }
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
  }
}
