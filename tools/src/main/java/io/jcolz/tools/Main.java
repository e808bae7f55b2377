package io.jcolz.tools;

import io.jcolz.format.index.ChronicleSupport;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jcolz} command line. Exit codes: {@value #OK} success, {@value #FAILURE} runtime
 * failure (including a damaged dataset or failed verify), {@value #USAGE} usage error. Errors are
 * one line on stderr; {@code --stacktrace} (or {@code JCOLZ_STACKTRACE=1}) adds the stack trace.
 *
 * <p>Not thread-safe; one invocation per call of {@link #run}.
 */
@Command(
    name = "jcolz",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Chunked, compressed, columnar datasets for feeding GPUs multi-label images.",
    subcommands = {
      PackCommand.class,
      InfoCommand.class,
      VerifyCommand.class,
      GetCommand.class,
      BenchCommand.class,
      TrainCommand.class,
      EvalCommand.class,
      EmbedCommand.class,
      PredictCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class,
    })
public final class Main implements Runnable {
  /** Exit code: success. */
  public static final int OK = 0;

  /** Exit code: runtime failure. */
  public static final int FAILURE = 1;

  /** Exit code: usage error. */
  public static final int USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = "--stacktrace",
      scope = CommandLine.ScopeType.INHERIT,
      description = "on a failure, also print the Java stack trace (or set JCOLZ_STACKTRACE=1)")
  boolean stacktrace;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  /** Entry point of the launcher and of {@code java -jar jcolz.jar}. */
  public static void main(String[] args) {
    ChronicleSupport.disableAnalytics(); // before any Chronicle class can load
    defaultProperties();
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
    int code = run(args, out, err);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * What the launcher passes as {@code -D} flags, set here too (unless given) so that {@code java
   * -jar jcolz.jar} behaves the same: DJL offline (it must not download engines at run time) and a
   * headless AWT (ImageIO, charts).
   */
  static void defaultProperties() {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** Runs one command with the given streams and returns its exit code (used by tests). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    ChronicleSupport.disableAnalytics();
    boolean traceFromEnv = "1".equals(System.getenv("JCOLZ_STACKTRACE"));
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionStrategy(new CommandLine.RunLast());
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          err.println("jcolz: " + ex.getMessage());
          err.println(
              "Try 'jcolz "
                  + (ex.getCommandLine().getCommandName().equals("jcolz")
                      ? ""
                      : ex.getCommandLine().getCommandName() + " ")
                  + "--help' for usage.");
          return USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          if (shuttingDown()) {
            // SIGTERM or Ctrl-C: the shutdown hooks said what was stopped; what the work threads
            // throw on the way out (a writer aborted under them) is not news
            return FAILURE;
          }
          if (ex instanceof UsageException u) {
            err.println("jcolz " + c.getCommandName() + ": " + u.getMessage());
            return USAGE;
          }
          err.println("jcolz " + c.getCommandName() + ": " + CliSupport.describe(ex));
          if (traceFromEnv || matched(parsed, "--stacktrace")) {
            ex.printStackTrace(err);
          }
          return FAILURE;
        });
    return cl.execute(args);
  }

  /** Whether the JVM is running its shutdown hooks (it was told to end). */
  static boolean shuttingDown() {
    Thread probe = new Thread(() -> {});
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }

  /** Whether {@code option} was given to the command or any of its parents. */
  private static boolean matched(CommandLine.ParseResult parsed, String option) {
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption(option)) {
        return true;
      }
    }
    return false;
  }

  /** Version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "jcolz " + (v == null ? "(development build)" : v) + ", Java " + Runtime.version()
      };
    }
  }

  /** A usage error found after parsing (exit code 2). */
  public static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates one with a one-line message. */
    public UsageException(String message) {
      super(message);
    }
  }
}
