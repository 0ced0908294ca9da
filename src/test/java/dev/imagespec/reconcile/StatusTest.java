package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.NOW;
import static dev.imagespec.reconcile.Fixtures.dg;
import static dev.imagespec.reconcile.Fixtures.id;
import static dev.imagespec.reconcile.Fixtures.key;
import static dev.imagespec.reconcile.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Conditions, observedGeneration and lastTransitionTime. */
class StatusTest {
  private static final Instant LATER = NOW.plus(Duration.ofMinutes(10));

  private static ReconcileResult pass(FakeImagePort port, Instant at, ImageSpec... specs) {
    ReconcileOptions o =
        ReconcileOptions.defaults().withClock(Clock.fixed(at, ZoneOffset.UTC)).withSleeper(d -> {});
    return new Reconciler(port, CredentialResolver.none(), o).reconcile(List.of(specs));
  }

  private static Condition condition(ReconcileResult r, String spec, String type) {
    return r.statuses().get(key(spec)).condition(type).orElseThrow();
  }

  @Test
  void convergedSpecIsReadyNotProgressingNotDegraded() {
    ImageSpec s = spec("s", ImageEntry.of("a:1"), ImageEntry.absent("b:1"));
    s.getMetadata().setGeneration(7L);
    ReconcileResult r = pass(new FakeImagePort().local(id(1), List.of("a:1"), List.of()), NOW, s);
    ImageSpecStatus st = r.statuses().get(key("s"));
    assertThat(st.getObservedGeneration()).isEqualTo(7L);
    assertThat(st.getConditions())
        .extracting(
            Condition::getType,
            Condition::getStatus,
            Condition::getReason,
            Condition::getMessage,
            Condition::getObservedGeneration,
            Condition::getLastTransitionTime)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "Ready", "True", "Converged", "2 images converged", 7L, "2025-01-15T12:00:00Z"),
            org.assertj.core.groups.Tuple.tuple(
                "Progressing",
                "False",
                "Reconciled",
                "no action pending",
                7L,
                "2025-01-15T12:00:00Z"),
            org.assertj.core.groups.Tuple.tuple(
                "Degraded", "False", "AsExpected", "no failures", 7L, "2025-01-15T12:00:00Z"));
    assertThat(st.isReady()).isTrue();
    assertThat(st.isDegraded()).isFalse();
    assertThat(st.getPushes()).isNull();
    assertThat(st.getPrune()).isNull();
  }

  @Test
  void lastTransitionTimeIsKeptWhileTheStatusDoesNotChange() {
    FakeImagePort port = new FakeImagePort().local(id(1), List.of("a:1"), List.of());
    ImageSpec s = spec("s", ImageEntry.of("a:1"));
    ReconcileResult first = pass(port, NOW, s);
    s.setStatus(first.statuses().get(key("s")));
    s.getMetadata().setGeneration(2L);

    ReconcileResult second = pass(port, LATER, s);
    assertThat(condition(second, "s", "Ready").getLastTransitionTime())
        .isEqualTo("2025-01-15T12:00:00Z");
    assertThat(condition(second, "s", "Ready").getObservedGeneration()).isEqualTo(2L);

    // now the image disappears and cannot be pulled: Ready flips, Degraded flips
    FakeImagePort empty = new FakeImagePort();
    s.setStatus(second.statuses().get(key("s")));
    ReconcileResult third = pass(empty, LATER.plusSeconds(5), s);
    assertThat(condition(third, "s", "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(third, "s", "Ready").getReason()).isEqualTo("PullFailed");
    assertThat(condition(third, "s", "Ready").getLastTransitionTime())
        .isEqualTo("2025-01-15T12:10:05Z");
    assertThat(condition(third, "s", "Degraded").getStatus()).isEqualTo("True");
    assertThat(condition(third, "s", "Degraded").getLastTransitionTime())
        .isEqualTo("2025-01-15T12:10:05Z");
    // Progressing stayed False
    assertThat(condition(third, "s", "Progressing").getLastTransitionTime())
        .isEqualTo("2025-01-15T12:00:00Z");
  }

  /** StatusBuilder, like the agent and the aggregator: the first condition of a type counts. */
  @Test
  void aDuplicatedPreviousConditionCountsByItsFirstEntry() {
    FakeImagePort port = new FakeImagePort().local(id(1), List.of("a:1"), List.of());
    ImageSpec s = spec("s", ImageEntry.of("a:1"));
    ImageSpecStatus previous = new ImageSpecStatus();
    previous.setConditions(
        dev.imagespec.spec.Conditions.against(null, null, NOW.minusSeconds(3600))
            .ready(false, "Pending", "")
            .ready(true, "Converged", "")
            .build());
    s.setStatus(previous);
    assertThat(condition(pass(port, NOW, s), "s", "Ready").getLastTransitionTime())
        .isEqualTo("2025-01-15T12:00:00Z");
  }

  @Test
  void degradedReasonIsTheMostImportantAndTheMessageNamesEveryImage() {
    FakeImagePort port = new FakeImagePort();
    ImageSpec a =
        spec(
            "a",
            ImageEntry.of("c:1"),
            ImageEntry.of("missing:1"),
            ImageEntry.of("gone:1").withPullPolicy(dev.imagespec.spec.PullPolicy.Never));
    ImageSpec b = spec("b", ImageEntry.absent("c:1"));
    ReconcileResult r = pass(port, NOW, a, b);
    Condition degraded = condition(r, "a", "Degraded");
    assertThat(degraded.getReason()).isEqualTo("Conflict");
    assertThat(degraded.getMessage()).isEqualTo("Conflict: c:1; PullFailed: missing:1, gone:1");
    assertThat(condition(r, "a", "Ready").getReason()).isEqualTo("Conflict");
    assertThat(condition(r, "b", "Degraded").getMessage()).isEqualTo("Conflict: c:1");
  }

  @Test
  void statusBuilderCanBeUsedForAPlanOnly() {
    Plan plan =
        Planner.plan(PlanInput.of(List.of(spec("s", ImageEntry.of("a:1"))), List.of(), NOW));
    Map<dev.imagespec.spec.SpecKey, ImageSpecStatus> statuses =
        StatusBuilder.build(plan, Map.of(), false);
    ImageSpecStatus st = statuses.get(key("s"));
    assertThat(st.condition("Progressing").orElseThrow().getMessage())
        .isEqualTo("1 action(s) pending");
    assertThat(st.getImages().get(0).getState()).isEqualTo(dev.imagespec.spec.ImageState.Pending);
    assertThat(dg(1)).isNotEqualTo(id(1));
  }
}
