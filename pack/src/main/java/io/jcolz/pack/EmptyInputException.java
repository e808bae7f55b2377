package io.jcolz.pack;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The input folder holds no image file at all (empty, or only files without an image extension):
 * nothing is packed and nothing is written, so that a wrong {@code --input} does not "succeed" with
 * an empty dataset. (An input whose every image is skipped as broken is packed, with a warning.)
 *
 * <p>Immutable and thread-safe.
 */
public final class EmptyInputException extends IOException {
  private static final long serialVersionUID = 1L;

  EmptyInputException(Path input, long ignored) {
    super(
        input
            + " holds no image files"
            + (ignored > 0
                ? " (" + ignored + " file(s) without an image extension were ignored)"
                : " (it is empty)")
            + "; nothing packed");
  }
}
