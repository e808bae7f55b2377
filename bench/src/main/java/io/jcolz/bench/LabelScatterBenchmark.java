package io.jcolz.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.jcolz.training.loss.SparseTargets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * Label scatter at L = 11,000: the three ways a batch's sparse labels (B rows × 1–6 labels) can
 * become the dense targets the loss needs. (1) {@code hostMultiHot}: zero-fill an off-heap float32
 * [B, L] and set the ones (what the loader's MULTI_HOT mode does); (2) {@code hostMultiHotUpload}:
 * the same, then copy it into an NDArray (what a trainer fed multi-hot must do — on a GPU this copy
 * crosses PCIe: 11 MB per batch of 256); (3) {@code sparseToDevice}: ship only the (row, label)
 * pairs (8 bytes each) and scatter them into a zeroed tensor with {@link SparseTargets#toDense}
 * where the tensor lives (the loader's SPARSE mode + the training module). Op = one batch.
 *
 * <p>How to run: {@code java -jar bench/target/jcolz-bench.jar LabelScatterBenchmark -prof gc}. Not
 * thread-safe (JMH gives each thread its own state).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1) // BenchMain appends the JVM flags (jvm.flags) to every fork
public class LabelScatterBenchmark {
  /** Batch size. */
  @Param("256")
  public int batch;

  /** Label vocabulary size. */
  @Param("11000")
  public int labels;

  private Arena arena;
  private MemorySegment multiHot;
  private MemorySegment pairs;
  private int pairCount;
  private NDManager manager;

  @Setup(Level.Trial)
  public void setup() {
    arena = Arena.ofShared();
    multiHot = arena.allocate(4L * batch * labels, 64);
    pairs = arena.allocate(8L * batch * 6, 64);
    int p = 0;
    for (int r = 0; r < batch; r++) {
      for (int l :
          java.util.Arrays.stream(SyntheticImages.labels(r, labels))
              .distinct()
              .sorted()
              .toArray()) {
        pairs.setAtIndex(ValueLayout.JAVA_INT, 2L * p, r);
        pairs.setAtIndex(ValueLayout.JAVA_INT, 2L * p + 1, l);
        p++;
      }
    }
    pairCount = p;
    manager = NDManager.newBaseManager();
  }

  private void scatterHost() {
    multiHot.fill((byte) 0);
    for (int p = 0; p < pairCount; p++) {
      int r = pairs.getAtIndex(ValueLayout.JAVA_INT, 2L * p);
      int l = pairs.getAtIndex(ValueLayout.JAVA_INT, 2L * p + 1);
      multiHot.setAtIndex(ValueLayout.JAVA_FLOAT, (long) r * labels + l, 1f);
    }
  }

  /** Zero-fill + set ones on the host. */
  @Benchmark
  public float hostMultiHot() {
    scatterHost();
    return multiHot.getAtIndex(ValueLayout.JAVA_FLOAT, labels + 1L);
  }

  /** Host scatter, then copy the dense [B, L] into an NDArray. */
  @Benchmark
  public float hostMultiHotUpload() {
    scatterHost();
    try (NDManager m = manager.newSubManager()) {
      ByteBuffer bb = multiHot.asByteBuffer().order(ByteOrder.nativeOrder());
      NDArray t = m.create(bb, new Shape(batch, labels), DataType.FLOAT32);
      return t.getFloat(1, 1);
    }
  }

  /** Copy the pairs into an NDArray and scatter them there. */
  @Benchmark
  public float sparseToDevice() {
    try (NDManager m = manager.newSubManager()) {
      ByteBuffer bb =
          pairs.asSlice(0, 8L * pairCount).asByteBuffer().order(ByteOrder.nativeOrder());
      NDArray p = m.create(bb, new Shape(pairCount, 2), DataType.INT32);
      NDArray t = SparseTargets.toDense(m, p, batch, labels);
      return t.getFloat(1, 1);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
    arena.close();
  }
}
