package dev.imagespec.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The conditions toolkit every status builder uses. Before it, the reconciler's StatusBuilder, the
 * agent and the aggregator each set conditions their own way; the cases where they differed are
 * pinned here (and through each builder in StatusTest, NodeStatusBuilderTest, SpecAggregationTest).
 */
class ConditionsTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = T0.plusSeconds(90);

  static Condition at(String type, String status, String reason, String time) {
    Condition c = new Condition();
    c.setType(type);
    c.setStatus(status);
    c.setReason(reason);
    c.setLastTransitionTime(time);
    return c;
  }

  @Test
  void timeMovesOnlyWhenTheStatusFlips() {
    List<Condition> prev = List.of(at("Ready", "False", "Pending", "2025-12-31T00:00:00Z"));
    // reason, message and generation change, the status does not: the time stays (all three)
    Condition same = Conditions.of(prev, "Ready", false, "PullFailed", "gone", 4L, T1);
    assertThat(same.getLastTransitionTime()).isEqualTo("2025-12-31T00:00:00Z");
    assertThat(same.getReason()).isEqualTo("PullFailed");
    assertThat(same.getMessage()).isEqualTo("gone");
    assertThat(same.getObservedGeneration()).isEqualTo(4L);
    // the status flips: now, at second precision
    Condition flipped =
        Conditions.of(prev, "Ready", true, "Converged", "ok", 4L, T1.plusMillis(700));
    assertThat(flipped.getLastTransitionTime()).isEqualTo("2026-01-01T00:01:30Z");
    // no previous condition of that type, or one without a time: now
    assertThat(Conditions.of(prev, "Degraded", false, "AsExpected", "", 4L, T1))
        .extracting(Condition::getLastTransitionTime)
        .isEqualTo("2026-01-01T00:01:30Z");
    assertThat(
            Conditions.of(
                    List.of(at("Ready", "False", "Pending", null)), "Ready", false, "x", "", 1L, T1)
                .getLastTransitionTime())
        .isEqualTo("2026-01-01T00:01:30Z");
    assertThat(Conditions.of(null, "Ready", false, "x", "", 1L, T1).getLastTransitionTime())
        .isEqualTo("2026-01-01T00:01:30Z");
  }

  /**
   * Divergence pinned: with two previous conditions of one type, the agent and the aggregator took
   * the time of the last one with the same status, StatusBuilder looked at the first one only. Now
   * all take the first (as lookups do, and as Kubernetes' meta.FindStatusCondition does).
   */
  @Test
  void withSeveralOfOneTypeTheFirstCounts() {
    List<Condition> prev =
        List.of(
            at("Ready", "False", "Pending", "2025-12-30T00:00:00Z"),
            at("Ready", "True", "Converged", "2025-12-31T00:00:00Z"));
    assertThat(Conditions.find(prev, "Ready").orElseThrow().getStatus()).isEqualTo("False");
    assertThat(Conditions.isTrue(prev, "Ready")).isFalse();
    assertThat(Conditions.of(prev, "Ready", true, "Converged", "", 1L, T1).getLastTransitionTime())
        .isEqualTo("2026-01-01T00:01:30Z");
    assertThat(Conditions.of(prev, "Ready", false, "Pending", "", 1L, T1).getLastTransitionTime())
        .isEqualTo("2025-12-30T00:00:00Z");
  }

  @Test
  void builderSetsReadyProgressingDegradedInOrderAgainstOnePreviousList() {
    List<Condition> prev =
        List.of(
            at("Ready", "True", "Converged", "2025-12-31T00:00:00Z"),
            at("Degraded", "False", "AsExpected", "2025-12-30T00:00:00Z"));
    List<Condition> out =
        Conditions.against(prev, 2L, T1)
            .ready(false, "PullFailed", "gone")
            .progressing(false, "Reconciled", "no action pending")
            .degraded(false, "AsExpected", "no failures")
            .build();
    assertThat(out)
        .extracting(Condition::getType, Condition::getStatus, Condition::getLastTransitionTime)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Ready", "False", "2026-01-01T00:01:30Z"),
            org.assertj.core.groups.Tuple.tuple("Progressing", "False", "2026-01-01T00:01:30Z"),
            org.assertj.core.groups.Tuple.tuple("Degraded", "False", "2025-12-30T00:00:00Z"));
    assertThat(out).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(2L));
  }

  /**
   * Divergence pinned: the toolkit sets messages as given. The agent and the aggregator bound
   * theirs (1024 characters, with an ellipsis) through {@link Conditions#shorten}; StatusBuilder's
   * messages are not bounded (they name every failing image).
   */
  @Test
  void messagesAreSetAsGivenAndShortenIsExplicit() {
    String longer = "x".repeat(2000);
    assertThat(Conditions.of(null, "Degraded", true, "R", longer, 1L, T0).getMessage())
        .isEqualTo(longer);
    String s = Conditions.shorten(longer, 1024);
    assertThat(s).hasSize(1024).endsWith("\u2026");
    assertThat(Conditions.shorten("short", 1024)).isEqualTo("short");
    assertThat(Conditions.shorten(null, 10)).isNull();
    assertThat(Conditions.time(null)).isNull();
  }
}
