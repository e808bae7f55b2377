package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.pack.PackTestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every numeric flag of every command, at zero, negative, huge (in and beyond the int or double
 * range) and NaN: each must exit 2 with one line naming the flag (a parse error may add picocli's
 * "Try ... --help" hint as a second line), before any work, never a stack trace, a hang or a start.
 * Values a flag legitimately takes (zero chunk rows means "the default", a negative level is a fast
 * Zstd level, any seed is a seed) are listed as allowed and not tried. In-process: one picocli run
 * per case.
 */
class FlagBoundsPropertyTest {
  @TempDir static Path tmp;
  static Path ds;
  static Path in;

  @BeforeAll
  static void dataset() throws Exception {
    in = tmp.resolve("in");
    for (int i = 0; i < 4; i++) {
      PackTestImages.write(PackTestImages.smooth(12, 12, i), "png", in.resolve("d/i" + i + ".png"));
    }
    ds = tmp.resolve("ds.jcolz");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            in.toString(),
            "--out",
            ds.toString(),
            "--size",
            "8",
            "--labels-from-dirs");
    assertEquals(0, r.code(), r.toString());
  }

  /** A command line up to the flag, the flag, and the values it legitimately takes. */
  record Flag(List<String> command, String flag, Set<String> allowed) {}

  static final String ZERO = "0";
  static final String NEGATIVE = "-1";
  static final String HUGE_INT = "2147483647";
  static final String OVER_INT = "99999999999";
  static final String HUGE_DOUBLE = "1e308";
  static final String INFINITE = "Infinity";
  static final String NAN = "NaN";
  static final List<String> VALUES =
      List.of(ZERO, NEGATIVE, HUGE_INT, OVER_INT, HUGE_DOUBLE, INFINITE, NAN);

  private static List<Flag> flags() {
    String d = ds.toString();
    String out = tmp.resolve("never").toString();
    List<String> pack = List.of("pack", "--input", in.toString(), "--out", out);
    List<String> bench = List.of("bench", d, "--seconds", "0.1");
    List<String> train = List.of("train", d, "--epochs", "1", "--max-steps", "1");
    List<String> eval = List.of("eval", d, "--checkpoint", tmp.resolve("ck").toString());
    List<String> predict = List.of("predict", d, "--checkpoint", tmp.resolve("ck").toString());
    List<String> demo = List.of("demo", "--dir", tmp.resolve("demo").toString());
    List<Flag> f = new ArrayList<>();
    f.add(new Flag(pack, "--threads", Set.of()));
    f.add(new Flag(pack, "--chunk-rows", Set.of(ZERO))); // 0: about 4 MiB per chunk
    f.add(new Flag(pack, "--part-rows", Set.of()));
    f.add(new Flag(pack, "--size", Set.of()));
    f.add(new Flag(pack, "--quality", Set.of()));
    f.add(new Flag(pack, "--level", Set.of(ZERO, NEGATIVE))); // Zstd levels -7..22
    f.add(new Flag(pack, "--min-side", Set.of()));
    f.add(new Flag(bench, "--workers", Set.of()));
    f.add(new Flag(bench, "--threads", Set.of()));
    f.add(new Flag(bench, "--batch", Set.of()));
    f.add(new Flag(List.of("bench", d), "--seconds", Set.of()));
    f.add(new Flag(bench, "--rounds", Set.of()));
    f.add(new Flag(train, "--batch", Set.of()));
    f.add(new Flag(train, "--workers", Set.of()));
    f.add(new Flag(train, "--lr", Set.of()));
    // --epochs: any count up to the int range is a (long) run the user asked for
    f.add(new Flag(train, "--epochs", Set.of(HUGE_INT)));
    f.add(new Flag(train, "--momentum", Set.of(ZERO)));
    f.add(new Flag(train, "--weight-decay", Set.of(ZERO)));
    f.add(new Flag(eval, "--batch", Set.of()));
    f.add(new Flag(eval, "--workers", Set.of()));
    f.add(new Flag(predict, "--batch", Set.of()));
    f.add(new Flag(predict, "--workers", Set.of()));
    f.add(new Flag(predict, "--top-k", Set.of(HUGE_INT))); // clamped to the labels: prints all
    f.add(new Flag(List.of("verify", d), "--threads", Set.of()));
    f.add(new Flag(List.of("get", d), "--row", Set.of(ZERO)));
    f.add(new Flag(demo, "--images", Set.of()));
    f.add(new Flag(demo, "--val-images", Set.of()));
    f.add(new Flag(demo, "--size", Set.of()));
    f.add(new Flag(demo, "--source-size", Set.of(ZERO))); // 0: 4 × --size
    f.add(new Flag(demo, "--epochs", Set.of()));
    f.add(new Flag(demo, "--bench-seconds", Set.of()));
    return f;
  }

  @Test
  void everyNumericFlagOutOfRangeExitsTwoWithOneLine() {
    int cases = 0;
    List<String> failures = new ArrayList<>();
    for (Flag f : flags()) {
      for (String v : VALUES) {
        if (f.allowed().contains(v)) {
          continue;
        }
        List<String> args = new ArrayList<>(f.command());
        args.add(f.flag());
        args.add(v);
        long t0 = System.nanoTime();
        CliTestSupport.Result r = CliTestSupport.run(args.toArray(String[]::new));
        double s = (System.nanoTime() - t0) / 1e9;
        cases++;
        List<String> lines = r.err().strip().lines().toList();
        boolean hint = lines.size() == 2 && lines.get(1).startsWith("Try 'jcolz ");
        String first = lines.isEmpty() ? "" : lines.get(0);
        boolean ok =
            r.code() == 2
                && (lines.size() == 1 || hint)
                && first.startsWith("jcolz")
                && (first.contains(f.flag())
                    || first.contains(f.flag().replace("--threads", "--workers")))
                && !r.err().contains("\tat ")
                && s < 10;
        if (!ok) {
          failures.add(String.join(" ", args) + " -> " + r + String.format(" (%.1f s)", s));
        }
      }
    }
    assertTrue(cases > 150, "cases: " + cases);
    assertEquals(List.of(), failures, failures.size() + " of " + cases + " cases failed");
    assertFalse(Files.exists(tmp.resolve("never")), "no pack ran");
    assertFalse(Files.exists(tmp.resolve("demo")), "no demo ran");
  }
}
