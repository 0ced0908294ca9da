package dev.imagespec.engine;

/** Input rejected before any call to the engine (e.g. a malformed image reference). */
public class InvalidArgumentException extends EngineException {
  public InvalidArgumentException(String message) {
    super(message);
  }
}
