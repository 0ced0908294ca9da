package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.NOW;
import static dev.imagespec.reconcile.Fixtures.key;
import static dev.imagespec.reconcile.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.PruneSpec;
import dev.imagespec.spec.PruneStatus;
import dev.imagespec.spec.PullPolicy;
import dev.imagespec.spec.PushTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The next wake of the agent and of {@code apply --watch}: one schedule for both. */
class WakeScheduleTest {
  static final WakeSchedule AGENT = new WakeSchedule(null, Duration.ofMinutes(1));

  static ImageSpec withRefresh(ImageSpec s, String interval) {
    s.getSpec().setRefreshInterval(interval);
    return s;
  }

  @Test
  void refreshIntervalIsParsedInOnePlace() {
    ImageSpecSpec sp = new ImageSpecSpec();
    Duration fallback = Duration.ofMinutes(7);
    assertThat(WakeSchedule.refreshInterval(null, fallback)).isEqualTo(fallback);
    assertThat(WakeSchedule.refreshInterval(sp, fallback)).isEqualTo(fallback);
    sp.setRefreshInterval("90s");
    assertThat(WakeSchedule.refreshInterval(sp, fallback)).isEqualTo(Duration.ofSeconds(90));
    sp.setRefreshInterval("1h30m");
    assertThat(WakeSchedule.refreshInterval(sp, fallback)).isEqualTo(Duration.ofMinutes(90));
    for (String unusable : List.of("0", "-5m", "10 minutes", "")) {
      sp.setRefreshInterval(unusable);
      assertThat(WakeSchedule.refreshInterval(sp, fallback)).as(unusable).isEqualTo(fallback);
    }
  }

  @Test
  void onlySpecsWithSomethingToRecheckRefresh() {
    assertThat(AGENT.next(List.of(spec("a", ImageEntry.of("a:1"))), Map.of(), false, NOW)).isNull();
    ImageSpec always = withRefresh(spec("b", ImageEntry.of("b:1")), "10m");
    always.getSpec().setPullPolicy(PullPolicy.Always);
    ImageSpec entryAlways =
        withRefresh(spec("c", ImageEntry.of("c:1").withPullPolicy(PullPolicy.Always)), "3m");
    assertThat(AGENT.next(List.of(always), Map.of(), false, NOW)).isEqualTo(Duration.ofMinutes(10));
    assertThat(AGENT.next(List.of(always, entryAlways), Map.of(), false, NOW))
        .isEqualTo(Duration.ofMinutes(3));
    // no refreshInterval: the default (5m)
    ImageSpec noInterval = spec("d", ImageEntry.of("d:1").withPullPolicy(PullPolicy.Always));
    assertThat(AGENT.next(List.of(noInterval), Map.of(), false, NOW))
        .isEqualTo(ImageSpecSpec.DEFAULT_REFRESH_INTERVAL);
  }

  /**
   * Divergence pinned: a refresh also re-verifies push targets (PlanBuilder re-checks a push after
   * refreshInterval). The agent woke for specs with pushes; {@code apply --watch} did not.
   */
  @Test
  void pushTargetsRefreshToo() {
    ImageEntry e = ImageEntry.of("p:1");
    e.setPushes(List.of(PushTarget.of("registry.example/p:1", null)));
    ImageSpec pushes = withRefresh(spec("p", e), "2m");
    assertThat(new WakeSchedule(null, null).next(List.of(pushes), Map.of(), false, NOW))
        .isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void pruneWakesASecondAfterTheRecordedNextRunOrOnItsCronBeforeAnyPass() {
    ImageSpec s = spec("s", ImageEntry.of("a:1"));
    PruneSpec p = new PruneSpec();
    p.setSchedule("0 * * * *");
    s.getSpec().setPrune(p);
    ImageSpecStatus st = new ImageSpecStatus();
    st.setPrune(new PruneStatus(null, NOW.plusSeconds(600).toString(), null, null, null));
    assertThat(AGENT.next(List.of(s), Map.of(key("s"), st), false, NOW))
        .isEqualTo(Duration.ofSeconds(601));
    // overdue (a long pass): in a second
    st.setPrune(new PruneStatus(null, NOW.minusSeconds(5).toString(), null, null, null));
    assertThat(AGENT.next(List.of(s), Map.of(key("s"), st), false, NOW))
        .isEqualTo(Duration.ofSeconds(1));
    // a status without nextRun: none; no status yet: the cron schedule (NOW is 12:00:00)
    st.setPrune(new PruneStatus());
    assertThat(AGENT.next(List.of(s), Map.of(key("s"), st), false, NOW)).isNull();
    assertThat(AGENT.next(List.of(s), Map.of(), false, NOW)).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void aRetryIsTheFailureRetryWhenThereIsOne() {
    ImageSpec s =
        withRefresh(spec("s", ImageEntry.of("a:1").withPullPolicy(PullPolicy.Always)), "1h");
    assertThat(AGENT.next(List.of(s), Map.of(), true, NOW)).isEqualTo(Duration.ofMinutes(1));
    assertThat(AGENT.next(List.of(), Map.of(), true, NOW)).isEqualTo(Duration.ofMinutes(1));
    assertThat(new WakeSchedule(null, null).next(List.of(s), Map.of(), true, NOW))
        .isEqualTo(Duration.ofHours(1));
  }
}
