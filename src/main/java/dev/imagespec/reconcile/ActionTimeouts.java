package dev.imagespec.reconcile;

import java.time.Duration;

/**
 * Deadlines of the actions of a pass. At its deadline an action is cancelled (the engine's
 * connection closed, the CRI call cancelled: {@link dev.imagespec.engine.Deadline}) and reported
 * {@link Reasons#TIMED_OUT}; the pass goes on with the other images.
 *
 * @param pull a pull's deadline when its spec sets no {@code pullTimeout} (default 20m)
 * @param other the deadline of a push, tag or remove (default 10m)
 */
public record ActionTimeouts(Duration pull, Duration other) {
  public static final Duration DEFAULT_PULL = Duration.ofMinutes(20);
  public static final Duration DEFAULT_OTHER = Duration.ofMinutes(10);
  public static final ActionTimeouts DEFAULT = new ActionTimeouts(DEFAULT_PULL, DEFAULT_OTHER);

  public ActionTimeouts {
    pull = positive(pull, DEFAULT_PULL, "pull");
    other = positive(other, DEFAULT_OTHER, "action");
  }

  private static Duration positive(Duration d, Duration fallback, String what) {
    if (d == null) {
      return fallback;
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " timeout must be positive, not " + d);
    }
    return d;
  }
}
