package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdCompressCtx;
import io.jcolz.format.codec.Codec;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.ColumnType;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.Checksums;
import io.jcolz.format.store.CollectionManifest;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.FileFormat;
import io.jcolz.format.store.Manifest;
import io.jcolz.format.store.ManifestFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FORMAT.md's rules that a reader written from the text alone would enforce, held against the
 * reader here with column files built by hand (not by the writer): the one Zstd frame shape of
 * §4.2, chunks tiling the chunk data (§4.1), the manifest's exact per-column totals (§3/§4.1), and
 * the per-kind version ranges (§2). Each case names what the spec forbids and requires that both
 * open-or-read and {@link Dataset#verify} refuse it, naming the file and chunk.
 */
class SpecRulesTest {
  @TempDir Path tmp;

  private static final int ROWS_PER_CHUNK = 16;

  // ------------------------------------------------------------------ §4.2 Zstd frames

  @Test
  void theWritersFrameIsAccepted() throws IOException {
    byte[] payload = payload(0);
    Path ds = datasetWithOneChunk("ok", frame(payload, true, false), payload.length);
    try (Dataset d = Dataset.open(ds)) {
      assertTrue(d.verify(1, null).ok());
      assertEquals(7 * 5, d.readInt32("n", 5));
    }
  }

  @Test
  void aFrameWithAContentChecksumIsRefused() throws IOException {
    byte[] payload = payload(0);
    assertChunkRefused(
        datasetWithOneChunk("sum", frame(payload, true, true), payload.length),
        "carries a content checksum");
  }

  @Test
  void aFrameWithoutAContentSizeIsRefused() throws IOException {
    byte[] payload = payload(0);
    assertChunkRefused(
        datasetWithOneChunk("nosize", frame(payload, false, false), payload.length),
        "does not record the content size");
  }

  @Test
  void aSecondFrameIsRefused() throws IOException {
    byte[] payload = payload(0);
    // zstd itself decodes both frames back to back (the empty second one adds nothing): only the
    // one-frame rule tells them apart
    byte[] two = concat(frame(payload, true, false), frame(new byte[0], true, false));
    assertChunkRefused(datasetWithOneChunk("two", two, payload.length), "after the Zstd frame");
  }

  @Test
  void aLeadingSkippableFrameIsRefused() throws IOException {
    byte[] payload = payload(0);
    byte[] skippable = {0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 1, 2, 3, 4};
    assertChunkRefused(
        datasetWithOneChunk("skip", concat(skippable, frame(payload, true, false)), payload.length),
        "skippable");
  }

  @Test
  void aContentSizeOtherThanTheIndexIsRefused() throws IOException {
    byte[] payload = payload(0);
    byte[] f = frame(payload, true, false);
    // the index says one row more than the frame holds: the frame's recorded size is checked
    // before anything is decompressed
    Path ds =
        build(
            "size",
            Codec.ZSTD,
            ROWS_PER_CHUNK + 1,
            f,
            new long[] {32},
            new byte[][] {f},
            new int[] {payload.length + 4},
            new int[] {ROWS_PER_CHUNK + 1});
    assertChunkRefused(ds, "content size of " + payload.length + " bytes, the index says");
  }

  @Test
  void aDictionaryIdIsRefused() {
    byte[] f = frame(payload(0), true, false);
    // insert a one-byte dictionary id after the frame header descriptor and flag it
    byte[] withDict = new byte[f.length + 1];
    System.arraycopy(f, 0, withDict, 0, 5);
    withDict[4] |= 0x01;
    withDict[5] = 9;
    System.arraycopy(f, 5, withDict, 6, f.length - 5);
    String problem =
        io.jcolz.format.codec.ZstdFrame.problem(MemorySegment.ofArray(withDict), 4L * 16);
    assertTrue(problem != null && problem.contains("dictionary"), problem);
    assertNull(io.jcolz.format.codec.ZstdFrame.problem(MemorySegment.ofArray(f), 4L * 16));
  }

  // ------------------------------------------------------------------ §4.1 tiling

  @Test
  void chunksInAnyOrderThatTileTheDataAreAccepted() throws IOException {
    byte[] c0 = payload(0);
    byte[] c1 = payload(1);
    // chunk 1's bytes first, then chunk 0's
    Path ds =
        datasetWithLayout(
            "reversed", concat(c1, c0), new long[] {32 + c1.length, 32}, new byte[][] {c0, c1});
    try (Dataset d = Dataset.open(ds)) {
      assertTrue(d.verify(1, null).ok());
      for (int r = 0; r < 2 * ROWS_PER_CHUNK; r++) {
        assertEquals(7 * r, d.readInt32("n", r), "row " + r);
      }
    }
  }

  @Test
  void manyChunksFarOutOfOrderAreCheckedToo() throws IOException {
    // 100 chunks stored in reverse: too far from row order for the insertion sort's budget, so
    // the full sort decides; then the same with chunk 0's entry pointing into chunk 1's bytes
    int n = 100;
    for (boolean overlap : new boolean[] {false, true}) {
      byte[][] stored = new byte[n][];
      long[] offsets = new long[n];
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      for (int k = n - 1; k >= 0; k--) {
        stored[k] = payload(k);
        offsets[k] = 32 + data.size();
        data.writeBytes(stored[k]);
      }
      if (overlap) {
        offsets[0] = offsets[1] + 4; // [.., ..) overlaps chunk 1 and leaves chunk 0's bytes unused
        stored[0] =
            java.util.Arrays.copyOfRange(
                data.toByteArray(), (int) offsets[0] - 32, (int) offsets[0] - 32 + 64);
      }
      Path ds = datasetWithLayout("reverse-" + overlap, data.toByteArray(), offsets, stored);
      if (overlap) {
        assertOpenRefused(ds, "overlaps");
      } else {
        try (Dataset d = Dataset.open(ds)) {
          assertTrue(d.verify(1, null).ok());
          for (int r = 0; r < n * ROWS_PER_CHUNK; r += 37) {
            assertEquals(7 * r, d.readInt32("n", r), "row " + r);
          }
        }
      }
    }
  }

  @Test
  void twoChunksOnTheSameBytesAreRefused() throws IOException {
    byte[] c0 = payload(0);
    // both entries name bytes [32, 96): the sum of stored lengths still equals the data span
    // (the second half is a gap), and each entry's CRC32C matches: only the tiling rule refuses it
    byte[] data = concat(c0, new byte[c0.length]);
    Path ds = datasetWithLayout("same", data, new long[] {32, 32}, new byte[][] {c0, c0});
    assertOpenRefused(ds, "overlaps");
  }

  @Test
  void anOverlapWithAGapElsewhereIsRefused() throws IOException {
    byte[] c0 = payload(0);
    byte[] data = new byte[2 * c0.length];
    System.arraycopy(c0, 0, data, 0, c0.length);
    // chunk 1 claims [32 + 8, 32 + 8 + 64): it overlaps chunk 0, and [104, 160) belongs to none
    byte[] c1 = java.util.Arrays.copyOfRange(data, 8, 8 + c0.length);
    Path ds = datasetWithLayout("overlap", data, new long[] {32, 40}, new byte[][] {c0, c1});
    assertOpenRefused(ds, "do not tile");
  }

  // ------------------------------------------------------------------ §3 manifest totals

  @Test
  void manifestTotalsMustBeExact() throws IOException {
    for (String field : List.of("chunks", "compressed_bytes", "uncompressed_bytes")) {
      byte[] c0 = payload(0);
      byte[] c1 = payload(1);
      Path ds =
          datasetWithLayout(field, concat(c0, c1), new long[] {32, 96}, new byte[][] {c0, c1});
      Path mf = DatasetLayout.manifest(ds);
      Manifest m = ManifestFile.read(mf);
      Manifest.ColumnEntry e = m.columns().get(0);
      Manifest.ColumnEntry bad =
          new Manifest.ColumnEntry(
              e.file(),
              e.fileBytes(),
              e.chunks() + (field.equals("chunks") ? 1 : 0),
              e.compressedBytes() + (field.equals("compressed_bytes") ? 1 : 0),
              e.uncompressedBytes() + (field.equals("uncompressed_bytes") ? 1 : 0));
      rewriteManifest(ds, m, bad);
      assertOpenRefused(ds, "the manifest's " + field + " is");
    }
  }

  @Test
  void aVocabularyMustNameEveryLabelAndTheKeyIndexEveryRow() throws IOException {
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.string("k"))
            .keyColumn("k")
            .column(ColumnSpec.int32Set("l", 3))
            .labelColumn("l")
            .build();
    for (String damage : List.of("labels", "entries")) {
      Path ds = tmp.resolve("vocab-" + damage);
      try (DatasetWriter w = DatasetWriter.create(ds, schema)) {
        Row row = w.newRow();
        w.append(row.clear().setString("k", "a").setSet("l", 2));
        w.labels(List.of("x", "y", "z"));
      }
      Path mf = DatasetLayout.manifest(ds);
      Manifest m = ManifestFile.read(mf);
      Manifest.KeyIndexEntry ki = m.keyIndex();
      Files.delete(mf);
      ManifestFile.write(
          mf,
          new Manifest(
              m.datasetId(),
              m.rows(),
              m.schema(),
              damage.equals("labels") ? List.of("x", "y") : m.labels(),
              m.metadata(),
              m.columns(),
              damage.equals("entries")
                  ? new Manifest.KeyIndexEntry(
                      ki.file(), ki.column(), ki.entries() + 1, ki.fileBytes(), ki.crc32c())
                  : ki,
              m.created(),
              m.createdBy()));
      CorruptDatasetException e =
          assertThrows(CorruptDatasetException.class, () -> Dataset.open(ds), damage);
      assertTrue(
          e.getMessage()
              .contains(
                  damage.equals("labels")
                      ? "labels holds 2 names, the label column's cardinality is 3"
                      : "key index entries 2 differ from rows 1"),
          e.getMessage());
    }
  }

  // ------------------------------------------------------------------ §2 versions

  @Test
  void aCollectionManifestMarkedVersionOneIsTooOld() throws IOException {
    Path dir = tmp.resolve("coll");
    Schema schema = schema(Codec.ZSTD);
    List<CollectionManifest.PartEntry> entries = new ArrayList<>();
    try (DatasetWriter w = DatasetWriter.create(DatasetLayout.part(dir, "p0"), schema)) {
      Row row = w.newRow();
      w.append(row.clear().setInt32("n", 1));
    }
    entries.add(CollectionWriter.describePart(dir, "p0"));
    CollectionWriter.commit(
        dir, UUID.randomUUID(), schema, List.of(), Map.of(), entries, "SpecRulesTest");
    try (Dataset d = Dataset.open(dir)) {
      assertEquals(1, d.rowCount());
    }
    Path cm = DatasetLayout.collectionManifest(dir);
    byte[] b = Files.readAllBytes(cm);
    MemorySegment s = MemorySegment.ofArray(b);
    assertEquals(2, s.get(FileFormat.LE_INT, 12), "CLCT files are written as version 2");
    s.set(FileFormat.LE_INT, 12, 1);
    s.set(FileFormat.LE_INT, b.length - 4, Checksums.crc32c(s.asSlice(0, b.length - 4)));
    Files.write(cm, b);
    FormatVersionException e = assertThrows(FormatVersionException.class, () -> Dataset.open(dir));
    assertTrue(
        e.getMessage().contains("format version 1 is older than this jcolz supports (min 2)"),
        e.getMessage());
    assertTrue(e.getMessage().contains(DatasetLayout.COLLECTION_MANIFEST), e.getMessage());
  }

  // ------------------------------------------------------------------ helpers

  private record Chunk(long firstRow, byte[] stored, int decompressedLength) {}

  /** 16 int32 rows, row r of chunk k holding 7 × (16k + r). */
  private static byte[] payload(int k) {
    MemorySegment s = MemorySegment.ofArray(new byte[4 * ROWS_PER_CHUNK]);
    for (int i = 0; i < ROWS_PER_CHUNK; i++) {
      s.set(FileFormat.LE_INT, 4L * i, 7 * (ROWS_PER_CHUNK * k + i));
    }
    return s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
  }

  private static byte[] frame(byte[] payload, boolean contentSize, boolean checksum) {
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      ctx.setLevel(3);
      ctx.setContentSize(contentSize);
      ctx.setChecksum(checksum);
      return ctx.compress(payload);
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static Schema schema(Codec codec) {
    return Schema.builder()
        .column(
            ColumnSpec.scalar("n", ColumnType.INT32)
                .withCodec(codec, codec == Codec.ZSTD ? 3 : 0)
                .withChunkRows(ROWS_PER_CHUNK))
        .build();
  }

  /** A zstd dataset of 16 rows whose one chunk's stored bytes are {@code stored}. */
  private Path datasetWithOneChunk(String name, byte[] stored, int decompressedLength)
      throws IOException {
    return build(
        name,
        Codec.ZSTD,
        ROWS_PER_CHUNK,
        stored,
        new long[] {32},
        new byte[][] {stored},
        new int[] {decompressedLength},
        new int[] {ROWS_PER_CHUNK});
  }

  /** A codec-none dataset whose chunk data is {@code data} and whose entries are as given. */
  private Path datasetWithLayout(String name, byte[] data, long[] offsets, byte[][] stored)
      throws IOException {
    int[] dlen = new int[stored.length];
    int[] rows = new int[stored.length];
    for (int k = 0; k < stored.length; k++) {
      dlen[k] = stored[k].length;
      rows[k] = ROWS_PER_CHUNK;
    }
    return build(
        name, Codec.NONE, ROWS_PER_CHUNK * stored.length, data, offsets, stored, dlen, rows);
  }

  /**
   * Writes a one-column dataset by the writer, then replaces its column file by one built here from
   * FORMAT.md §4 (header, chunk data, index, footer, every CRC32C right) and its manifest's column
   * entry by the facts of that file.
   */
  private Path build(
      String name,
      Codec codec,
      long totalRows,
      byte[] data,
      long[] offsets,
      byte[][] stored,
      int[] decompressedLength,
      int[] rowCount)
      throws IOException {
    Path ds = tmp.resolve(name);
    try (DatasetWriter w = DatasetWriter.create(ds, schema(codec))) {
      Row row = w.newRow();
      for (int i = 0; i < totalRows; i++) {
        w.append(row.clear().setInt32("n", i));
      }
    }
    Manifest m = ManifestFile.read(DatasetLayout.manifest(ds));
    int n = offsets.length;
    int size = 32 + data.length + 32 * n + 40;
    MemorySegment f = MemorySegment.ofArray(new byte[size]);
    FileFormat.writeHeader(f, FileFormat.Kind.COLUMN, m.datasetId());
    MemorySegment.copy(MemorySegment.ofArray(data), 0, f, 32, data.length);
    long index = 32 + data.length;
    long firstRow = 0;
    long compressed = 0;
    long uncompressed = 0;
    for (int k = 0; k < n; k++) {
      long e = index + 32L * k;
      f.set(FileFormat.LE_LONG, e, firstRow);
      f.set(FileFormat.LE_LONG, e + 8, offsets[k]);
      f.set(FileFormat.LE_INT, e + 16, stored[k].length);
      f.set(FileFormat.LE_INT, e + 20, decompressedLength[k]);
      f.set(FileFormat.LE_INT, e + 24, rowCount[k]);
      f.set(FileFormat.LE_INT, e + 28, Checksums.crc32c(MemorySegment.ofArray(stored[k])));
      firstRow += rowCount[k];
      compressed += stored[k].length;
      uncompressed += decompressedLength[k];
    }
    assertArrayEquals(
        stored[0],
        f.asSlice(offsets[0], stored[0].length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
        "entry 0 names its own bytes");
    long footer = index + 32L * n;
    f.set(FileFormat.LE_LONG, footer, index);
    f.set(FileFormat.LE_LONG, footer + 8, n);
    f.set(FileFormat.LE_LONG, footer + 16, totalRows);
    f.set(FileFormat.LE_INT, footer + 24, Checksums.crc32c(f.asSlice(index, 32L * n)));
    f.set(FileFormat.LE_INT, footer + 28, 0);
    f.set(FileFormat.LE_INT, footer + 32, FileFormat.FOOTER_MAGIC);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    Checksums.update(crc, f.asSlice(0, 32));
    Checksums.update(crc, f.asSlice(footer, 36));
    f.set(FileFormat.LE_INT, footer + 36, (int) crc.getValue());
    Path col = ds.resolve(DatasetLayout.columnFile("n"));
    Files.write(col, f.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    rewriteManifest(
        ds,
        m,
        new Manifest.ColumnEntry(DatasetLayout.columnFile("n"), size, n, compressed, uncompressed));
    return ds;
  }

  private static void rewriteManifest(Path ds, Manifest m, Manifest.ColumnEntry e)
      throws IOException {
    Path mf = DatasetLayout.manifest(ds);
    Files.delete(mf);
    ManifestFile.write(
        mf,
        new Manifest(
            m.datasetId(),
            m.rows(),
            m.schema(),
            m.labels(),
            m.metadata(),
            List.of(e),
            m.keyIndex(),
            m.created(),
            m.createdBy()));
  }

  /** The dataset opens, but reading and verifying chunk 0 fail with {@code what}. */
  private static void assertChunkRefused(Path ds, String what) throws IOException {
    Path col = ds.resolve(DatasetLayout.columnFile("n"));
    try (Dataset d = Dataset.open(ds)) {
      CorruptDatasetException e =
          assertThrows(CorruptDatasetException.class, () -> d.readInt32("n", 0));
      assertTrue(e.getMessage().contains(what), e.getMessage());
      assertTrue(e.getMessage().contains("column 'n', chunk 0 at offset 32"), e.getMessage());
      VerifyReport report = d.verify(1, null);
      assertEquals(1, report.problems().size(), report.problems().toString());
      VerifyReport.Problem p = report.problems().get(0);
      assertEquals(col.toString(), p.file());
      assertEquals(0, p.chunk());
      assertTrue(p.message().contains(what), p.message());
    }
  }

  private static void assertOpenRefused(Path ds, String what) {
    CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> Dataset.open(ds));
    assertTrue(e.getMessage().contains(what), e.getMessage());
    assertTrue(e.getMessage().contains(DatasetLayout.columnFile("n")), e.getMessage());
  }
}
