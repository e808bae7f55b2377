package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.index.ChronicleSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Conventions of the repository that no compiler checks: the copies of the JVM flag list agree with
 * its one source ({@code jvm.flags}), and every package documents itself. Reads the source tree
 * (the tests run in {@code tools/}).
 */
class ProjectConventionsTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private static List<String> flagsFile() throws IOException {
    return Files.readAllLines(ROOT.resolve("jvm.flags")).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty())
        .toList();
  }

  private static Set<String> targets(List<String> flags, String option) {
    Set<String> out = new TreeSet<>();
    for (String f : flags) {
      if (f.startsWith(option + "=")) {
        String v = f.substring(option.length() + 1);
        assertTrue(v.endsWith("=ALL-UNNAMED"), f);
        out.add(v.substring(0, v.length() - "=ALL-UNNAMED".length()));
      }
    }
    return out;
  }

  @Test
  void theFormatJarCarriesJvmFlagsUnchanged() throws IOException {
    assertEquals(flagsFile(), ChronicleSupport.flags());
    assertEquals(String.join(" ", flagsFile()), ChronicleSupport.REQUIRED_FLAGS);
    assertTrue(ChronicleSupport.flags().contains("-Dchronicle.analytics.disable=true"));
  }

  @Test
  void jarManifestsListTheSameModuleFlags() throws IOException {
    List<String> flags = flagsFile();
    for (String pom : new String[] {"tools/pom.xml", "bench/pom.xml"}) {
      String text = Files.readString(ROOT.resolve(pom));
      assertEquals(targets(flags, "--add-exports"), entry(text, "Add-Exports"), pom);
      assertEquals(targets(flags, "--add-opens"), entry(text, "Add-Opens"), pom);
      assertEquals(
          flags.contains("--enable-native-access=ALL-UNNAMED") ? Set.of("ALL-UNNAMED") : Set.of(),
          entry(text, "Enable-Native-Access"),
          pom);
    }
  }

  private static Set<String> entry(String pom, String name) {
    Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(pom);
    Set<String> out = new TreeSet<>();
    if (m.find()) {
      out.addAll(List.of(m.group(1).trim().split("\\s+")));
    }
    return out;
  }

  @Test
  void theReadmeShowsExactlyTheFlags() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int at = readme.indexOf("### Using jcolz as a library");
    assertTrue(at >= 0, "README has no library section");
    int open = readme.indexOf("```", at);
    int close = readme.indexOf("```", open + 3);
    List<String> shown =
        List.of(readme.substring(open + 3, close).trim().split("\\s+")).stream()
            .filter(t -> t.startsWith("-"))
            .toList();
    assertEquals(new TreeSet<>(flagsFile()), new TreeSet<>(shown));
  }

  @Test
  void noJavaSourceRepeatsTheFlagList() throws IOException {
    List<Path> offenders = new ArrayList<>();
    try (Stream<Path> files = Files.walk(ROOT)) {
      for (Path p :
          (Iterable<Path>)
              files
                      .filter(f -> f.toString().endsWith(".java"))
                      .filter(f -> f.toString().contains("/src/main/java/"))
                  ::iterator) {
        if (Files.readString(p).contains("--add-opens=")) {
          offenders.add(ROOT.relativize(p));
        }
      }
    }
    assertEquals(List.of(), offenders, "read the flags from ChronicleSupport.flags() instead");
  }

  @Test
  void everyPackageHasAPackageInfo() throws IOException {
    List<Path> missing = new ArrayList<>();
    try (Stream<Path> dirs = Files.walk(ROOT)) {
      for (Path d :
          (Iterable<Path>)
              dirs.filter(Files::isDirectory)
                      .filter(p -> p.toString().contains("/src/main/java/io/jcolz"))
                      .filter(p -> !p.toString().contains("/target/"))
                  ::iterator) {
        boolean hasJava;
        try (Stream<Path> files = Files.list(d)) {
          hasJava = files.anyMatch(f -> f.toString().endsWith(".java"));
        }
        if (hasJava && !Files.exists(d.resolve("package-info.java"))) {
          missing.add(ROOT.relativize(d));
        }
      }
    }
    assertEquals(List.of(), missing);
  }
}
