package io.jcolz.pack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcolz.format.store.SiblingLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The plan of a pack, written before any part: which images (a digest of the sorted input listing),
 * with which settings, cut into which parts, under which label vocabulary. A re-run that computes
 * the same plan keeps every committed part of it; a re-run whose plan differs is refused with the
 * difference named. Every part's manifest records the plan id and its part index, so a part is
 * known to belong to the plan.
 *
 * <p>The plan is a pure function of the listing, the settings and (for an append) the collection it
 * extends: two shards, or a Spark driver and the CLI, that see the same inputs compute the same
 * plan, id and collection id. File: {@code pack-plan.json} (or {@code append-plan.json}), UTF-8
 * JSON whose last member is a CRC32C of the bytes before it (checked on every {@link #read}),
 * replaced by atomic rename (FORMAT.md §9.3).
 *
 * <p>Immutable and thread-safe.
 *
 * @param planId hex digest of everything below but the parts' keys (32 hex digits)
 * @param collectionId the id the committed collection gets (derived from the plan id; an append
 *     keeps the collection's)
 * @param listingDigest SHA-256 (hex) over the listing: per image, in order, its key, size in bytes
 *     and modification time in milliseconds ({@link ListingDigest})
 * @param images images in the listing
 * @param partRows images per part (the last part may have fewer)
 * @param settings what changes the rows (size, resize, mode, quality, level, chunking, min side,
 *     label source), as strings, sorted by name
 * @param vocabulary the label vocabulary every part gets (empty: no label column)
 * @param parts the parts, in order
 */
public record PackPlan(
    String planId,
    UUID collectionId,
    String listingDigest,
    long images,
    int partRows,
    Map<String, String> settings,
    List<String> vocabulary,
    List<Part> parts) {

  /** The plan of a fresh pack (in its build directory, and in the committed dataset). */
  public static final String FILE = "pack-plan.json";

  /** The plan of an append in progress (in the collection; removed once it is committed). */
  public static final String APPEND_FILE = "append-plan.json";

  /** The version of the plan file this build writes (2: with a trailing CRC32C). */
  public static final int VERSION = 2;

  /** The plan's last member: CRC32C of every byte of the file before its digits. */
  static final String CRC_FIELD = "crc32c";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Copies. */
  public PackPlan {
    settings = Collections.unmodifiableMap(new TreeMap<>(settings));
    vocabulary = List.copyOf(vocabulary);
    parts = List.copyOf(parts);
  }

  /**
   * One part of the plan: listing entries {@code [first, first + count)}.
   *
   * @param index the part's index in the collection (an append continues the numbering)
   * @param name the part's directory name
   * @param first the listing index of its first image
   * @param count its images (skipped ones included; its rows are at most this many)
   * @param firstKey key of its first image (null when empty)
   * @param lastKey key of its last image (null when empty)
   */
  public record Part(
      int index, String name, long first, long count, String firstKey, String lastKey) {}

  /**
   * Makes a plan.
   *
   * @param listing the listing's digest, count and part boundaries
   * @param base the collection appended to (its id and part count), or null for a fresh pack
   * @param basePartCount parts the base collection already has
   */
  public static PackPlan of(
      ListingDigest listing,
      int partRows,
      Map<String, String> settings,
      List<String> vocabulary,
      UUID base,
      int basePartCount) {
    TreeMap<String, String> s = new TreeMap<>(settings);
    String id = planId(listing.digest(), listing.count(), partRows, s, vocabulary, base);
    UUID collection =
        base != null ? base : UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.US_ASCII));
    List<Part> parts = new ArrayList<>();
    List<String[]> bounds = listing.partBounds();
    long n = listing.count();
    int partCount = (int) Math.max(1, (n + partRows - 1) / partRows);
    for (int p = 0; p < partCount; p++) {
      long first = (long) p * partRows;
      long count = Math.min(partRows, n - first);
      String[] b = p < bounds.size() ? bounds.get(p) : new String[2];
      int index = basePartCount + p;
      parts.add(
          new Part(
              index,
              io.jcolz.format.store.DatasetLayout.partName(index),
              first,
              Math.max(0, count),
              b[0],
              b[1]));
    }
    return new PackPlan(id, collection, listing.digest(), n, partRows, s, vocabulary, parts);
  }

  private static String planId(
      String digest,
      long images,
      int partRows,
      TreeMap<String, String> settings,
      List<String> vocabulary,
      UUID base) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      StringBuilder sb = new StringBuilder();
      sb.append("jcolz-pack-plan 1\n").append(digest).append('\n').append(images).append('\n');
      sb.append(partRows).append('\n').append(base == null ? "-" : base.toString()).append('\n');
      settings.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
      md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
      for (String l : vocabulary) {
        md.update(l.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
      }
      return HexFormat.of().formatHex(md.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What differs between the plan recorded by an earlier run and this run's, in words (naming the
   * setting), or null when they are the same plan.
   */
  public static String difference(PackPlan recorded, PackPlan now) {
    if (recorded.planId().equals(now.planId())) {
      return null;
    }
    TreeSet<String> keys = new TreeSet<>(recorded.settings().keySet());
    keys.addAll(now.settings().keySet());
    for (String k : keys) {
      String a = recorded.settings().get(k);
      String b = now.settings().get(k);
      if (!Objects.equals(a, b)) {
        return "setting '"
            + k
            + "' was "
            + shown(k, a)
            + " when the pack began and is "
            + shown(k, b)
            + " now";
      }
    }
    if (recorded.partRows() != now.partRows()) {
      return "--part-rows was "
          + recorded.partRows()
          + " when the pack began and is "
          + now.partRows()
          + " now";
    }
    if (recorded.images() != now.images()) {
      return "the input holds "
          + now.images()
          + " images now and held "
          + recorded.images()
          + " when the pack began";
    }
    if (!recorded.listingDigest().equals(now.listingDigest())) {
      return "the input's files changed since the pack began (same count; names, sizes or"
          + " modification times differ)";
    }
    if (!recorded.vocabulary().equals(now.vocabulary())) {
      return "the label vocabulary changed since the pack began ("
          + recorded.vocabulary().size()
          + " names then, "
          + now.vocabulary().size()
          + " now)";
    }
    return "the collection it extends changed since the pack began";
  }

  /** A setting's value in a message; a plan without a {@code codec} setting packed with Zstd. */
  private static String shown(String key, String value) {
    if (value != null) {
      return value;
    }
    return key.equals("codec") ? "zstd" : "not set";
  }

  /** Writes the plan to {@code file} by atomic rename (replacing an identical one is harmless). */
  public void write(Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "jcolz-pack-plan");
    root.put("version", VERSION);
    root.put("plan_id", planId);
    root.put("collection_id", collectionId.toString());
    root.put("listing_sha256", listingDigest);
    root.put("images", images);
    root.put("part_rows", partRows);
    ObjectNode s = root.putObject("settings");
    settings.forEach(s::put);
    ArrayNode v = root.putArray("vocabulary");
    vocabulary.forEach(v::add);
    ArrayNode ps = root.putArray("parts");
    for (Part p : parts) {
      ObjectNode o = ps.addObject();
      o.put("index", p.index());
      o.put("name", p.name());
      o.put("first", p.first());
      o.put("count", p.count());
      o.put("first_key", p.firstKey());
      o.put("last_key", p.lastKey());
    }
    Path tmp = SiblingLayout.temporary(file);
    try {
      Files.write(tmp, withChecksum(JSON.writeValueAsBytes(root)));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * What is wrong with the plans kept in dataset directory {@code dir}, as {@code jcolz verify}
   * reports it: per damaged {@link #FILE} or {@link #APPEND_FILE}, the file and why; and a {@link
   * #FILE} whose plan id is not the one the dataset's {@code metadata} records (key {@code
   * plan_id}). Empty when there is no plan or every plan is sound.
   *
   * @return pairs of (file, message)
   */
  public static List<Map.Entry<Path, String>> problems(Path dir, Map<String, String> metadata) {
    List<Map.Entry<Path, String>> out = new ArrayList<>();
    for (String name : List.of(FILE, APPEND_FILE)) {
      Path f = dir.resolve(name);
      PackPlan plan;
      try {
        plan = read(f);
      } catch (IOException e) {
        out.add(Map.entry(f, e.getMessage()));
        continue;
      }
      String recorded = metadata.get(Packer.PLAN_ID);
      if (plan != null && name.equals(FILE) && recorded != null && !recorded.equals(plan.planId)) {
        out.add(
            Map.entry(
                f,
                f
                    + ": pack plan "
                    + plan.planId
                    + " is not the plan the dataset was packed by ("
                    + recorded
                    + ", its metadata plan_id): a plan from another pack?"));
      }
    }
    return out;
  }

  /**
   * The JSON text {@code json} (one object, ending in {@code }}) with a last member {@code crc32c}
   * appended: the file then ends with 8 lower-case hex digits, {@code "}, {@code \n}, {@code }},
   * and the digits are the CRC32C of every byte before them (FORMAT.md §9.3).
   */
  static byte[] withChecksum(byte[] json) {
    int end = json.length;
    while (end > 0 && Character.isWhitespace(json[end - 1])) {
      end--;
    }
    if (end == 0 || json[end - 1] != '}') {
      throw new IllegalArgumentException("not a JSON object");
    }
    end--;
    while (end > 0 && Character.isWhitespace(json[end - 1])) {
      end--;
    }
    boolean empty = json[end - 1] == '{';
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 32);
    out.write(json, 0, end);
    out.writeBytes(
        ((empty ? "" : ",") + "\n  \"" + CRC_FIELD + "\" : \"")
            .getBytes(StandardCharsets.US_ASCII));
    CRC32C crc = new CRC32C();
    crc.update(out.toByteArray());
    out.writeBytes(String.format("%08x\"\n}", crc.getValue()).getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  /**
   * Checks the checksum tail of a plan's bytes: null when the file ends in a valid one, a reason
   * when it ends in one that does not match; an empty string when it has no such tail at all (a
   * version-1 plan, or a damaged end: the caller decides from the JSON).
   */
  private static String checksumProblem(byte[] b) {
    int n = b.length;
    if (n < 11 || b[n - 1] != '}' || b[n - 2] != '\n' || b[n - 3] != '"') {
      return "";
    }
    int stored = 0;
    for (int i = n - 11; i < n - 3; i++) {
      int d = Character.digit(b[i], 16);
      if (d < 0 || Character.isUpperCase(b[i])) {
        return "";
      }
      stored = stored << 4 | d;
    }
    CRC32C crc = new CRC32C();
    crc.update(b, 0, n - 11);
    int computed = (int) crc.getValue();
    if (computed != stored) {
      return String.format(
          "checksum mismatch: stored %08x, computed %08x over %d bytes", stored, computed, n - 11);
    }
    return null;
  }

  /**
   * The plan was changed or damaged after it was written: its checksum does not match, its end is
   * cut off, or it is not a plan at all. The message names the file and says which.
   *
   * <p>Immutable and thread-safe.
   */
  public static final class DamagedPlanException extends IOException {
    private static final long serialVersionUID = 1L;

    DamagedPlanException(Path file, String why, Throwable cause) {
      super(file + ": damaged pack plan: " + why, cause);
    }
  }

  /**
   * Reads a plan; null when {@code file} does not exist. A plan of version 2 (or any with a {@code
   * crc32c} member) must end in a matching checksum; a version-1 plan, written before plans had
   * one, is read unchecked so that its pack can resume.
   *
   * @throws DamagedPlanException the checksum does not match, the file is cut short, or it is not a
   *     pack plan
   */
  public static PackPlan read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    }
    String problem = checksumProblem(bytes);
    if (problem != null && !problem.isEmpty()) {
      throw new DamagedPlanException(file, problem, null);
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new DamagedPlanException(
          file,
          "not valid JSON (file truncated or overwritten?): " + e.getOriginalMessage() + where,
          e);
    }
    if (root == null || !root.isObject()) {
      throw new DamagedPlanException(file, "not a JSON object", null);
    }
    int version = root.path("version").asInt(-1);
    if (problem != null && (version != 1 || root.has(CRC_FIELD))) {
      throw new DamagedPlanException(
          file,
          "its last bytes are not the "
              + CRC_FIELD
              + " checksum a version-"
              + VERSION
              + " plan ends with (file truncated or damaged?)",
          null);
    }
    try {
      if (!"jcolz-pack-plan".equals(root.path("format").asText())
          || version < 1
          || version > VERSION) {
        throw new IllegalArgumentException(
            "not a jcolz pack plan of version 1 to " + VERSION + " (version " + version + ")");
      }
      Map<String, String> settings = new TreeMap<>();
      root.get("settings")
          .fields()
          .forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
      List<String> vocabulary = new ArrayList<>();
      root.get("vocabulary").forEach(n -> vocabulary.add(n.asText()));
      List<Part> parts = new ArrayList<>();
      for (JsonNode p : root.get("parts")) {
        parts.add(
            new Part(
                p.get("index").asInt(),
                p.get("name").asText(),
                p.get("first").asLong(),
                p.get("count").asLong(),
                p.get("first_key").isNull() ? null : p.get("first_key").asText(),
                p.get("last_key").isNull() ? null : p.get("last_key").asText()));
      }
      return new PackPlan(
          root.get("plan_id").asText(),
          UUID.fromString(root.get("collection_id").asText()),
          root.get("listing_sha256").asText(),
          root.get("images").asLong(),
          root.get("part_rows").asInt(),
          settings,
          vocabulary,
          parts);
    } catch (RuntimeException e) {
      throw new DamagedPlanException(file, "invalid content: " + e.getMessage(), e);
    }
  }
}
