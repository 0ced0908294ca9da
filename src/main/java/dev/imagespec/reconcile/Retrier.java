package dev.imagespec.reconcile;

import java.util.function.Supplier;

/** Runs an operation, retrying transient failures as the {@link RetryPolicy} says. */
final class Retrier {
  private final RetryPolicy policy;
  private final Sleeper sleeper;

  Retrier(RetryPolicy policy, Sleeper sleeper) {
    this.policy = policy;
    this.sleeper = sleeper;
  }

  record Result<T>(T value, RuntimeException error, int attempts) {
    boolean ok() {
      return error == null;
    }
  }

  <T> Result<T> call(Supplier<T> op) {
    int attempt = 0;
    while (true) {
      attempt++;
      try {
        return new Result<>(op.get(), null, attempt);
      } catch (RuntimeException e) {
        if (attempt >= policy.maxAttempts() || !TransientErrors.isTransient(e)) {
          return new Result<>(null, e, attempt);
        }
        try {
          sleeper.sleep(policy.delayAfter(attempt));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return new Result<>(null, e, attempt);
        }
      }
    }
  }

  <T> T callOrThrow(Supplier<T> op) {
    Result<T> r = call(op);
    if (!r.ok()) {
      throw r.error();
    }
    return r.value();
  }
}
