package io.jcolz.pack;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a child JVM that runs a test's {@code main} class with this JVM's class path
 * and its {@code --}, {@code -D} and {@code -X} options (the surefire argLine): for tests that kill
 * or lock against a real second process. Shared with the CLI's tests (test-jar). Stateless.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** {@code java [this JVM's options] -cp [this class path] MAIN ARGS...}. */
  public static List<String> command(Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--") || a.startsWith("-D") || a.startsWith("-X")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }
}
