package io.jcolz.tools;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.image.JpegDecoder;
import io.jcolz.image.RgbImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcolz get DS (KEY | --row N) [--out FILE.png]}: one row's key, row number and label names;
 * with {@code --out} its image as PNG (raw pixels as stored, JPEG rows decoded with {@link
 * JpegDecoder}). Not thread-safe.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description =
        "Show one row of a dataset (key, row, labels) by key or row number; --out writes its image as"
            + " PNG or JPEG.",
    footer = {
      "",
      "Exit status: 0 found, 1 no such key or a damaged dataset, 2 usage error (row out of range,"
          + " --out an existing file without --overwrite, inside a dataset, or not .png/.jpg/.jpeg)."
    })
public final class GetCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DS", description = "dataset directory")
  Path dataset;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "KEY",
      description = "the row's key (path relative to the packed folder)")
  String key;

  @Option(names = "--row", paramLabel = "N", description = "the row number, from 0")
  Long rowNumber;

  @Option(
      names = "--out",
      paramLabel = "FILE.png",
      description =
          "write the row's image as PNG (.png) or JPEG (.jpg, .jpeg: quality 95), by the name's"
              + " extension; never inside a dataset")
  Path out;

  @Option(names = "--overwrite", description = "replace an existing file at --out")
  boolean overwrite;

  @Mixin JsonOption json = new JsonOption();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    if ((key == null) == (rowNumber == null)) {
      throw new Main.UsageException("give either KEY or --row N");
    }
    String format = out == null ? null : ImageOut.check(out, overwrite);
    try (Dataset ds = Dataset.open(dataset)) {
      long row;
      String keyColumn = ds.schema().keyColumn().orElse(null);
      if (key != null) {
        if (keyColumn == null) {
          throw new Main.UsageException(dataset + " has no key column; use --row N");
        }
        OptionalLong r = ds.rowOf(key);
        if (r.isEmpty()) {
          spec.commandLine()
              .getErr()
              .println("jcolz get: no row with key '" + key + "' in " + dataset);
          return Main.FAILURE;
        }
        row = r.getAsLong();
      } else {
        row = rowNumber;
        if (row < 0 || row >= ds.rowCount()) {
          throw new Main.UsageException(
              "--row "
                  + row
                  + " is out of range: "
                  + dataset
                  + " has "
                  + ds.rowCount()
                  + " rows (0.."
                  + (ds.rowCount() - 1)
                  + ")");
        }
      }
      String rowKey = keyColumn == null ? null : ds.readString(keyColumn, row);
      List<String> names = new ArrayList<>();
      List<String> negativeNames = new ArrayList<>();
      int[] labels = null;
      PartialLabels.RowLabels row3 = null;
      if (ds.schema().labelColumn().isPresent()) {
        row3 = ds.readLabels(row);
        labels = row3.positives();
        for (int l : labels) {
          names.add(labelName(ds, l));
        }
        if (row3.negatives() != null) {
          for (int l : row3.negatives()) {
            negativeNames.add(labelName(ds, l));
          }
        }
      }
      String stored = null;
      RgbImage img = null;
      if (out != null || json.on()) {
        Image i = image(ds, row);
        stored = i == null ? null : i.stored();
        img = i == null ? null : i.image();
      }
      if (out != null) {
        if (img == null) {
          throw new Main.UsageException(
              dataset + " has no image column ('image' uint8 HxWx3 or 'jpeg' bytes)");
        }
        ImageOut.write(img.toBufferedImage(), format, out, overwrite);
      }
      if (json.on()) {
        ObjectNode o = CliSupport.object();
        o.put("row", row);
        if (rowKey != null) {
          o.put("key", rowKey);
        }
        if (labels != null) {
          ArrayNode a = o.putArray("labels");
          names.forEach(a::add);
          ArrayNode ia = o.putArray("label_indices");
          for (int l : labels) {
            ia.add(l);
          }
          if (row3.confidences() != null) {
            ArrayNode ca = o.putArray("label_confidences");
            for (float c : row3.confidences()) {
              ca.add(c);
            }
          }
          if (row3.negatives() != null) {
            ArrayNode na = o.putArray("negatives");
            negativeNames.forEach(na::add);
            ArrayNode ni = o.putArray("negative_indices");
            for (int l : row3.negatives()) {
              ni.add(l);
            }
          }
          o.put("unlisted", ds.partialLabels().unlisted().id());
        }
        if (stored != null) {
          o.put("stored", stored);
          o.put("width", img.width());
          o.put("height", img.height());
        }
        if (out != null) {
          o.put("out", out.toString());
        }
        CliSupport.printJson(stdout, o);
      } else {
        stdout.println("row     " + row);
        if (rowKey != null) {
          stdout.println("key     " + printable(rowKey));
        }
        if (labels != null) {
          List<String> shown = new ArrayList<>();
          for (int j = 0; j < names.size(); j++) {
            shown.add(
                row3.confidences() == null
                    ? names.get(j)
                    : names.get(j) + ":" + row3.confidence(j));
          }
          stdout.println(
              "labels  " + (shown.isEmpty() ? "(none)" : printable(String.join(" ", shown))));
          if (row3.negatives() != null) {
            stdout.println(
                "not     "
                    + (negativeNames.isEmpty()
                        ? "(none)"
                        : printable(String.join(" ", negativeNames))));
          }
          if (ds.partialLabels().unlisted() == PartialLabels.Unlisted.UNKNOWN) {
            stdout.println("others  unknown (metadata unlisted = unknown)");
          }
        }
        if (out != null) {
          stdout.println(
              "image   "
                  + img.width()
                  + "x"
                  + img.height()
                  + " ("
                  + stored
                  + ") written to "
                  + out);
        }
        stdout.flush();
      }
    }
    return Main.OK;
  }

  /** Label {@code l}'s name, or {@code #l} when the vocabulary has no such entry. */
  private static String labelName(Dataset ds, int l) {
    return l < ds.labels().size() ? ds.labels().get(l) : "#" + l;
  }

  /**
   * {@code s} on one line: control characters (a newline in a key) escaped as {@code \n}, {@code
   * \r}, {@code \t} or {@code \u001b}; {@code --json} gives the exact string.
   */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (Character.isISOControl(c)) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }

  private record Image(RgbImage image, String stored) {}

  /** The row's image: JPEG bytes when the row has them (jpeg, smart), else the raw tensor. */
  private static Image image(Dataset ds, long row) throws java.io.IOException {
    PackedImages packed = PackedImages.of(ds);
    if (packed.jpegColumn().isPresent()) {
      byte[] jpg = ds.readBytes(PackedImages.JPEG, row);
      if (jpg.length > 0) {
        try (JpegDecoder d = new JpegDecoder()) {
          return new Image(d.decode(jpg), "jpeg");
        }
      }
    }
    if (packed.imageColumn().isPresent()) {
      ColumnSpec c = ds.schema().column(PackedImages.IMAGE);
      int[] shape = c.shape();
      if (shape.length == 3 && shape[2] == 3) {
        return new Image(
            new RgbImage(shape[1], shape[0], ds.readTensor(PackedImages.IMAGE, row)), "raw");
      }
    }
    return null;
  }

  private static boolean has(Dataset ds, String name, ColumnType type) {
    int i = ds.schema().indexOf(name);
    return i >= 0 && ds.schema().columns().get(i).type() == type;
  }
}
