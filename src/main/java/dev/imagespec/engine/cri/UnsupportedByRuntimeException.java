package dev.imagespec.engine.cri;

import dev.imagespec.engine.EngineException;

/**
 * The runtime offers no way to do this: CRI has no tag, single-name untag, push or image events,
 * and only containerd's own API adds them. The message names the runtime and the operation.
 */
public class UnsupportedByRuntimeException extends EngineException {
  private final String runtime;
  private final String operation;

  public UnsupportedByRuntimeException(String runtime, String operation, String why) {
    super(operation + " is not supported on " + runtime + ": " + why);
    this.runtime = runtime;
    this.operation = operation;
  }

  /** e.g. {@code cri-o 1.28.1 (cri v1)}. */
  public String runtime() {
    return runtime;
  }

  /** e.g. {@code tag}, {@code push}. */
  public String operation() {
    return operation;
  }
}
