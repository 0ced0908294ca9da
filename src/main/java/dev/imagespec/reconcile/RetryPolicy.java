package dev.imagespec.reconcile;

import java.time.Duration;

/**
 * Retries of transient failures ({@link TransientErrors}) with exponential backoff: the n-th retry
 * waits {@code min(maxDelay, baseDelay * multiplier^(n-1))}.
 *
 * @param maxAttempts attempts in total, at least 1 (1 = no retry)
 * @param baseDelay wait before the first retry
 * @param maxDelay upper bound of a wait
 * @param multiplier growth of the wait per retry, at least 1
 */
public record RetryPolicy(
    int maxAttempts, Duration baseDelay, Duration maxDelay, double multiplier) {
  /** 3 attempts, waiting 1s then 2s (capped at 30s). */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
    if (baseDelay == null || baseDelay.isNegative()) {
      throw new IllegalArgumentException("baseDelay must not be negative");
    }
    if (maxDelay == null || maxDelay.compareTo(baseDelay) < 0) {
      maxDelay = baseDelay;
    }
    if (multiplier < 1) {
      throw new IllegalArgumentException("multiplier must be at least 1, got " + multiplier);
    }
  }

  /** No retries. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1);
  }

  /** {@code maxAttempts} attempts, doubling from {@code baseDelay}, capped at 30s. */
  public static RetryPolicy of(int maxAttempts, Duration baseDelay) {
    Duration cap =
        baseDelay.compareTo(Duration.ofSeconds(30)) > 0 ? baseDelay : Duration.ofSeconds(30);
    return new RetryPolicy(maxAttempts, baseDelay, cap, 2.0);
  }

  /** The wait after the {@code failedAttempt}-th attempt (1-based) failed. */
  public Duration delayAfter(int failedAttempt) {
    double factor = Math.pow(multiplier, Math.max(0, failedAttempt - 1));
    double nanos = baseDelay.toNanos() * factor;
    if (nanos >= maxDelay.toNanos()) {
      return maxDelay;
    }
    return Duration.ofNanos((long) nanos);
  }
}
