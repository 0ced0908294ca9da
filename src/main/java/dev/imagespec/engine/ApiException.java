package dev.imagespec.engine;

/** The engine answered with an HTTP error status; the message is the engine's own. */
public class ApiException extends EngineException {
  private final int status;

  public ApiException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The HTTP status code the engine returned. */
  public int status() {
    return status;
  }
}
