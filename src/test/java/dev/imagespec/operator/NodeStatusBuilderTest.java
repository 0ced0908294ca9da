package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.reconcile.ReconcileResult;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.EngineInfo;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The ImageNode status the agent writes after a pass, without a cluster or an engine. */
class NodeStatusBuilderTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = T0.plusSeconds(60);
  static final EngineInfo DOCKER = new EngineInfo("docker", "27.0", "1.45", "unix:///d.sock");

  static ImageSpec spec(String name) {
    ImageSpec s = ImageSpec.of("ns", name, ImageSpecSpec.of(ImageEntry.of("a:1")));
    s.getMetadata().setGeneration(2L);
    return s;
  }

  static ImageSpecStatus status(boolean ready, String degradedReason, String message) {
    ImageSpecStatus st = new ImageSpecStatus();
    st.setObservedGeneration(2L);
    st.setConditions(
        Conditions.against(null, 2L, T0)
            .ready(ready, ready ? "Converged" : degradedReason, message)
            .progressing(false, "Reconciled", "no action pending")
            .degraded(degradedReason != null, degradedReason, message)
            .build());
    return st;
  }

  static ImageNodeStatus build(
      ImageNode node, Map<ImageSpec, ImageSpecStatus> results, Instant at) {
    AgentPass pass = AgentPass.plan(node, List.copyOf(results.keySet()));
    Map<SpecKey, ImageSpecStatus> statuses = new LinkedHashMap<>();
    results.forEach((s, st) -> statuses.put(SpecKey.of(s), st));
    ReconcileResult result = new ReconcileResult(null, List.of(), statuses, null, false);
    return NodeStatusBuilder.build(node, pass, result, DOCKER, Set.of(), at);
  }

  static ImageNode node() {
    ImageNode n = ImageNode.of("n1");
    n.getMetadata().setGeneration(1L);
    return n;
  }

  /**
   * Divergence pinned: the ImageNode's own conditions are Ready and Degraded only (no Progressing),
   * unlike a spec's; they keep their time while the status holds, even when the reason changes
   * (Progressing to Degraded), as every builder does now.
   */
  @Test
  void nodeConditionsAreReadyAndDegradedAndKeepTheirTimeOnAReasonChange() {
    ImageNode n = node();
    ImageSpec a = spec("a");
    ImageSpecStatus waiting = status(false, null, "1 action(s) pending");
    waiting.setConditions(
        Conditions.against(null, 2L, T0)
            .ready(false, "Pending", "1 action(s) pending")
            .degraded(false, "AsExpected", "no failures")
            .build());
    ImageNodeStatus first = build(n, Map.of(a, waiting), T0);
    assertThat(first.getConditions())
        .extracting(Condition::getType, Condition::getStatus, Condition::getReason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Ready", "False", "Progressing"),
            org.assertj.core.groups.Tuple.tuple("Degraded", "False", "AsExpected"));
    assertThat(first.getSpecsReady()).isEqualTo("0/1");

    n.setStatus(first);
    ImageNodeStatus second = build(n, Map.of(a, status(false, "PullFailed", "gone")), T1);
    Condition ready = second.condition("Ready").orElseThrow();
    assertThat(ready.getReason()).isEqualTo("Degraded");
    assertThat(ready.getMessage()).isEqualTo("ns/a: gone");
    assertThat(ready.getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    Condition degraded = second.condition("Degraded").orElseThrow();
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getLastTransitionTime()).isEqualTo("2026-01-01T00:01:00Z");
  }

  /**
   * Divergence pinned: the agent bounds its node messages to 1024 characters (StatusBuilder not).
   */
  @Test
  void longProblemsAreShortened() {
    ImageNodeStatus st =
        build(node(), Map.of(spec("a"), status(false, "PullFailed", "x".repeat(3000))), T0);
    assertThat(st.condition("Degraded").orElseThrow().getMessage())
        .hasSize(NodeStatusBuilder.MAX_MESSAGE)
        .endsWith("\u2026");
    // the spec's own entry keeps its full message
    assertThat(
            Conditions.find(st.getSpecs().get(0).getConditions(), "Degraded")
                .orElseThrow()
                .getMessage())
        .hasSize(3000);
  }

  @Test
  void anInvalidSpecIsNotAppliedAndDegradesTheNode() {
    ImageSpec bad = ImageSpec.of("ns", "bad", ImageSpecSpec.of(ImageEntry.of("Bad/Ref")));
    bad.getMetadata().setGeneration(5L);
    AgentPass pass = AgentPass.plan(node(), List.of(bad));
    assertThat(pass.invalid).containsKey(bad);
    ImageNodeStatus st =
        NodeStatusBuilder.build(
            node(),
            pass,
            new ReconcileResult(null, List.of(), Map.of(), null, false),
            DOCKER,
            Set.of(),
            T0);
    assertThat(st.getSpecsReady()).isEqualTo("0/1");
    assertThat(st.getSpecs().get(0).getConditions())
        .extracting(Condition::getType, Condition::getReason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Ready", "InvalidSpec"),
            org.assertj.core.groups.Tuple.tuple("Progressing", "InvalidSpec"),
            org.assertj.core.groups.Tuple.tuple("Degraded", "InvalidSpec"));
    assertThat(st.getSpecs().get(0).getObservedGeneration()).isEqualTo(5L);
    assertThat(Conditions.isTrue(st.getConditions(), "Degraded")).isTrue();
  }

  @Test
  void aFailedPassKeepsTheEntriesAndSaysWhy() {
    ImageNode n = node();
    n.setStatus(build(n, Map.of(spec("a"), status(true, null, "1 image converged")), T0));
    ImageNodeStatus failed = NodeStatusBuilder.failed(n, "EngineUnavailable", "no socket", T1);
    assertThat(failed.getSpecs()).isEqualTo(n.getStatus().getSpecs());
    assertThat(failed.getEngine()).isEqualTo(DOCKER);
    assertThat(failed.getConditions())
        .extracting(Condition::getType, Condition::getStatus, Condition::getReason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Ready", "False", "EngineUnavailable"),
            org.assertj.core.groups.Tuple.tuple("Degraded", "True", "EngineUnavailable"));
  }
}
