package io.jcolz.bench;

import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.loader.Batch;
import io.jcolz.loader.Loader;
import io.jcolz.loader.augment.Augment;
import io.jcolz.loader.batch.ImageLayout;
import io.jcolz.loader.batch.LabelMode;
import io.jcolz.loader.order.Order;
import io.jcolz.loader.queue.DeviceQueue;
import java.io.IOException;
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
 * Batch assembly without decompression: one worker fills 256-sample batches (224×224×3 images,
 * flip, NCHW or NHWC) with multi-hot float32 [256, 11,000] labels or the sparse (row, label) pair
 * list, from a dataset whose decoded chunks all fit the chunk cache — after warm-up every chunk pin
 * is a hit, so what is timed is the sample copy/transform and the label scatter (plus one queue
 * hand-off per batch). images/s = ops/s × 256; compare MULTI_HOT with SPARSE and both with
 * LoaderBenchmark (which adds decompression).
 *
 * <p>How to run: {@code mvn -B -pl bench -am package -DskipTests && java -jar
 * bench/target/jcolz-bench.jar BatchAssemblyBenchmark -prof gc}. Not thread-safe (JMH's single
 * benchmark thread is the consumer).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1) // BenchMain appends the JVM flags (jvm.flags) to every fork
public class BatchAssemblyBenchmark {
  /** Label encoding. */
  @Param({"MULTI_HOT", "SPARSE"})
  public String labels;

  /** Image layout. */
  @Param({"NCHW", "NHWC"})
  public String layout;

  private Dataset ds;
  private Loader loader;
  private DeviceQueue<Batch> queue;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    ds = Dataset.open(LoaderBenchmark.rawDataset(512, 224, 11_000));
    int chunks =
        ds.column(PackedImages.IMAGE).chunkCount() + ds.column(PackedImages.LABELS).chunkCount();
    loader =
        Loader.builder(ds)
            .batchSize(256)
            .workers(1)
            .prefetch(2)
            .order(Order.QUASI_RANDOM)
            .augment(Augment.flip())
            .imageLayout(ImageLayout.valueOf(layout))
            .labels(LabelMode.valueOf(labels))
            .cacheChunks(chunks + 2)
            .epochs(1_000_000)
            .seed(3)
            .start();
    queue = loader.device(0);
  }

  @Benchmark
  public int batch() throws Exception {
    try (Batch b = queue.take()) {
      return b.size() + b.pairCount();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    loader.close();
    ds.close();
  }
}
