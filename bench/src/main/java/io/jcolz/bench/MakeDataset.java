package io.jcolz.bench;

import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.PartialLabels;
import io.jcolz.format.schema.Schema;
import io.jcolz.image.JpegEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a raw-mode (or jpeg-mode) dataset of {@link SyntheticImages} (image-like pixels, Zipf-ish
 * labels) for loader and training throughput runs on machines that have no image corpus and no AWT:
 * the same columns and metadata as {@code jcolz pack --mode raw} (or {@code --mode jpeg --quality
 * Q}, each row encoded by {@link JpegEncoder}) writes, without a key column (so no Chronicle Map is
 * needed to write or read it). Rows are written from all cores.
 *
 * <p>With {@code --partial} (anywhere among the arguments) the labels are partial (format version
 * 3, FORMAT.md §10.1): columns {@code label_confidence} and {@code label_negatives}, metadata
 * {@code unlisted = unknown}, rows from {@link SyntheticImages#partialLabels} — the same images,
 * and the same positives (deduplicated) as without it, so the two datasets measure the cost of
 * targets and masks against plain labels.
 *
 * <p>How to run: {@code java -jar bench/target/jcolz-bench.jar make-dataset DIR ROWS [SIZE]
 * [LABELS] [CHUNK_ROWS] [raw|jpeg] [QUALITY] [--partial]} (CHUNK_ROWS 0: the default; QUALITY
 * default 90). Not thread-safe; a command-line tool.
 */
public final class MakeDataset {
  private MakeDataset() {}

  public static void main(String[] argv) throws Exception {
    boolean partial = java.util.Arrays.asList(argv).contains("--partial");
    String[] args =
        java.util.Arrays.stream(argv).filter(a -> !a.equals("--partial")).toArray(String[]::new);
    Path dir = Path.of(args[0]);
    long rows = Long.parseLong(args[1]);
    int size = args.length > 2 ? Integer.parseInt(args[2]) : 224;
    int labels = args.length > 3 ? Integer.parseInt(args[3]) : 11_000;
    boolean jpeg = args.length > 5 && args[5].equals("jpeg");
    if (args.length > 5 && !jpeg && !args[5].equals("raw")) {
      throw new IllegalArgumentException("mode must be raw or jpeg, got " + args[5]);
    }
    int quality = args.length > 6 ? Integer.parseInt(args[6]) : 90;
    int chunkRows = args.length > 4 ? Integer.parseInt(args[4]) : 0;
    if (chunkRows <= 0 && !jpeg) {
      chunkRows = Math.max(1, (4 << 20) / (size * size * 3));
    }
    PackedImages.Storage storage = jpeg ? PackedImages.Storage.JPEG : PackedImages.Storage.RAW;
    Schema schema =
        PackedImages.schema(
            storage, size, labels, false, ColumnSpec.DEFAULT_LEVEL, chunkRows, partial, partial);
    List<String> vocab = new ArrayList<>(labels);
    for (int i = 0; i < labels; i++) {
      vocab.add("label_" + i);
    }
    long t0 = System.nanoTime();
    AtomicLong next = new AtomicLong();
    int threads = Runtime.getRuntime().availableProcessors();
    try (DatasetWriter w =
        DatasetWriter.create(
            dir, schema, DatasetWriter.Options.defaults().withCreatedBy("jcolz make-dataset"))) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(
            pool.submit(
                () -> {
                  Row row = w.newRow();
                  try (JpegEncoder enc = jpeg ? new JpegEncoder(quality) : null) {
                    for (long i; (i = next.getAndIncrement()) < rows; ) {
                      byte[] px = SyntheticImages.rgb(i, size, size);
                      if (jpeg) {
                        row.setBytes(PackedImages.JPEG, enc.encode(px, 0, size, size));
                      } else {
                        row.setTensor(PackedImages.IMAGE, px);
                      }
                      if (partial) {
                        PartialLabels.RowLabels l = SyntheticImages.partialLabels(i, labels);
                        row.setLabels(l.positives(), l.confidences(), l.negatives());
                      } else {
                        row.setSet(PackedImages.LABELS, SyntheticImages.labels(i, labels));
                      }
                      w.append(row);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      pool.shutdown();
      w.labels(vocab);
      PackedImages.putMetadata(w, storage, size, PackedImages.DEFAULT_RESIZE, jpeg ? quality : 0);
      w.putMetadata("source", "synthetic");
      if (partial) {
        w.putMetadata(PartialLabels.UNLISTED, PartialLabels.Unlisted.UNKNOWN.id());
      }
    }
    System.out.printf(
        "wrote %d rows of %dx%d%s to %s in %.1f s%n",
        rows,
        size,
        size,
        partial ? " with partial labels" : "",
        dir,
        (System.nanoTime() - t0) / 1e9);
  }
}
