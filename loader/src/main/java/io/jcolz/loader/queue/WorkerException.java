package io.jcolz.loader.queue;

/**
 * A loader worker failed with an unchecked exception or an error; rethrown in the consumer's thread
 * with the worker's throwable as the cause. (Worker IOExceptions, such as a corrupt chunk, are
 * rethrown as IOExceptions of the same kind instead.)
 *
 * <p>Immutable and thread-safe.
 */
public final class WorkerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message and the worker's throwable. */
  public WorkerException(String message, Throwable cause) {
    super(message, cause);
  }
}
