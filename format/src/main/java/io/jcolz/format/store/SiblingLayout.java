package io.jcolz.format.store;

import java.nio.file.Path;
import java.util.UUID;

/**
 * The hidden names written next to a file or dataset {@code NAME} while it is made, the one place
 * they are built (what is inside a dataset is {@link DatasetLayout}'s):
 *
 * <pre>
 * .NAME.tmp-XXXXXXXX          a temporary copy, renamed onto NAME when complete (writer, plan files)
 * .NAME.old-XXXXXXXX          the previous NAME, parked for the moment of an overwrite's swap
 * .NAME.building              a pack's build directory until its collection is committed
 * .NAME.pack.lock             the lock a pack to NAME holds
 * .NAME.shard-I-of-N.lock     the lock shard I of N holds
 * .NAME.labels-XXXXXXXX.cmap  a pack's off-heap label-file index
 * .NAME.attempt-XXXXXXXX      a Spark task attempt's staging copy of part NAME
 * </pre>
 *
 * {@code XXXXXXXX} is 8 hex digits of a random (or the writer's) UUID. A name starts with '.' so
 * that listings and input walks pass over it; {@link #kindOf} tells which kind a sibling is, for a
 * run that removes the leftovers of an interrupted one.
 *
 * <p>Stateless and thread-safe.
 */
public final class SiblingLayout {
  private static final String TMP = ".tmp-";
  private static final String OLD = ".old-";
  private static final String BUILDING = ".building";
  private static final String PACK_LOCK = ".pack.lock";
  private static final String LABELS = ".labels-";
  private static final String CMAP = ".cmap";
  private static final String ATTEMPT = ".attempt-";

  /** What a hidden sibling of {@code NAME} is (see {@link #kindOf}). */
  public enum Kind {
    /** {@code .NAME.tmp-*}. */
    TEMPORARY,
    /** {@code .NAME.old-*}. */
    OLD,
    /** {@code .NAME.labels-*.cmap}. */
    LABEL_MAP,
    /** Another name: a build directory, a lock, or not one of these. */
    OTHER
  }

  private SiblingLayout() {}

  /** {@code .NAME.tmp-XXXXXXXX} beside {@code target}, with 8 hex digits of {@code id}. */
  public static Path temporary(Path target, UUID id) {
    return sibling(target, TMP + shortId(id));
  }

  /** The file name {@code .NAME.tmp-XXXXXXXX} of name {@code name} (another file system's). */
  public static String temporaryName(String name) {
    return prefix(name) + TMP + shortId(UUID.randomUUID());
  }

  /** {@link #temporary(Path, UUID)} with a random id. */
  public static Path temporary(Path target) {
    return temporary(target, UUID.randomUUID());
  }

  /** {@code .NAME.old-XXXXXXXX} beside {@code target}, with 8 hex digits of {@code id}. */
  public static Path old(Path target, UUID id) {
    return sibling(target, OLD + shortId(id));
  }

  /** The file name {@code .NAME.old-XXXXXXXX} of name {@code name} (another file system's). */
  public static String oldName(String name) {
    return prefix(name) + OLD + shortId(UUID.randomUUID());
  }

  /** {@link #old(Path, UUID)} with a random id. */
  public static Path old(Path target) {
    return old(target, UUID.randomUUID());
  }

  /** {@code .NAME.building} beside {@code out} (absolute and normalized). */
  public static Path building(Path out) {
    return sibling(out.toAbsolutePath().normalize(), BUILDING);
  }

  /** The file name {@code .NAME.building} of output name {@code name} (another file system's). */
  public static String buildingName(String name) {
    return prefix(name) + BUILDING;
  }

  /** {@code .NAME.pack.lock} beside {@code out} (absolute and normalized). */
  public static Path packLock(Path out) {
    return sibling(out.toAbsolutePath().normalize(), PACK_LOCK);
  }

  /** {@code .NAME.shard-I-of-N.lock} beside {@code out} (absolute and normalized). */
  public static Path shardLock(Path out, int index, int count) {
    return sibling(out.toAbsolutePath().normalize(), ".shard-" + index + "-of-" + count + ".lock");
  }

  /** {@code .NAME.labels-XXXXXXXX.cmap} beside {@code out}, with a random id. */
  public static Path labelMap(Path out) {
    return sibling(out, LABELS + shortId(UUID.randomUUID()) + CMAP);
  }

  /**
   * The file name {@code .NAME.attempt-XXXXXXXX} of a task attempt's staging copy of part {@code
   * name}, with a random id.
   */
  public static String attemptName(String name) {
    return prefix(name) + ATTEMPT + shortId(UUID.randomUUID());
  }

  /** The glob that matches every hidden sibling of output name {@code name}. */
  public static String siblingGlob(String name) {
    return prefix(name) + ".*";
  }

  /**
   * Whether the file name {@code fileName} starts with {@code .NAME}: a hidden sibling of {@code
   * name}, or of another name that starts with it.
   */
  public static boolean startsAsSibling(String name, String fileName) {
    return fileName.startsWith(prefix(name));
  }

  /**
   * Which kind of hidden sibling of {@code NAME} the file name {@code fileName} is ({@link
   * Kind#OTHER} when it is not a sibling of {@code name} at all).
   */
  public static Kind kindOf(String name, String fileName) {
    if (!startsAsSibling(name, fileName)) {
      return Kind.OTHER;
    }
    String n = fileName.substring(prefix(name).length());
    if (n.startsWith(TMP)) {
      return Kind.TEMPORARY;
    }
    if (n.startsWith(LABELS) && n.endsWith(CMAP)) {
      return Kind.LABEL_MAP;
    }
    if (n.startsWith(OLD)) {
      return Kind.OLD;
    }
    return Kind.OTHER;
  }

  private static Path sibling(Path target, String suffix) {
    return target.resolveSibling(prefix(target.getFileName().toString()) + suffix);
  }

  private static String prefix(String name) {
    return "." + name;
  }

  private static String shortId(UUID id) {
    return id.toString().substring(0, 8);
  }
}
