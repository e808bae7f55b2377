package io.jcolz.tools;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process and captures its streams. */
public final class CliTestSupport {
  private CliTestSupport() {}

  /** Exit code and output of one run. */
  public record Result(int code, String out, String err) {
    /** The last line of stdout (the JSON object with --json). */
    public String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** Runs {@code jcolz args...}. */
  public static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, o, e);
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * A short training run of {@code ds}: resnet18, one epoch of batches of 8, at most 2 steps, one
   * worker, with {@code --json} or in text, then {@code extra}.
   */
  public static Result trainTwoSteps(java.nio.file.Path ds, boolean json, String... extra) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "train",
                ds.toString(),
                "--model",
                "resnet18",
                "--epochs",
                "1",
                "--batch",
                "8",
                "--max-steps",
                "2",
                "--workers",
                "1"));
    if (json) {
      args.add("--json");
    }
    args.addAll(java.util.List.of(extra));
    return run(args.toArray(String[]::new));
  }
}
