package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Collections of parts through the library ({@link Packer}): a damaged plan is not trusted to say
 * "already complete", a damaged append plan is refused and {@code restart} discards its parts, an
 * append adds parts under the collection's vocabulary (duplicate keys refused, a reader of the old
 * manifest unaffected, idempotent re-run), and a two-shard pack is assembled by {@link
 * Packer#finish} (which names the missing parts) into the rows of an unsharded pack. The CLI's
 * flags and output for the same runs are in {@code tools}' {@code PackPartsTest}.
 */
class PackResumeAppendShardTest {
  @TempDir Path tmp;
  Path in;

  /** Notes a run reports (thread-safe, as a listener must be). */
  static final class Notes implements PackListener {
    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void note(String line) {
      lines.add(line);
    }

    boolean any(String part) {
      return lines.stream().anyMatch(l -> l.contains(part));
    }
  }

  @BeforeEach
  void images() throws Exception {
    in = tmp.resolve("in");
    for (int i = 0; i < 25; i++) {
      PackTestImages.write(
          PackTestImages.noise(12, 12, i),
          "png",
          in.resolve(String.format("c%d/i%02d.png", i % 2, i)));
    }
  }

  /** The options of every pack here: 8×8, parts of 10 rows, labels from folders. */
  private static PackOptions.Builder options(Path input, Path out) {
    return PackOptions.builder(input, out).size(8).partRows(10).labelsFromDirs(true);
  }

  private static PackResult run(PackOptions o, PackListener l) throws Exception {
    return new Packer(o, l).run();
  }

  @Test
  void aDamagedPackPlanIsNotTrustedByARerun() throws Exception {
    Path ds = tmp.resolve("plan.jcolz");
    run(options(in, ds).build(), null);
    Path plan = ds.resolve(PackPlan.FILE);
    byte[] original = Files.readAllBytes(plan);
    byte[] flipped = original.clone();
    flipped[original.length / 2] ^= 0x01;
    byte[] truncated = Arrays.copyOf(original, original.length - 5);
    for (byte[] damaged : List.of(flipped, truncated)) {
      Files.write(plan, damaged);
      // a re-run must not trust it to decide "already complete"
      IOException e = assertThrows(IOException.class, () -> run(options(in, ds).build(), null));
      assertTrue(e.getMessage().contains("damaged pack plan"), e.getMessage());
    }
    Files.write(plan, original);
    Notes notes = new Notes();
    PackResult done = run(options(in, ds).build(), notes);
    assertTrue(notes.any("already complete"), notes.lines.toString());
    assertEquals(25, done.rows());
    assertEquals(0, done.partsPacked());
  }

  @Test
  void aDamagedAppendPlanIsRefusedAndRestartDiscardsItsParts() throws Exception {
    Path ds = tmp.resolve("app.jcolz");
    run(options(in, ds).build(), null);
    Path more = tmp.resolve("more");
    for (int i = 0; i < 4; i++) {
      PackTestImages.write(
          PackTestImages.noise(12, 12, 200 + i), "png", more.resolve("c0/m" + i + ".png"));
    }
    // an append killed after its plan and one part: then the plan is damaged (cut short)
    Path plan = ds.resolve(PackPlan.APPEND_FILE);
    Files.writeString(plan, "{\n  \"format\" : \"jcolz-pack-plan\",\n  \"version\" : 2,\n  \"pl");
    Path stray = ds.resolve("parts/part-000003");
    Files.createDirectories(stray);
    PackOptions append = options(more, ds).append(true).build();
    IOException refused = assertThrows(IOException.class, () -> run(append, null));
    assertTrue(refused.getMessage().contains(plan + ": damaged pack plan: "), refused.getMessage());
    assertTrue(refused.getMessage().contains("--restart"), refused.getMessage());
    PackResult j = run(append.toBuilder().restart(true).build(), null);
    assertEquals(4, j.rows(), j.toString());
    assertFalse(Files.exists(plan));
    try (Dataset after = Dataset.open(ds)) {
      assertEquals(29, after.rowCount());
    }
  }

  @Test
  void appendAddsPartsWithTheCollectionsVocabulary() throws Exception {
    Path ds = tmp.resolve("ds.jcolz");
    assertEquals(3, run(options(in, ds).build(), null).parts());
    Path more = tmp.resolve("more");
    for (int i = 0; i < 12; i++) {
      PackTestImages.write(
          PackTestImages.noise(12, 12, 100 + i),
          "png",
          more.resolve(String.format("%s/n%02d.png", i % 2 == 0 ? "c0" : "newlabel", i)));
    }
    PackOptions append = options(more, ds).append(true).build();
    try (Dataset before = Dataset.open(ds)) {
      Notes notes = new Notes();
      PackResult j = run(append, notes);
      assertEquals(2, j.partsPacked(), j.toString());
      assertEquals(12, j.rows());
      assertEquals(6, j.labelsDropped(), "'newlabel' is not in the vocabulary");
      assertTrue(notes.any("newlabel"), notes.lines.toString());
      assertEquals(25, before.rowCount(), "a reader of the old manifest keeps its rows");
      assertEquals("c1/i01.png", before.readString("key", 13));
    }
    try (Dataset after = Dataset.open(ds)) {
      assertEquals(37, after.rowCount());
      assertEquals(5, after.parts().size());
      assertEquals(List.of("c0", "c1"), after.labels());
      long r = after.rowOf("newlabel/n01.png").orElseThrow();
      assertEquals(0, after.readSet("labels", r).length, "dropped label: empty set");
    }
    // the same append again: already there
    Notes again = new Notes();
    run(append, again);
    assertTrue(again.any("already holds this append"), again.lines.toString());
    // a key already in the collection, with other images: refused, naming the key
    Path dup = tmp.resolve("dup");
    PackTestImages.write(PackTestImages.noise(12, 12, 7), "png", dup.resolve("c0/i00.png"));
    IOException bad =
        assertThrows(IOException.class, () -> run(options(dup, ds).append(true).build(), null));
    assertTrue(bad.getMessage().contains("key 'c0/i00.png' is already in"), bad.getMessage());
    try (Dataset after = Dataset.open(ds)) {
      assertEquals(37, after.rowCount(), "unchanged");
    }
  }

  @Test
  void twoShardsAreAssembledByFinish() throws Exception {
    Path whole = tmp.resolve("whole.jcolz");
    run(options(in, whole).build(), null);
    Path ds = tmp.resolve("sharded.jcolz");
    PackResult s0 = run(options(in, ds).shard(0, 2).build(), null);
    assertFalse(s0.committed());
    assertEquals(2, s0.partsPacked(), "parts 0 and 2 of 3");
    assertFalse(Files.exists(ds));

    Packer.MissingPartsException early =
        assertThrows(Packer.MissingPartsException.class, () -> Packer.finish(ds, null));
    assertTrue(
        early.getMessage().contains("1 of 3 parts are not packed yet: part-000001"),
        early.getMessage());
    assertEquals(List.of("part-000001"), early.missing());

    PackResult s1 = run(options(in, ds).shard(1, 2).build(), null);
    assertEquals(1, s1.partsPacked());
    PackResult f = Packer.finish(ds, null);
    assertEquals(25, f.rows());
    assertTrue(f.committed());
    PackKillTest.sameRows(whole, ds, "sharded");
  }
}
