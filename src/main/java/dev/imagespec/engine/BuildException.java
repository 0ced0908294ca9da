package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A build failed: a step reported an error in the build's stream (docker-py's and podman-py's
 * {@code BuildError}). Carries the build's log up to the failure.
 */
public class BuildException extends StreamException {
  private final List<String> log;

  public BuildException(String message, JsonNode item, List<String> log) {
    super(message, item);
    this.log = List.copyOf(log);
  }

  /** The build's log lines up to and including the failing step's output. */
  public List<String> log() {
    return log;
  }
}
