package io.jcolz.pack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcolz.format.index.ChronicleSupport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * A label file joined to the images by key, held off the Java heap in a Chronicle Map persisted to
 * a temporary file next to the output (a 12M-line file costs page cache, not heap).
 *
 * <h2>Formats</h2>
 *
 * <ul>
 *   <li><b>CSV / TSV</b>: {@code key,label label label} — the key, then label names separated by
 *       spaces (further fields are more labels). The delimiter is a tab for {@code .tsv}/{@code
 *       .tab} files, a comma for {@code .csv}, else a tab if the first line has one. Fields may be
 *       quoted with {@code "} ({@code ""} inside is a quote); a quoted field cannot span lines. A
 *       first line whose first field is {@code key}, {@code path}, {@code file}, {@code filename},
 *       {@code image}, {@code name} or {@code id} (any case) is a header and skipped. {@code key,}
 *       (an empty label field) is a key with no labels.
 *   <li><b>JSON lines</b> ({@code .jsonl}, {@code .ndjson}, {@code .json}, or a first line starting
 *       with <code>{</code>): <code>{"key": "...", "labels": ["...", ...]}</code> per line ({@code
 *       labels} may also be one space-separated string).
 * </ul>
 *
 * Keys are paths relative to the input folder with '/' separators; a leading {@code ./} and
 * backslashes are normalised. A line without a key or without the label column, or not parseable,
 * is rejected with one line naming the file and line number. A key given twice gets the union of
 * its labels, and the lines that repeat a key are counted in one note. Blank lines and lines
 * starting with {@code #} are ignored. The file must be UTF-8.
 *
 * <p>Thread-safety: {@link #labels} may be called from many threads (Chronicle Map is concurrent);
 * loading and {@link #unmatched} are single-threaded.
 */
public final class LabelFile implements LabelSource {
  static {
    ChronicleSupport.disableAnalytics();
  }

  private static final Set<String> HEADER =
      Set.of("key", "path", "file", "filename", "image", "name", "id");
  private static final char SEP = '\u0000';
  private static final char UNSEEN = '0';
  private static final char SEEN = '1';
  private static final ObjectMapper JSON = new ObjectMapper();

  private enum Format {
    CSV,
    TSV,
    JSONL
  }

  private final Path file;
  private final Path mapFile;
  private final ChronicleMap<CharSequence, CharSequence> map;
  private final List<String> vocabulary;
  private final Map<String, Integer> index;
  private final long entries;
  private final long rejected;
  private final AtomicLong matched = new AtomicLong();

  /** One parsed line. */
  private record Entry(String key, List<String> labels) {}

  private LabelFile(
      Path file,
      Path mapFile,
      ChronicleMap<CharSequence, CharSequence> map,
      List<String> vocabulary,
      long entries,
      long rejected) {
    this.file = file;
    this.mapFile = mapFile;
    this.map = map;
    this.vocabulary = vocabulary;
    this.index = LabelSource.indexOf(vocabulary);
    this.entries = entries;
    this.rejected = rejected;
  }

  /**
   * Reads {@code file} twice (to size the map, then to fill it) into a map persisted at {@code
   * mapFile} (deleted on {@link #close}).
   *
   * @param problems receives one line per rejected line, and one line counting the keys given on
   *     more than one line (if any)
   * @throws IOException the file cannot be read, or is not UTF-8
   */
  public static LabelFile load(Path file, Path mapFile, Consumer<String> problems)
      throws IOException {
    return load(file, mapFile, problems, null);
  }

  /**
   * As {@link #load(Path, Path, Consumer)} with a fixed vocabulary (names not in it are dropped and
   * counted), or null for the sorted names of the file.
   */
  public static LabelFile load(
      Path file, Path mapFile, Consumer<String> problems, List<String> fixed) throws IOException {
    Format format = detect(file);
    long[] stats = new long[3]; // entries, key chars, value chars
    TreeSet<String> names = new TreeSet<>();
    long rejected =
        scan(
            file,
            format,
            e -> {
              stats[0]++;
              stats[1] += e.key().length();
              for (String l : e.labels()) {
                stats[2] += l.length() + 1;
                names.add(l);
              }
            },
            problems);
    long n = Math.max(1000, stats[0]);
    double avgKey = stats[0] == 0 ? 16 : Math.max(8, (double) stats[1] / stats[0]);
    double avgValue = stats[0] == 0 ? 8 : Math.max(8, 1 + (double) stats[2] / stats[0]);
    Files.deleteIfExists(mapFile);
    ChronicleMap<CharSequence, CharSequence> map;
    try {
      map =
          ChronicleMap.of(CharSequence.class, CharSequence.class)
              .name("jcolz-pack-labels")
              .entries(n)
              .averageKeySize(avgKey * 1.2)
              .averageValueSize(avgValue * 1.2)
              .maxBloatFactor(10)
              .createPersistedTo(mapFile.toFile());
    } catch (LinkageError | IllegalStateException e) {
      throw new IOException(
          "Chronicle Map could not start ("
              + e
              + "); run the JVM with: "
              + ChronicleSupport.REQUIRED_FLAGS,
          e);
    }
    long[] dup = new long[1];
    String[] firstDup = new String[1];
    boolean ok = false;
    try {
      scan(
          file,
          format,
          e -> {
            StringBuilder v = new StringBuilder().append(UNSEEN);
            CharSequence prev = map.get(e.key());
            List<String> labels = e.labels();
            if (prev != null) {
              if (dup[0]++ == 0) {
                firstDup[0] = e.key();
              }
              TreeSet<String> union = new TreeSet<>(split(prev));
              union.addAll(labels);
              labels = new ArrayList<>(union);
            }
            for (String l : labels) {
              v.append(l).append(SEP);
            }
            map.put(e.key(), v.toString());
          },
          s -> {});
      ok = true;
    } finally {
      if (!ok) {
        map.close();
        Files.deleteIfExists(mapFile);
      }
    }
    if (dup[0] > 0) {
      problems.accept(duplicatesNote(file, dup[0], firstDup[0]));
    }
    return new LabelFile(
        file,
        mapFile,
        map,
        List.copyOf(fixed != null ? fixed : names),
        stats[0] - dup[0],
        rejected);
  }

  /** The note on keys given more than once: silently merging them could hide a broken join. */
  static String duplicatesNote(Path file, long lines, String example) {
    return file
        + ": "
        + lines
        + " line(s) repeat a key given earlier (e.g. "
        + example
        + "); each such key gets the union of its lines' labels";
  }

  private static List<String> split(CharSequence v) {
    List<String> out = new ArrayList<>();
    int start = 1;
    for (int i = 1; i < v.length(); i++) {
      if (v.charAt(i) == SEP) {
        out.add(v.subSequence(start, i).toString());
        start = i + 1;
      }
    }
    return out;
  }

  private static Format detect(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
      return Format.JSONL;
    }
    if (name.endsWith(".tsv") || name.endsWith(".tab")) {
      return Format.TSV;
    }
    if (name.endsWith(".csv")) {
      return Format.CSV;
    }
    try (BufferedReader r = reader(file)) {
      for (String line; (line = r.readLine()) != null; ) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        return t.startsWith("{") ? Format.JSONL : line.indexOf('\t') >= 0 ? Format.TSV : Format.CSV;
      }
    }
    return Format.CSV;
  }

  private static BufferedReader reader(Path file) throws IOException {
    var dec =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    return new BufferedReader(new InputStreamReader(Files.newInputStream(file), dec), 1 << 16);
  }

  /** Parses every line; returns the number rejected. */
  private static long scan(
      Path file, Format format, Consumer<Entry> sink, Consumer<String> problems)
      throws IOException {
    long rejected = 0;
    long lineNo = 0;
    boolean first = true;
    try (BufferedReader r = reader(file)) {
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        if (lineNo == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
          line = line.substring(1); // byte order mark
        }
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        boolean header = first;
        first = false;
        String where = file + ":" + lineNo;
        try {
          Entry e =
              format == Format.JSONL
                  ? json(t)
                  : delimited(line, format == Format.TSV ? '\t' : ',', header);
          if (e != null) {
            sink.accept(e);
          }
        } catch (IllegalArgumentException e) {
          rejected++;
          problems.accept(where + ": " + e.getMessage());
        }
      }
    } catch (CharacterCodingException e) {
      // the reader decodes ahead of the lines it hands out: find the byte itself
      throw new IOException(file + ": not UTF-8 text at " + LabelFileErrors.malformedAt(file), e);
    }
    return rejected;
  }

  private static Entry json(String line) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(LabelFileErrors.json(e));
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    JsonNode k = n.get("key");
    if (k == null || !k.isTextual() || k.asText().isBlank()) {
      throw new IllegalArgumentException(
          "missing \"key\" (a line is {\"key\": \"dir/file.jpg\", \"labels\": [...]})");
    }
    JsonNode ls = n.get("labels");
    List<String> labels = new ArrayList<>();
    if (ls == null || ls.isNull()) {
      throw new IllegalArgumentException("missing \"labels\" for key " + k.asText());
    } else if (ls.isArray()) {
      for (JsonNode l : ls) {
        if (!l.isValueNode() || l.asText().isBlank()) {
          throw new IllegalArgumentException("\"labels\" must hold label names, found " + l);
        }
        labels.add(l.asText().strip());
      }
    } else if (ls.isTextual()) {
      labels.addAll(words(ls.asText()));
    } else {
      throw new IllegalArgumentException(
          "\"labels\" must be an array of names, found " + ls.getNodeType());
    }
    return new Entry(normalizeKey(k.asText()), labels);
  }

  private static Entry delimited(String line, char delimiter, boolean mayBeHeader) {
    List<String> fields = fields(line, delimiter);
    String key = fields.get(0).strip();
    if (mayBeHeader && HEADER.contains(key.toLowerCase(Locale.ROOT))) {
      return null;
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("empty key");
    }
    if (fields.size() < 2) {
      throw new IllegalArgumentException(
          "missing label column (a line is key"
              + (delimiter == '\t' ? "<TAB>" : ",")
              + "label label ...)");
    }
    List<String> labels = new ArrayList<>();
    for (int i = 1; i < fields.size(); i++) {
      labels.addAll(words(fields.get(i)));
    }
    return new Entry(normalizeKey(key), labels);
  }

  private static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    for (String w : s.strip().split("\\s+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  /** Splits one line of delimited text, honouring double quotes. */
  static List<String> fields(String line, char delimiter) {
    List<String> out = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            f.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          f.append(c);
        }
      } else if (c == '"' && f.toString().isBlank() && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
        f.setLength(0);
      } else if (c == delimiter) {
        out.add(f.toString());
        f.setLength(0);
        wasQuoted = false;
      } else {
        f.append(c);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("unterminated quoted field");
    }
    out.add(f.toString());
    return out;
  }

  /** A key as written in a label file, normalised: {@code ./a\b.jpg} → {@code a/b.jpg}. */
  static String normalizeKey(String key) {
    String k = key.strip().replace('\\', '/');
    while (k.startsWith("./")) {
      k = k.substring(2);
    }
    return k;
  }

  @Override
  public List<String> vocabulary() {
    return vocabulary;
  }

  @Override
  public Lookup labels(String key, List<String> folders) {
    CharSequence v = map.get(key);
    if (v == null) {
      return null;
    }
    if (v.charAt(0) == UNSEEN) {
      String s = v.toString();
      map.put(key, SEEN + s.substring(1));
      matched.incrementAndGet();
    }
    return Lookup.of(split(v), index);
  }

  /** Distinct keys in the file. */
  public long entries() {
    return entries;
  }

  /** Lines rejected (each reported when loading). */
  public long rejectedLines() {
    return rejected;
  }

  /** The label file. */
  public Path file() {
    return file;
  }

  /**
   * Keys that no packed or skipped image asked for: up to {@code max} examples (sorted) and the
   * count.
   */
  public Unmatched unmatched(int max) {
    TreeSet<String> examples = new TreeSet<>();
    long[] count = {0};
    map.forEachEntry(
        e -> {
          CharSequence v = e.value().get();
          if (v.charAt(0) == UNSEEN) {
            count[0]++;
            String k = e.key().get().toString();
            if (examples.size() < max) {
              examples.add(k);
            } else if (k.compareTo(examples.last()) < 0) {
              examples.pollLast();
              examples.add(k);
            }
          }
        });
    return new Unmatched(count[0], List.copyOf(examples));
  }

  /** Label-file keys that had no image. */
  public record Unmatched(long count, List<String> examples) {}

  @Override
  public void close() throws IOException {
    map.close();
    Files.deleteIfExists(mapFile);
  }
}
