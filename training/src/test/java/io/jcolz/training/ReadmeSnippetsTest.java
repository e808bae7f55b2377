package io.jcolz.training;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.training.shapes.ShapesDatasetWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of the top-level README.md, compiled with javax.tools as the body of
 * a method {@code run(int rank, int world)} (with the jcolz and DJL imports a user would write) and
 * run on a small generated dataset: the dataset path {@code "train.jcolz"} in a snippet is replaced
 * by that dataset's path, and rank 0 of world 1 is passed.
 */
class ReadmeSnippetsTest {
  private static final List<String> IMPORTS =
      List.of(
          "java.nio.file.Path",
          "java.lang.foreign.MemorySegment",
          "java.util.*",
          "io.jcolz.format.Dataset",
          "io.jcolz.loader.*",
          "io.jcolz.loader.batch.*",
          "io.jcolz.loader.augment.*",
          "io.jcolz.loader.order.*",
          "io.jcolz.loader.queue.*",
          "io.jcolz.training.data.*",
          "io.jcolz.training.metrics.*",
          "io.jcolz.training.loss.*",
          "ai.djl.Device",
          "ai.djl.ndarray.*",
          "ai.djl.ndarray.types.*");

  @TempDir static Path tmp;
  static Path data;

  @BeforeAll
  static void write() throws Exception {
    data = tmp.resolve("train.jcolz");
    ShapesDatasetWriter.write(data, 1100, 16, 3); // four batches of 256, one per device
  }

  static List<String> snippets() throws Exception {
    Path readme = Path.of("..", "README.md");
    assertTrue(Files.exists(readme), "README.md not found from " + Path.of("").toAbsolutePath());
    String text = Files.readString(readme);
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(text);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void everyJavaSnippetCompilesAndRuns() throws Exception {
    List<String> snippets = snippets();
    assertFalse(snippets.isEmpty(), "README.md has no ```java block");
    for (int i = 0; i < snippets.size(); i++) {
      String body =
          snippets
              .get(i)
              .replace("\"train.jcolz\"", "\"" + data.toString().replace("\\", "/") + "\"");
      String name = "Snippet" + i;
      StringBuilder src = new StringBuilder();
      for (String imp : IMPORTS) {
        src.append("import ").append(imp).append(";\n");
      }
      src.append("public class ")
          .append(name)
          .append(" {\n  public static void run(int rank, int world) throws Exception {\n")
          .append(body)
          .append("\n  }\n}\n");
      Path classes = Files.createDirectories(tmp.resolve("classes" + i));
      compile(name, src.toString(), classes, i);
      String out = run(name, classes, i);
      assertTrue(out.contains("1024 images"), "snippet " + i + " printed: " + out);
    }
  }

  private static void compile(String name, String source, Path classes, int i) throws Exception {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    JavaFileObject file =
        new SimpleJavaFileObject(
            java.net.URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
          @Override
          public CharSequence getCharContent(boolean ignore) {
            return source;
          }
        };
    try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
      fm.setLocation(StandardLocation.CLASS_OUTPUT, List.of(classes.toFile()));
      boolean ok =
          javac
              .getTask(
                  diagnostics,
                  fm,
                  null,
                  List.of("-classpath", System.getProperty("java.class.path"), "-proc:none"),
                  null,
                  List.of(file))
              .call();
      assertTrue(ok, "README java snippet " + i + " does not compile:\n" + diagnostics + source);
    }
  }

  private static String run(String name, Path classes, int i) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream old = System.out;
    try (URLClassLoader cl =
        new URLClassLoader(
            new URL[] {classes.toUri().toURL()}, ReadmeSnippetsTest.class.getClassLoader())) {
      Method run = cl.loadClass(name).getMethod("run", int.class, int.class);
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      assertTimeoutPreemptively(
          Duration.ofSeconds(30),
          () -> {
            try {
              run.invoke(null, 0, 1);
            } catch (InvocationTargetException e) {
              throw new AssertionError("README java snippet " + i + " failed", e.getCause());
            }
          },
          "README java snippet " + i + " did not finish");
    } finally {
      System.setOut(old);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    old.print(out);
    return out;
  }
}
