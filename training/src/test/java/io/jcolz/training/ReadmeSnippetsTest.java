package io.jcolz.training;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.shapes.ShapesDatasetWriter;
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
 * by that dataset's path, the checkpoint {@code "ck/"} and image {@code "owl.png"} of the serving
 * snippet by a seeded model's checkpoint and a generated PNG with alpha, and rank 0 of world 1 is
 * passed.
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
          "io.jcolz.training.serve.*",
          "ai.djl.Device",
          "ai.djl.inference.Predictor",
          "ai.djl.repository.zoo.*",
          "ai.djl.ndarray.*",
          "ai.djl.ndarray.types.*");

  @TempDir static Path tmp;
  static Path data;
  static Path checkpoint;
  static Path image;

  @BeforeAll
  static void write() throws Exception {
    data = tmp.resolve("train.jcolz");
    ShapesDatasetWriter.write(data, 1100, 16, 3); // four batches of 256, one per device
    // the serving snippet's "ck/" and "owl.png": a seeded model's checkpoint and a PNG with alpha
    checkpoint = tmp.resolve("ck");
    try (io.jcolz.format.Dataset ds = io.jcolz.format.Dataset.open(data)) {
      java.util.List<String> labels = io.jcolz.training.data.BatchArrays.vocabulary(ds);
      io.jcolz.training.model.ResNetSpec spec =
          new io.jcolz.training.model.ResNetSpec(18, 16, 16, labels.size());
      ai.djl.engine.Engine.getInstance().setRandomSeed(3);
      float[] thresholds = new float[labels.size()];
      java.util.Arrays.fill(thresholds, 0.4f);
      try (ai.djl.Model m =
          io.jcolz.training.model.ResNetModels.fromScratch(spec, ai.djl.Device.cpu(), ds)) {
        io.jcolz.training.checkpoint.Checkpoints.save(
            checkpoint,
            new io.jcolz.training.checkpoint.Checkpoint(
                spec,
                labels,
                new io.jcolz.training.optim.OptimizerSettings("sgd", 0.1f, 0.9f, 0f, 0, 1),
                1,
                1,
                1,
                0,
                3,
                8,
                1,
                "SPARSE",
                null,
                thresholds,
                Double.NaN,
                Double.NaN,
                ds.id().toString(),
                null),
            m);
      }
    }
    image = tmp.resolve("owl.png");
    java.awt.image.BufferedImage png =
        new java.awt.image.BufferedImage(40, 30, java.awt.image.BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < 30; y++) {
      for (int x = 0; x < 40; x++) {
        png.setRGB(x, y, (x * 6) << 24 | (y * 8) << 8 | 0x30);
      }
    }
    javax.imageio.ImageIO.write(png, "png", image.toFile());
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
              .replace("\"train.jcolz\"", "\"" + data.toString().replace("\\", "/") + "\"")
              .replace("\"ck/\"", "\"" + checkpoint.toString().replace("\\", "/") + "\"")
              .replace("\"owl.png\"", "\"" + image.toString().replace("\\", "/") + "\"");
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
      String expected =
          body.contains("JcolzCriteria")
              ? "predicted at the training thresholds: ["
              : "1024 images";
      assertTrue(out.contains(expected), "snippet " + i + " printed: " + out);
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
