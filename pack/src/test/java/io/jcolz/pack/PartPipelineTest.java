package io.jcolz.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcolz.format.Dataset;
import io.jcolz.format.images.PackedImages;
import io.jcolz.format.store.DatasetLayout;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The part pipeline's flow control ({@code Packer.packPart}): the walker hands images to the pool
 * while at most a window of them is in flight, refills from half a window, and waits for all of
 * them before the commit. These tests drive it with in-memory images and a label source that fails
 * or blocks on cue, so that the walker is parked on a full window when it happens.
 */
class PartPipelineTest {
  private static final int IMAGES = 200;
  private static final List<String> VOCABULARY = List.of("a", "b", "c");

  @TempDir Path dir;

  @Test
  @Timeout(60)
  void everyImageIsAppendedOnceInListingOrderThroughManyRefills() throws Exception {
    Fixture f = new Fixture(2);
    AtomicInteger lookups = new AtomicInteger();
    long rows = f.pack(labels(k -> lookups.incrementAndGet()));
    assertEquals(IMAGES, rows);
    assertEquals(IMAGES, lookups.get());
    try (Dataset ds = Dataset.open(DatasetLayout.part(dir, f.plan.parts().get(0).name()))) {
      assertEquals(IMAGES, ds.rowCount());
      for (int i = 0; i < IMAGES; i++) {
        assertEquals(f.images.get(i).key(), ds.readString(PackedImages.KEY, i), "row " + i);
        assertEquals(i % 3, ds.readSet(PackedImages.LABELS, i)[0], "labels of row " + i);
      }
    }
  }

  @Test
  @Timeout(60)
  void aWorkerFailureStopsTheWalkerAndCommitsNothing() throws Exception {
    Fixture f = new Fixture(1);
    Path target = DatasetLayout.part(dir, f.plan.parts().get(0).name());
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                f.pack(
                    labels(
                        k -> {
                          if (k == 40) {
                            throw new IOException("label store failed at image 40");
                          }
                        })));
    assertTrue(e.getMessage().contains("label store failed at image 40"), e.getMessage());
    assertFalse(Files.exists(target), "a failed part must not be committed: " + target);
  }

  @Test
  @Timeout(60)
  void interruptingAWalkerParkedOnAFullWindowStopsThePack() throws Exception {
    Fixture f = new Fixture(1);
    Path target = DatasetLayout.part(dir, f.plan.parts().get(0).name());
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread walker =
        new Thread(
            () -> {
              try {
                f.pack(
                    labels(
                        k -> {
                          if (k == 0) {
                            blocked.countDown();
                            try {
                              release.await(); // the one worker holds image 0: the window fills
                            } catch (InterruptedException ie) {
                              Thread.currentThread().interrupt();
                            }
                          }
                        }));
                outcome.set(new AssertionError("the pack finished despite the interrupt"));
              } catch (Throwable t) {
                outcome.set(t);
              }
            },
            "test-walker");
    walker.start();
    assertTrue(blocked.await(20, TimeUnit.SECONDS));
    // the walker submits the rest of the window and parks; wait until it is parked
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (walker.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(Thread.State.TIMED_WAITING, walker.getState());
    walker.interrupt();
    walker.join(TimeUnit.SECONDS.toMillis(20));
    release.countDown();
    assertFalse(walker.isAlive(), "the walker did not stop on interrupt");
    // InterruptedIOException from the wait, or InterruptedException from the pool's shutdown
    // in packPart's finally when the thread is still flagged: both are "interrupted"
    assertTrue(
        outcome.get() instanceof InterruptedIOException
            || outcome.get() instanceof InterruptedException,
        "expected an interruption, got " + outcome.get());
    assertFalse(Files.exists(target), "an interrupted part must not be committed: " + target);
  }

  /** A lookup hook called with the image's number (from its key) before each label lookup. */
  private interface Hook {
    void call(int image) throws IOException;
  }

  private static LabelSource labels(Hook hook) {
    return new LabelSource() {
      @Override
      public List<String> vocabulary() {
        return VOCABULARY;
      }

      @Override
      public Lookup labels(String key, List<String> folders) throws IOException {
        int n = Integer.parseInt(key.substring(4, 8));
        hook.call(n);
        return new Lookup(new int[] {n % 3}, List.of());
      }

      @Override
      public void close() {}
    };
  }

  /** 200 small in-memory PNGs, their one-part plan and a packer on {@code threads} threads. */
  private final class Fixture {
    final List<Packer.ImageInput> images = new ArrayList<>();
    final PackPlan plan;
    final Packer packer;

    Fixture(int threads) throws IOException {
      PackOptions o =
          PackOptions.builder(dir.resolve("in"), dir.resolve("out.jcolz"))
              .size(16)
              .threads(threads)
              .partRows(IMAGES)
              .build();
      ListingDigest digest = new ListingDigest(o.partRows());
      byte[] png = PackTestImages.encode(PackTestImages.smooth(24, 20, 7), "png");
      for (int i = 0; i < IMAGES; i++) {
        String key = String.format("img-%04d.png", i);
        images.add(new Packer.ImageInput(key, List.of(), null, png));
        digest.add(key, png.length, 0);
      }
      plan = PackPlan.of(digest, o.partRows(), PackPlanner.settings(o), VOCABULARY, null, 0);
      packer = new Packer(o, PackListener.NONE);
    }

    /** Packs the one part with {@code labels}; returns its rows. */
    long pack(LabelSource labels) throws IOException, InterruptedException {
      return packer.packPart(dir, plan, plan.parts().get(0), images, labels);
    }
  }
}
