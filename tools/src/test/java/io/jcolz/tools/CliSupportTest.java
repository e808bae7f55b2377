package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CliSupportTest {
  @Test
  void theOutOfMemoryHintNamesTheVariableTheLauncherReads() {
    String line = CliSupport.describe(new OutOfMemoryError("Java heap space"));
    assertTrue(line.contains("JCOLZ_JAVA_OPTS=-Xmx"), line);
    assertTrue(!line.contains(" JAVA_OPTS"), line);
  }

  /**
   * picocli formats descriptions with {@code String.format}: a bare {@code %} makes it print a
   * "[picocli WARN] Could not format" line to stderr and show the raw text.
   */
  @Test
  void everyHelpPageFormatsWithoutPicocliWarnings() {
    java.io.PrintStream before = System.err;
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    StringBuilder pages = new StringBuilder();
    try {
      System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
      picocli.CommandLine cli = new picocli.CommandLine(new Main());
      pages.append(cli.getUsageMessage());
      for (picocli.CommandLine sub : cli.getSubcommands().values()) {
        pages.append(sub.getUsageMessage());
      }
    } finally {
      System.setErr(before);
    }
    String warnings = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(!warnings.contains("picocli WARN"), warnings);
    assertTrue(
        pages.toString().replaceAll("\\s+", " ").contains("saves under 10% (photo pixels"),
        "pack --codec help");
  }

  @Test
  void mainDefaultsDjlOfflineForPlainJavaJar() {
    String before = System.getProperty("ai.djl.offline");
    try {
      System.clearProperty("ai.djl.offline");
      Main.defaultProperties();
      assertEquals("true", System.getProperty("ai.djl.offline"));
      System.setProperty("ai.djl.offline", "false"); // a user's explicit choice is kept
      Main.defaultProperties();
      assertEquals("false", System.getProperty("ai.djl.offline"));
    } finally {
      if (before == null) {
        System.clearProperty("ai.djl.offline");
      } else {
        System.setProperty("ai.djl.offline", before);
      }
    }
  }
}
