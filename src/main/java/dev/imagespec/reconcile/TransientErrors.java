package dev.imagespec.reconcile;

import dev.imagespec.engine.ApiException;
import dev.imagespec.engine.EngineUnavailableException;
import dev.imagespec.engine.ImageNotFoundException;
import dev.imagespec.engine.StreamException;
import dev.imagespec.engine.cri.CriException;
import java.util.regex.Pattern;

/**
 * Which failures are worth retrying: the engine unreachable ({@link EngineUnavailableException}),
 * HTTP 5xx and 429 from the engine ({@link ApiException}), and progress-stream errors ({@link
 * StreamException}) and CRI errors ({@link CriException}, but not a pull's deadline) whose message
 * indicates a 5xx/429, a connection reset or a timeout. Never: 4xx, unauthorized/denied, not found.
 */
public final class TransientErrors {
  private static final Pattern PERMANENT =
      Pattern.compile(
          "(?i)\\b(400|401|403|404)\\b|unauthori[sz]ed|denied|forbidden|not found|manifest unknown"
              + "|name unknown|no such|authentication required|does not exist|no basic auth"
              + "|connection refused");
  private static final Pattern TRANSIENT =
      Pattern.compile(
          "(?i)\\b(5\\d\\d|429)\\b|too ?many ?requests|connection reset|reset by peer|timeout"
              + "|timed out|deadline exceeded|service unavailable|bad gateway|gateway time"
              + "|internal server error|temporarily unavailable|broken pipe|unexpected eof");

  private TransientErrors() {}

  public static boolean isTransient(Throwable t) {
    if (t == null || t instanceof ImageNotFoundException) {
      return false;
    }
    if (t instanceof EngineUnavailableException) {
      return true;
    }
    String message = t.getMessage() == null ? "" : t.getMessage();
    if (t instanceof ApiException api) {
      return (api.status() >= 500 || api.status() == 429) && !PERMANENT.matcher(message).find();
    }
    if (t instanceof CriException cri) {
      // a pull that ran out of its deadline is not tried again at once: the next pass will
      return cri.code() != io.grpc.Status.Code.DEADLINE_EXCEEDED
          && !PERMANENT.matcher(message).find()
          && TRANSIENT.matcher(message).find();
    }
    if (t instanceof StreamException) {
      return !PERMANENT.matcher(message).find() && TRANSIENT.matcher(message).find();
    }
    return false;
  }
}
