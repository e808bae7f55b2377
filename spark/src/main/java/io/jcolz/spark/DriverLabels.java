package io.jcolz.spark;

import io.jcolz.pack.LabelFile;
import io.jcolz.pack.LabelFormat;
import io.jcolz.pack.PackListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The driver's label file: a local file as it is, a file on another Hadoop file system copied to
 * the driver's scratch directory, or a Parquet table (columns {@code key} and {@code labels}) read
 * through Spark and written as JSON lines; then read by the packer library's {@link LabelFile}. A
 * {@code labels} column of arrays or strings gives names; one of maps (name to confidence) gives
 * the JSON-lines object form: confidences, and verified negatives at 0.
 *
 * <p>Stateless and thread-safe.
 */
final class DriverLabels {
  private DriverLabels() {}

  /**
   * The label file on the driver's local disk ({@code scratch}), loaded with the packer library's
   * reader; a Parquet table is converted to JSON lines first.
   */
  static LabelFile load(
      SparkSession spark,
      String labels,
      LabelFormat format,
      Path scratch,
      List<String> fixed,
      PackListener l,
      Configuration hconf)
      throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(labels);
    Path local;
    Consumer<String> problems = l::note;
    if (p.getName().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
      format = LabelFormat.JSONL;
      local = scratch.resolve("labels-from-parquet.jsonl");
      parquetToJsonLines(spark, labels, local);
      String prefix = local + ":";
      problems =
          line ->
              l.note(
                  line.startsWith(prefix)
                      ? labels + ": row " + line.substring(prefix.length())
                      : line);
    } else if (HadoopFs.isLocal(labels, hconf)) {
      local = HadoopFs.localPath(labels);
      if (!Files.isRegularFile(local)) {
        throw new NoSuchFileException(local.toString(), null, "no such label file");
      }
    } else {
      Path dir = Files.createDirectories(scratch.resolve("labels"));
      local = dir.resolve(p.getName());
      HadoopFs.download(p.getFileSystem(hconf), p, local);
    }
    return LabelFile.load(local, format, scratch.resolve("labels.cmap"), problems, fixed);
  }

  /** Writes a Parquet label table's {@code key} and {@code labels} columns as JSON lines. */
  private static void parquetToJsonLines(SparkSession spark, String table, Path file)
      throws IOException {
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> df;
    try {
      df = spark.read().parquet(table);
    } catch (RuntimeException e) {
      throw new IOException(table + ": cannot read the Parquet label table: " + e.getMessage(), e);
    }
    List<String> columns = Arrays.asList(df.columns());
    if (!columns.contains("key") || !columns.contains("labels")) {
      throw new IOException(
          table
              + ": a Parquet label table needs the columns key and labels, it has "
              + String.join(", ", columns));
    }
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      Iterator<String> it = df.select("key", "labels").toJSON().toLocalIterator();
      while (it.hasNext()) {
        w.write(it.next());
        w.write('\n');
      }
    }
  }
}
