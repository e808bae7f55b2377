package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.schema.ColumnSpec;
import io.jcolz.format.schema.Schema;
import io.jcolz.format.testing.Checks;
import io.jcolz.format.testing.RandomDatasets;
import io.jcolz.format.testing.Seeds;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing JVM (SIGKILL) at different moments — while appending, and around the commit — and
 * checks that the target is then either absent or a complete dataset that verifies clean.
 */
class CrashTest {
  static final int ROWS = 3000;

  @TempDir Path tmp;

  static Schema schema() {
    return Schema.builder()
        .column(ColumnSpec.string("key").withChunkRows(500))
        .keyColumn("key")
        .column(ColumnSpec.uint8Tensor("image", 16, 16, 3).withChunkRows(100))
        .column(ColumnSpec.int32Set("labels", 50).withChunkRows(1000))
        .labelColumn("labels")
        .build();
  }

  /** The child: writes ROWS rows, printing progress, then commits. */
  public static void main(String[] args) throws Exception {
    Path target = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    try (DatasetWriter w = DatasetWriter.create(target, schema())) {
      Row row = w.newRow();
      for (int i = 0; i < ROWS; i++) {
        w.append(RandomDatasets.fill(row.clear(), seed, i));
        if (i % 500 == 0) {
          System.out.println("appended " + i);
        }
      }
      w.labels(RandomDatasets.vocabulary(50));
      System.out.println("committing");
    }
    System.out.println("committed");
  }

  @Test
  void killedWriterNeverLeavesAHalfDataset() throws Exception {
    long seed = Seeds.base();
    // kill points: after "appended 1500", and 0..20 ms after "committing", then no kill
    String[] waitFor = {"appended 1500", "committing", "committing", "committing", null};
    int[] delayMs = {0, 0, 5, 20, 0};
    int completed = 0;
    for (int run = 0; run < waitFor.length; run++) {
      Path target = tmp.resolve("ds" + run);
      Process p = start(target, seed);
      try (BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.equals(waitFor[run])) {
            Thread.sleep(delayMs[run]);
            p.destroyForcibly();
            break;
          }
        }
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child did not end");
      String msg =
          Seeds.tag(seed)
              + "run "
              + run
              + " (kill at "
              + waitFor[run]
              + " +"
              + delayMs[run]
              + " ms): ";
      if (Files.exists(target)) {
        try (Dataset ds = Dataset.open(target)) {
          assertEquals(ROWS, ds.rowCount(), msg);
          assertTrue(ds.verify(1, null).ok(), msg);
          Checks.assertRandomAccess(ds, seed, 20, msg);
        }
        completed++;
      }
    }
    assertTrue(completed >= 1, "the run that was not killed must have committed");
  }

  private static Process start(Path target, long seed) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-")
          || a.startsWith("--enable-native-access")
          || a.startsWith("--sun-misc")
          || a.startsWith("-Dchronicle")
          || a.startsWith("-Dorg.slf4j")) {
        cmd.add(a);
      }
    }
    cmd.add("-Xmx256m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CrashTest.class.getName());
    cmd.add(target.toString());
    cmd.add(Long.toString(seed));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }
}
