package dev.imagespec.reconcile;

import dev.imagespec.spec.CronSchedule;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.PruneSpec;
import dev.imagespec.spec.PruneStatus;
import dev.imagespec.spec.SpecKey;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which specs' prune is due. A prune is due when a scheduled time (cron, UTC) has passed since its
 * last run; before the first run, when the {@code nextRun} a previous pass recorded has passed (the
 * first pass only records {@code nextRun}).
 */
public final class PruneSchedule {
  private PruneSchedule() {}

  /** Keys of the specs whose prune is due at {@code now}, for {@link ReconcileOptions#pruneNow}. */
  public static Set<SpecKey> due(
      Iterable<ImageSpec> specs, Map<SpecKey, ImageSpecStatus> previous, Instant now) {
    Set<SpecKey> out = new TreeSet<>();
    for (ImageSpec spec : specs) {
      SpecKey key = SpecKey.of(spec);
      ImageSpecStatus st = previous == null ? null : previous.get(key);
      if (st == null) {
        st = spec.getStatus();
      }
      if (isDue(spec, st, now)) {
        out.add(key);
      }
    }
    return out;
  }

  /** Whether the prune of {@code spec} is due at {@code now}. */
  public static boolean isDue(ImageSpec spec, ImageSpecStatus previous, Instant now) {
    PruneSpec p = spec.getSpec() == null ? null : spec.getSpec().getPrune();
    if (p == null || p.getSchedule() == null) {
      return false;
    }
    CronSchedule schedule;
    try {
      schedule = CronSchedule.parse(p.getSchedule());
    } catch (IllegalArgumentException e) {
      return false;
    }
    PruneStatus ps = previous == null ? null : previous.getPrune();
    Instant lastRun = ps == null ? null : SpecEntries.instant(ps.getLastRun());
    Instant nextRun = ps == null ? null : SpecEntries.instant(ps.getNextRun());
    if (lastRun != null) {
      Instant scheduled = schedule.nextAfter(lastRun).orElse(null);
      return scheduled != null && !now.isBefore(scheduled);
    }
    return nextRun != null && !now.isBefore(nextRun);
  }
}
