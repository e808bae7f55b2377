package io.jcolz.training.pth;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted unpickler for the {@code data.pkl} of a {@code torch.save} zip file. It implements
 * the pickle opcodes of protocols 2–4 that a state dict uses and resolves only these globals:
 * {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and the typed storage
 * classes {@code torch.*Storage}. Anything else — another global, an unknown opcode, a malformed
 * length — fails with a message naming the opcode or global and its offset. Nothing is ever
 * executed: {@code REDUCE} only builds the three known kinds of values.
 *
 * <p>Thread-safety: not thread-safe; one instance reads one pickle.
 */
final class Unpickler {
  /** Storage classes a state dict's tensors may use, with their element types. */
  static final Map<String, DType> STORAGES =
      Map.of(
          "FloatStorage", DType.FLOAT32,
          "DoubleStorage", DType.FLOAT64,
          "HalfStorage", DType.FLOAT16,
          "BFloat16Storage", DType.BFLOAT16,
          "LongStorage", DType.INT64,
          "IntStorage", DType.INT32,
          "ShortStorage", DType.INT16,
          "CharStorage", DType.INT8,
          "ByteStorage", DType.UINT8,
          "BoolStorage", DType.BOOL);

  /** Element types of storages. */
  enum DType {
    FLOAT32(4),
    FLOAT64(8),
    FLOAT16(2),
    BFLOAT16(2),
    INT64(8),
    INT32(4),
    INT16(2),
    INT8(1),
    UINT8(1),
    BOOL(1);

    final int bytes;

    DType(int bytes) {
      this.bytes = bytes;
    }
  }

  /** A resolved global. */
  record Global(String module, String name) {}

  /** A persistent storage reference: {@code ('storage', cls, key, location, numel)}. */
  record StorageRef(DType dtype, String key, long numel) {}

  /** A tensor: storage, element offset, sizes and strides (in elements). */
  record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {}

  /** An OrderedDict or dict: keys in insertion order. */
  static final class Dict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;
  }

  private static final Object MARK = new Object();
  private static final Set<String> REBUILD = Set.of("_rebuild_tensor_v2");

  private final ByteBuffer in;
  private final String where;
  private final List<Object> stack = new ArrayList<>();
  private final List<Integer> marks = new ArrayList<>();
  private final Map<Long, Object> memo = new HashMap<>();

  Unpickler(byte[] pickle, String where) {
    this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
    this.where = where;
  }

  private PthFormatException bad(String why) {
    return new PthFormatException(where + ": " + why);
  }

  private void need(long n, int at) throws PthFormatException {
    if (n < 0 || n > in.remaining()) {
      throw bad("pickle truncated at offset " + at + " (needs " + n + " more bytes)");
    }
  }

  private Object pop() throws PthFormatException {
    if (stack.isEmpty() || stack.getLast() == MARK) {
      throw bad("pickle stack underflow at offset " + in.position());
    }
    return stack.removeLast();
  }

  private List<Object> popMark() throws PthFormatException {
    if (marks.isEmpty()) {
      throw bad("pickle has no MARK at offset " + in.position());
    }
    int m = marks.removeLast();
    if (m > stack.size() || stack.get(m) != MARK) {
      throw bad("pickle MARK lost at offset " + in.position());
    }
    List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
    stack.subList(m, stack.size()).clear();
    return items;
  }

  private String line(int at) throws PthFormatException {
    StringBuilder sb = new StringBuilder();
    while (true) {
      need(1, at);
      byte b = in.get();
      if (b == '\n') {
        return sb.toString();
      }
      if (sb.length() > 200) {
        throw bad("pickle GLOBAL name too long at offset " + at);
      }
      sb.append((char) (b & 0xff));
    }
  }

  private String utf8(long n, int at) throws PthFormatException {
    need(n, at);
    byte[] b = new byte[(int) n];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private Global global(String module, String name, int at) throws PthFormatException {
    boolean ok =
        (module.equals("collections") && name.equals("OrderedDict"))
            || (module.equals("torch._utils") && REBUILD.contains(name))
            || (module.equals("torch") && STORAGES.containsKey(name));
    if (!ok) {
      throw bad(
          "pickle refers to "
              + module
              + "."
              + name
              + " at offset "
              + at
              + ": not a plain state dict (only collections.OrderedDict,"
              + " torch._utils._rebuild_tensor_v2 and torch.*Storage are accepted)");
    }
    return new Global(module, name);
  }

  /**
   * Reads the pickle.
   *
   * @return the top object
   * @throws PthFormatException if it is not a pickle of a state dict
   */
  Object load() throws PthFormatException {
    while (true) {
      int at = in.position();
      need(1, at);
      int op = in.get() & 0xff;
      switch (op) {
        case 0x80 -> { // PROTO
          need(1, at);
          int v = in.get() & 0xff;
          if (v < 2 || v > 5) {
            throw bad("pickle protocol " + v + " vs supported [2, 5]");
          }
        }
        case 0x95 -> { // FRAME
          need(8, at);
          in.getLong();
        }
        case '.' -> {
          return pop();
        }
        case '(' -> {
          marks.add(stack.size());
          stack.add(MARK);
        }
        case ')' -> stack.add(List.of());
        case '}' -> stack.add(new Dict());
        case ']' -> stack.add(new ArrayList<>());
        case 'N' -> stack.add(NONE);
        case 0x88 -> stack.add(Boolean.TRUE);
        case 0x89 -> stack.add(Boolean.FALSE);
        case 'K' -> {
          need(1, at);
          stack.add((long) (in.get() & 0xff));
        }
        case 'M' -> {
          need(2, at);
          stack.add((long) (in.getShort() & 0xffff));
        }
        case 'J' -> {
          need(4, at);
          stack.add((long) in.getInt());
        }
        case 0x8a -> { // LONG1
          need(1, at);
          int n = in.get() & 0xff;
          need(n, at);
          if (n > 8) {
            throw bad("pickle integer of " + n + " bytes at offset " + at);
          }
          long v = 0;
          for (int i = 0; i < n; i++) {
            v |= (long) (in.get() & 0xff) << (8 * i);
          }
          if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) {
            v -= 1L << (8 * n); // sign
          }
          stack.add(v);
        }
        case 'G' -> {
          need(8, at);
          stack.add(in.order(ByteOrder.BIG_ENDIAN).getDouble());
          in.order(ByteOrder.LITTLE_ENDIAN);
        }
        case 'X' -> {
          need(4, at);
          stack.add(utf8(in.getInt() & 0xffffffffL, at));
        }
        case 0x8c -> { // SHORT_BINUNICODE
          need(1, at);
          stack.add(utf8(in.get() & 0xff, at));
        }
        case 0x8d -> { // BINUNICODE8
          need(8, at);
          stack.add(utf8(in.getLong(), at));
        }
        case 'c' -> {
          String module = line(at);
          String name = line(at);
          stack.add(global(module, name, at));
        }
        case 0x93 -> { // STACK_GLOBAL
          Object name = pop();
          Object module = pop();
          if (!(module instanceof String m) || !(name instanceof String n)) {
            throw bad("pickle STACK_GLOBAL without names at offset " + at);
          }
          stack.add(global(m, n, at));
        }
        case 'q' -> {
          need(1, at);
          memo.put((long) (in.get() & 0xff), peek(at));
        }
        case 'r' -> {
          need(4, at);
          memo.put(in.getInt() & 0xffffffffL, peek(at));
        }
        case 0x94 -> memo.put((long) memo.size(), peek(at)); // MEMOIZE
        case 'h' -> {
          need(1, at);
          stack.add(memoGet(in.get() & 0xff, at));
        }
        case 'j' -> {
          need(4, at);
          stack.add(memoGet(in.getInt() & 0xffffffffL, at));
        }
        case 't' -> stack.add(List.copyOf(nonNull(popMark())));
        case 0x85 -> stack.add(tuple(pop()));
        case 0x86 -> {
          Object b = pop();
          Object a = pop();
          stack.add(tuple(a, b));
        }
        case 0x87 -> {
          Object c = pop();
          Object b = pop();
          Object a = pop();
          stack.add(tuple(a, b, c));
        }
        case 's' -> {
          Object v = pop();
          Object k = pop();
          dict(peek(at), at).put(k, v);
        }
        case 'u' -> {
          List<Object> items = popMark();
          Dict d = dict(peek(at), at);
          if (items.size() % 2 != 0) {
            throw bad("pickle SETITEMS with an odd item count at offset " + at);
          }
          for (int i = 0; i < items.size(); i += 2) {
            d.put(items.get(i), items.get(i + 1));
          }
        }
        case 'a' -> {
          Object v = pop();
          list(peek(at), at).add(v);
        }
        case 'e' -> {
          List<Object> items = popMark();
          list(peek(at), at).addAll(items);
        }
        case 'b' -> { // BUILD: only the _metadata attribute of a state dict's OrderedDict
          Object state = pop();
          dict(peek(at), at);
          if (!(state instanceof Dict)) {
            throw bad("pickle BUILD with an unexpected state at offset " + at);
          }
        }
        case 'Q' -> { // BINPERSID
          stack.add(storage(pop(), at));
        }
        case 'R' -> {
          Object args = pop();
          Object f = pop();
          stack.add(reduce(f, args, at));
        }
        default ->
            throw bad(
                String.format(
                    "unsupported pickle opcode 0x%02x at offset %d: not a plain state dict",
                    op, at));
      }
    }
  }

  /** Python's None (a null would be ambiguous in the collections). */
  static final Object NONE =
      new Object() {
        @Override
        public String toString() {
          return "None";
        }
      };

  private static List<Object> nonNull(List<Object> l) {
    return l;
  }

  private static List<Object> tuple(Object... items) {
    return List.of(items);
  }

  private Object peek(int at) throws PthFormatException {
    if (stack.isEmpty() || stack.getLast() == MARK) {
      throw bad("pickle stack underflow at offset " + at);
    }
    return stack.getLast();
  }

  private Object memoGet(long key, int at) throws PthFormatException {
    Object v = memo.get(key);
    if (v == null) {
      throw bad("pickle memo " + key + " undefined at offset " + at);
    }
    return v;
  }

  private Dict dict(Object o, int at) throws PthFormatException {
    if (o instanceof Dict d) {
      return d;
    }
    throw bad("pickle sets an item on a non-dict at offset " + at);
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(Object o, int at) throws PthFormatException {
    if (o instanceof ArrayList<?> l) {
      return (List<Object>) l;
    }
    throw bad("pickle appends to a non-list at offset " + at);
  }

  private StorageRef storage(Object pid, int at) throws PthFormatException {
    if (pid instanceof List<?> t
        && t.size() == 5
        && "storage".equals(t.get(0))
        && t.get(1) instanceof Global g
        && g.module().equals("torch")
        && STORAGES.containsKey(g.name())
        && t.get(2) instanceof String key
        && t.get(4) instanceof Long numel
        && numel >= 0) {
      return new StorageRef(STORAGES.get(g.name()), key, numel);
    }
    throw bad("pickle has an unexpected persistent id at offset " + at + ": " + pid);
  }

  private Object reduce(Object f, Object args, int at) throws PthFormatException {
    if (!(f instanceof Global g) || !(args instanceof List<?> a)) {
      throw bad("pickle REDUCE of a non-callable at offset " + at);
    }
    if (g.name().equals("OrderedDict")) {
      if (!a.isEmpty()) {
        throw bad("pickle OrderedDict with arguments at offset " + at);
      }
      return new Dict();
    }
    if (g.name().equals("_rebuild_tensor_v2")) {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (a.size() >= 4
          && a.get(0) instanceof StorageRef s
          && a.get(1) instanceof Long offset
          && a.get(2) instanceof List<?> size
          && a.get(3) instanceof List<?> stride
          && size.size() == stride.size()) {
        long[] shape = longs(size, at);
        long[] strides = longs(stride, at);
        return new TensorRef(s, offset, shape, strides);
      }
      throw bad("pickle _rebuild_tensor_v2 with unexpected arguments at offset " + at);
    }
    throw bad("pickle calls " + g.module() + "." + g.name() + " at offset " + at);
  }

  private long[] longs(List<?> l, int at) throws PthFormatException {
    long[] out = new long[l.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(l.get(i) instanceof Long v) || v < 0) {
        throw bad("pickle tensor size/stride not a non-negative integer at offset " + at);
      }
      out[i] = v;
    }
    return out;
  }
}
