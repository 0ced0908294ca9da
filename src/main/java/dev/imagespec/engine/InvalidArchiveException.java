package dev.imagespec.engine;

/**
 * The engine could not read an image archive or root filesystem tarball it was given (load,
 * import): not a tar, truncated, or not an image archive. Docker reports it in the 200 answer's
 * stream, Podman as an HTTP 500; both become this. The message is the engine's.
 */
public class InvalidArchiveException extends EngineException {
  public InvalidArchiveException(String message, Throwable cause) {
    super(message, cause);
  }
}
