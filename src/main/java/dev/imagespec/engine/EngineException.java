package dev.imagespec.engine;

/** Base of every error the engine client raises. Messages never contain credentials. */
public class EngineException extends RuntimeException {
  public EngineException(String message) {
    super(message);
  }

  public EngineException(String message, Throwable cause) {
    super(message, cause);
  }
}
