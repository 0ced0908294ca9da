package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.NodeSpecStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Which nodes a deleted Remove spec stops waiting for, from entry and Node times alone. */
class FinalizerTimeoutTest {
  static final Duration TIMEOUT = Duration.ofMinutes(10);
  static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

  static SpecAggregation.Report report(String node, Instant lastAttempt) {
    NodeSpecStatus e = new NodeSpecStatus();
    e.setNamespace("default");
    e.setName("s");
    e.setRemoved(false);
    e.setLastRemovalAttempt(Conditions.time(lastAttempt));
    return new SpecAggregation.Report(node, e);
  }

  static Node node(String ready, Instant since) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName("n")
        .endMetadata()
        .withNewStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready)
        .withLastTransitionTime(Conditions.time(since))
        .endCondition()
        .endStatus()
        .build();
  }

  static FinalizerTimeout.Decision decide(
      Instant deletion, Map<String, Node> nodes, SpecAggregation.Report... reports) {
    return FinalizerTimeout.decide(deletion, List.of(reports), nodes::get, NOW, TIMEOUT);
  }

  @Test
  void aReadyNodeWhoseAgentKeepsTryingIsWaitedForHoweverLongTheDeletionIsAgo() {
    Instant attempt = NOW.minusSeconds(30);
    FinalizerTimeout.Decision d =
        decide(
            NOW.minus(Duration.ofHours(5)),
            Map.of("busy", node("True", NOW.minus(Duration.ofDays(1)))),
            report("busy", attempt));
    assertThat(d.left()).isEmpty();
    assertThat(d.waiting()).containsExactly("busy");
    assertThat(d.nextDeadline()).isEqualTo(attempt.plus(TIMEOUT));
  }

  @Test
  void anAgentWithNoAttemptSinceTheDeletionIsGivenUpAfterTheTimeout() {
    FinalizerTimeout.Decision before =
        decide(NOW.minus(TIMEOUT).plusSeconds(1), Map.of(), report("down", null));
    assertThat(before.left()).isEmpty();
    assertThat(before.nextDeadline()).isEqualTo(NOW.plusSeconds(1));

    FinalizerTimeout.Decision after = decide(NOW.minus(TIMEOUT), Map.of(), report("down", null));
    assertThat(after.waiting()).isEmpty();
    assertThat(after.left())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.node()).isEqualTo("down");
              assertThat(l.why()).contains("no removal attempt in 10m0s");
            });
    assertThat(after.nextDeadline()).isNull();
  }

  @Test
  void anAgentThatStoppedTryingIsGivenUpATimeoutAfterItsLastAttempt() {
    Instant last = NOW.minus(TIMEOUT).minusSeconds(5);
    FinalizerTimeout.Decision d =
        decide(NOW.minus(Duration.ofHours(1)), Map.of(), report("stopped", last));
    assertThat(d.left())
        .singleElement()
        .satisfies(l -> assertThat(l.why()).contains(Conditions.time(last)));
  }

  @Test
  void aNodeNotReadyForTheTimeoutIsGivenUpEvenIfItsAgentStillWrites() {
    Instant since = NOW.minus(TIMEOUT);
    FinalizerTimeout.Decision d =
        decide(
            NOW.minusSeconds(60),
            Map.of("unknown", node("Unknown", since), "false", node("False", since)),
            report("unknown", NOW.minusSeconds(5)),
            report("false", NOW.minusSeconds(5)));
    assertThat(d.waiting()).isEmpty();
    assertThat(d.left())
        .extracting(FinalizerTimeout.Left::why)
        .containsOnly("Node NotReady since " + Conditions.time(since));
  }

  @Test
  void aNodeNotReadyForLessThanTheTimeoutIsWaitedForUntilItsDeadline() {
    Instant since = NOW.minusSeconds(120);
    FinalizerTimeout.Decision d =
        decide(
            NOW.minusSeconds(60),
            Map.of("flaky", node("False", since)),
            report("flaky", NOW.minusSeconds(5)));
    assertThat(d.waiting()).containsExactly("flaky");
    assertThat(d.nextDeadline()).isEqualTo(since.plus(TIMEOUT));
  }

  @Test
  void aSilentNodeIsGivenUpWithoutAskingForItsNode() {
    Function<String, Node> none =
        n -> {
          throw new AssertionError("Node " + n + " read");
        };
    FinalizerTimeout.Decision d =
        FinalizerTimeout.decide(
            NOW.minus(Duration.ofHours(1)), List.of(report("down", null)), none, NOW, TIMEOUT);
    assertThat(d.left()).extracting(FinalizerTimeout.Left::node).containsExactly("down");
  }

  @Test
  void anUnknownNodeOrOneWithoutConditionsCountsOnlyTheAgentsSilence() {
    Node bare = new NodeBuilder().withNewMetadata().withName("bare").endMetadata().build();
    FinalizerTimeout.Decision d =
        decide(
            NOW.minusSeconds(60),
            Map.of("bare", bare),
            report("bare", null),
            report("missing", null));
    assertThat(d.left()).isEmpty();
    assertThat(d.waiting()).containsExactly("bare", "missing");
    assertThat(d.nextDeadline()).isEqualTo(NOW.minusSeconds(60).plus(TIMEOUT));
  }
}
