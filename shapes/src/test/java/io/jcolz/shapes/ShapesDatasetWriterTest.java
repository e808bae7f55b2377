package io.jcolz.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generation failure part-way leaves nothing behind (no partial dataset is committed). */
class ShapesDatasetWriterTest {
  @TempDir Path tmp;

  @Test
  void failureMidWayCommitsNothing() throws Exception {
    ShapesGenerator gen = new ShapesGenerator(16, 1);
    Path dir = tmp.resolve("partial");
    // the first block (256 rows) is appended before row 300 fails
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                ShapesDatasetWriter.write(
                    dir,
                    400,
                    16,
                    1,
                    i -> {
                      if (i == 300) {
                        throw new IllegalStateException("generator broke at " + i);
                      }
                      return gen.sample(i);
                    }));
    assertTrue(
        e.getMessage().contains("generator broke at 300"),
        e.getMessage()); // may be re-wrapped by the pool
    assertFalse(Files.exists(dir), "no dataset at the target");
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(0, left.count(), "no temporary directory left behind");
    }
  }
}
