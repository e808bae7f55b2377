package io.jcolz.bench;

import com.github.luben.zstd.Zstd;
import io.jcolz.format.ChunkDecoder;
import io.jcolz.format.Column;
import io.jcolz.format.Dataset;
import io.jcolz.format.DatasetWriter;
import io.jcolz.format.Row;
import io.jcolz.format.codec.ChunkCompressor;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.column.ChunkView;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.Checksums;
import io.jcolz.format.store.FileTrees;
import io.jcolz.image.ImageDecoder;
import io.jcolz.image.ResizeMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
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
 * same decompressed bytes: the ceiling any decoder is measured against; and the compression of one
 * chunk, the pack's cost of the codec. One op = one chunk; MB/s = ops/s × {@code chunkBytes}
 * (printed by setup, with the chunk's ratio), rows/s = ops/s × rows per chunk.
 *
 * <p>Pixels: {@code photo} are synthetic photo-like pixels (nearly incompressible: Zstd-3 ratio
 * 1.10); {@code stamps} and {@code photos} are the real corpora of {@code bench/corpora/fetch.sh}
 * (clip art, compressible; photographs), decoded and resized to 224 px as {@code jcolz pack} does
 * (images reused in turn to fill 12 chunks; the pixels are cached in {@code java.io.tmpdir}).
 *
 * <p>Codecs {@code lz4} (LZ4 block, fast compressor) and {@code lz4hc} (LZ4 HC level 9) are not
 * format codecs: the chunks are compressed with lz4-java's native library in setup, kept off-heap
 * as a mapping would be, and decoded as the format decodes a chunk (CRC32C of the stored bytes,
 * then the safe decompressor into off-heap memory, then every row touched). BENCHMARKS.md, "LZ4",
 * records why LZ4 did not become one.
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
  @Param({"none", "zstd-1", "zstd-3", "zstd-9", "lz4", "lz4hc"})
  public String codec;

  /** Image pixels: synthetic photo-like, or a real corpus ({@code stamps}, {@code photos}). */
  @Param({"photo"})
  public String pixels;

  private static final int ROWS_PER_CHUNK = 32;
  private static final int CHUNKS = 12;

  private Path dir;
  private Dataset ds;
  private Column col;
  private ChunkDecoder decoder;
  private Arena arena;
  private MemorySegment dst;
  private MemorySegment plain;
  private int chunk;
  private byte[][] rawChunks;
  private ChunkCompressor zstd;
  private LZ4Compressor lz4Compressor;
  private LZ4SafeDecompressor lz4;
  private MemorySegment[] lz4Chunks;
  private ByteBuffer dstBuffer;
  private byte[] compressOut;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    boolean lz4Codec = codec.startsWith("lz4");
    Codec c = codec.equals("none") || lz4Codec ? Codec.NONE : Codec.ZSTD;
    int level = c == Codec.NONE ? 0 : Integer.parseInt(codec.substring(5));
    Schema schema =
        Schema.builder()
            .column(
                ColumnSpec.uint8Tensor("image", 224, 224, 3)
                    .withChunkRows(ROWS_PER_CHUNK)
                    .withCodec(c, level))
            .column(ColumnSpec.int32Set("labels", 11_000).withChunkRows(4096).withCodec(c, level))
            .build();
    dir = Files.createTempDirectory("jcolz-bench").resolve("ds");
    int rows = column.equals("image") ? ROWS_PER_CHUNK * CHUNKS : 4096 * CHUNKS;
    List<byte[]> images = column.equals("image") ? images(pixels, rows) : null;
    try (DatasetWriter w = DatasetWriter.create(dir, schema)) {
      Row row = w.newRow();
      byte[] blank = new byte[224 * 224 * 3];
      for (int i = 0; i < rows; i++) {
        row.setTensor("image", images != null ? images.get(i % images.size()) : blank);
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
    dstBuffer = dst.asByteBuffer();
    rawChunks = new byte[col.chunkCount()][];
    for (int k = 0; k < rawChunks.length; k++) {
      decoder.decodeInto(col, k, plain);
      rawChunks[k] = plain.asSlice(0, col.decompressedLength(k)).toArray(ValueLayout.JAVA_BYTE);
    }
    decoder.decodeInto(col, 0, plain);
    long stored = col.compressedBytes();
    if (lz4Codec) {
      LZ4Factory f = LZ4Factory.nativeInstance();
      lz4Compressor = codec.equals("lz4hc") ? f.highCompressor(9) : f.fastCompressor();
      lz4 = f.safeDecompressor();
      lz4Chunks = new MemorySegment[rawChunks.length];
      stored = 0;
      for (int k = 0; k < rawChunks.length; k++) {
        byte[] out = new byte[lz4Compressor.maxCompressedLength(rawChunks[k].length)];
        int n = lz4Compressor.compress(rawChunks[k], 0, rawChunks[k].length, out, 0, out.length);
        lz4Chunks[k] = arena.allocate(n, 64);
        MemorySegment.copy(MemorySegment.ofArray(out), 0, lz4Chunks[k], 0, n);
        stored += n;
      }
    } else {
      zstd = new ChunkCompressor(c, level);
    }
    compressOut = new byte[(int) Zstd.compressBound(col.maxDecompressedLength()) + 1024];
    System.out.printf(
        "%n[%s %s %s] chunk: %d rows, %d bytes decompressed, ratio %.3f%n",
        column,
        pixels,
        codec,
        col.rowCount(0),
        col.decompressedLength(0),
        (double) col.uncompressedBytes() / stored);
  }

  /**
   * {@code n} rows of 224×224×3 pixels of kind {@code kind}: synthetic, or a corpus decoded as
   * {@code jcolz pack --size 224} decodes it (cached in {@code java.io.tmpdir}).
   */
  static List<byte[]> images(String kind, int n) throws IOException {
    int px = 224 * 224 * 3;
    List<byte[]> out = new ArrayList<>();
    if (kind.equals("photo")) {
      for (int i = 0; i < n; i++) {
        out.add(SyntheticImages.rgb(i, 224, 224));
      }
      return out;
    }
    Path root =
        Path.of(
            System.getProperty(
                "jcolz.corpora", System.getProperty("user.home") + "/.cache/jcolz-corpora"),
            kind);
    if (!Files.isDirectory(root)) {
      throw new IOException(root + " is missing: run bench/corpora/fetch.sh (pixels=" + kind + ")");
    }
    Path cache = Path.of(System.getProperty("java.io.tmpdir"), "jcolz-bench-" + kind + "-224.rgb");
    if (!Files.exists(cache)) {
      List<Path> files = PackBenchmark.imageFiles(root, n);
      ImageDecoder dec = ImageDecoder.builder().minSide(2).build();
      try (var os = new java.io.BufferedOutputStream(Files.newOutputStream(cache))) {
        for (Path f : files) {
          try {
            os.write(dec.decodeResized(f, 224, 224, ResizeMode.SHORTER_SIDE_CENTER_CROP).pixels());
          } catch (IOException e) {
            // a broken file of the corpus: not a row
          }
        }
      }
    }
    byte[] all = Files.readAllBytes(cache);
    for (int i = 0; i + px <= all.length && out.size() < n; i += px) {
      out.add(Arrays.copyOfRange(all, i, i + px));
    }
    if (out.isEmpty()) {
      throw new IOException(root + " holds no image");
    }
    return out;
  }

  /** Decodes the next chunk and touches every row's slice. */
  @Benchmark
  public long decodeChunk() throws IOException {
    int k = chunk++ % col.chunkCount();
    if (lz4 != null) {
      return decodeLz4(k);
    }
    ChunkView v = decoder.decodeInto(col, k, dst);
    long sum = 0;
    for (int i = 0; i < v.rowCount(); i++) {
      sum += column.equals("image") ? v.tensor(i).get(ValueLayout.JAVA_BYTE, 100) : v.setSize(i);
    }
    return sum;
  }

  /** As the format would decode an LZ4 chunk: CRC32C, decompress off-heap, touch every row. */
  private long decodeLz4(int k) throws IOException {
    MemorySegment src = lz4Chunks[k];
    long sum = Checksums.crc32c(src);
    int len = col.decompressedLength(k);
    int n = lz4.decompress(src.asByteBuffer(), 0, (int) src.byteSize(), dstBuffer, 0, len);
    if (n != len) {
      throw new IOException("lz4 chunk " + k + " decompressed to " + n + " of " + len);
    }
    int rows = col.rowCount(k);
    if (column.equals("image")) {
      long rowBytes = len / rows;
      for (int i = 0; i < rows; i++) {
        sum += dst.get(ValueLayout.JAVA_BYTE, i * rowBytes + 100);
      }
    } else {
      // CSR offsets: (rows + 1) little-endian u32 at the chunk's start
      for (int i = 0; i < rows; i++) {
        sum += dst.get(ValueLayout.JAVA_INT_UNALIGNED, 4L * (i + 1));
      }
    }
    return sum;
  }

  /** Compresses the next chunk with the codec: what the pack pays per chunk. */
  @Benchmark
  public int compressChunk() {
    int k = chunk++ % rawChunks.length;
    byte[] src = rawChunks[k];
    if (lz4Compressor != null) {
      return lz4Compressor.compress(src, 0, src.length, compressOut, 0, compressOut.length);
    }
    return zstd.compress(src, src.length);
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
    if (zstd != null) {
      zstd.close();
    }
    decoder.close();
    ds.close();
    arena.close();
    FileTrees.deleteRecursively(dir.getParent());
  }
}
