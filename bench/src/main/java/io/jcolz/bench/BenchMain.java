package io.jcolz.bench;

import io.jcolz.format.index.ChronicleSupport;

/**
 * Main class of {@code jcolz-bench.jar}: {@code scale-check DIR [ROWS]} runs {@link ScaleCheck},
 * {@code make-dataset DIR ROWS [SIZE] [LABELS] [CHUNK_ROWS]} runs {@link MakeDataset}, {@code
 * make-shapes DIR N SIZE} runs {@link MakeShapes}, {@code pack DIR [SIZE] [MODE] [ROUNDS]} runs
 * {@link PackBenchmark}, {@code label-join DIR [ROWS]} runs {@link LabelJoinCheck}, {@code
 * zstd-params DIR SIZE SETTING...} runs {@link ZstdParamsCheck}, {@code eval-scale DIR [ROWS]
 * [LABELS]} runs {@link EvalScaleCheck}; anything else goes to JMH ({@code org.openjdk.jmh.Main}),
 * which forks each benchmark's JVM with the flags of {@code jvm.flags} appended. Running through
 * {@code java -jar} picks up the Add-Opens/Enable-Native-Access entries of the jar manifest that
 * Chronicle Map and zstd-jni need. Not thread-safe; a command-line entry point.
 */
public final class BenchMain {
  private BenchMain() {}

  /**
   * JMH's arguments with {@code -jvmArgsAppend} carrying jcolz's JVM flags ({@link
   * ChronicleSupport#flags()}, the one list in {@code jvm.flags}) and quiet logging, so every
   * forked benchmark JVM gets them, plus {@code --add-modules=jdk.incubator.vector} (as the {@code
   * jcolz} launcher gives the loader's commands: the Vector API paths of {@code Pixels});
   * benchmarks declare no flags of their own.
   */
  static String[] withForkFlags(String[] args) {
    java.util.List<String> flags = new java.util.ArrayList<>(ChronicleSupport.flags());
    flags.add("--add-modules=jdk.incubator.vector");
    flags.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    flags.add("-Dorg.slf4j.simpleLogger.logFile=System.err");
    String[] out = java.util.Arrays.copyOf(args, args.length + 2);
    out[args.length] = "-jvmArgsAppend";
    out[args.length + 1] = String.join(" ", flags);
    return out;
  }

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
    } else if (args.length > 0 && args[0].equals("zstd-params")) {
      ZstdParamsCheck.main(rest);
    } else if (args.length > 0 && args[0].equals("eval-scale")) {
      EvalScaleCheck.main(rest);
    } else if (args.length > 0 && args[0].equals("make-shapes")) {
      MakeShapes.main(rest);
    } else {
      org.openjdk.jmh.Main.main(withForkFlags(args));
    }
  }
}
