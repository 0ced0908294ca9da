package dev.imagespec.engine.cri;

import dev.imagespec.engine.EngineException;
import io.grpc.Status;

/**
 * The container runtime answered a CRI call with a gRPC error; the message names the call, what it
 * was about and the runtime's own description.
 */
public class CriException extends EngineException {
  private final Status.Code code;

  public CriException(Status.Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The gRPC status code the runtime returned (e.g. {@code UNKNOWN} for a failed pull). */
  public Status.Code code() {
    return code;
  }
}
