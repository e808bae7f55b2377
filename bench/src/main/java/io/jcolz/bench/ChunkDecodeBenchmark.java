package io.jcolz.bench;

import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.FileTrees;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * Chunk decode (checksum + decompress + structure check + slicing every row) of a 224×224×3 image
 * column and an 11,000-label sparse label column, by codec and level, next to a plain memcpy of the
 * same decompressed bytes: the ceiling any decoder is measured against. One op = one chunk; MB/s =
 * ops/s × {@code chunkBytes} (printed by setup), rows/s = ops/s × rows per chunk.
 *
 * <p>How to run: {@code mvn -B -pl bench -am package -DskipTests && java -jar
 * bench/target/jcolz-bench.jar ChunkDecodeBenchmark -prof gc} (add {@code -p codec=zstd-3} to
 * narrow). Not thread-safe (JMH gives each thread its own state).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1) // BenchMain appends the JVM flags (jvm.flags) to every fork
public class ChunkDecodeBenchmark {
  /** Column to decode. */
  @Param({"image", "labels"})
  public String column;

  /** Codec and level. */
  @Param({"none", "zstd-1", "zstd-3", "zstd-9"})
  public String codec;

  private Path dir;
  private Dataset ds;
  private Column col;
  private ChunkDecoder decoder;
  private Arena arena;
  private MemorySegment dst;
  private MemorySegment plain;
  private int chunk;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    Codec c = codec.equals("none") ? Codec.NONE : Codec.ZSTD;
    int level = c == Codec.NONE ? 0 : Integer.parseInt(codec.substring(5));
    Schema schema =
        Schema.builder()
            .column(
                ColumnSpec.uint8Tensor("image", 224, 224, 3).withChunkRows(32).withCodec(c, level))
            .column(ColumnSpec.int32Set("labels", 11_000).withChunkRows(4096).withCodec(c, level))
            .build();
    dir = Files.createTempDirectory("jcolz-bench").resolve("ds");
    int rows = column.equals("image") ? 32 * 12 : 4096 * 12;
    try (DatasetWriter w = DatasetWriter.create(dir, schema)) {
      Row row = w.newRow();
      byte[] blank = new byte[224 * 224 * 3];
      for (int i = 0; i < rows; i++) {
        row.setTensor("image", column.equals("image") ? SyntheticImages.rgb(i, 224, 224) : blank);
        row.setSet("labels", SyntheticImages.labels(i, 11_000));
        w.append(row);
      }
    }
    ds = Dataset.open(dir);
    col = ds.column(column);
    decoder = ds.newDecoder();
    arena = Arena.ofShared();
    dst = arena.allocate(col.maxDecompressedLength(), 64);
    plain = arena.allocate(col.maxDecompressedLength(), 64);
    decoder.decodeInto(col, 0, plain);
    System.out.printf(
        "%n[%s %s] chunk: %d rows, %d bytes decompressed, ratio %.2f%n",
        column,
        codec,
        col.rowCount(0),
        col.decompressedLength(0),
        (double) col.uncompressedBytes() / col.compressedBytes());
  }

  /** Decodes the next chunk and touches every row's slice. */
  @Benchmark
  public long decodeChunk() throws IOException {
    int k = chunk++ % col.chunkCount();
    ChunkView v = decoder.decodeInto(col, k, dst);
    long sum = 0;
    for (int i = 0; i < v.rowCount(); i++) {
      sum += column.equals("image") ? v.tensor(i).get(ValueLayout.JAVA_BYTE, 100) : v.setSize(i);
    }
    return sum;
  }

  /** Copies one decompressed chunk's bytes: the memory-bandwidth ceiling. */
  @Benchmark
  public long memcpyChunk() {
    int len = col.decompressedLength(0);
    MemorySegment.copy(plain, 0, dst, 0, len);
    return dst.get(ValueLayout.JAVA_BYTE, len - 1);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    decoder.close();
    ds.close();
    arena.close();
    FileTrees.deleteRecursively(dir.getParent());
  }
}
