package io.jcolz.tools.compare;

import ai.djl.basicdataset.cv.classification.ImageFolder;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * DJL's own {@code ai.djl.basicdataset.cv.classification.ImageFolder} over the source directory,
 * resized to the packed size with DJL's {@code Resize} transform, iterated with DJL's
 * multi-threaded {@code getData(manager, executor)}. ImageFolder reads one folder per class below
 * the root (any depth below it), so its labels are single class indices, not multi-hot: that is
 * less work than the others do, in its favour. Not thread-safe.
 */
final class DjlImageFolderCandidate implements Candidate {
  private final Path dir;
  private final int size;

  DjlImageFolderCandidate(Path dir, int size) {
    this.dir = dir;
    this.size = size;
  }

  @Override
  public String name() {
    return "djl_imagefolder";
  }

  @Override
  public String description() {
    return "DJL ImageFolder on "
        + dir
        + ": DJL image decode + Resize, getData(manager, executor), class-index labels";
  }

  /** Why DJL's ImageFolder cannot read {@code dir}, or null when it can. */
  static String notApplicable(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      if (s.noneMatch(Files::isDirectory)) {
        return dir + " has no class subfolders (DJL ImageFolder reads one folder per class)";
      }
    }
    return null;
  }

  private static int depth(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.mapToInt(p -> dir.relativize(p).getNameCount()).max().orElse(1);
    }
  }

  @Override
  public double measure(int threads, int batch, double warmupSeconds, double seconds)
      throws Exception {
    ImageFolder folder =
        ImageFolder.builder()
            .setRepositoryPath(dir)
            .optMaxDepth(depth(dir))
            .addTransform(new Resize(size, size))
            .setSampling(batch, true)
            .build();
    folder.prepare();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            threads,
            task -> {
              Thread t = new Thread(task, "djl-imagefolder");
              t.setDaemon(true);
              return t;
            });
    try (NDManager manager = NDManager.newBaseManager()) {
      Timed t = new Timed(warmupSeconds, seconds);
      while (!t.done()) {
        for (Batch b : folder.getData(manager, executor)) {
          int n = b.getSize();
          b.close();
          t.delivered(n);
          if (t.done()) {
            break;
          }
        }
      }
      return t.rate();
    } finally {
      executor.shutdownNow();
      executor.awaitTermination(30, TimeUnit.SECONDS);
    }
  }
}
