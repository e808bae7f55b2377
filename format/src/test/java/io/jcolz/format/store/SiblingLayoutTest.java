package io.jcolz.format.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The hidden sibling names are the ones FORMAT.md, the package docs and earlier releases' leftover
 * sweeps know, and {@link SiblingLayout#kindOf} classifies each name it builds.
 */
class SiblingLayoutTest {
  private static final Path OUT = Path.of("/data/photos.jcolz");
  private static final UUID ID = UUID.fromString("0123abcd-0000-0000-0000-000000000000");

  @Test
  void namesAreTheDocumentedOnes() {
    assertEquals(Path.of("/data/.photos.jcolz.tmp-0123abcd"), SiblingLayout.temporary(OUT, ID));
    assertEquals(Path.of("/data/.photos.jcolz.old-0123abcd"), SiblingLayout.old(OUT, ID));
    assertEquals(Path.of("/data/.photos.jcolz.building"), SiblingLayout.building(OUT));
    assertEquals(".photos.jcolz.building", SiblingLayout.buildingName("photos.jcolz"));
    assertEquals(Path.of("/data/.photos.jcolz.pack.lock"), SiblingLayout.packLock(OUT));
    assertEquals(
        Path.of("/data/.photos.jcolz.shard-1-of-4.lock"), SiblingLayout.shardLock(OUT, 1, 4));
    String n = "photos.jcolz";
    assertTrue(SiblingLayout.temporaryName(n).matches("\\.photos\\.jcolz\\.tmp-[0-9a-f]{8}"));
    assertTrue(SiblingLayout.oldName(n).matches("\\.photos\\.jcolz\\.old-[0-9a-f]{8}"));
    String attempt = SiblingLayout.attemptName("part-00003");
    assertTrue(attempt.matches("\\.part-00003\\.attempt-[0-9a-f]{8}"), attempt);
    assertTrue(
        FileSystems.getDefault()
            .getPathMatcher("glob:" + SiblingLayout.siblingGlob("part-00003"))
            .matches(Path.of(attempt)));
    assertTrue(SiblingLayout.startsAsSibling("manifest", ".manifest.tmp-0123abcd"));
    assertFalse(SiblingLayout.startsAsSibling("manifest", "manifest"));
    String map = SiblingLayout.labelMap(OUT).getFileName().toString();
    assertTrue(map.matches("\\.photos\\.jcolz\\.labels-[0-9a-f]{8}\\.cmap"), map);
    assertTrue(
        FileSystems.getDefault()
            .getPathMatcher("glob:" + SiblingLayout.siblingGlob("photos.jcolz"))
            .matches(SiblingLayout.temporary(OUT).getFileName()));
  }

  @Test
  void kindOfTellsTheSiblingsApart() {
    String n = "photos.jcolz";
    assertEquals(
        SiblingLayout.Kind.TEMPORARY,
        SiblingLayout.kindOf(n, SiblingLayout.temporary(OUT).getFileName().toString()));
    assertEquals(
        SiblingLayout.Kind.OLD,
        SiblingLayout.kindOf(n, SiblingLayout.old(OUT).getFileName().toString()));
    assertEquals(
        SiblingLayout.Kind.LABEL_MAP,
        SiblingLayout.kindOf(n, SiblingLayout.labelMap(OUT).getFileName().toString()));
    assertEquals(
        SiblingLayout.Kind.OTHER,
        SiblingLayout.kindOf(n, SiblingLayout.building(OUT).getFileName().toString()));
    assertEquals(
        SiblingLayout.Kind.OTHER,
        SiblingLayout.kindOf(n, SiblingLayout.packLock(OUT).getFileName().toString()));
    // another output whose name starts with this one's: not a sibling of it
    assertEquals(SiblingLayout.Kind.OTHER, SiblingLayout.kindOf(n, ".photos.jcolz2.tmp-0123abcd"));
    assertEquals(SiblingLayout.Kind.OTHER, SiblingLayout.kindOf(n, ".photos.jcolz.labels-x.txt"));
  }
}
