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
import java.util.regex.Pattern;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * A label file joined to the images by key, held off the Java heap in a Chronicle Map persisted to
 * a temporary file next to the output (a 12M-line file costs page cache, not heap).
 *
 * <h2>Formats ({@link LabelFormat}; {@code --labels-format}, default {@code auto})</h2>
 *
 * <ul>
 *   <li><b>CSV / TSV</b>: {@code key,label label:0.7 -label} — the key, then labels separated by
 *       spaces (further fields are more labels). A label is a name ({@code cat}: a positive,
 *       confidence 1), a name and a confidence in [0, 1] ({@code dog:0.7}: a positive of confidence
 *       0.7; {@code car:0}: a verified negative), or {@code -} and a name ({@code -car}: a verified
 *       negative). So in this form a name cannot begin with {@code -} or hold {@code :} (use JSON
 *       lines for such names). The delimiter is a tab for {@code .tsv}/{@code .tab} files, a comma
 *       for {@code .csv}, else a tab if the first line has one. Fields may be quoted with {@code "}
 *       ({@code ""} inside is a quote); a quoted field cannot span lines. A first line whose first
 *       field is {@code key}, {@code path}, {@code file}, {@code filename}, {@code image}, {@code
 *       name} or {@code id} (any case) is a header and skipped. {@code key,} (an empty label field)
 *       is a key with no labels.
 *   <li><b>JSON lines</b> ({@code .jsonl}, {@code .ndjson}, {@code .json}, or a first line starting
 *       with <code>{</code>): <code>{"key": "...", "labels": ["...", ...]}</code> per line ({@code
 *       labels} may also be one space-separated string; names are taken as they are), or with
 *       confidences <code>{"key": "...", "labels": {"cat": 1, "dog": 0.7, "car": 0}}</code>
 *       (confidence 0 = a verified negative).
 *   <li><b>Open Images</b> ({@code openimages}, never detected): a CSV with the header {@code
 *       ImageID,Source,LabelName,Confidence} (columns found by name, others ignored), one row per
 *       (image, label), several rows per image. The key is the ImageID, matched to an image by its
 *       file name without directories and extension ({@code train/0a1b2c.jpg} → {@code 0a1b2c}).
 *       Confidence 1 is a positive, 0 a verified negative, a value between a soft positive. Rows of
 *       source {@code machine} are machine-generated; any other source is human-verified. Several
 *       rows for one (image, label): the same confidence is one label; a human-verified row wins
 *       over a machine row whatever their order (counted in a note); two human rows (or two machine
 *       rows) that disagree are a conflict: the later row is rejected, naming both lines.
 * </ul>
 *
 * Every confidence is a decimal number in [0, 1]: {@code NaN}, {@code 1.5} or {@code -0.1} reject
 * the line. A label both positive and negative within one line rejects the line; so does a line
 * that gives a label of a key another confidence than an earlier line of the same key (the message
 * names both lines). Only files that give some confidence below 1 or some verified negative make a
 * dataset with the partial-label columns ({@link #hasConfidences}, {@link #hasNegatives}); a file
 * of plain names packs exactly as before.
 *
 * <p>Keys are paths relative to the input folder with '/' separators; a leading {@code ./} and
 * backslashes are normalised. A line without a key or without the label column, or not parseable,
 * is rejected with one line naming the file and line number (and counted; the pack goes on). A key
 * given twice gets the union of its labels, and the lines that repeat a key are counted in one
 * note. Blank lines and lines starting with {@code #} are ignored. The file must be UTF-8.
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
  private static final List<String> OPEN_IMAGES_COLUMNS =
      List.of("ImageID", "Source", "LabelName", "Confidence");
  private static final Pattern DECIMAL = Pattern.compile("(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
  private static final char SEP = '\u0000';
  private static final char FIELD = '\u0001';
  private static final char UNSEEN = '0';
  private static final char SEEN = '1';
  private static final char HUMAN = 'h';
  private static final char MACHINE = 'm';
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Path mapFile;
  private final ChronicleMap<CharSequence, CharSequence> map;
  private final List<String> vocabulary;
  private final Map<String, Integer> index;
  private final LabelFormat format;
  private final long entries;
  private final long rejected;
  private final boolean confidences;
  private final boolean negatives;
  private final AtomicLong matched = new AtomicLong();

  /**
   * One label as a line gives it.
   *
   * @param confidence in [0, 1]; 0 = a verified negative
   * @param machine an Open Images row of source {@code machine}
   * @param line the line that gave it
   */
  private record Given(String name, float confidence, boolean machine, long line) {}

  /** One parsed line: a key and its labels (distinct names). */
  private record Entry(String key, List<Given> labels) {}

  private LabelFile(
      Path file,
      Path mapFile,
      ChronicleMap<CharSequence, CharSequence> map,
      List<String> vocabulary,
      LabelFormat format,
      long entries,
      long rejected,
      boolean confidences,
      boolean negatives) {
    this.file = file;
    this.mapFile = mapFile;
    this.map = map;
    this.vocabulary = vocabulary;
    this.index = LabelSource.indexOf(vocabulary);
    this.format = format;
    this.entries = entries;
    this.rejected = rejected;
    this.confidences = confidences;
    this.negatives = negatives;
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
    return load(file, LabelFormat.AUTO, mapFile, problems, fixed);
  }

  /**
   * As {@link #load(Path, Path, Consumer, List)}, read as {@code format} says.
   *
   * @throws IOException also: an Open Images file without its header
   */
  public static LabelFile load(
      Path file, LabelFormat format, Path mapFile, Consumer<String> problems, List<String> fixed)
      throws IOException {
    LabelFormat f = format == LabelFormat.AUTO ? detect(file) : format;
    long[] stats = new long[3]; // key runs, key chars, value chars
    String[] lastKey = {null};
    TreeSet<String> names = new TreeSet<>();
    long rejected =
        scan(
            file,
            f,
            e -> {
              if (!e.key().equals(lastKey[0])) {
                stats[0]++;
                stats[1] += e.key().length();
                lastKey[0] = e.key();
              }
              for (Given g : e.labels()) {
                stats[2] += g.name().length() + 16;
                names.add(g.name());
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
    long[] conflicts = new long[1];
    long[] superseded = new long[1];
    boolean[] kinds = new boolean[2]; // confidences, negatives
    boolean openImages = f == LabelFormat.OPENIMAGES;
    boolean ok = false;
    try {
      scan(
          file,
          f,
          e -> {
            CharSequence prev = map.get(e.key());
            List<Given> have = prev == null ? new ArrayList<>() : decode(prev);
            String conflict = conflict(have, e, openImages);
            if (conflict != null) {
              conflicts[0]++;
              problems.accept(file + ":" + e.labels().get(0).line() + ": " + conflict);
              return;
            }
            if (prev != null && !openImages && dup[0]++ == 0) {
              firstDup[0] = e.key();
            }
            superseded[0] += merge(have, e.labels());
            for (Given g : e.labels()) {
              kinds[0] |= g.confidence() > 0 && g.confidence() < 1;
              kinds[1] |= g.confidence() == 0;
            }
            map.put(e.key(), encode(have));
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
    if (superseded[0] > 0) {
      problems.accept(
          file
              + ": "
              + superseded[0]
              + " machine-generated row(s) gave a label that a human-verified row of the same"
              + " image also gives; the human-verified row's confidence is kept");
    }
    return new LabelFile(
        file,
        mapFile,
        map,
        List.copyOf(fixed != null ? fixed : names),
        f,
        map.longSize(),
        rejected + conflicts[0],
        kinds[0],
        kinds[1]);
  }

  /**
   * Why the labels of {@code e} cannot join those its key has from earlier lines ({@code have}), or
   * null: a label given another confidence (with Open Images, by a row of the same kind: a
   * human-verified row and a machine row do not conflict, the human one wins).
   */
  private static String conflict(List<Given> have, Entry e, boolean openImages) {
    for (Given g : e.labels()) {
      Given h = find(have, g.name());
      if (h != null
          && h.confidence() != g.confidence()
          && !(openImages && h.machine() != g.machine())) {
        return "label "
            + g.name()
            + " is "
            + describe(g.confidence())
            + " here and "
            + describe(h.confidence())
            + " on line "
            + h.line()
            + " (key "
            + e.key()
            + "); "
            + (openImages ? "the row" : "the line")
            + " is rejected";
      }
    }
    return null;
  }

  /** Adds {@code labels} to {@code have}; returns the machine rows a human row overrode. */
  private static long merge(List<Given> have, List<Given> labels) {
    long superseded = 0;
    for (Given g : labels) {
      Given h = find(have, g.name());
      if (h == null) {
        have.add(g);
      } else if (h.machine() != g.machine() && h.confidence() != g.confidence()) {
        superseded++;
        if (h.machine()) {
          have.set(have.indexOf(h), g);
        }
      }
    }
    return superseded;
  }

  private static Given find(List<Given> have, String name) {
    for (Given h : have) {
      if (h.name().equals(name)) {
        return h;
      }
    }
    return null;
  }

  private static String describe(float confidence) {
    return confidence == 0
        ? "a verified negative"
        : confidence == 1 ? "a positive" : "a positive of confidence " + confidence;
  }

  private static String encode(List<Given> labels) {
    StringBuilder v = new StringBuilder().append(UNSEEN);
    for (Given g : labels) {
      v.append(g.machine() ? MACHINE : HUMAN)
          .append(g.name())
          .append(FIELD)
          .append(g.confidence())
          .append(FIELD)
          .append(g.line())
          .append(SEP);
    }
    return v.toString();
  }

  private static List<Given> decode(CharSequence v) {
    List<Given> out = new ArrayList<>();
    int start = 1;
    for (int i = 1; i < v.length(); i++) {
      if (v.charAt(i) == SEP) {
        String s = v.subSequence(start, i).toString();
        int a = s.indexOf(FIELD);
        int b = s.indexOf(FIELD, a + 1);
        out.add(
            new Given(
                s.substring(1, a),
                Float.parseFloat(s.substring(a + 1, b)),
                s.charAt(0) == MACHINE,
                Long.parseLong(s.substring(b + 1))));
        start = i + 1;
      }
    }
    return out;
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

  private static LabelFormat detect(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
      return LabelFormat.JSONL;
    }
    if (name.endsWith(".tsv") || name.endsWith(".tab")) {
      return LabelFormat.TSV;
    }
    if (name.endsWith(".csv")) {
      return LabelFormat.CSV;
    }
    try (BufferedReader r = reader(file)) {
      for (String line; (line = r.readLine()) != null; ) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        return t.startsWith("{")
            ? LabelFormat.JSONL
            : line.indexOf('\t') >= 0 ? LabelFormat.TSV : LabelFormat.CSV;
      }
    }
    return LabelFormat.CSV;
  }

  private static BufferedReader reader(Path file) throws IOException {
    var dec =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    return new BufferedReader(new InputStreamReader(Files.newInputStream(file), dec), 1 << 16);
  }

  /**
   * Parses every line; returns the number rejected.
   *
   * @throws IOException also: an Open Images file whose first line is not its header
   */
  private static long scan(
      Path file, LabelFormat format, Consumer<Entry> sink, Consumer<String> problems)
      throws IOException {
    long rejected = 0;
    long lineNo = 0;
    boolean first = true;
    int[] columns = null; // Open Images: where ImageID, Source, LabelName, Confidence are
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
        if (format == LabelFormat.OPENIMAGES && header) {
          columns = openImagesHeader(line, where);
          continue;
        }
        try {
          Entry e =
              switch (format) {
                case JSONL -> json(t, lineNo);
                case OPENIMAGES -> openImagesRow(line, columns, lineNo);
                default -> delimited(line, format == LabelFormat.TSV ? '\t' : ',', header, lineNo);
              };
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

  /** The positions of the Open Images columns in the header line. */
  private static int[] openImagesHeader(String line, String where) throws IOException {
    List<String> fields = fields(line, ',');
    int[] at = new int[OPEN_IMAGES_COLUMNS.size()];
    for (int c = 0; c < at.length; c++) {
      at[c] = -1;
      for (int i = 0; i < fields.size(); i++) {
        if (fields.get(i).strip().equals(OPEN_IMAGES_COLUMNS.get(c))) {
          at[c] = i;
        }
      }
      if (at[c] < 0) {
        throw new IOException(
            where
                + ": --labels-format openimages needs the header "
                + String.join(",", OPEN_IMAGES_COLUMNS)
                + " (no column "
                + OPEN_IMAGES_COLUMNS.get(c)
                + "), found: "
                + (line.length() > 120 ? line.substring(0, 120) + "…" : line));
      }
    }
    return at;
  }

  private static Entry openImagesRow(String line, int[] at, long lineNo) {
    List<String> f = fields(line, ',');
    int need = Math.max(Math.max(at[0], at[1]), Math.max(at[2], at[3]));
    if (f.size() <= need) {
      throw new IllegalArgumentException(
          f.size() + " fields, the header names " + (need + 1) + " or more");
    }
    String id = f.get(at[0]).strip();
    String label = f.get(at[2]).strip();
    if (id.isEmpty()) {
      throw new IllegalArgumentException("empty ImageID");
    }
    if (label.isEmpty()) {
      throw new IllegalArgumentException("empty LabelName");
    }
    float c = confidence(f.get(at[3]).strip(), label);
    boolean machine = f.get(at[1]).strip().equalsIgnoreCase("machine");
    return new Entry(id, List.of(new Given(label, c, machine, lineNo)));
  }

  /** A confidence as written: a decimal number in [0, 1]. */
  private static float confidence(String text, String label) {
    if (!DECIMAL.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "label " + label + ": confidence '" + text + "' is not a number in [0, 1]");
    }
    double c = Double.parseDouble(text);
    if (c > 1) {
      throw new IllegalArgumentException(
          "label " + label + ": confidence " + text + " is not in [0, 1]");
    }
    return (float) c;
  }

  /** Adds {@code g} to a line's labels, refusing a label given twice with two confidences. */
  private static void addTo(List<Given> labels, Given g) {
    Given h = find(labels, g.name());
    if (h == null) {
      labels.add(g);
    } else if (h.confidence() != g.confidence()) {
      throw new IllegalArgumentException(
          "label "
              + g.name()
              + " is both "
              + describe(h.confidence())
              + " and "
              + describe(g.confidence())
              + " in this line");
    }
  }

  private static Entry json(String line, long lineNo) {
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
    List<Given> labels = new ArrayList<>();
    if (ls == null || ls.isNull()) {
      throw new IllegalArgumentException("missing \"labels\" for key " + k.asText());
    } else if (ls.isArray()) {
      for (JsonNode l : ls) {
        if (!l.isValueNode() || l.asText().isBlank()) {
          throw new IllegalArgumentException("\"labels\" must hold label names, found " + l);
        }
        addTo(labels, new Given(l.asText().strip(), 1, false, lineNo));
      }
    } else if (ls.isTextual()) {
      for (String w : words(ls.asText())) {
        addTo(labels, new Given(w, 1, false, lineNo));
      }
    } else if (ls.isObject()) {
      for (var it = ls.fields(); it.hasNext(); ) {
        var e = it.next();
        String name = e.getKey().strip();
        if (name.isEmpty()) {
          throw new IllegalArgumentException("\"labels\" holds an empty label name");
        }
        JsonNode c = e.getValue();
        if (!c.isNumber()) {
          throw new IllegalArgumentException(
              "label " + name + ": confidence " + c + " is not a number in [0, 1]");
        }
        addTo(labels, new Given(name, confidence(c.asText(), name), false, lineNo));
      }
    } else {
      throw new IllegalArgumentException(
          "\"labels\" must be an array of names or an object of name: confidence, found "
              + ls.getNodeType());
    }
    return new Entry(normalizeKey(k.asText()), labels);
  }

  private static Entry delimited(String line, char delimiter, boolean mayBeHeader, long lineNo) {
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
    List<Given> labels = new ArrayList<>();
    for (int i = 1; i < fields.size(); i++) {
      for (String w : words(fields.get(i))) {
        addTo(labels, token(w, lineNo));
      }
    }
    return new Entry(normalizeKey(key), labels);
  }

  /** One label of a delimited line: {@code name}, {@code name:confidence} or {@code -name}. */
  private static Given token(String w, long lineNo) {
    boolean negative = w.length() > 1 && w.charAt(0) == '-';
    String name = negative ? w.substring(1) : w;
    float c = negative ? 0 : 1;
    int colon = name.lastIndexOf(':');
    if (colon >= 0) {
      if (negative) {
        throw new IllegalArgumentException(
            "'" + w + "': a verified negative (-name) takes no confidence");
      }
      c = confidence(name.substring(colon + 1), name.substring(0, colon));
      name = name.substring(0, colon);
    }
    if (name.isEmpty() || name.equals("-")) {
      throw new IllegalArgumentException("'" + w + "' has no label name");
    }
    return new Given(name, c, false, lineNo);
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

  /**
   * {@inheritDoc}
   *
   * <p>With {@link LabelFormat#OPENIMAGES} the file's key is the image's file name without
   * directories and extension.
   */
  @Override
  public Lookup labels(String key, List<String> folders) {
    String k = format == LabelFormat.OPENIMAGES ? stem(key) : key;
    CharSequence v = map.get(k);
    if (v == null) {
      return null;
    }
    if (v.charAt(0) == UNSEEN) {
      String s = v.toString();
      map.put(k, SEEN + s.substring(1));
      matched.incrementAndGet();
    }
    List<Given> given = decode(v);
    List<String> names = new ArrayList<>(given.size());
    float[] confidence = new float[given.size()];
    for (int i = 0; i < given.size(); i++) {
      names.add(given.get(i).name());
      confidence[i] = given.get(i).confidence();
    }
    return Lookup.of(names, confidence, index);
  }

  /** {@code dir/0a1b.jpg} → {@code 0a1b}. */
  static String stem(String key) {
    String name = key.substring(key.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  @Override
  public boolean hasConfidences() {
    return confidences;
  }

  @Override
  public boolean hasNegatives() {
    return negatives;
  }

  /** How the file was read ({@link LabelFormat#AUTO} resolved). */
  public LabelFormat format() {
    return format;
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
