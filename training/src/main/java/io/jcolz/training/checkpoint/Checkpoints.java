package io.jcolz.training.checkpoint;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import io.jcolz.format.store.FileTrees;
import io.jcolz.training.model.ResNetModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes and reads checkpoints in a directory:
 *
 * <pre>
 *   DIR/LATEST                       name of the newest complete checkpoint, e.g. "step-000000420"
 *   DIR/step-NNNNNNNNN/checkpoint.json   {@link Checkpoint#toJson()}
 *   DIR/step-NNNNNNNNN/model-NNNN.params DJL parameter file ({@link Model#save}), NNNN = epochs completed
 * </pre>
 *
 * <b>Atomicity.</b> A checkpoint is written into a hidden temporary folder ({@code DIR/.tmp-…}),
 * its files forced to disk, then renamed to a folder name no folder in DIR has, in one atomic move;
 * only then is {@code LATEST} replaced, by writing {@code LATEST.tmp} and moving it over {@code
 * LATEST} atomically; only after that are checkpoints deleted. So no step ever deletes or changes
 * the folder {@code LATEST} names, and a crash at any point leaves {@code LATEST} naming a complete
 * checkpoint (or no {@code LATEST} at all before the first). The folder is {@code step-NNNNNNNNN}
 * (NNNNNNNNN = steps done); saving the same step count again gives {@code step-NNNNNNNNN.R}, R one
 * more than the highest revision of that step in DIR, and the older revisions are deleted once
 * {@code LATEST} names the new one. The newest {@value #KEEP} checkpoints (by steps, then revision)
 * are kept; older ones are deleted after {@code LATEST} moves on.
 *
 * <p>{@link #load} accepts either DIR (follows {@code LATEST}) or one {@code step-…} folder.
 *
 * <p>Thread-safety: stateless; do not write to one directory from two runs at once.
 */
public final class Checkpoints {
  /** Checkpoints kept. */
  public static final int KEEP = 2;

  /** The pointer file. */
  public static final String LATEST = "LATEST";

  /** The description file inside a checkpoint folder. */
  public static final String DESCRIPTION = "checkpoint.json";

  /** Prefix of the parameter file. */
  public static final String PARAMS = "model";

  private Checkpoints() {}

  /** A checkpoint read back: its folder and description. */
  public record Loaded(Path directory, Checkpoint checkpoint) {
    /**
     * Loads the parameters into a new model.
     *
     * @param device where the parameters go
     * @return the model (close it)
     * @throws IOException if the parameter file is missing or unreadable
     */
    public Model model(Device device) throws IOException {
      try {
        return ResNetModels.load(checkpoint.spec(), directory, PARAMS, device);
      } catch (MalformedModelException e) {
        throw new IOException(directory + ": " + e.getMessage(), e);
      } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
        throw e; // already names the file and what is wrong
      } catch (IOException e) {
        // DJL reads the file with a DataInputStream: a truncated file says only "EOFException"
        throw new IOException(
            paramsFile()
                + " is damaged ("
                + (e instanceof java.io.EOFException
                    ? "truncated"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                + "): the parameters of checkpoint "
                + directory
                + " cannot be read",
            e);
      }
    }

    /** The parameter file DJL loads: the highest-numbered {@code model-NNNN.params}. */
    private Path paramsFile() {
      try (java.util.stream.Stream<Path> s = Files.list(directory)) {
        return s.filter(
                p -> {
                  String n = p.getFileName().toString();
                  return n.startsWith(PARAMS + "-") && n.endsWith(".params");
                })
            .max(java.util.Comparator.naturalOrder())
            .orElse(directory.resolve(PARAMS + "-NNNN.params"));
      } catch (IOException e) {
        return directory.resolve(PARAMS + "-NNNN.params");
      }
    }
  }

  /**
   * Saves a checkpoint atomically and moves {@code LATEST} to it.
   *
   * @param root the checkpoint directory (created if needed)
   * @param checkpoint the description
   * @param model the model whose parameters to save
   * @return the new checkpoint's folder
   * @throws IOException if writing fails (LATEST then still names the previous checkpoint)
   */
  public static Path save(Path root, Checkpoint checkpoint, Model model) throws IOException {
    Files.createDirectories(root);
    String name = freshName(root, checkpoint.stepsDone());
    Path tmp = Files.createTempDirectory(root, ".tmp-" + name + "-");
    boolean done = false;
    try {
      model.setProperty("Epoch", Integer.toString(checkpoint.epochsCompleted()));
      model.save(tmp, PARAMS);
      Files.writeString(tmp.resolve(DESCRIPTION), checkpoint.toJson(), StandardCharsets.UTF_8);
      try (Stream<Path> files = Files.list(tmp)) {
        for (Path f : files.toList()) {
          force(f);
        }
      }
      Path target = root.resolve(name);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      force(root);
      Path pointer = root.resolve(LATEST + ".tmp");
      Files.writeString(pointer, name + "\n", StandardCharsets.UTF_8);
      force(pointer);
      Files.move(
          pointer,
          root.resolve(LATEST),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      force(root);
      done = true;
      prune(root, name);
      return target;
    } finally {
      if (!done && Files.exists(tmp)) {
        FileTrees.deleteRecursively(tmp);
      }
    }
  }

  /** A checkpoint folder's name parsed: steps done and revision (0 for the plain name). */
  private record FolderName(long steps, int revision) implements Comparable<FolderName> {
    private static final Pattern PATTERN = Pattern.compile("step-(\\d{9,})(?:\\.(\\d+))?");

    static FolderName parse(Path p) {
      Matcher m = PATTERN.matcher(p.getFileName().toString());
      if (!m.matches() || !Files.isDirectory(p)) {
        return null;
      }
      try {
        return new FolderName(
            Long.parseLong(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
      } catch (NumberFormatException e) {
        return null; // digits beyond long/int: not a folder this code wrote
      }
    }

    @Override
    public String toString() {
      String plain = String.format(Locale.ROOT, "step-%09d", steps);
      return revision == 0 ? plain : plain + "." + revision;
    }

    @Override
    public int compareTo(FolderName o) {
      return steps != o.steps
          ? Long.compare(steps, o.steps)
          : Integer.compare(revision, o.revision);
    }
  }

  private static List<FolderName> folders(Path root) throws IOException {
    List<FolderName> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : s.toList()) {
        FolderName f = FolderName.parse(p);
        if (f != null) {
          out.add(f);
        }
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * A folder name not used in {@code root}: the plain name, else one revision above the highest.
   */
  private static String freshName(Path root, long steps) throws IOException {
    int revision = -1;
    for (FolderName f : folders(root)) {
      if (f.steps() == steps) {
        revision = Math.max(revision, f.revision());
      }
    }
    return new FolderName(steps, revision + 1).toString();
  }

  /**
   * Whether a directory holds a checkpoint ({@code LATEST} or {@code checkpoint.json}).
   *
   * @param dir the directory
   * @return true if {@link #load} would find one
   */
  public static boolean exists(Path dir) {
    return Files.isRegularFile(dir.resolve(LATEST))
        || Files.isRegularFile(dir.resolve(DESCRIPTION));
  }

  /**
   * Reads the newest checkpoint under {@code dir}, or the checkpoint that {@code dir} is.
   *
   * @param dir a checkpoint directory or one checkpoint folder
   * @return the folder and description
   * @throws NoSuchFileException if there is none
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException if the description is damaged or of an unknown version
   */
  public static Loaded load(Path dir) throws IOException {
    Path folder = dir;
    if (!Files.isRegularFile(dir.resolve(DESCRIPTION))) {
      Path pointer = dir.resolve(LATEST);
      if (!Files.isRegularFile(pointer)) {
        throw new NoSuchFileException(
            dir.toString(), null, "no jcolz checkpoint (" + LATEST + " or " + DESCRIPTION + ")");
      }
      folder = dir.resolve(Files.readString(pointer, StandardCharsets.UTF_8).strip());
    }
    Path description = folder.resolve(DESCRIPTION);
    if (!Files.isRegularFile(description)) {
      throw new NoSuchFileException(description.toString(), null, "checkpoint description missing");
    }
    String json = Files.readString(description, StandardCharsets.UTF_8);
    return new Loaded(folder, Checkpoint.fromJson(json, description.toString()));
  }

  /**
   * Deletes, after {@code LATEST} names {@code keep}: older revisions of the same step (they are
   * superseded), then all but the newest {@value #KEEP} checkpoints. Never deletes {@code keep}.
   */
  private static void prune(Path root, String keep) {
    List<FolderName> all;
    try {
      all = folders(root);
    } catch (IOException | UncheckedIOException e) {
      return; // pruning is best effort
    }
    FolderName kept = FolderName.parse(root.resolve(keep));
    List<FolderName> left = new ArrayList<>();
    List<FolderName> old = new ArrayList<>();
    for (FolderName f : all) {
      boolean superseded = f.steps() == kept.steps() && f.revision() < kept.revision();
      (superseded ? old : left).add(f);
    }
    old.addAll(left.subList(0, Math.max(0, left.size() - KEEP)));
    for (FolderName f : old) {
      if (!f.equals(kept)) {
        try {
          FileTrees.deleteRecursively(root.resolve(f.toString()));
        } catch (IOException | UncheckedIOException e) {
          // best effort: an old checkpoint left behind does no harm
        }
      }
    }
  }

  private static void force(Path p) {
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(
            p,
            Files.isDirectory(p)
                ? java.nio.file.StandardOpenOption.READ
                : java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    } catch (IOException e) {
      // some file systems cannot sync directories; the atomic renames still order the writes
    }
  }
}
