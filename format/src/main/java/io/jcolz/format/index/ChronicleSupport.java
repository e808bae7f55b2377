package io.jcolz.format.index;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Sets Chronicle's system properties before any Chronicle class loads — usage analytics off (jcolz
 * never phones home) and the start-up banner off — and turns Chronicle's failure to start on a JVM
 * that lacks its {@code --add-opens} flags into one clear message.
 *
 * <p>Thread-safe.
 */
public final class ChronicleSupport {
  /**
   * The JVM flags every jcolz JVM needs, separated by spaces: Chronicle Map's {@code --add-exports}
   * and {@code --add-opens} (Java 17 and later), native access, Chronicle's analytics and banner
   * off, offline DJL. The one source is the argument file {@code jvm.flags} at the repository root,
   * carried in this jar; {@code java @jvm.flags …} passes them all.
   */
  public static final String REQUIRED_FLAGS = String.join(" ", readFlags());

  /** The flags of {@code jvm.flags}, one per element, in file order. */
  public static List<String> flags() {
    return readFlags();
  }

  private static List<String> readFlags() {
    try (InputStream in = ChronicleSupport.class.getResourceAsStream("jvm.flags")) {
      if (in == null) {
        throw new IllegalStateException("jvm.flags is missing from the jcolz-format jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .map(String::strip)
          .filter(l -> !l.isEmpty())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static {
    disableAnalytics();
  }

  private ChronicleSupport() {}

  /**
   * Sets {@code chronicle.analytics.disable=true} and {@code chronicle.announcer.disable=true}
   * unless already set. Called by every jcolz class that touches Chronicle, and by the CLI's main
   * before anything else; library users get it on first use of the key index.
   */
  public static void disableAnalytics() {
    System.setProperty("chronicle.analytics.disable", "true");
    if (System.getProperty("chronicle.announcer.disable") == null) {
      System.setProperty("chronicle.announcer.disable", "true");
    }
  }

  /** Rewrites a Chronicle start-up failure into an IOException that names the missing flags. */
  static IOException startupFailure(Throwable t) {
    return new IOException(
        "Chronicle Map could not start (" + t + "); run the JVM with: " + REQUIRED_FLAGS, t);
  }
}
