package io.jcolz.loader.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.store.ReadMode;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import io.jcolz.loader.Loader;
import io.jcolz.loader.LoaderConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The automatic read mode ({@link ReadModeChoice}): mapped reads while the columns fit in half the
 * memory limit, direct reads beyond it where the file system takes them, mapped reads where it does
 * not; the probe reads as a worker would and says why it failed. Also {@link ReadSettings}' words
 * and {@link ProcessResources}' readings.
 */
class ReadModeChoiceTest {
  private static final long GIB = 1L << 30;

  @TempDir Path dir;

  @Test
  void decidesByTheBytesReadAgainstHalfTheMemoryLimit() {
    AtomicInteger probes = new AtomicInteger();
    ReadModeChoice.DirectProbe works =
        () -> {
          probes.incrementAndGet();
          return null;
        };
    ReadModeChoice fits = ReadModeChoice.decide(2 * GIB, 4 * GIB, works);
    assertEquals(ReadMode.MAP, fits.mode(), fits.reason());
    assertFalse(fits.outOfCore(), fits.reason());
    assertEquals(0, probes.get(), "no probe while the data fits");
    ReadModeChoice over = ReadModeChoice.decide(2 * GIB + 1, 4 * GIB, works);
    assertEquals(ReadMode.DIRECT, over.mode(), over.reason());
    assertTrue(over.outOfCore(), over.reason());
    assertEquals(1, probes.get());
    assertTrue(
        over.reason().contains("2.00 GiB read per epoch, 4.00 GiB memory limit"), over.reason());
    ReadModeChoice mapped = over.mappedInstead("the buffers do not fit");
    assertEquals(ReadMode.MAP, mapped.mode(), mapped.reason());
    assertTrue(mapped.outOfCore(), mapped.reason());
    assertTrue(
        mapped.reason().endsWith("out of core, but the buffers do not fit: mapped reads"),
        mapped.reason());
    ReadModeChoice unknown = ReadModeChoice.decide(100 * GIB, -1, works);
    assertEquals(ReadMode.MAP, unknown.mode(), unknown.reason());
    assertFalse(unknown.outOfCore(), unknown.reason());
    ReadModeChoice refused = ReadModeChoice.decide(11 * GIB, 2 * GIB, () -> "no O_DIRECT here");
    assertEquals(ReadMode.MAP, refused.mode(), refused.reason());
    assertTrue(refused.outOfCore(), refused.reason());
    assertTrue(refused.reason().contains("no O_DIRECT here"), refused.reason());
  }

  @Test
  void probeReadsTheFirstChunkDirectlyAndSaysWhyItCannot() throws IOException {
    long seed = Seeds.derive(Seeds.base(), 91);
    Schema schema =
        Schema.builder()
            .column(ColumnSpec.uint8Tensor("image", 6, 7, 3).withChunkRows(4))
            .column(ColumnSpec.int32Set("labels", 5).withChunkRows(8))
            .labelColumn("labels")
            .build();
    Path path = RandomDatasets.write(dir.resolve("ds"), schema, seed, 40);
    try (Dataset ds = Dataset.open(path)) {
      var columns = List.of(ds.column("image"), ds.column("labels"));
      Path image = ds.column("image").path(0);
      assertEquals(
          io.jcolz.format.testing.DirectIo.opens(image) ? null : "fails",
          failsOrNull(columns),
          "seed " + seed);
      // the loader's choice when nothing is asked: these few bytes fit any memory, mapped
      LoaderConfig auto = Loader.builder(ds).batchSize(8).workers(1).config();
      assertEquals(ReadMode.MAP, auto.readMode());
      assertTrue(
          auto.readModeChoice().reason().startsWith("auto: "), auto.readModeChoice().reason());
      assertFalse(auto.readModeChoice().outOfCore());
      LoaderConfig asked =
          Loader.builder(ds).batchSize(8).workers(1).readMode(ReadMode.PREAD).config();
      assertEquals(ReadMode.PREAD, asked.readMode());
      assertEquals("asked for", asked.readModeChoice().reason());
      // a file that cannot be opened any more (the mapping stays): the probe says which and why
      Files.delete(image);
      String failure = ReadModeChoice.directProbe(columns);
      assertTrue(
          failure != null
              && failure.startsWith("O_DIRECT reads fail")
              && failure.contains(image.toString()),
          String.valueOf(failure));
    }
  }

  private static String failsOrNull(List<io.jcolz.format.Column> columns) {
    return ReadModeChoice.directProbe(columns) == null ? null : "fails";
  }

  @Test
  void readSettingsParseTheCommandLineWords() {
    assertNull(ReadSettings.parse("auto", null).mode());
    assertEquals(-1, ReadSettings.parse("AUTO", null).readAhead());
    assertEquals(ReadMode.DIRECT, ReadSettings.parse(" Direct ", 0).mode());
    assertEquals(0, ReadSettings.parse("direct", 0).readAhead());
    assertEquals("auto", ReadSettings.AUTO.modeLabel());
    assertEquals("pread", ReadSettings.parse("pread", 2).modeLabel());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReadSettings.parse("mmap", null));
    assertTrue(e.getMessage().contains("auto, map, populate, pread, direct"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ReadSettings.parse("map", -2));
    assertThrows(
        IllegalArgumentException.class, () -> ReadSettings.parse("map", ReadAhead.MAX_DEPTH + 1));
  }

  @Test
  void processReadingsAreConsistentOnLinux() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isReadable(Path.of("/proc/self/status")), "not Linux: the readings are -1");
    long limit = ProcessResources.memoryLimitBytes();
    long anon = ProcessResources.residentAnonymousBytes();
    long peak = ProcessResources.peakResidentBytes();
    assertTrue(limit > 0, "limit " + limit);
    assertTrue(anon > 0 && anon <= peak, "anon " + anon + ", peak " + peak);
    assertTrue(peak <= limit, "peak " + peak + " within the limit " + limit);
    // read_bytes: -1 where the kernel does not account I/O, else a count that never goes down
    long r0 = ProcessResources.storageReadBytes();
    long r1 = ProcessResources.storageReadBytes();
    assertTrue(r0 == -1 ? r1 == -1 : r1 >= r0, r0 + " then " + r1);
  }
}
