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

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  /** Entry point of the launcher and of {@code java -jar jcolz.jar}. */
  public static void main(String[] args) {
    ChronicleSupport.disableAnalytics(); // before any Chronicle class can load
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

  /** Runs one command with the given streams and returns its exit code (used by tests). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    ChronicleSupport.disableAnalytics();
    boolean trace = "1".equals(System.getenv("JCOLZ_STACKTRACE"));
    java.util.List<String> rest = new java.util.ArrayList<>();
    for (String a : args) {
      if (a.equals("--stacktrace")) {
        trace = true;
      } else {
        rest.add(a);
      }
    }
    boolean showTrace = trace;
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
          if (ex instanceof UsageException u) {
            err.println("jcolz " + c.getCommandName() + ": " + u.getMessage());
            return USAGE;
          }
          err.println("jcolz " + c.getCommandName() + ": " + CliSupport.describe(ex));
          if (showTrace) {
            ex.printStackTrace(err);
          }
          return FAILURE;
        });
    return cl.execute(rest.toArray(String[]::new));
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
