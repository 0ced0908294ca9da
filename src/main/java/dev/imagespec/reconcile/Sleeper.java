package dev.imagespec.reconcile;

import java.time.Duration;

/** Waits between retries; tests inject one that does not wait. */
@FunctionalInterface
public interface Sleeper {
  void sleep(Duration duration) throws InterruptedException;

  /** {@link Thread#sleep}. */
  static Sleeper system() {
    return d -> {
      if (!d.isZero() && !d.isNegative()) {
        Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
      }
    };
  }
}
