package dev.imagespec.engine;

/** The engine could not be reached: socket absent, connection refused or reset, I/O failure. */
public class EngineUnavailableException extends EngineException {
  public EngineUnavailableException(String message) {
    super(message);
  }

  public EngineUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
