package io.jcolz.tools.compare;

import ai.djl.basicdataset.cv.classification.AbstractImageFolder;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.util.Pair;
import ai.djl.util.Progress;
import io.jcolz.image.ImageDecodeException;
import io.jcolz.image.ImageDecoder;
import io.jcolz.image.ResizeMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DJL's image-folder dataset ({@code ai.djl.basicdataset.cv.classification.AbstractImageFolder},
 * the base of its {@code ImageFolder}: DJL's image decode, DJL's {@code Resize} transform to the
 * packed size, DJL's multi-threaded {@code getData(manager, executor)}) over exactly the files the
 * dataset holds ({@link SourceImages}), not over a directory listing: {@code ImageFolder} itself
 * lists every file with an image extension, so it reads files the pack skipped (a text file named
 * {@code .png} stops it with "Data loading failed") and counts a different number of images. As in
 * {@code ImageFolder}, an image's class is its top-level folder (sorted names; files directly in
 * the root are one more class), single class indices rather than multi-hot: less work than the
 * others do, in its favour. Images whose header announces more than 100 MP, which DJL would decode
 * whole (gigabytes per image, per thread), are decoded subsampled by jcolz's decoder instead and
 * handed to DJL as images; the description says how many. A file that fails stops the run with an
 * error naming it. Not thread-safe.
 */
final class DjlImageFolderCandidate implements Candidate {
  private final SourceImages source;
  private final AtomicLong subsampled = new AtomicLong();

  DjlImageFolderCandidate(SourceImages source) {
    this.source = source;
  }

  @Override
  public String name() {
    return "djl_imagefolder";
  }

  @Override
  public long images() {
    return source.files().size();
  }

  @Override
  public String description() {
    long n = subsampled.get();
    return "DJL image folder over the dataset's "
        + source.files().size()
        + " files in "
        + source.dir()
        + ": DJL image decode + Resize, getData(manager, executor), class-index labels"
        + (n > 0 ? " (" + n + " decodes of images over 100 MP were subsampled by jcolz)" : "");
  }

  /** A failure to load one file, naming it. */
  private static final class FileFailure extends IOException {
    private static final long serialVersionUID = 1L;

    FileFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The dataset's files as a DJL image folder. */
  private final class Folder extends AbstractImageFolder {
    Folder(Builder b) {
      super(b);
    }

    @Override
    protected Path getImagePath(String key) {
      return Path.of(key);
    }

    @Override
    public void prepare(Progress progress) {
      if (prepared) {
        return;
      }
      TreeMap<String, Integer> classes = new TreeMap<>();
      for (String key : source.keys()) {
        classes.put(top(key), 0);
      }
      int c = 0;
      for (var e : classes.entrySet()) {
        e.setValue(c++);
        synset.add(e.getKey().isEmpty() ? "(root)" : e.getKey());
      }
      List<Path> files = source.files();
      for (int i = 0; i < files.size(); i++) {
        items.add(new Pair<>(files.get(i).toString(), classes.get(top(source.keys().get(i)))));
      }
      prepared = true;
    }

    private static String top(String key) {
      int slash = key.indexOf('/');
      return slash < 0 ? "" : key.substring(0, slash);
    }

    @Override
    protected Image getImage(long index) throws IOException {
      Path file = getImagePath(items.get(Math.toIntExact(index)).getKey());
      try {
        if (ImageHeader.pixels(file) > ImageDecoder.DEFAULT_MAX_PIXELS) {
          subsampled.incrementAndGet();
          int s = source.size();
          return ImageFactory.getInstance()
              .fromImage(
                  ImageDecoder.defaults()
                      .decodeResized(file, s, s, ResizeMode.STRETCH)
                      .toBufferedImage());
        }
        return super.getImage(index);
      } catch (ImageDecodeException e) {
        throw new FileFailure(e.getMessage(), e);
      } catch (IOException | RuntimeException e) {
        String m = e.getMessage();
        throw new FileFailure(
            file + ": " + e.getClass().getSimpleName() + (m == null ? "" : ": " + m), e);
      }
    }
  }

  private static final class Builder extends AbstractImageFolder.ImageFolderBuilder<Builder> {
    @Override
    protected Builder self() {
      return this;
    }
  }

  @Override
  public double measure(int threads, int batch, double warmupSeconds, double seconds)
      throws Exception {
    Builder b = new Builder();
    b.setRepositoryPath(source.dir()).addTransform(new Resize(source.size(), source.size()));
    b.setSampling(batch, true);
    Folder folder = new Folder(b);
    folder.prepare(null);
    ExecutorService executor =
        Executors.newFixedThreadPool(
            threads,
            task -> {
              Thread t = new Thread(task, "djl-imagefolder");
              t.setDaemon(true);
              return t;
            });
    // The manager outlives the executor: breaking out of getData leaves DJL's prefetch tasks
    // running on the executor's threads, and closing the manager under them frees tensors they
    // still use (a SIGSEGV in libtorch, seen in BenchCommandTest). So the finally block stops the
    // threads first and closes the manager only once they have ended.
    NDManager manager = NDManager.newBaseManager();
    try {
      Timed t = new Timed(warmupSeconds, seconds);
      while (!t.done()) {
        for (Batch batchOf : folder.getData(manager, executor)) {
          int n = batchOf.getSize();
          batchOf.close();
          t.delivered(n);
          if (t.done()) {
            break;
          }
        }
      }
      return t.rate();
    } catch (RuntimeException e) { // DJL: IllegalStateException("Data loading failed", cause)
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof FileFailure f) {
          throw new IllegalStateException("DJL image folder: " + f.getMessage(), e);
        }
      }
      throw new IllegalStateException("DJL image folder: " + e.getMessage(), e);
    } finally {
      executor.shutdownNow();
      if (executor.awaitTermination(60, TimeUnit.SECONDS)) {
        manager.close();
      } // else a native call still runs: leaving its tensors to the process beats freeing them
    }
  }
}
