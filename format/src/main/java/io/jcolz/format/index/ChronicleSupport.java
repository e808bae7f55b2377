package io.jcolz.format.index;

import java.io.IOException;

/**
 * Sets Chronicle's system properties before any Chronicle class loads — usage analytics off (jcolz
 * never phones home) and the start-up banner off — and turns Chronicle's failure to start on a JVM
 * that lacks its {@code --add-opens} flags into one clear message.
 *
 * <p>Thread-safe.
 */
public final class ChronicleSupport {
  /** The JVM flags Chronicle Map needs on Java 17 and later (also in the tools jar manifest). */
  public static final String REQUIRED_FLAGS =
      "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED "
          + "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED "
          + "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED "
          + "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED "
          + "--add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED "
          + "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED "
          + "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED";

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
