package io.jcolz.tools;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Column;
import io.jcolz.format.CorruptDatasetException;
import io.jcolz.format.Dataset;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.store.Manifest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcolz info DS}: schema, rows, chunks, bytes on disk, ratios, labels. Not thread-safe. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description =
        "Show a dataset's schema, rows, chunks, bytes on disk and compression ratio per column, and labels.")
public final class InfoCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DS", description = "dataset directory")
  Path dataset;

  @Mixin JsonOption json = new JsonOption();

  @picocli.CommandLine.Option(
      names = "--no-label-stats",
      description =
          "skip the per-label counts of positives, negatives and unknowns (they read every row's"
              + " labels)")
  boolean noLabelStats;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (Dataset ds = Dataset.open(dataset)) {
      ObjectNode o = summary(ds);
      LabelStats stats = null;
      String unavailable = null;
      if (!noLabelStats && ds.schema().labelColumn().isPresent()) {
        try {
          stats = LabelStats.of(ds);
          o.set("label_stats", stats.toJson(ds.labels()));
        } catch (CorruptDatasetException e) {
          // the summary comes from the manifests and stays true; only the counts need every row
          unavailable = e.getMessage();
          o.putNull("label_stats");
        }
      }
      if (json.on()) {
        CliSupport.printJson(out, o);
      } else {
        printHuman(out, ds, o);
        if (stats != null) {
          stats.print(out, ds.labels());
        } else if (unavailable != null) {
          out.printf(
              Locale.ROOT, "%nlabel statistics: unavailable (%s; run jcolz verify)%n", unavailable);
        }
      }
    }
    return Main.OK;
  }

  /** The JSON summary (also used by other commands). */
  static ObjectNode summary(Dataset ds) throws java.io.IOException {
    ObjectNode o = CliSupport.object();
    o.put("path", ds.path().toAbsolutePath().toString());
    o.put("dataset_id", ds.id().toString());
    o.put("format_version", formatVersion(ds));
    if (ds.isCollection()) {
      o.put("created", ds.collectionManifest().created());
      o.put("created_by", ds.collectionManifest().createdBy());
    } else {
      o.put("created", ds.manifest().created());
      o.put("created_by", ds.manifest().createdBy());
    }
    o.put("rows", ds.rowCount());
    long chunks = 0;
    long compressed = 0;
    long raw = 0;
    ArrayNode cols = o.putArray("columns");
    for (Column c : ds.columns()) {
      ColumnSpec s = c.spec();
      ObjectNode j = cols.addObject();
      j.put("name", s.name());
      j.put("type", typeName(s));
      java.util.Map<String, Integer> byCodec = codecs(c);
      j.put("codec", byCodec.size() == 1 ? byCodec.keySet().iterator().next() : "mixed");
      if (byCodec.containsKey(io.jcolz.format.codec.Codec.ZSTD.jsonName())) {
        j.put("level", s.level());
      }
      if (ds.isCollection()) {
        ObjectNode parts = j.putObject("codec_parts");
        byCodec.forEach(parts::put);
      }
      j.put("chunks", c.chunkCount());
      j.put("chunk_rows", s.chunkRows());
      j.put("file_bytes", c.fileBytes());
      j.put("compressed_bytes", c.compressedBytes());
      j.put("uncompressed_bytes", c.uncompressedBytes());
      j.put("ratio", ratio(c.uncompressedBytes(), c.compressedBytes()));
      chunks += c.chunkCount();
      compressed += c.compressedBytes();
      raw += c.uncompressedBytes();
    }
    o.put("chunks", chunks);
    o.put("bytes_on_disk", ds.diskBytes());
    o.put("compressed_bytes", compressed);
    o.put("uncompressed_bytes", raw);
    o.put("ratio", ratio(raw, compressed));
    o.put("labels", ds.labels().size());
    ds.schema().labelColumn().ifPresent(l -> o.put("label_column", l));
    Manifest.KeyIndexEntry first = ds.parts().get(0).manifest().keyIndex();
    if (first != null) {
      ObjectNode k = o.putObject("key_index");
      k.put("column", first.column());
      k.put("file", first.file());
      k.put("entries", ds.rowCount());
      k.put("file_bytes", keyIndexBytes(ds));
    }
    if (ds.isCollection()) {
      ArrayNode parts = o.putArray("parts");
      for (Dataset.Part p : ds.parts()) {
        ObjectNode j = parts.addObject();
        j.put("name", p.name());
        j.put("first_row", p.firstRow());
        j.put("rows", p.rowCount());
        j.put("dataset_id", p.manifest().datasetId().toString());
        if (p.keyMin() != null) {
          j.put("key_min", p.keyMin());
          j.put("key_max", p.keyMax());
        }
      }
    }
    ObjectNode meta = o.putObject("metadata");
    new java.util.TreeMap<>(ds.metadata()).forEach(meta::put);
    return o;
  }

  /**
   * The codecs a column's chunks are stored with: codec name → number of parts (column files) that
   * use it; parts may differ (FORMAT.md §9.1).
   */
  static java.util.Map<String, Integer> codecs(Column c) {
    java.util.Map<String, Integer> m = new java.util.TreeMap<>();
    for (io.jcolz.format.store.ColumnFile f : c.files()) {
      m.merge(f.spec().codec().jsonName(), 1, Integer::sum);
    }
    return m;
  }

  private static long keyIndexBytes(Dataset ds) {
    long n = 0;
    for (Dataset.Part p : ds.parts()) {
      n += p.manifest().keyIndex().fileBytes();
    }
    return n;
  }

  /** The format version the dataset needs: 3 with partial labels, 2 a collection, else 1. */
  static int formatVersion(Dataset ds) {
    int v = PartialLabels.requiredVersion(ds.schema(), ds.metadata());
    return Math.max(v, ds.isCollection() ? 2 : 1);
  }

  static String typeName(ColumnSpec s) {
    String t = s.type().jsonName();
    if (s.type() == ColumnType.UINT8_TENSOR) {
      t += Arrays.toString(s.shape()).replace(" ", "");
    } else if (s.type() == ColumnType.INT32_SET) {
      t += "<" + s.cardinality() + ">";
    }
    return t;
  }

  private static double ratio(long raw, long compressed) {
    return compressed == 0 ? 0 : Math.round(1000.0 * raw / compressed) / 1000.0;
  }

  private static void printHuman(PrintWriter out, Dataset ds, ObjectNode o)
      throws java.io.IOException {
    out.printf(Locale.ROOT, "dataset   %s%n", ds.path());
    out.printf(
        Locale.ROOT,
        "id        %s (format %d, created %s by %s)%n",
        ds.id(),
        formatVersion(ds),
        o.get("created").asText(),
        o.get("created_by").asText());
    out.printf(Locale.ROOT, "rows      %s%n", CliSupport.count(ds.rowCount()));
    out.printf(
        Locale.ROOT,
        "on disk   %s in %s chunks, %s uncompressed, ratio %.2f%n",
        CliSupport.bytes(ds.diskBytes()),
        CliSupport.count(o.get("chunks").asLong()),
        CliSupport.bytes(o.get("uncompressed_bytes").asLong()),
        o.get("ratio").asDouble());
    var labels = ds.labels();
    if (!labels.isEmpty()) {
      String sample = String.join(", ", labels.subList(0, Math.min(8, labels.size())));
      out.printf(
          Locale.ROOT,
          "labels    %s (%s%s)%n",
          CliSupport.count(labels.size()),
          sample,
          labels.size() > 8 ? ", …" : "");
    }
    Manifest.KeyIndexEntry k = ds.parts().get(0).manifest().keyIndex();
    if (k != null) {
      out.printf(
          Locale.ROOT,
          "keys      column '%s', index %s%s (%s)%n",
          k.column(),
          k.file(),
          ds.isCollection() ? " per part" : "",
          CliSupport.bytes(keyIndexBytes(ds)));
    }
    if (ds.isCollection()) {
      out.printf(Locale.ROOT, "parts     %d%n", ds.parts().size());
      int shown = 0;
      for (Dataset.Part p : ds.parts()) {
        if (shown++ == 20) {
          out.printf(
              Locale.ROOT, "          … %d more (--json lists all)%n", ds.parts().size() - 20);
          break;
        }
        out.printf(
            Locale.ROOT,
            "          %-12s rows %s..%s (%s)%n",
            p.name(),
            CliSupport.count(p.firstRow()),
            CliSupport.count(p.firstRow() + p.rowCount()),
            CliSupport.count(p.rowCount()));
      }
    }
    if (!ds.metadata().isEmpty()) {
      out.printf(Locale.ROOT, "metadata  %s%n", new java.util.TreeMap<>(ds.metadata()));
    }
    out.printf(
        Locale.ROOT,
        "%ncolumn           type                      codec         chunks     rows/chunk  on disk     uncompressed  ratio%n");
    for (Column c : ds.columns()) {
      ColumnSpec s = c.spec();
      java.util.Map<String, Integer> byCodec = codecs(c);
      StringBuilder codec = new StringBuilder();
      byCodec.forEach(
          (name, parts) -> {
            codec.append(codec.isEmpty() ? "" : "+").append(name);
            if (name.equals(io.jcolz.format.codec.Codec.ZSTD.jsonName())) {
              codec.append(' ').append(s.level());
            }
            if (byCodec.size() > 1) {
              codec.append('×').append(parts);
            }
          });
      out.printf(
          Locale.ROOT,
          "%-16s %-25s %-13s %-10s %-11s %-11s %-13s %.2f%n",
          s.name(),
          typeName(s),
          codec,
          CliSupport.count(c.chunkCount()),
          CliSupport.count(s.chunkRows()),
          CliSupport.bytes(c.fileBytes()),
          CliSupport.bytes(c.uncompressedBytes()),
          c.compressedBytes() == 0 ? 0.0 : (double) c.uncompressedBytes() / c.compressedBytes());
    }
  }
}
