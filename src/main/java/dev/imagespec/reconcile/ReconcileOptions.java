package dev.imagespec.reconcile;

import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.SpecKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * How a {@link Reconciler} pass runs.
 *
 * @param dryRun plan only: no pull, tag, push or remove (registry digest lookups, which are
 *     read-only, still happen so the plan is accurate)
 * @param pruneNow specs whose prune runs in this pass (e.g. {@link PruneSchedule#due})
 * @param pruneAll prune every spec that has a {@code prune} section ({@code --prune})
 * @param parallelism images pulled/pushed at the same time (default 4)
 * @param retry retry policy for transient failures (default {@link RetryPolicy#DEFAULT})
 * @param clock time source
 * @param sleeper waits between retries
 * @param defaultRefreshInterval refresh interval of specs that set none (default 5m)
 * @param timeouts deadlines of the actions (default {@link ActionTimeouts#DEFAULT})
 */
public record ReconcileOptions(
    boolean dryRun,
    Set<SpecKey> pruneNow,
    boolean pruneAll,
    int parallelism,
    RetryPolicy retry,
    Clock clock,
    Sleeper sleeper,
    Duration defaultRefreshInterval,
    ActionTimeouts timeouts) {
  public static final int DEFAULT_PARALLELISM = 4;

  public ReconcileOptions {
    pruneNow = pruneNow == null ? Set.of() : Set.copyOf(pruneNow);
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
    }
    retry = retry == null ? RetryPolicy.DEFAULT : retry;
    clock = clock == null ? Clock.systemUTC() : clock;
    sleeper = sleeper == null ? Sleeper.system() : sleeper;
    defaultRefreshInterval =
        defaultRefreshInterval == null
            ? ImageSpecSpec.DEFAULT_REFRESH_INTERVAL
            : defaultRefreshInterval;
    timeouts = timeouts == null ? ActionTimeouts.DEFAULT : timeouts;
  }

  /** Apply (not dry run), no prune, parallelism 4, default retries, system clock, 5m refresh. */
  public static ReconcileOptions defaults() {
    return new ReconcileOptions(
        false, Set.of(), false, DEFAULT_PARALLELISM, RetryPolicy.DEFAULT, null, null, null, null);
  }

  public ReconcileOptions withDryRun(boolean value) {
    return new ReconcileOptions(
        value,
        pruneNow,
        pruneAll,
        parallelism,
        retry,
        clock,
        sleeper,
        defaultRefreshInterval,
        timeouts);
  }

  public ReconcileOptions withPruneNow(Set<SpecKey> value) {
    return new ReconcileOptions(
        dryRun,
        value,
        pruneAll,
        parallelism,
        retry,
        clock,
        sleeper,
        defaultRefreshInterval,
        timeouts);
  }

  public ReconcileOptions withPruneAll(boolean value) {
    return new ReconcileOptions(
        dryRun,
        pruneNow,
        value,
        parallelism,
        retry,
        clock,
        sleeper,
        defaultRefreshInterval,
        timeouts);
  }

  public ReconcileOptions withParallelism(int value) {
    return new ReconcileOptions(
        dryRun, pruneNow, pruneAll, value, retry, clock, sleeper, defaultRefreshInterval, timeouts);
  }

  public ReconcileOptions withRetry(RetryPolicy value) {
    return new ReconcileOptions(
        dryRun,
        pruneNow,
        pruneAll,
        parallelism,
        value,
        clock,
        sleeper,
        defaultRefreshInterval,
        timeouts);
  }

  public ReconcileOptions withClock(Clock value) {
    return new ReconcileOptions(
        dryRun,
        pruneNow,
        pruneAll,
        parallelism,
        retry,
        value,
        sleeper,
        defaultRefreshInterval,
        timeouts);
  }

  public ReconcileOptions withSleeper(Sleeper value) {
    return new ReconcileOptions(
        dryRun,
        pruneNow,
        pruneAll,
        parallelism,
        retry,
        clock,
        value,
        defaultRefreshInterval,
        timeouts);
  }

  public ReconcileOptions withDefaultRefreshInterval(Duration value) {
    return new ReconcileOptions(
        dryRun, pruneNow, pruneAll, parallelism, retry, clock, sleeper, value, timeouts);
  }

  public ReconcileOptions withTimeouts(ActionTimeouts value) {
    return new ReconcileOptions(
        dryRun,
        pruneNow,
        pruneAll,
        parallelism,
        retry,
        clock,
        sleeper,
        defaultRefreshInterval,
        value);
  }
}
