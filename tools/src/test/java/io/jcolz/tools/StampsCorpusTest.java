package io.jcolz.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcolz.format.Dataset;
import io.jcolz.pack.SourceWalker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packs the real clip-art stamps fetched by {@code bench/corpora/fetch.sh} (palette, gray+alpha and
 * RGBA PNGs of 17 to 1000 px in a category tree) with {@code --labels-from-dirs}, smart mode.
 * Skipped when the corpus is absent. Location: {@code $JCOLZ_CORPORA/stamps} or {@code
 * ~/.cache/jcolz-corpora/stamps}.
 */
class StampsCorpusTest {
  @TempDir Path tmp;

  static Path stamps() {
    String env = System.getenv("JCOLZ_CORPORA");
    Path root =
        env != null
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".cache", "jcolz-corpora");
    return root.resolve("stamps");
  }

  @Test
  void everyStampPacksWithItsFolderLabelsAndVerifies() throws Exception {
    Path stamps = stamps();
    assumeTrue(
        Files.isDirectory(stamps),
        "no stamps corpus at " + stamps + " (run bench/corpora/fetch.sh)");
    long files;
    try (Stream<Path> s = Files.walk(stamps)) {
      files =
          s.filter(Files::isRegularFile)
              .filter(p -> SourceWalker.isImageName(p.getFileName().toString()))
              .count();
    }
    Path ds = tmp.resolve("stamps.jcolz");
    CliTestSupport.Result r =
        CliTestSupport.run(
            "pack",
            "--input",
            stamps.toString(),
            "--out",
            ds.toString(),
            "--labels-from-dirs",
            "--size",
            "64",
            "--mode",
            "smart",
            "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode j = CliSupport.JSON.readTree(r.lastLine());
    assertEquals(files, j.get("rows").asLong() + j.get("skipped").asLong(), r.toString());
    assertEquals(0, j.get("skipped").asLong(), "every stamp decodes: " + r.err());
    assertEquals(0, CliTestSupport.run("verify", ds.toString()).code());
    try (Dataset d = Dataset.open(ds)) {
      assertEquals(files, d.rowCount());
      for (long row = 0; row < d.rowCount(); row += 37) {
        String key = d.readString("key", row);
        List<String> folders = new ArrayList<>(List.of(key.split("/")));
        folders.removeLast();
        List<String> names = new ArrayList<>();
        for (int l : d.readSet("labels", row)) {
          names.add(d.labels().get(l));
        }
        assertEquals(folders.stream().distinct().sorted().toList(), names, key);
        assertTrue(Files.isRegularFile(stamps.resolve(key)), key);
      }
    }
  }
}
