package io.jcolz.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;

/**
 * Output helpers shared by the commands: the one-line JSON object printed last with {@code --json},
 * human-readable sizes, and one-line descriptions of exceptions.
 *
 * <p>Stateless and thread-safe.
 */
public final class CliSupport {
  /** Shared mapper (thread-safe once configured). */
  public static final ObjectMapper JSON = new ObjectMapper();

  private CliSupport() {}

  /** A new JSON object. */
  public static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** Prints {@code node} as one line: the last line of stdout for {@code --json}. */
  public static void printJson(java.io.PrintWriter out, ObjectNode node) {
    try {
      out.println(JSON.writeValueAsString(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out.flush();
  }

  /**
   * Puts {@code v} under {@code key}, or JSON null when it is NaN or infinite (no value, e.g. no
   * validation set).
   */
  public static void putNumber(ObjectNode j, String key, double v) {
    if (Double.isFinite(v)) {
      j.put(key, v);
    } else {
      j.putNull(key);
    }
  }

  /** "1.5 MiB" style. */
  public static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = b;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(
        Locale.ROOT, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
  }

  /** "12,000,000" style. */
  public static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** A one-line description of a failure for stderr: the message, and the type where it helps. */
  public static String describe(Throwable t) {
    Throwable e = t;
    while ((e instanceof java.util.concurrent.ExecutionException
            || e instanceof java.io.UncheckedIOException
            || e instanceof java.util.concurrent.CompletionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    String msg = e.getMessage();
    if (e instanceof NoSuchFileException n) {
      return (n.getReason() != null ? n.getReason() + ": " : "no such file: ") + n.getFile();
    }
    if (e instanceof AccessDeniedException a) {
      return "permission denied: " + a.getFile();
    }
    if (e instanceof FileAlreadyExistsException f) {
      return "already exists: "
          + f.getFile()
          + (f.getReason() != null ? " (" + f.getReason() + ")" : "");
    }
    if (e instanceof OutOfMemoryError) {
      return "out of memory ("
          + msg
          + "); give the JVM more with JCOLZ_JAVA_OPTS=-Xmx… (./jcolz) or java -Xmx…";
    }
    if (msg == null || msg.isBlank()) {
      return e.getClass().getSimpleName();
    }
    String line = msg.lines().findFirst().orElse(msg);
    return e instanceof java.io.IOException
            || e instanceof IllegalArgumentException
            || e instanceof IllegalStateException
        ? line
        : e.getClass().getSimpleName() + ": " + line;
  }

  /** True when stderr is an interactive terminal (progress bars are drawn only then). */
  public static boolean stderrIsTerminal() {
    if (System.getenv("JCOLZ_NO_PROGRESS") != null) {
      return false;
    }
    try { // Linux: where fd 2 points (isatty(2) is not reachable from plain Java)
      String target =
          java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
      java.io.Console c = System.console();
      return c != null && c.isTerminal();
    }
  }
}
