package io.jcolz.bench;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.image.ImageDecodeException;
import io.jcolz.image.ImageDecoder;
import io.jcolz.pack.PackOptions;
import io.jcolz.pack.Packer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Zstd settings on real pixels: decodes every image under DIR as {@code jcolz pack --size SIZE}
 * does, cuts the pixels into the pack's 4 MiB chunks, and for each setting compresses and
 * decompresses every chunk on one thread (best of 5 passes), printing the ratio and the
 * microseconds per image each way. A setting is comma-separated {@code L<level>}, {@code
 * M<minMatch>}, {@code H<hashLog>}, {@code C<chainLog>}, {@code W<windowLog>}, {@code S<strategy>},
 * {@code s<searchLog>}, {@code T<targetLength>}, e.g. {@code L-2,M4}.
 *
 * <p>How to run: {@code java @jvm.flags -jar bench/target/jcolz-bench.jar zstd-params DIR SIZE
 * SETTING...}. Not thread-safe; a command-line tool.
 */
public final class ZstdParamsCheck {
  private ZstdParamsCheck() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int size = Integer.parseInt(args[1]);
    String[] settings =
        args.length > 2 ? Arrays.copyOfRange(args, 2, args.length) : new String[] {"L3", "L-2"};
    PackOptions o = PackOptions.builder(dir, dir.resolveSibling("unused.jcolz")).size(size).build();
    ImageDecoder decoder = Packer.decoder(o);
    List<Path> files = PackBenchmark.imageFiles(dir, Integer.MAX_VALUE);
    List<byte[]> chunks = new ArrayList<>();
    byte[] chunk = new byte[ColumnSpec.DEFAULT_CHUNK_BYTES];
    int fill = 0;
    int images = 0;
    for (Path f : files) {
      byte[] px;
      try {
        px = decoder.decodeResized(f, size, size, o.resize()).pixels();
      } catch (ImageDecodeException e) {
        continue; // skipped by the pack too
      }
      if (fill + px.length > chunk.length) {
        chunks.add(Arrays.copyOf(chunk, fill));
        fill = 0;
      }
      System.arraycopy(px, 0, chunk, fill, px.length);
      fill += px.length;
      images++;
    }
    if (fill > 0) {
      chunks.add(Arrays.copyOf(chunk, fill));
    }
    long raw = chunks.stream().mapToLong(c -> c.length).sum();
    System.out.printf(
        Locale.ROOT,
        "%d images, %d chunks, %.1f MiB of %d px pixels; one thread, best of 5%n",
        images,
        chunks.size(),
        raw / 1048576.0,
        size);
    byte[] packed = new byte[(int) Zstd.compressBound(chunk.length)];
    byte[] back = new byte[chunk.length];
    for (String setting : settings) {
      try (ZstdCompressCtx z = new ZstdCompressCtx();
          ZstdDecompressCtx d = new ZstdDecompressCtx()) {
        apply(z, setting);
        long bestCompress = Long.MAX_VALUE;
        long bestDecompress = Long.MAX_VALUE;
        long out = 0;
        for (int pass = 0; pass < 5; pass++) {
          long compress = 0;
          long decompress = 0;
          out = 0;
          for (byte[] c : chunks) {
            long t0 = System.nanoTime();
            int n = z.compressByteArray(packed, 0, packed.length, c, 0, c.length);
            long t1 = System.nanoTime();
            int m = d.decompressByteArray(back, 0, back.length, packed, 0, n);
            long t2 = System.nanoTime();
            if (m != c.length || !Arrays.equals(back, 0, m, c, 0, c.length)) {
              throw new IllegalStateException(setting + ": round trip differs");
            }
            compress += t1 - t0;
            decompress += t2 - t1;
            out += n;
          }
          bestCompress = Math.min(bestCompress, compress);
          bestDecompress = Math.min(bestDecompress, decompress);
        }
        System.out.printf(
            Locale.ROOT,
            "%-18s ratio %.3f  compress %6.1f us/image  decompress %6.1f us/image%n",
            setting,
            raw / (double) out,
            bestCompress / 1e3 / images,
            bestDecompress / 1e3 / images);
      }
    }
  }

  private static void apply(ZstdCompressCtx z, String setting) {
    for (String p : setting.split(",")) {
      int v = Integer.parseInt(p.substring(1));
      switch (p.charAt(0)) {
        case 'L' -> z.setLevel(v);
        case 'M' -> z.setMinMatch(v);
        case 'H' -> z.setHashLog(v);
        case 'C' -> z.setChainLog(v);
        case 'W' -> z.setWindowLog(v);
        case 'S' -> z.setStrategy(v);
        case 's' -> z.setSearchLog(v);
        case 'T' -> z.setTargetLength(v);
        default -> throw new IllegalArgumentException("unknown Zstd parameter in " + setting);
      }
    }
  }
}
