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
