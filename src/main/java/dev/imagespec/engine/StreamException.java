package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A progress stream that the engine answered with 200 carried an {@code error} item (aiodocker's
 * {@code DockerStreamError}): e.g. the registry refused a pull or push, or a build step failed.
 */
public class StreamException extends EngineException {
  private final transient JsonNode item;

  public StreamException(String message) {
    this(message, (JsonNode) null);
  }

  public StreamException(String message, Throwable cause) {
    super(message, cause);
    this.item = null;
  }

  public StreamException(String message, JsonNode item) {
    super(message);
    this.item = item;
  }

  /** The stream item that carried the error, when there was one. */
  public JsonNode item() {
    return item;
  }
}
