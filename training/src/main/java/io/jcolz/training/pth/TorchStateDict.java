package io.jcolz.training.pth;

import io.jcolz.training.pth.Unpickler.TensorRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch state dict read from a {@code .pth} / {@code .pt} file, as {@code
 * torch.save(model.state_dict(), f)} writes it since PyTorch 1.6 (and as torchvision serves its
 * pretrained weights): a zip archive holding {@code PREFIX/data.pkl}, a pickle of an {@code
 * OrderedDict} from names to tensors, and one entry {@code PREFIX/data/KEY} per storage with its
 * raw little-endian elements. The pickle is read by a restricted unpickler that builds only ordered
 * dicts and tensors and refuses any other global. Legacy files (the pre-1.6 format, a pickle stream
 * not in a zip) are refused with a line saying how to re-save them.
 *
 * <p>Tensors are read lazily by {@link #floats(String)}: float32 as is, float16, bfloat16 and
 * float64 converted to float32; sizes, strides and storage offsets are honoured, so a view of a
 * larger storage or a non-contiguous tensor reads right.
 *
 * <p>Thread-safety: not thread-safe (one zip file handle); close it when done.
 */
public final class TorchStateDict implements AutoCloseable {
  private final Path path;
  private final ZipFile zip;
  private final String prefix;
  private final Map<String, TensorRef> tensors;

  private TorchStateDict(Path path, ZipFile zip, String prefix, Map<String, TensorRef> tensors) {
    this.path = path;
    this.zip = zip;
    this.prefix = prefix;
    this.tensors = tensors;
  }

  /**
   * Opens a state-dict file and reads its pickle.
   *
   * @param path the file
   * @return the state dict (close it)
   * @throws PthFormatException if it is not a state dict this reader accepts (one line: file and
   *     reason)
   * @throws IOException if it cannot be read
   */
  public static TorchStateDict open(Path path) throws IOException {
    byte[] head = new byte[4];
    try (InputStream s = Files.newInputStream(path)) {
      int n = s.readNBytes(head, 0, 4);
      if (n == 4 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
        throw new PthFormatException(
            path
                + ": a legacy (pre-1.6, not zip) torch file; re-save it with PyTorch:"
                + " torch.save(torch.load(OLD), NEW)");
      }
      if (n < 4 || head[0] != 'P' || head[1] != 'K') {
        throw new PthFormatException(path + ": not a torch.save zip file (no zip header)");
      }
    }
    ZipFile zip;
    try {
      zip = new ZipFile(path.toFile());
    } catch (ZipException e) {
      throw new PthFormatException(path + ": damaged zip file (" + e.getMessage() + ")", e);
    }
    boolean ok = false;
    try {
      String prefix = null;
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - 9) {
          prefix = name.substring(0, name.length() - "data.pkl".length());
          break;
        }
      }
      if (prefix == null) {
        throw new PthFormatException(path + ": zip without a data.pkl: not a torch.save file");
      }
      checkByteOrder(zip, prefix, path);
      byte[] pickle = read(zip, prefix + "data.pkl", path, 64L << 20);
      Object top = new Unpickler(pickle, path + " (" + prefix + "data.pkl)").load();
      if (!(top instanceof Unpickler.Dict dict)) {
        throw new PthFormatException(
            path + ": holds a " + describe(top) + ", not a state dict (an OrderedDict of tensors)");
      }
      Map<String, TensorRef> tensors = new LinkedHashMap<>();
      for (Map.Entry<Object, Object> e : dict.entrySet()) {
        if (!(e.getKey() instanceof String key) || !(e.getValue() instanceof TensorRef t)) {
          throw new PthFormatException(
              path
                  + ": entry "
                  + e.getKey()
                  + " is a "
                  + describe(e.getValue())
                  + ", not a tensor (save model.state_dict(), not the model or a training"
                  + " checkpoint dict)");
        }
        tensors.put(key, t);
      }
      ok = true;
      return new TorchStateDict(path, zip, prefix, tensors);
    } finally {
      if (!ok) {
        zip.close();
      }
    }
  }

  private static String describe(Object o) {
    return o instanceof Unpickler.Dict
        ? "dict"
        : o instanceof java.util.List<?>
            ? "sequence"
            : o == null ? "None" : o.getClass().getSimpleName();
  }

  private static void checkByteOrder(ZipFile zip, String prefix, Path path) throws IOException {
    ZipEntry e = zip.getEntry(prefix + "byteorder");
    if (e != null) {
      String order = new String(read(zip, e.getName(), path, 16), StandardCharsets.US_ASCII);
      if (!order.strip().equals("little")) {
        throw new PthFormatException(
            path + ": storages are " + order.strip() + "-endian; only little-endian is read");
      }
    }
  }

  private static byte[] read(ZipFile zip, String name, Path path, long max) throws IOException {
    ZipEntry e = zip.getEntry(name);
    if (e == null) {
      throw new PthFormatException(path + ": entry " + name + " missing");
    }
    if (e.getSize() > max) {
      throw new PthFormatException(
          path + ": entry " + name + " is " + e.getSize() + " bytes, more than " + max);
    }
    try (InputStream s = zip.getInputStream(e)) {
      byte[] b = s.readNBytes((int) Math.min(max, Integer.MAX_VALUE - 16) + 1);
      if (b.length > max) {
        throw new PthFormatException(path + ": entry " + name + " is over " + max + " bytes");
      }
      return b;
    } catch (ZipException x) {
      throw new PthFormatException(path + ": entry " + name + " damaged (" + x.getMessage() + ")");
    }
  }

  /**
   * The tensor names, in the file's order.
   *
   * @return an unmodifiable set view
   */
  public java.util.Set<String> names() {
    return Collections.unmodifiableSet(tensors.keySet());
  }

  /**
   * A tensor's sizes.
   *
   * @param name the tensor's name
   * @return a copy of its shape, or null if there is no such tensor
   */
  public long[] shape(String name) {
    TensorRef t = tensors.get(name);
    return t == null ? null : t.shape().clone();
  }

  /**
   * Whether a tensor holds floating-point numbers (float16, bfloat16, float32 or float64).
   *
   * @param name the tensor's name
   * @return true for a floating-point tensor
   */
  public boolean isFloatingPoint(String name) {
    TensorRef t = tensors.get(name);
    return t != null
        && switch (t.storage().dtype()) {
          case FLOAT32, FLOAT64, FLOAT16, BFLOAT16 -> true;
          default -> false;
        };
  }

  /**
   * Reads a floating-point tensor as float32, in row-major (C) order of its sizes.
   *
   * @param name the tensor's name
   * @return the elements
   * @throws PthFormatException if there is no such tensor, it is not floating-point, or it does not
   *     fit its storage
   * @throws IOException if the file cannot be read
   */
  public float[] floats(String name) throws IOException {
    TensorRef t = tensors.get(name);
    if (t == null) {
      throw new PthFormatException(path + ": no tensor " + name);
    }
    if (!isFloatingPoint(name)) {
      throw new PthFormatException(
          path + ": tensor " + name + " is " + t.storage().dtype() + ", not floating-point");
    }
    long count = 1;
    long last = t.offset(); // highest element index touched
    for (int i = 0; i < t.shape().length; i++) {
      count = Math.multiplyExact(count, t.shape()[i]);
      if (t.shape()[i] > 0) {
        last = Math.addExact(last, Math.multiplyExact(t.shape()[i] - 1, t.stride()[i]));
      }
    }
    if (count > Integer.MAX_VALUE - 16) {
      throw new PthFormatException(path + ": tensor " + name + " has " + count + " elements");
    }
    Unpickler.DType type = t.storage().dtype();
    if (count > 0 && last >= t.storage().numel()) {
      throw new PthFormatException(
          path
              + ": tensor "
              + name
              + " "
              + Arrays.toString(t.shape())
              + " reaches element "
              + last
              + " of a storage of "
              + t.storage().numel());
    }
    String entry = prefix + "data/" + t.storage().key();
    long bytes = t.storage().numel() * type.bytes;
    byte[] raw = read(zip, entry, path, bytes);
    if (raw.length != bytes) {
      throw new PthFormatException(
          path + ": storage " + entry + " is " + raw.length + " bytes vs expected " + bytes);
    }
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[(int) count];
    int dims = t.shape().length;
    long[] index = new long[dims];
    for (int i = 0; i < out.length; i++) {
      long e = t.offset();
      for (int d = 0; d < dims; d++) {
        e += index[d] * t.stride()[d];
      }
      int at = (int) (e * type.bytes);
      out[i] =
          switch (type) {
            case FLOAT32 -> b.getFloat(at);
            case FLOAT64 -> (float) b.getDouble(at);
            case FLOAT16 -> Float.float16ToFloat(b.getShort(at));
            case BFLOAT16 -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
            default -> throw new IllegalStateException(type.toString());
          };
      for (int d = dims - 1; d >= 0; d--) {
        if (++index[d] < t.shape()[d]) {
          break;
        }
        index[d] = 0;
      }
    }
    return out;
  }

  /**
   * The file read.
   *
   * @return the path
   */
  public Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    zip.close();
  }
}
