package dev.imagespec.engine;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * When {@link RegistryEndpoints} repeats one registry request: on HTTP 429, 500, 502, 503 and 504
 * (any method: the registry did not act on it), and on a connection reset or a response cut short
 * of a {@code GET} or {@code HEAD}. At most {@value #MAX_ATTEMPTS} attempts; each retry waits what
 * the answer's {@code Retry-After} asks (seconds or an HTTP date), else 0.5 s, 1 s, 2 s. A request
 * waits at most {@link #MAX_WAIT} (60 s) in total: when the registry asks for longer, the answer is
 * returned at once and the caller's error names the wait asked for.
 */
final class RegistryRetries {
  static final int MAX_ATTEMPTS = 4;
  static final Duration MAX_WAIT = Duration.ofSeconds(60);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);

  private RegistryRetries() {}

  static boolean retriable(int status) {
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
  }

  /** A transport failure worth repeating: a reset or a cut answer of an idempotent read. */
  static boolean retriable(String method, IOException e) {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return false;
    }
    for (Throwable c = e; c != null && c != c.getCause(); c = c.getCause()) {
      String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
      if (m.contains("connection reset")
          || m.contains("unexpected end of stream")
          || m.contains("broken pipe")) {
        return true;
      }
    }
    return false;
  }

  /** The wait before retry {@code failedAttempt} (1-based) when the registry asks for none. */
  static Duration backoff(int failedAttempt) {
    return FIRST_BACKOFF.multipliedBy(1L << Math.min(10, Math.max(0, failedAttempt - 1)));
  }

  /**
   * The wait a {@code Retry-After} header asks for (delta seconds or an HTTP date, from {@code
   * now}); null when absent or unreadable.
   */
  static Duration retryAfter(String header, Instant now) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String h = header.trim();
    if (h.matches("\\d{1,9}")) {
      return Duration.ofSeconds(Long.parseLong(h));
    }
    try {
      Instant at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(now, at);
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Sleeps {@code wait}; an interrupt ends the wait with an exception naming the request. */
  static void sleep(Duration wait, String what) {
    Deadline d = Deadline.current().orElse(null);
    if (d != null && d.remaining().compareTo(wait) < 0) {
      // the operation's deadline comes first: no retry that cannot finish before it
      throw d.exceeded("registry " + what + " (retry in " + wait.toMillis() + " ms)", null);
    }
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("interrupted while waiting to retry " + what, e);
    }
  }
}
