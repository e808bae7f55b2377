package io.jcolz.bench;

import io.jcolz.image.ImageDecodeException;
import io.jcolz.image.JpegDecoder;
import io.jcolz.image.JpegEncoder;
import io.jcolz.image.TurboJpeg;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * Single-thread JPEG decode and encode of photo-like {@code size}×{@code size} images ({@link
 * SyntheticImages}, 4:2:0, quality {@code quality}): the JDK's ImageIO (libjpeg 6b) against
 * libjpeg-turbo through {@link TurboJpeg}. One op = one image, so ops/s = images/s on one core.
 * {@code decode} is the loader's jpeg-mode hot path ({@link JpegDecoder#decodeReused}: the JPEG
 * off-heap, as in a decompressed chunk, pixels into a reused buffer); {@code encode} is what {@code
 * pack --mode jpeg} does per image.
 *
 * <p>How to run: {@code java -jar bench/target/jcolz-bench.jar JpegCodecBenchmark -prof gc} (the
 * {@code turbo} rows need {@code apt-get install libturbojpeg0}; without it their setup fails with
 * that message). Not thread-safe (JMH gives each thread its own state).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1) // BenchMain appends the JVM flags (jvm.flags) to every fork
public class JpegCodecBenchmark {
  /** Which codec: {@code imageio} or {@code turbo}. */
  @Param({"imageio", "turbo"})
  public String impl;

  /** Image side in pixels. */
  @Param({"224"})
  public int size;

  /** JPEG quality. */
  @Param({"90"})
  public int quality;

  private static final int IMAGES = 64;

  private Arena arena;
  private MemorySegment[] jpegs;
  private byte[][] pixels;
  private JpegDecoder decoder;
  private JpegEncoder encoder;
  private int next;

  @Setup(Level.Trial)
  public void setup() {
    boolean turbo = impl.equals("turbo");
    if (turbo && !TurboJpeg.available()) {
      throw new IllegalStateException(TurboJpeg.status() + ": apt-get install libturbojpeg0");
    }
    decoder = turbo ? new JpegDecoder() : JpegDecoder.imageIo();
    encoder = turbo ? new JpegEncoder(quality) : JpegEncoder.imageIo(quality);
    arena = Arena.ofConfined();
    jpegs = new MemorySegment[IMAGES];
    pixels = new byte[IMAGES][];
    long bytes = 0;
    for (int i = 0; i < IMAGES; i++) {
      pixels[i] = SyntheticImages.rgb(i, size, size);
      byte[] j = encoder.encode(pixels[i], 0, size, size);
      jpegs[i] = arena.allocate(j.length, 64);
      MemorySegment.copy(j, 0, jpegs[i], ValueLayout.JAVA_BYTE, 0, j.length);
      bytes += j.length;
    }
    System.out.printf(
        "%n%s: %d images of %dx%d, q%d, mean %d bytes%n",
        impl, IMAGES, size, size, quality, bytes / IMAGES);
  }

  @Benchmark
  public byte decode() throws ImageDecodeException {
    MemorySegment jpeg = jpegs[next];
    next = (next + 1) % IMAGES;
    JpegDecoder.Decoded d = decoder.decodeReused(jpeg);
    return d.pixels().get(ValueLayout.JAVA_BYTE, d.pixels().byteSize() / 2);
  }

  @Benchmark
  public int encode() {
    byte[] px = pixels[next];
    next = (next + 1) % IMAGES;
    return encoder.encode(px, 0, size, size).length;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    decoder.close();
    encoder.close();
    arena.close();
  }
}
