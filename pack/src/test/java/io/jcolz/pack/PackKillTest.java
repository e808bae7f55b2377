package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.format.store.DatasetLayout;
import io.jcolz.format.store.ManifestFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resume proof: a real {@code pack} process is stopped by SIGKILL at a named point — after the
 * plan is written (early), in the middle of a part, between two parts, and during the final commit
 * (collection manifest written, build directory not yet renamed) — and by SIGTERM mid-part. The
 * same pack run again (in this JVM, through {@link Packer}) must end with exactly the rows of an
 * uninterrupted pack (keys, labels, pixels, order), keep the parts committed before the kill (same
 * dataset ids: not re-packed) and leave nothing behind.
 *
 * <p>The child pauses at the point by a listener in test code ({@link PausingPack}), prints {@code
 * PAUSED}, and is killed while paused: so every kill lands where it is named, not by timing.
 */
class PackKillTest {
  @TempDir Path tmp;
  Path in;
  Path ds;

  @BeforeEach
  void images() throws Exception {
    in = tmp.resolve("in");
    for (int i = 0; i < 60; i++) {
      PackTestImages.write(
          PackTestImages.noise(16 + i % 5, 16, i),
          "png",
          in.resolve(String.format("d%d/i%02d.png", i % 3, i)));
    }
    Files.writeString(in.resolve("d1/broken.png"), "not a png"); // skipped, in part 2
    ds = tmp.resolve("ds.jcolz");
  }

  /** Pauses a pack at one named point (see the class comment); test code, not shipping code. */
  public static final class PausingPack {
    public static void main(String[] a) throws Exception {
      String point = a[0];
      PackOptions o = options(Path.of(a[1]), Path.of(a[2]));
      PackListener pause =
          new PackListener() {
            @Override
            public void planned(PackPlan plan, int kept) {
              pauseIf("early");
            }

            @Override
            public void progress(long done, long skipped) {
              if (done == 15) {
                pauseIf("mid-part");
              }
            }

            @Override
            public void partCommitted(PackPlan.Part part, long rows) {
              if (part.index() == 2) {
                pauseIf("between-parts");
              }
            }

            @Override
            public void collectionWritten() {
              pauseIf("final-commit");
            }

            private void pauseIf(String here) {
              if (here.equals(point)) {
                System.out.println("PAUSED " + here);
                System.out.flush();
                try {
                  Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            }
          };
      new Packer(o, pause).run();
      System.out.println("FINISHED");
    }
  }

  private Process start(String point) throws Exception {
    List<String> cmd = ChildJvm.command(PausingPack.class, point, in.toString(), ds.toString());
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child-" + point + ".log").toFile())
        .start();
  }

  private void waitForPause(Process p, String point) throws Exception {
    Path log = tmp.resolve("child-" + point + ".log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains("PAUSED " + point)) {
        return;
      }
      assertTrue(
          p.isAlive(), "child ended before pausing at " + point + ":\n" + Files.readString(log));
      Thread.sleep(20);
    }
    throw new AssertionError("child did not reach " + point + ":\n" + Files.readString(log));
  }

  /** The options of every pack here: the child's and the re-run's. */
  static PackOptions options(Path input, Path out) {
    return PackOptions.builder(input, out)
        .size(16)
        .partRows(10)
        .chunkRows(3)
        .threads(2)
        .labelsFromDirs(true)
        .build();
  }

  private PackResult pack(Path out) throws Exception {
    return new Packer(options(in, out), null).run();
  }

  /** Dataset id of every committed part in the build directory. */
  private Map<String, String> committedParts() throws Exception {
    Map<String, String> ids = new TreeMap<>();
    Path parts = Packer.buildDirectory(ds).resolve(DatasetLayout.PARTS);
    if (!Files.isDirectory(parts)) {
      return ids;
    }
    try (Stream<Path> s = Files.list(parts)) {
      for (Path p : s.toList()) {
        Path m = DatasetLayout.manifest(p);
        if (!p.getFileName().toString().startsWith(".") && Files.exists(m)) {
          ids.put(p.getFileName().toString(), ManifestFile.read(m).datasetId().toString());
        }
      }
    }
    return ids;
  }

  private void killAndResume(String point, boolean sigkill, int expectKept) throws Exception {
    Path ref = tmp.resolve("ref.jcolz");
    PackResult refResult = pack(ref);
    assertEquals(7, refResult.parts(), "61 files in parts of 10");

    Process p = start(point);
    waitForPause(p, point);
    if (sigkill) {
      p.destroyForcibly(); // SIGKILL: no shutdown hook runs
    } else {
      p.destroy(); // SIGTERM, as Ctrl-C: the hook aborts the part being written
    }
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertFalse(Files.exists(ds), point + ": nothing is committed at the output");
    Map<String, String> before = committedParts();
    assertEquals(expectKept, before.size(), point + ": parts committed before the kill " + before);

    PackResult j = pack(ds);
    assertTrue(j.committed(), point + ": the re-run commits the collection");
    assertEquals(expectKept, j.partsKept(), point + ": " + j);
    assertEquals(7 - expectKept, j.partsPacked(), point + ": " + j);
    assertEquals(refResult.rows(), j.rows());
    assertEquals(refResult.skippedTotal(), j.skippedTotal(), "counts survive");
    sameRows(ref, ds, point);
    try (Dataset d = Dataset.open(ds)) {
      for (Dataset.Part part : d.parts()) {
        if (before.containsKey(part.name())) {
          assertEquals(
              before.get(part.name()),
              part.manifest().datasetId().toString(),
              point + ": " + part.name() + " was kept, not re-packed");
        }
      }
    }
    try (Stream<Path> s = Files.list(tmp)) {
      List<String> left =
          s.map(x -> x.getFileName().toString()).filter(n -> n.startsWith(".ds.jcolz")).toList();
      assertEquals(List.of(), left, point + ": nothing left next to the output");
    }
    try (Dataset d = Dataset.open(ds)) {
      assertTrue(d.verify(1, null).ok(), point + ": the resumed dataset verifies");
    }
  }

  /** Same keys, labels and pixels in the same order. */
  static void sameRows(Path a, Path b, String what) throws Exception {
    try (Dataset x = Dataset.open(a);
        Dataset y = Dataset.open(b)) {
      assertEquals(x.rowCount(), y.rowCount(), what);
      assertEquals(x.labels(), y.labels(), what);
      for (long r = 0; r < x.rowCount(); r++) {
        assertEquals(x.readString("key", r), y.readString("key", r), what + " row " + r);
        assertArrayEquals(x.readSet("labels", r), y.readSet("labels", r), what + " row " + r);
        assertArrayEquals(x.readTensor("image", r), y.readTensor("image", r), what + " row " + r);
      }
    }
  }

  @Test
  void killedEarlyResumes() throws Exception {
    killAndResume("early", true, 0);
  }

  @Test
  void killedInTheMiddleOfAPartResumes() throws Exception {
    killAndResume("mid-part", true, 1);
  }

  @Test
  void killedBetweenPartsResumes() throws Exception {
    killAndResume("between-parts", true, 3);
  }

  @Test
  void killedDuringTheFinalCommitResumes() throws Exception {
    killAndResume("final-commit", true, 7);
  }

  @Test
  void terminatedInTheMiddleOfAPartResumes() throws Exception {
    killAndResume("mid-part", false, 1);
  }
}
