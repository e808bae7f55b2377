package io.jcolz.image;

import java.io.PrintStream;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The binding to libjpeg-turbo's TurboJPEG 2.x C API ({@code libturbojpeg.so.0}, Debian package
 * {@code libturbojpeg0}) through the FFM API ({@code java.lang.foreign}): JPEG header reading,
 * decompression to RGB with DCT-domain scaling (1/2, 1/4, 1/8), and compression.
 *
 * <h2>Finding the library</h2>
 *
 * The system property {@code jcolz.turbojpeg}, else the environment variable {@code
 * JCOLZ_TURBOJPEG}, names the library file to load, and then only that file is tried ({@code off}
 * disables it). Without either, {@value #DEBIAN_PATH} is tried, then {@code libturbojpeg.so.0} by
 * name (the dynamic linker's search path). When none loads, jcolz prints one line saying so on
 * standard error, once per process, and every JPEG goes through ImageIO (slower).
 *
 * <h2>Same output as ImageIO</h2>
 *
 * Decompression uses the accurate integer IDCT and fancy upsampling, libjpeg's defaults, which
 * ImageIO (libjpeg 6b) uses too; compression asks for the accurate DCT and, through {@code
 * TJ_OPTIMIZE=1} (see below), optimised Huffman tables, as ImageIO's writer does: {@link
 * JpegEncoder} then writes the same bytes either way. TurboJPEG 2.x has no API flag for Huffman
 * optimisation; it reads the environment variable {@code TJ_OPTIMIZE} at each compression, so
 * loading the library sets {@code TJ_OPTIMIZE=1} in the process environment (C {@code setenv})
 * unless it is set already (the {@code jcolz} launcher exports it; set it to {@code 0} to keep the
 * standard tables).
 *
 * <h2>Memory</h2>
 *
 * Each {@link Codec} holds one TurboJPEG decompressor handle and one compressor handle (TurboJPEG
 * handles must not be shared between threads) and reused off-heap buffers for inputs and outputs
 * that are on the Java heap: off-heap inputs (the loader's decompressed chunks) are read in place
 * and off-heap destinations written in place. Buffers above 16 MiB are dropped after the call that
 * needed them. Handles are destroyed by {@link Codec#close()}, or by a {@link Cleaner} when a
 * thread's codec becomes unreachable; buffers live in automatic arenas freed by the GC.
 *
 * <p>Thread-safety: the static methods are thread-safe; a {@link Codec} is not (use {@link
 * #local()}, one per thread, or own one per worker and close it).
 */
public final class TurboJpeg {
  /** Where Debian and Ubuntu install the library (package {@code libturbojpeg0}). */
  public static final String DEBIAN_PATH = "/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0";

  static final int TJPF_RGB = 0;
  static final int TJSAMP_444 = 0;
  static final int TJSAMP_420 = 2;
  static final int TJSAMP_GRAY = 3;
  static final int TJCS_RGB = 0;
  static final int TJCS_YCBCR = 1;
  static final int TJCS_GRAY = 2;
  static final int TJFLAG_NOREALLOC = 1024;
  static final int TJFLAG_ACCURATEDCT = 4096;
  static final int TJERR_WARNING = 0;

  private static final long KEEP_BYTES = 16L << 20;
  private static final Cleaner CLEANER = Cleaner.create();

  private TurboJpeg() {}

  /** Whether libturbojpeg was loaded (the first call may print the one-line notice). */
  public static boolean available() {
    return Lib.BINDINGS != null;
  }

  /** Which library file is in use, or why none is. */
  public static String status() {
    return Lib.STATUS;
  }

  /**
   * The calling thread's codec, created on first use, or null when the library is absent. Never
   * hand it to another thread.
   */
  static Codec local() {
    return Lib.BINDINGS == null ? null : LOCAL.get();
  }

  private static final ThreadLocal<Codec> LOCAL = ThreadLocal.withInitial(Codec::new);

  /** A new codec the caller owns and closes, or null when the library is absent. */
  static Codec newCodec() {
    return Lib.BINDINGS == null ? null : new Codec();
  }

  /**
   * The DCT scaling denominators the library offers among 1, 2, 4 and 8 (scale 1/d), ascending:
   * libjpeg-turbo has SIMD inverse DCTs for exactly these.
   */
  static int[] denominators() {
    return Lib.BINDINGS == null ? new int[] {1} : Lib.BINDINGS.denominators.clone();
  }

  /** A side of {@code side} pixels decoded at 1/{@code denom} ({@code TJSCALED}). */
  static int scaled(int side, int denom) {
    return (side + denom - 1) / denom;
  }

  /**
   * The largest denominator d (1, 2, 4 or 8, among those offered) such that the image decoded at
   * 1/d still has at least {@code minSide[i]} pixels along each axis {@code i} (width, height).
   */
  static int denominatorFor(int width, int height, double minWidth, double minHeight) {
    int best = 1;
    for (int d : Lib.BINDINGS == null ? new int[] {1} : Lib.BINDINGS.denominators) {
      if (scaled(width, d) >= minWidth && scaled(height, d) >= minHeight) {
        best = Math.max(best, d);
      }
    }
    return best;
  }

  /** A failed TurboJPEG call: the library's message and whether it was only a warning. */
  static final class Failure extends Exception {
    private final boolean warning;

    Failure(String message, boolean warning) {
      super(message, null, false, false);
      this.warning = warning;
    }

    boolean warning() {
      return warning;
    }
  }

  /** A JPEG header: frame size, chroma subsampling ({@code TJSAMP_*}), colour space. */
  record Header(int width, int height, int subsampling, int colorspace) {
    /** Whether TurboJPEG decodes it to RGB as ImageIO does (not CMYK/YCCK). */
    boolean rgbDecodable() {
      return colorspace == TJCS_YCBCR || colorspace == TJCS_GRAY || colorspace == TJCS_RGB;
    }
  }

  /**
   * One thread's TurboJPEG state: a decompressor and a compressor handle and reused native buffers.
   * Not thread-safe.
   */
  static final class Codec implements AutoCloseable {
    private final Bindings b = Lib.BINDINGS;
    private final Handles handles;
    private final Cleaner.Cleanable cleanable;
    private final MemorySegment ints;
    private final MemorySegment outPtr;
    private MemorySegment in = MemorySegment.NULL;
    private MemorySegment out = MemorySegment.NULL;
    private boolean closed;

    private Codec() {
      Objects.requireNonNull(b, "libturbojpeg is not loaded");
      handles = new Handles(b);
      cleanable = CLEANER.register(this, handles);
      Arena arena = Arena.ofAuto();
      ints = arena.allocate(ValueLayout.JAVA_INT, 4);
      outPtr = arena.allocate(ValueLayout.ADDRESS, 2);
    }

    /** {@code jpeg} itself when off-heap, else a copy in this codec's reused input buffer. */
    MemorySegment nativeInput(MemorySegment jpeg) {
      if (jpeg.isNative()) {
        return jpeg;
      }
      in = ensure(in, jpeg.byteSize());
      MemorySegment s = in.asSlice(0, jpeg.byteSize());
      MemorySegment.copy(jpeg, 0, s, 0, jpeg.byteSize());
      return s;
    }

    /** The header of the off-heap {@code jpeg}. */
    Header header(MemorySegment jpeg) throws Failure {
      long h = decompressor();
      int rc;
      try {
        rc =
            (int)
                b.decompressHeader3.invokeExact(
                    MemorySegment.ofAddress(h),
                    jpeg,
                    jpeg.byteSize(),
                    ints,
                    ints.asSlice(4),
                    ints.asSlice(8),
                    ints.asSlice(12));
      } catch (Throwable t) {
        throw new IllegalStateException("tjDecompressHeader3", t);
      }
      if (rc != 0) {
        throw failure(h, "tjDecompressHeader3");
      }
      return new Header(
          ints.getAtIndex(ValueLayout.JAVA_INT, 0),
          ints.getAtIndex(ValueLayout.JAVA_INT, 1),
          ints.getAtIndex(ValueLayout.JAVA_INT, 2),
          ints.getAtIndex(ValueLayout.JAVA_INT, 3));
    }

    /**
     * Decodes the off-heap {@code jpeg} to RGB at {@code width x height}, which must be the size at
     * one of the library's scaling factors ({@link #scaled}), into the first {@code width * height
     * * 3} bytes of {@code dst} (off-heap: in place; heap: through a reused buffer). Any warning
     * (such as data ending early) is a failure too, so callers can fall back.
     */
    void decompress(MemorySegment jpeg, int width, int height, MemorySegment dst) throws Failure {
      long n = 3L * width * height;
      Objects.checkFromIndexSize(0, n, dst.byteSize());
      MemorySegment target;
      if (dst.isNative()) {
        target = dst;
      } else {
        out = ensure(out, n);
        target = out;
      }
      long h = decompressor();
      int rc;
      try {
        rc =
            (int)
                b.decompress2.invokeExact(
                    MemorySegment.ofAddress(h),
                    jpeg,
                    jpeg.byteSize(),
                    target,
                    width,
                    0,
                    height,
                    TJPF_RGB,
                    0);
      } catch (Throwable t) {
        throw new IllegalStateException("tjDecompress2", t);
      }
      try {
        if (rc != 0) {
          throw failure(h, "tjDecompress2");
        }
        if (target != dst) {
          MemorySegment.copy(target, 0, dst, 0, n);
        }
      } finally {
        trim();
      }
    }

    /**
     * The baseline JPEG of the {@code width x height} RGB pixels in {@code rgb} (heap or off-heap)
     * at {@code quality} (1..100) with chroma subsampling {@code subsampling} ({@code TJSAMP_*}).
     */
    byte[] compress(MemorySegment rgb, int width, int height, int subsampling, int quality)
        throws Failure {
      long n = 3L * width * height;
      MemorySegment src = rgb;
      if (!rgb.isNative()) {
        in = ensure(in, n);
        src = in.asSlice(0, n);
        MemorySegment.copy(rgb, 0, src, 0, n);
      }
      long bound;
      try {
        bound = (long) b.bufSize.invokeExact(width, height, subsampling);
      } catch (Throwable t) {
        throw new IllegalStateException("tjBufSize", t);
      }
      if (bound <= 0) {
        throw new Failure("tjBufSize refused " + width + "x" + height, false);
      }
      out = ensure(out, bound);
      outPtr.set(ValueLayout.ADDRESS, 0, out);
      outPtr.set(ValueLayout.JAVA_LONG, 8, out.byteSize());
      long h = compressor();
      int rc;
      try {
        rc =
            (int)
                b.compress2.invokeExact(
                    MemorySegment.ofAddress(h),
                    src,
                    width,
                    0,
                    height,
                    TJPF_RGB,
                    outPtr,
                    outPtr.asSlice(8),
                    subsampling,
                    quality,
                    // below quality 96 TurboJPEG would pick the fast integer DCT; libjpeg's
                    // (and so ImageIO's) default is the accurate one
                    TJFLAG_NOREALLOC | TJFLAG_ACCURATEDCT);
      } catch (Throwable t) {
        throw new IllegalStateException("tjCompress2", t);
      }
      try {
        if (rc != 0) {
          throw failure(h, "tjCompress2");
        }
        long size = outPtr.get(ValueLayout.JAVA_LONG, 8);
        if (outPtr.get(ValueLayout.ADDRESS, 0).address() != out.address()
            || size <= 0
            || size > out.byteSize()) {
          throw new IllegalStateException("tjCompress2 moved or overran its output buffer");
        }
        return out.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE);
      } finally {
        trim();
      }
    }

    private long decompressor() {
      check();
      if (handles.decompress == 0) {
        handles.decompress = handles.init(b.initDecompress, "tjInitDecompress");
      }
      return handles.decompress;
    }

    private long compressor() {
      check();
      if (handles.compress == 0) {
        handles.compress = handles.init(b.initCompress, "tjInitCompress");
      }
      return handles.compress;
    }

    private void check() {
      if (closed) {
        throw new IllegalStateException("TurboJPEG codec is closed");
      }
    }

    private Failure failure(long h, String call) {
      MemorySegment handle = MemorySegment.ofAddress(h);
      String msg;
      int code;
      try {
        MemorySegment s = (MemorySegment) b.getErrorStr2.invokeExact(handle);
        msg = s.equals(MemorySegment.NULL) ? "?" : s.reinterpret(1024).getString(0);
        code = (int) b.getErrorCode.invokeExact(handle);
      } catch (Throwable t) {
        throw new IllegalStateException("tjGetErrorStr2", t);
      }
      boolean warning = code == TJERR_WARNING;
      return new Failure(call + ": " + msg + (warning ? " (warning)" : ""), warning);
    }

    private static MemorySegment ensure(MemorySegment buf, long n) {
      if (buf.byteSize() >= n) {
        return buf;
      }
      long size = Math.max(n, Math.min(2 * buf.byteSize(), KEEP_BYTES));
      return Arena.ofAuto().allocate(size, 64);
    }

    private void trim() {
      if (in.byteSize() > KEEP_BYTES) {
        in = MemorySegment.NULL;
      }
      if (out.byteSize() > KEEP_BYTES) {
        out = MemorySegment.NULL;
      }
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        cleanable.clean();
        in = MemorySegment.NULL;
        out = MemorySegment.NULL;
      }
    }
  }

  /** The native handles of one codec; destroys them when run (by close or by the cleaner). */
  private static final class Handles implements Runnable {
    private final Bindings b;
    volatile long decompress;
    volatile long compress;

    Handles(Bindings b) {
      this.b = b;
    }

    long init(MethodHandle mh, String call) {
      MemorySegment h;
      try {
        h = (MemorySegment) mh.invokeExact();
      } catch (Throwable t) {
        throw new IllegalStateException(call, t);
      }
      if (h.equals(MemorySegment.NULL)) {
        throw new OutOfMemoryError(call + " returned NULL");
      }
      return h.address();
    }

    @Override
    public void run() {
      for (long h : new long[] {decompress, compress}) {
        if (h != 0) {
          try {
            int unused = (int) b.destroy.invokeExact(MemorySegment.ofAddress(h));
          } catch (Throwable t) {
            throw new IllegalStateException("tjDestroy", t);
          }
        }
      }
      decompress = 0;
      compress = 0;
    }
  }

  /** The downcall handles, made once. */
  private static final class Bindings {
    final MethodHandle initDecompress;
    final MethodHandle initCompress;
    final MethodHandle decompressHeader3;
    final MethodHandle decompress2;
    final MethodHandle compress2;
    final MethodHandle bufSize;
    final MethodHandle destroy;
    final MethodHandle getErrorStr2;
    final MethodHandle getErrorCode;
    final int[] denominators;

    Bindings(SymbolLookup lib) throws Throwable {
      Linker linker = Linker.nativeLinker();
      // unsigned long: 64 bits on Linux x86-64 (LP64); take the platform's layout anyway
      ValueLayout ulong = (ValueLayout) linker.canonicalLayouts().get("long");
      if (ulong.byteSize() != 8) {
        throw new UnsupportedOperationException("C long is not 64 bits on this platform");
      }
      AddressLayout ptr = ValueLayout.ADDRESS;
      ValueLayout.OfInt i32 = ValueLayout.JAVA_INT;
      initDecompress = down(linker, lib, "tjInitDecompress", FunctionDescriptor.of(ptr));
      initCompress = down(linker, lib, "tjInitCompress", FunctionDescriptor.of(ptr));
      decompressHeader3 =
          down(
              linker,
              lib,
              "tjDecompressHeader3",
              FunctionDescriptor.of(i32, ptr, ptr, ValueLayout.JAVA_LONG, ptr, ptr, ptr, ptr));
      decompress2 =
          down(
              linker,
              lib,
              "tjDecompress2",
              FunctionDescriptor.of(
                  i32, ptr, ptr, ValueLayout.JAVA_LONG, ptr, i32, i32, i32, i32, i32));
      compress2 =
          down(
              linker,
              lib,
              "tjCompress2",
              FunctionDescriptor.of(i32, ptr, ptr, i32, i32, i32, i32, ptr, ptr, i32, i32, i32));
      bufSize =
          down(
              linker,
              lib,
              "tjBufSize",
              FunctionDescriptor.of(ValueLayout.JAVA_LONG, i32, i32, i32));
      destroy = down(linker, lib, "tjDestroy", FunctionDescriptor.of(i32, ptr));
      getErrorStr2 = down(linker, lib, "tjGetErrorStr2", FunctionDescriptor.of(ptr, ptr));
      getErrorCode = down(linker, lib, "tjGetErrorCode", FunctionDescriptor.of(i32, ptr));
      MethodHandle factors =
          down(linker, lib, "tjGetScalingFactors", FunctionDescriptor.of(ptr, ptr));
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment count = arena.allocate(i32);
        MemorySegment arr = (MemorySegment) factors.invokeExact(count);
        int n = count.get(i32, 0);
        if (arr.equals(MemorySegment.NULL) || n <= 0 || n > 64) {
          throw new IllegalStateException("tjGetScalingFactors returned " + n + " factors");
        }
        MemoryLayout factor = MemoryLayout.structLayout(i32, i32);
        arr = arr.reinterpret(n * factor.byteSize());
        List<Integer> ds = new ArrayList<>();
        for (int k = 0; k < n; k++) {
          int num = arr.getAtIndex(i32, 2L * k);
          int denom = arr.getAtIndex(i32, 2L * k + 1);
          if (num >= 1 && denom % num == 0) {
            int d = denom / num;
            if ((d == 1 || d == 2 || d == 4 || d == 8) && !ds.contains(d)) {
              ds.add(d);
            }
          }
        }
        if (!ds.contains(1)) {
          ds.add(1);
        }
        denominators = ds.stream().mapToInt(Integer::intValue).sorted().toArray();
      }
    }

    private static MethodHandle down(
        Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
      return linker.downcallHandle(lib.findOrThrow(name), fd);
    }
  }

  /**
   * Turns on Huffman table optimisation for TurboJPEG 2.x compression, which reads it only from the
   * environment variable {@code TJ_OPTIMIZE} at each compression: sets {@code TJ_OPTIMIZE=1} in the
   * process environment (C {@code setenv}, not overwriting) unless it is already set, e.g. by the
   * {@code jcolz} launcher, or by a user who wants {@code 0}. Returns a note for the status.
   */
  private static String optimizeHuffman() {
    Linker linker = Linker.nativeLinker();
    SymbolLookup libc = linker.defaultLookup();
    try (Arena arena = Arena.ofConfined()) {
      MethodHandle getenv =
          linker.downcallHandle(
              libc.findOrThrow("getenv"),
              FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
      MemorySegment name = arena.allocateFrom("TJ_OPTIMIZE");
      MemorySegment value = (MemorySegment) getenv.invokeExact(name);
      if (!value.equals(MemorySegment.NULL)) {
        return " (TJ_OPTIMIZE=" + value.reinterpret(64).getString(0) + ")";
      }
      MethodHandle setenv =
          linker.downcallHandle(
              libc.findOrThrow("setenv"),
              FunctionDescriptor.of(
                  ValueLayout.JAVA_INT,
                  ValueLayout.ADDRESS,
                  ValueLayout.ADDRESS,
                  ValueLayout.JAVA_INT));
      int rc = (int) setenv.invokeExact(name, arena.allocateFrom("1"), 0);
      return rc == 0 ? " (TJ_OPTIMIZE=1 set)" : " (TJ_OPTIMIZE not set: Huffman tables standard)";
    } catch (Throwable t) {
      return " (TJ_OPTIMIZE not set: " + t + ")";
    }
  }

  /** Loads the library once; prints the one-line notice when it cannot. */
  private static final class Lib {
    static final Bindings BINDINGS;
    static final String STATUS;

    static {
      String[] status = new String[1];
      BINDINGS =
          load(
              System.getProperty("jcolz.turbojpeg"),
              System.getenv("JCOLZ_TURBOJPEG"),
              status,
              System.err);
      STATUS = status[0];
    }
  }

  /**
   * Tries the override (property, then environment), else the Debian path and the bare name; writes
   * what happened to {@code status[0]}; prints one line on {@code err} when nothing loads.
   */
  static Bindings load(String property, String env, String[] status, PrintStream err) {
    String override = property != null && !property.isBlank() ? property.strip() : null;
    String source = "-Djcolz.turbojpeg";
    if (override == null && env != null && !env.isBlank()) {
      override = env.strip();
      source = "JCOLZ_TURBOJPEG";
    }
    List<String> tried = new ArrayList<>();
    if (override != null
        && List.of("off", "none", "false").contains(override.toLowerCase(Locale.ROOT))) {
      status[0] = "libturbojpeg disabled (" + source + "=" + override + ")";
      err.println("jcolz: " + status[0] + "; JPEG decoding uses ImageIO (slower)");
      return null;
    }
    List<String> candidates =
        override != null ? List.of(override) : List.of(DEBIAN_PATH, "libturbojpeg.so.0");
    for (String c : candidates) {
      try {
        SymbolLookup lib;
        if (c.contains("/")) {
          Path p = Path.of(c);
          if (!Files.exists(p)) {
            tried.add(c + ": no such file");
            continue;
          }
          lib = SymbolLookup.libraryLookup(p, Arena.global());
        } else {
          lib = SymbolLookup.libraryLookup(c, Arena.global());
        }
        Bindings b = new Bindings(lib);
        status[0] = "libturbojpeg from " + c + optimizeHuffman();
        return b;
      } catch (Throwable t) {
        tried.add(
            c + ": " + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()));
      }
    }
    status[0] =
        "libturbojpeg not found ("
            + (override != null ? source + "=" : "tried ")
            + String.join(", ", tried)
            + ")";
    err.println(
        "jcolz: "
            + status[0]
            + "; JPEG decoding uses ImageIO (slower). Install: apt-get install libturbojpeg0");
    return null;
  }
}
