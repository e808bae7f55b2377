package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.testing.Checks;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A collection of three parts (format version 2): global rows and chunks across parts, key lookup
 * in any part, append while a reader holds the old manifest, and — as {@link CorruptionTest} does
 * for one dataset — truncation, extension and bit flips in every file of the collection, plus a
 * missing part, a foreign part and a rewritten part, each named in one message.
 */
class CollectionTest {
  static final int[] PART_ROWS = {120, 1, 179};

  @TempDir Path tmp;
  Path dir;
  final long seed = Seeds.base();
  final Schema schema =
      Schema.builder()
          .column(ColumnSpec.string("key").withChunkRows(32))
          .keyColumn("key")
          .column(ColumnSpec.uint8Tensor("image", 4, 4, 3).withChunkRows(50))
          .column(ColumnSpec.int32Set("labels", 40).withChunkRows(100))
          .labelColumn("labels")
          .build();
  final UUID id = UUID.randomUUID();

  @BeforeEach
  void write() throws IOException {
    dir = tmp.resolve("coll");
    long first = 0;
    List<CollectionManifest.PartEntry> entries = new ArrayList<>();
    for (int p = 0; p < PART_ROWS.length; p++) {
      writePart(dir, p, first, PART_ROWS[p]);
      entries.add(CollectionWriter.describePart(dir, DatasetLayout.partName(p)));
      first += PART_ROWS[p];
    }
    CollectionWriter.commit(
        dir, id, schema, RandomDatasets.vocabulary(40), Map.of("k", "v"), entries, "test");
  }

  /** Part {@code p} holds the logical rows {@code [first, first + rows)}. */
  private void writePart(Path coll, int p, long first, int rows) throws IOException {
    Path target = DatasetLayout.part(coll, DatasetLayout.partName(p));
    Files.createDirectories(target.getParent());
    try (DatasetWriter w = DatasetWriter.create(target, schema)) {
      Row row = w.newRow();
      for (int i = 0; i < rows; i++) {
        w.append(RandomDatasets.fill(row.clear(), seed, first + i));
      }
      w.labels(RandomDatasets.vocabulary(40));
    }
  }

  @Test
  void readsAcrossPartsWithGlobalRows() throws IOException {
    try (Dataset ds = Dataset.open(dir)) {
      assertTrue(ds.isCollection());
      assertEquals(id, ds.id());
      assertEquals(300, ds.rowCount());
      assertEquals(3, ds.parts().size());
      assertEquals(121, ds.parts().get(2).firstRow());
      assertEquals("v", ds.metadata().get("k"));
      assertEquals(4 + 1 + 6, ds.column("key").chunkCount(), "32-row key chunks per part");
      Checks.assertContent(ds, seed, Seeds.tag(seed));
      Checks.assertRandomAccess(ds, seed, 50, Seeds.tag(seed));
      for (long r : new long[] {0, 119, 120, 121, 299}) {
        String key = RandomDatasets.key(seed, r);
        assertEquals(r, ds.rowOf(key).orElse(-1), Seeds.tag(seed) + key);
      }
      assertTrue(ds.rowOf("no such key").isEmpty());
      VerifyReport rep = ds.verify(2, null);
      assertTrue(rep.ok(), rep.problems().toString());
      assertEquals(300, rep.keysChecked());
      assertThrows(IllegalStateException.class, ds::manifest);
    }
  }

  @Test
  void appendLeavesAnOpenReaderOnTheOldParts() throws IOException {
    try (Dataset before = Dataset.open(dir)) {
      writePart(dir, 3, 300, 40);
      List<CollectionManifest.PartEntry> entries =
          new ArrayList<>(before.collectionManifest().parts());
      entries.add(CollectionWriter.describePart(dir, DatasetLayout.partName(3)));
      CollectionWriter.commit(
          dir, id, schema, before.labels(), before.metadata(), entries, "test append");
      assertEquals(300, before.rowCount());
      Checks.assertContent(before, seed, Seeds.tag(seed) + "old reader ");
      try (Dataset after = Dataset.open(dir)) {
        assertEquals(340, after.rowCount());
        Checks.assertContent(after, seed, Seeds.tag(seed) + "new reader ");
        assertEquals(330, after.rowOf(RandomDatasets.key(seed, 330)).orElse(-1));
      }
    }
  }

  @Test
  void commitRefusesAPartThatDoesNotMatch() throws IOException {
    Schema other =
        Schema.builder()
            .column(ColumnSpec.string("key"))
            .keyColumn("key")
            .column(ColumnSpec.uint8Tensor("image", 8, 8, 3))
            .column(ColumnSpec.int32Set("labels", 40))
            .labelColumn("labels")
            .build();
    Path target = DatasetLayout.part(dir, "odd");
    try (DatasetWriter w = DatasetWriter.create(target, other)) {
      w.labels(RandomDatasets.vocabulary(40));
    }
    List<CollectionManifest.PartEntry> entries = new ArrayList<>();
    entries.add(CollectionWriter.describePart(dir, "odd"));
    CorruptDatasetException e =
        assertThrows(
            CorruptDatasetException.class,
            () ->
                CollectionWriter.commit(
                    dir, id, schema, RandomDatasets.vocabulary(40), Map.of(), entries, "t"));
    assertTrue(e.getMessage().contains("part odd: schema"), e.getMessage());
    try (Dataset ds = Dataset.open(dir)) {
      assertEquals(300, ds.rowCount(), "the committed collection is unchanged");
    }
  }

  @Test
  void missingPartIsNamed() throws IOException {
    Path part = DatasetLayout.part(dir, DatasetLayout.partName(1));
    Files.move(part, tmp.resolve("aside"));
    CorruptDatasetException e =
        assertThrows(CorruptDatasetException.class, () -> Dataset.open(dir));
    assertTrue(e.getMessage().contains("part part-000001 is missing"), e.getMessage());
  }

  @Test
  void partFromAnotherCollectionIsNamed() throws IOException {
    Path part = DatasetLayout.part(dir, DatasetLayout.partName(2));
    FileTreesForTest.delete(part);
    writePart(dir, 2, 121, 179); // same rows, new dataset id: another pack's part
    CorruptDatasetException e =
        assertThrows(CorruptDatasetException.class, () -> Dataset.open(dir));
    assertTrue(
        e.getMessage().contains("part part-000002: dataset id")
            && e.getMessage().contains("another collection"),
        e.getMessage());
  }

  @Test
  void rewrittenPartManifestIsNamed() throws IOException {
    Path manifest = DatasetLayout.manifest(DatasetLayout.part(dir, DatasetLayout.partName(0)));
    io.jcolz.format.store.Manifest m = io.jcolz.format.store.ManifestFile.read(manifest);
    io.jcolz.format.store.Manifest changed =
        new io.jcolz.format.store.Manifest(
            m.datasetId(),
            m.rows(),
            m.schema(),
            m.labels(),
            Map.of("extra", "metadata"),
            m.columns(),
            m.keyIndex(),
            m.created(),
            m.createdBy());
    Files.delete(manifest);
    io.jcolz.format.store.ManifestFile.write(manifest, changed); // valid on its own
    CorruptDatasetException e =
        assertThrows(CorruptDatasetException.class, () -> Dataset.open(dir));
    assertTrue(e.getMessage().contains("part part-000000: manifest checksum"), e.getMessage());
  }

  private List<Path> files() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> out = new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
      assertEquals(
          1 + 3 * 5, out.size(), "collection manifest; per part manifest, 3 columns, keys");
      return out;
    }
  }

  @Test
  void everyFileOfTheCollectionDetectsTruncationAndExtension() throws IOException {
    for (Path f : files()) {
      byte[] original = Files.readAllBytes(f);
      for (int cut : new int[] {1, 4, 9, 17, 40}) {
        if (cut <= original.length) {
          Files.write(f, Arrays.copyOf(original, original.length - cut));
          Checks.assertDamageDetected(dir, f, "truncated by " + cut, RandomDatasets.key(seed, 7));
        }
      }
      Files.write(f, Arrays.copyOf(original, original.length + 7));
      Checks.assertDamageDetected(dir, f, "extended by 7", RandomDatasets.key(seed, 7));
      Files.write(f, original);
    }
    try (Dataset ds = Dataset.open(dir)) {
      assertTrue(ds.verify(1, null).ok());
    }
  }

  @Test
  void everyFileOfTheCollectionDetectsBitFlips() throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    for (Path f : files()) {
      byte[] original = Files.readAllBytes(f);
      List<Integer> positions = new ArrayList<>();
      for (int i = 0; i < Math.min(12, original.length); i++) {
        positions.add(r.nextInt(original.length));
      }
      for (int i : new int[] {0, 9, 12, 20, original.length - 5, original.length - 1}) {
        if (i >= 0 && i < original.length) {
          positions.add(i);
        }
      }
      for (int pos : positions) {
        byte[] bad = original.clone();
        bad[pos] ^= (byte) (1 << r.nextInt(8));
        Files.write(f, bad);
        Checks.assertDamageDetected(
            dir, f, Seeds.tag(seed) + "bit flip at offset " + pos, RandomDatasets.key(seed, 7));
      }
      Files.write(f, original);
    }
    try (Dataset ds = Dataset.open(dir)) {
      assertTrue(ds.verify(1, null).ok());
    }
  }

  /** Recursive delete for a test directory. */
  static final class FileTreesForTest {
    static void delete(Path p) throws IOException {
      try (Stream<Path> s = Files.walk(p)) {
        for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(x);
        }
      }
    }
  }
}
