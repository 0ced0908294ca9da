package dev.imagespec.engine;

import java.time.Duration;

/**
 * An operation ran out of its {@link Deadline} and was cancelled: the connection to the engine or
 * registry was closed, or the runtime's gRPC call cancelled, so the engine stops what it was doing.
 */
public class DeadlineExceededException extends EngineException {
  private final Duration timeout;

  public DeadlineExceededException(String message, Duration timeout, Throwable cause) {
    super(message, cause);
    this.timeout = timeout;
  }

  /** The timeout that ran out. */
  public Duration timeout() {
    return timeout;
  }

  /** {@code 20m}, {@code 1h30m}, {@code 90s}, {@code 1.5s}: Go's duration style, short. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    StringBuilder b = new StringBuilder();
    long h = ms / 3_600_000;
    long m = ms / 60_000 % 60;
    long s = ms / 1000 % 60;
    long rest = ms % 1000;
    if (h > 0) {
      b.append(h).append('h');
    }
    if (m > 0) {
      b.append(m).append('m');
    }
    if (s > 0 || rest > 0) {
      b.append(s);
      if (rest > 0 && h == 0 && m == 0) {
        b.append('.').append(String.format("%03d", rest).replaceAll("0+$", ""));
      }
      b.append('s');
    }
    return b.toString();
  }
}
