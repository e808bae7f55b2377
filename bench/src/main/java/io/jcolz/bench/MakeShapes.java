package io.jcolz.bench;

import io.jcolz.shapes.ShapesDatasetWriter;
import java.nio.file.Path;

/**
 * Writes a training and a held-out shapes dataset ({@link ShapesDatasetWriter}: raw mode, 12
 * labels, keys {@code shapes-NNNNNN}) for the training benchmark and the learning check, without
 * {@code jcolz pack}: {@code DIR/train} ({@code N} rows, seed 1) and {@code DIR/val} ({@code
 * max(N/4, 64)} rows, seed 2).
 *
 * <p>How to run: {@code java -jar bench/target/jcolz-bench.jar make-shapes DIR N SIZE}. Not
 * thread-safe; a command-line tool.
 */
public final class MakeShapes {
  private MakeShapes() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: make-shapes DIR N SIZE");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    int size = Integer.parseInt(args[2]);
    long t0 = System.nanoTime();
    ShapesDatasetWriter.write(dir.resolve("train"), n, size, 1);
    int v = Math.max(n / 4, 64);
    ShapesDatasetWriter.write(dir.resolve("val"), v, size, 2);
    System.out.printf(
        "wrote %s/train (%d rows) and %s/val (%d rows) of %dx%d shapes in %.1f s%n",
        dir, n, dir, v, size, size, (System.nanoTime() - t0) / 1e9);
  }
}
