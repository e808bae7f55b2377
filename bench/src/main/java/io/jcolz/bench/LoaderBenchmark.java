package io.jcolz.bench;

import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.queue.DeviceQueue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End-to-end loader throughput by worker count: a raw-mode 224×224×3 dataset (synthetic photo-like
 * pixels, Zstd level 3, 4 MiB chunks, 11,000 labels) read from the page cache, random flip,
 * multi-hot labels, NCHW, quasi-random order; one op = one batch of 256 taken from the device queue
 * and closed, so images/s = ops/s × 256. The dataset is written once into {@code java.io.tmpdir}
 * and reused. {@link io.jcolz.loader.LoaderBench} reports the same figure with worker CPU time and
 * the single-thread decompress ceiling beside it.
 *
 * <p>How to run: {@code mvn -B -pl bench -am package -DskipTests && java -jar
 * bench/target/jcolz-bench.jar LoaderBenchmark -p workers=1,2} (a machine with more cores: add
 * 4,8,16). Not thread-safe (JMH's single benchmark thread is the consumer).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1) // BenchMain appends the JVM flags (jvm.flags) to every fork
public class LoaderBenchmark {
  /** Loader worker threads. */
  @Param({"1", "2"})
  public int workers;

  /** Sample order. */
  @Param({"QUASI_RANDOM"})
  public String order;

  /** Samples per batch. */
  @Param({"256"})
  public int batch;

  private Dataset ds;
  private Loader loader;
  private DeviceQueue<Batch> queue;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    ds = Dataset.open(rawDataset(4096, 224, 11_000));
    loader =
        Loader.builder(ds)
            .batchSize(batch)
            .workers(workers)
            .prefetch(Math.max(2, workers))
            .order(Order.valueOf(order))
            .augment(Augment.flip())
            .imageLayout(ImageLayout.NCHW)
            .labels(LabelMode.MULTI_HOT)
            .epochs(1_000_000)
            .seed(7)
            .start();
    queue = loader.device(0);
    System.out.println("\n" + loader.memoryBound());
  }

  @Benchmark
  public long batch() throws Exception {
    try (Batch b = queue.take()) {
      return b.row(0);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    long decodes = loader.caches().get(0).decodes();
    long hits = loader.caches().get(0).hits();
    loader.close();
    ds.close();
    System.out.println("image chunk decodes " + decodes + ", hits " + hits);
  }

  /**
   * A raw-mode dataset of {@code rows} S×S×3 images (256 distinct synthetic ones, repeated) with
   * 1–6 labels each out of {@code labels}, written once under java.io.tmpdir and reused.
   */
  static Path rawDataset(int rows, int size, int labels) throws IOException {
    Path dir =
        Path.of(
            System.getProperty("java.io.tmpdir"),
            "jcolz-bench-raw-" + size + "-" + rows + "-" + labels);
    if (Files.isDirectory(dir)) {
      return dir;
    }
    Schema schema =
        PackedImages.schema(
            PackedImages.Storage.RAW, size, labels, true, ColumnSpec.DEFAULT_LEVEL, 0);
    byte[][] images = new byte[Math.min(rows, 256)][];
    for (int i = 0; i < images.length; i++) {
      images[i] = SyntheticImages.rgb(i, size, size);
    }
    try (DatasetWriter w = DatasetWriter.create(dir, schema)) {
      Row row = w.newRow();
      for (int i = 0; i < rows; i++) {
        w.append(
            row.clear()
                .setString(PackedImages.KEY, "img-" + i + ".jpg")
                .setTensor(PackedImages.IMAGE, images[i % images.length])
                .setSet(PackedImages.LABELS, SyntheticImages.labels(i, labels)));
      }
      java.util.List<String> vocabulary = new java.util.ArrayList<>();
      for (int i = 0; i < labels; i++) {
        vocabulary.add("label-" + i);
      }
      w.labels(vocabulary);
      PackedImages.putMetadata(w, PackedImages.Storage.RAW, size, PackedImages.DEFAULT_RESIZE, 0);
    }
    return dir;
  }
}
