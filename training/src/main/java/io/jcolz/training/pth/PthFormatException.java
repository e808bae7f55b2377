package io.jcolz.training.pth;

import java.io.IOException;

/**
 * A file that is not a PyTorch state dict this reader accepts: not a zip written by {@code
 * torch.save} (1.6 and later), a legacy file, a pickle that calls anything besides what a state
 * dict needs, or tensors that do not fit their storages. The message names the file and what is
 * wrong, on one line.
 *
 * <p>Thread-safety: immutable.
 */
public final class PthFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message file and reason
   */
  public PthFormatException(String message) {
    super(message);
  }

  /**
   * @param message file and reason
   * @param cause the underlying error
   */
  public PthFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
