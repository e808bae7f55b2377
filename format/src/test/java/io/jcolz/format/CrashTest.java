package io.jcolz.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
 *
 * <p>Kills timed by the clock may land before, in or after the commit, so those cases accept either
 * outcome. {@link #killAtANamedCommitStepHasItsOneOutcome} lands deterministically: the child runs
 * under the JDK's debugger interface (JDI, test code only), a breakpoint stops it at a named step
 * of the commit, and the test kills it there and requires that step's one outcome.
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

  /** Where a deterministic kill lands, and whether the target must exist afterwards. */
  enum CommitStep {
    /** Column files and key index finished, the manifest not yet written. */
    BEFORE_MANIFEST(false),
    /** The manifest written and forced, the temporary directory not yet renamed. */
    BEFORE_RENAME(false),
    /** The temporary directory renamed onto the target, the parent directory not yet forced. */
    AFTER_RENAME(true);

    final boolean committed;

    CommitStep(boolean committed) {
      this.committed = committed;
    }
  }

  @Test
  void killAtANamedCommitStepHasItsOneOutcome() throws Exception {
    long seed = Seeds.base();
    for (CommitStep step : CommitStep.values()) {
      Path target = tmp.resolve("at-" + step);
      String msg = Seeds.tag(seed) + "killed at " + step + ": ";
      killAt(step, target, seed, msg);
      List<Path> leftovers;
      try (var s = Files.list(tmp)) {
        leftovers =
            s.filter(f -> f.getFileName().toString().startsWith("." + target.getFileName() + "."))
                .toList();
      }
      if (step.committed) {
        assertTrue(Files.isDirectory(target), msg + "the rename happened: the dataset is there");
        try (Dataset ds = Dataset.open(target)) {
          assertEquals(ROWS, ds.rowCount(), msg);
          assertTrue(ds.verify(1, null).ok(), msg);
          Checks.assertRandomAccess(ds, seed, 20, msg);
        }
        assertEquals(List.of(), leftovers, msg + "nothing left beside it");
      } else {
        assertFalse(Files.exists(target), msg + "no dataset before the rename");
        assertEquals(1, leftovers.size(), msg + "the temporary directory stays: " + leftovers);
        Path manifest = leftovers.get(0).resolve(io.jcolz.format.store.DatasetLayout.MANIFEST);
        assertEquals(
            step == CommitStep.BEFORE_RENAME,
            Files.exists(manifest),
            msg + "the manifest is written exactly when the step says");
      }
    }
  }

  /**
   * Runs the child under JDI, stops it at {@code step} of its commit and kills it there (SIGKILL).
   * Fails if the child ends without reaching the step.
   */
  private static void killAt(CommitStep step, Path target, long seed, String msg) throws Exception {
    com.sun.jdi.connect.ListeningConnector listen =
        com.sun.jdi.Bootstrap.virtualMachineManager().listeningConnectors().stream()
            .filter(c -> c.transport().name().equals("dt_socket"))
            .findFirst()
            .orElseThrow();
    var args = listen.defaultArguments();
    args.get("localAddress").setValue("127.0.0.1");
    args.get("port").setValue("0");
    args.get("timeout").setValue("60000");
    String address = listen.startListening(args);
    Process p;
    com.sun.jdi.VirtualMachine vm;
    try {
      p =
          start(
              target,
              seed,
              List.of("-agentlib:jdwp=transport=dt_socket,server=n,suspend=y,address=" + address),
              ProcessBuilder.Redirect.DISCARD);
      vm = listen.accept(args);
    } finally {
      listen.stopListening(args);
    }
    boolean killed = false;
    try {
      var requests = vm.eventRequestManager();
      // the steps: ManifestFile.write, and Files.move called by DatasetWriter (the final rename)
      String stopClass =
          step == CommitStep.BEFORE_MANIFEST
              ? io.jcolz.format.store.ManifestFile.class.getName()
              : Files.class.getName();
      String stopMethod = step == CommitStep.BEFORE_MANIFEST ? "write" : "move";
      var prepare = requests.createClassPrepareRequest();
      prepare.addClassFilter(stopClass);
      prepare.enable();
      for (var type : vm.classesByName(stopClass)) {
        breakAt(requests, type, stopMethod);
      }
      vm.resume();
      while (!killed) {
        var events = vm.eventQueue().remove(120_000);
        assertNotNull(events, msg + "child neither reached the step nor ended in 120 s");
        for (com.sun.jdi.event.Event e : events) {
          if (e instanceof com.sun.jdi.event.ClassPrepareEvent cp) {
            breakAt(requests, cp.referenceType(), stopMethod);
          } else if (e instanceof com.sun.jdi.event.BreakpointEvent b) {
            String caller = b.thread().frame(1).location().declaringType().name();
            if (stopMethod.equals("move") && !caller.equals(DatasetWriter.class.getName())) {
              continue; // some other move; not the commit's rename
            }
            if (step == CommitStep.AFTER_RENAME) {
              var out =
                  requests.createStepRequest(
                      b.thread(),
                      com.sun.jdi.request.StepRequest.STEP_LINE,
                      com.sun.jdi.request.StepRequest.STEP_OUT);
              out.addCountFilter(1);
              out.enable();
              b.request().disable();
            } else {
              killed = kill(p);
            }
          } else if (e instanceof com.sun.jdi.event.StepEvent) {
            killed = kill(p); // Files.move returned into the commit
          } else if (e instanceof com.sun.jdi.event.VMDeathEvent
              || e instanceof com.sun.jdi.event.VMDisconnectEvent) {
            fail(msg + "the child ended without reaching the step");
          }
        }
        if (!killed) {
          events.resume();
        }
      }
    } finally {
      if (!killed) {
        p.destroyForcibly();
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), msg + "child did not end");
      try {
        vm.dispose();
      } catch (com.sun.jdi.VMDisconnectedException gone) {
        // the child is dead: nothing to detach from
      }
    }
  }

  private static void breakAt(
      com.sun.jdi.request.EventRequestManager requests,
      com.sun.jdi.ReferenceType type,
      String method) {
    List<com.sun.jdi.Method> methods = type.methodsByName(method);
    assertFalse(methods.isEmpty(), type.name() + " has no method " + method);
    for (com.sun.jdi.Method m : methods) {
      if (m.location() != null) {
        var b = requests.createBreakpointRequest(m.location());
        b.setSuspendPolicy(com.sun.jdi.request.EventRequest.SUSPEND_ALL);
        b.enable();
      }
    }
  }

  /** SIGKILL while every thread of the child is suspended at the step. */
  private static boolean kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "killed child did not end");
    return true;
  }

  private static Process start(Path target, long seed) throws Exception {
    return start(target, seed, List.of(), null);
  }

  private static Process start(
      Path target, long seed, List<String> extraJvmArgs, ProcessBuilder.Redirect stdout)
      throws Exception {
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
    cmd.addAll(extraJvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CrashTest.class.getName());
    cmd.add(target.toString());
    cmd.add(Long.toString(seed));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    if (stdout != null) {
      pb.redirectOutput(stdout);
    }
    return pb.start();
  }
}
