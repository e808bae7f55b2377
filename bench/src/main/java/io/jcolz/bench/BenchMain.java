package io.jcolz.bench;

/**
 * Main class of {@code jcolz-bench.jar}: {@code scale-check DIR [ROWS]} runs {@link ScaleCheck},
 * {@code make-dataset DIR ROWS [SIZE] [LABELS] [CHUNK_ROWS]} runs {@link MakeDataset}, {@code
 * make-shapes DIR N SIZE} runs {@link MakeShapes}, {@code pack DIR [SIZE] [MODE] [ROUNDS]} runs
 * {@link PackBenchmark}, {@code label-join DIR [ROWS]} runs {@link LabelJoinCheck}; anything else
 * goes to JMH ({@code org.openjdk.jmh.Main}). Running through {@code java -jar} picks up the
 * Add-Opens/Enable-Native-Access entries of the jar manifest that Chronicle Map and zstd-jni need.
 * Not thread-safe; a command-line entry point.
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
    String[] rest = args.length > 0 ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
    if (args.length > 0 && args[0].equals("scale-check")) {
      ScaleCheck.main(rest);
    } else if (args.length > 0 && args[0].equals("make-dataset")) {
      MakeDataset.main(rest);
    } else if (args.length > 0 && args[0].equals("pack")) {
      PackBenchmark.main(rest);
    } else if (args.length > 0 && args[0].equals("label-join")) {
      LabelJoinCheck.main(rest);
    } else if (args.length > 0 && args[0].equals("make-shapes")) {
      MakeShapes.main(rest);
    } else {
      org.openjdk.jmh.Main.main(args);
    }
  }
}
