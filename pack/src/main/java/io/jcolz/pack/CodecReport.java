package io.jcolz.pack;

import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.store.ColumnFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which codecs a packed dataset's columns are stored with, as {@code jcolz pack} and the Spark job
 * report them in their summaries ({@link PackResult#toJson}). Stateless and thread-safe.
 */
public final class CodecReport {
  private CodecReport() {}

  /**
   * The codecs a committed dataset's columns are stored with, per column in schema order: codec
   * name ({@code "zstd"}, {@code "none"}) → the number of parts stored with it (1 for a single
   * dataset).
   */
  public static Map<String, Map<String, Integer>> codecs(Dataset ds) {
    Map<String, Map<String, Integer>> m = new LinkedHashMap<>();
    for (Column c : ds.columns()) {
      Map<String, Integer> byCodec = new TreeMap<>();
      for (ColumnFile f : c.files()) {
        byCodec.merge(f.spec().codec().jsonName(), 1, Integer::sum);
      }
      m.put(c.name(), byCodec);
    }
    return m;
  }

  /**
   * {@link #codecs(Dataset)} of the dataset a pack committed at {@code out}; null when {@code r}
   * committed nothing (a shard run) or the dataset cannot be read (the pack itself succeeded: its
   * summary just goes without them).
   */
  public static Map<String, Map<String, Integer>> committedCodecs(PackResult r, Path out) {
    if (!r.committed()) {
      return null;
    }
    try (Dataset ds = Dataset.open(out)) {
      return codecs(ds);
    } catch (IOException e) {
      return null;
    }
  }
}
