package dev.imagespec.reconcile;

import dev.imagespec.spec.CronSchedule;
import dev.imagespec.spec.GoDuration;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.PruneStatus;
import dev.imagespec.spec.PullPolicy;
import dev.imagespec.spec.SpecKey;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * When to run the next pass without an outside event (a changed spec or file, an engine event). One
 * schedule for both long-running front ends: the node agent and {@code imagespec apply --watch}.
 * The next wake is the earliest of
 *
 * <ul>
 *   <li>the shortest {@code refreshInterval} of a spec that has something a refresh re-checks:
 *       {@code pullPolicy: Always} images (spec-wide or per image) or push targets;
 *   <li>the next scheduled prune: the {@code prune.nextRun} the last pass recorded, one second late
 *       so that it is due then (the cron schedule from now when no pass recorded one);
 *   <li>{@code failureRetry}, when the caller says the last pass needs a retry.
 * </ul>
 *
 * @param defaultRefresh the refresh interval of specs that set none or an unusable one
 * @param failureRetry when to retry after a pass that needs it; null for never
 */
public record WakeSchedule(Duration defaultRefresh, Duration failureRetry) {
  public WakeSchedule {
    defaultRefresh =
        defaultRefresh == null ? ImageSpecSpec.DEFAULT_REFRESH_INTERVAL : defaultRefresh;
  }

  /**
   * Failed passes in a row that double the failure retry; from then on it stays 8 times as long.
   */
  static final int MAX_DOUBLINGS = 3;

  /**
   * This schedule with its failure retry backed off: doubled for each failed pass in a row after
   * the first, at most 8 times as long ({@link #MAX_DOUBLINGS}).
   */
  public WakeSchedule backedOff(int failedPassesInARow) {
    if (failureRetry == null || failedPassesInARow <= 1) {
      return this;
    }
    int doublings = Math.min(failedPassesInARow - 1, MAX_DOUBLINGS);
    return new WakeSchedule(defaultRefresh, failureRetry.multipliedBy(1L << doublings));
  }

  /**
   * The refresh interval of {@code spec}: its {@code refreshInterval} when that is a positive Go
   * duration, else {@code fallback}. The one place that reads {@code refreshInterval}.
   */
  public static Duration refreshInterval(ImageSpecSpec spec, Duration fallback) {
    if (spec == null || spec.getRefreshInterval() == null) {
      return fallback;
    }
    try {
      Duration d = GoDuration.parse(spec.getRefreshInterval());
      return d.isZero() || d.isNegative() ? fallback : d;
    } catch (IllegalArgumentException e) {
      return fallback;
    }
  }

  /** Whether a refresh re-checks anything of {@code spec}: Always images or push targets. */
  public static boolean refreshes(ImageSpecSpec spec) {
    if (spec == null) {
      return false;
    }
    boolean refresh = spec.pullPolicyOrDefault() == PullPolicy.Always;
    for (ImageEntry e : spec.imagesOrEmpty()) {
      refresh |=
          e != null && (e.getPullPolicy() == PullPolicy.Always || !e.pushesOrEmpty().isEmpty());
    }
    return refresh;
  }

  /**
   * Time from {@code now} until the next pass; null when nothing is scheduled.
   *
   * @param specs the specs the last pass applied
   * @param statuses their statuses after that pass (by key; missing ones count as no pass yet)
   * @param retry whether the last pass needs a retry (failures, work left)
   */
  public Duration next(
      Iterable<ImageSpec> specs,
      Map<SpecKey, ImageSpecStatus> statuses,
      boolean retry,
      Instant now) {
    Duration next = null;
    for (ImageSpec s : specs) {
      ImageSpecSpec sp = s.getSpec();
      if (refreshes(sp)) {
        next = min(next, refreshInterval(sp, defaultRefresh));
      }
      ImageSpecStatus st = statuses == null ? null : statuses.get(SpecKey.of(s));
      Instant prune = nextPrune(sp, st == null ? null : st.getPrune(), now);
      if (prune != null) {
        Duration until = Duration.between(now, prune);
        next = min(next, until.isNegative() ? Duration.ofSeconds(1) : until);
      }
    }
    if (retry && failureRetry != null) {
      next = min(next, failureRetry);
    }
    return next;
  }

  private static Instant nextPrune(ImageSpecSpec sp, PruneStatus recorded, Instant now) {
    if (recorded != null && recorded.getNextRun() != null) {
      try {
        return Instant.parse(recorded.getNextRun()).plusSeconds(1);
      } catch (DateTimeParseException ignored) {
        return null; // not a time: no schedule
      }
    }
    if (recorded != null || sp == null || sp.getPrune() == null) {
      return null;
    }
    String cron = sp.getPrune().getSchedule();
    try {
      return cron == null ? null : CronSchedule.parse(cron).nextAfter(now).orElse(null);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a == null || b.compareTo(a) < 0 ? b : a;
  }
}
