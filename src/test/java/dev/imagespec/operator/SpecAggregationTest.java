package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.spec.PushStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Folding node reports into a spec's status, without a cluster or an engine. */
class SpecAggregationTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static ImageSpec spec() {
    ImageSpec s =
        ImageSpec.of("ns", "web", ImageSpecSpec.of(ImageEntry.of("a:1"), ImageEntry.of("b:1")));
    s.getMetadata().setGeneration(3L);
    s.getMetadata().setUid("uid-1");
    return s;
  }

  static Condition cond(String type, boolean v, String reason, String message) {
    return Conditions.of(null, type, v, reason, message, 3L, T0);
  }

  static ImageNode node(String name, Long generation, ImageState a, ImageState b, String why) {
    NodeSpecStatus e = new NodeSpecStatus();
    e.setNamespace("ns");
    e.setName("web");
    e.setUid("uid-1");
    e.setObservedGeneration(generation);
    boolean ok = a == ImageState.Present && b == ImageState.Present;
    boolean failed = a == ImageState.Failed || b == ImageState.Failed;
    e.setConditions(
        List.of(
            cond("Ready", ok, ok ? "Converged" : "PullFailed", why),
            cond("Degraded", failed, failed ? "PullFailed" : "AsExpected", why)));
    e.setImages(
        List.of(
            new ImageStatus(
                "a:1", a, "sha256:1", "sha256:d1", a == ImageState.Failed ? why : null, null),
            new ImageStatus(
                "b:1", b, "sha256:2", null, b == ImageState.Failed ? why : null, null)));
    ImageNode n = ImageNode.of(name);
    ImageNodeStatus st = new ImageNodeStatus();
    st.setSpecs(List.of(e));
    n.setStatus(st);
    return n;
  }

  @Test
  void countsNodesAndImagesAndNamesTheFailingNode() {
    List<ImageNode> nodes = new ArrayList<>();
    nodes.add(node("n1", 3L, ImageState.Present, ImageState.Present, null));
    nodes.add(node("n2", 3L, ImageState.Present, ImageState.Failed, "PullFailed: b:1 not found"));
    nodes.add(node("n3", 2L, ImageState.Present, ImageState.Present, null)); // stale generation
    nodes.add(ImageNode.of("n4")); // no report: not desired
    ImageSpec spec = spec();
    ImageSpecStatus st =
        SpecAggregation.aggregate(spec, SpecAggregation.reports(spec, nodes), null, T0);

    assertThat(st.getObservedGeneration()).isEqualTo(3L);
    assertThat(st.getNodes().getDesired()).isEqualTo(3);
    assertThat(st.getNodes().getReady()).isEqualTo(1);
    assertThat(st.getNodes().getFailed()).isEqualTo(1);
    assertThat(st.getNodes().getSummary()).isEqualTo("1/3");
    assertThat(st.getImagesReady()).isEqualTo("0/2");
    ImageStatus a = st.getImages().get(0);
    assertThat(a.getState()).isEqualTo(ImageState.Pending);
    assertThat(a.getNodes().getReady()).isEqualTo(2);
    assertThat(a.getNodes().getPending()).isEqualTo(1);
    ImageStatus b = st.getImages().get(1);
    assertThat(b.getState()).isEqualTo(ImageState.Failed);
    assertThat(b.getFailedNodes()).extracting(n -> n.getNode()).containsExactly("n2");
    assertThat(st.isReady()).isFalse();
    assertThat(st.isDegraded()).isTrue();
    Condition degraded = st.condition(ImageSpecStatus.DEGRADED).orElseThrow();
    assertThat(degraded.getReason()).isEqualTo("PullFailed");
    assertThat(degraded.getMessage()).startsWith("node n2: ");
    assertThat(st.condition(ImageSpecStatus.PROGRESSING).orElseThrow().getMessage()).contains("n3");
  }

  @Test
  void readyOnEveryNodeKeepsTransitionTimesAndIsStable() {
    ImageSpec spec = spec();
    List<ImageNode> nodes =
        List.of(
            node("n1", 3L, ImageState.Present, ImageState.Present, null),
            node("n2", 3L, ImageState.Present, ImageState.Present, null));
    ImageSpecStatus first =
        SpecAggregation.aggregate(spec, SpecAggregation.reports(spec, nodes), null, T0);
    assertThat(first.isReady()).isTrue();
    assertThat(first.getImagesReady()).isEqualTo("2/2");
    assertThat(first.getImages().get(0).getId()).isEqualTo("sha256:1");
    assertThat(first.getImages().get(0).getDigest()).isEqualTo("sha256:d1");
    ImageSpecStatus again =
        SpecAggregation.aggregate(
            spec, SpecAggregation.reports(spec, nodes), first, T0.plusSeconds(60));
    assertThat(again).isEqualTo(first);
  }

  /**
   * Divergence pinned: with two previous conditions of one type the aggregator took the time of the
   * last one with the same status; like StatusBuilder and the agent it now takes the first one.
   */
  @Test
  void aDuplicatedPreviousConditionCountsByItsFirstEntry() {
    ImageSpec spec = spec();
    List<ImageNode> nodes = List.of(node("n1", 3L, ImageState.Present, ImageState.Present, null));
    ImageSpecStatus previous = new ImageSpecStatus();
    Condition pending = Conditions.of(null, "Ready", false, "Pending", "", 3L, T0);
    Condition converged = Conditions.of(null, "Ready", true, "Converged", "", 3L, T0);
    previous.setConditions(List.of(pending, converged));
    ImageSpecStatus st =
        SpecAggregation.aggregate(
            spec, SpecAggregation.reports(spec, nodes), previous, T0.plusSeconds(60));
    assertThat(st.condition(ImageSpecStatus.READY).orElseThrow().getLastTransitionTime())
        .isEqualTo("2026-01-01T00:01:00Z");
  }

  @Test
  void anotherSpecsUidIsIgnoredAndNoNodeMeansNoMatchingNodes() {
    ImageSpec spec = spec();
    spec.getMetadata().setUid("uid-2");
    ImageSpecStatus st =
        SpecAggregation.aggregate(
            spec,
            SpecAggregation.reports(
                spec, List.of(node("n1", 3L, ImageState.Present, ImageState.Present, null))),
            null,
            T0);
    assertThat(st.getNodes().getDesired()).isZero();
    assertThat(st.condition(ImageSpecStatus.READY).orElseThrow().getReason())
        .isEqualTo("NoMatchingNodes");
  }

  @Test
  void selectorsFollowKubernetesSemantics() {
    Map<String, String> labels = Map.of("zone", "a", "gpu", "yes");
    assertThat(Selectors.matches(null, labels)).isTrue();
    assertThat(Selectors.matches(new LabelSelectorBuilder().build(), labels)).isTrue();
    assertThat(
            Selectors.matches(
                new LabelSelectorBuilder().withMatchLabels(Map.of("zone", "a")).build(), labels))
        .isTrue();
    assertThat(
            Selectors.matches(
                new LabelSelectorBuilder().withMatchLabels(Map.of("zone", "b")).build(), labels))
        .isFalse();
    assertThat(Selectors.matches(expr("zone", "In", "a", "b"), labels)).isTrue();
    assertThat(Selectors.matches(expr("zone", "NotIn", "a"), labels)).isFalse();
    assertThat(Selectors.matches(expr("arch", "NotIn", "arm"), labels)).isTrue();
    assertThat(Selectors.matches(expr("gpu", "Exists"), labels)).isTrue();
    assertThat(Selectors.matches(expr("gpu", "DoesNotExist"), labels)).isFalse();
    assertThat(Selectors.matches(expr("gpu", "Bogus"), labels)).isFalse();
  }

  private static io.fabric8.kubernetes.api.model.LabelSelector expr(
      String key, String op, String... values) {
    return new LabelSelectorBuilder()
        .addNewMatchExpression()
        .withKey(key)
        .withOperator(op)
        .withValues(values)
        .endMatchExpression()
        .build();
  }

  @Test
  void metricsAreInPrometheusTextFormat() {
    Metrics m = new Metrics();
    m.reconciled("agent", java.time.Duration.ofMillis(70));
    m.engineError("events");
    String text = m.scrape();
    assertThat(text)
        .contains("# TYPE imagespec_reconcile_duration_seconds histogram")
        .contains("imagespec_reconcile_duration_seconds_bucket{controller=\"agent\",le=\"0.05\"} 0")
        .contains("imagespec_reconcile_duration_seconds_bucket{controller=\"agent\",le=\"0.1\"} 1")
        .contains("imagespec_reconcile_duration_seconds_count{controller=\"agent\"} 1")
        .contains("imagespec_engine_errors_total{kind=\"events\"} 1");
  }

  @Test
  void pushesOfTheAggregatorGateReadinessAndAFailedOneDegradesNamingTheTarget() {
    ImageSpec spec = spec();
    List<ImageNode> nodes = List.of(node("n1", 3L, ImageState.Present, ImageState.Present, null));
    PushStatus copying =
        new PushStatus(
            "a:1", "mirror/a:1", dev.imagespec.spec.PushState.Pending, null, null, "copying", null);
    ImageSpecStatus waiting =
        SpecAggregation.aggregate(
            spec,
            SpecAggregation.reports(spec, nodes),
            new ClusterPushes.Observation(
                List.of(copying), java.util.Arrays.asList((String) null), null),
            null,
            T0);
    assertThat(waiting.isReady()).isFalse();
    assertThat(waiting.isDegraded()).isFalse();
    assertThat(waiting.condition(ImageSpecStatus.READY).orElseThrow().getMessage())
        .contains("copying to mirror/a:1");
    assertThat(waiting.condition(ImageSpecStatus.PROGRESSING).orElseThrow().getReason())
        .isEqualTo("PushesPending");
    assertThat(waiting.getPushes()).containsExactly(copying);

    PushStatus failed =
        new PushStatus(
            "a:1",
            "mirror/a:1",
            dev.imagespec.spec.PushState.Failed,
            null,
            null,
            "copy of a:1 to mirror/a:1 failed: source a:1: refused",
            null);
    ImageSpecStatus st =
        SpecAggregation.aggregate(
            spec,
            SpecAggregation.reports(spec, nodes),
            new ClusterPushes.Observation(List.of(failed), List.of("Unauthorized"), null),
            waiting,
            T0);
    assertThat(st.isReady()).isFalse();
    assertThat(st.isDegraded()).isTrue();
    Condition degraded = st.condition(ImageSpecStatus.DEGRADED).orElseThrow();
    assertThat(degraded.getReason()).isEqualTo("Unauthorized");
    assertThat(degraded.getMessage()).startsWith("push to mirror/a:1: ").contains("source");

    PushStatus done =
        new PushStatus(
            "a:1",
            "mirror/a:1",
            dev.imagespec.spec.PushState.Pushed,
            "sha256:d1",
            null,
            "ok",
            null);
    ImageSpecStatus ready =
        SpecAggregation.aggregate(
            spec,
            SpecAggregation.reports(spec, nodes),
            new ClusterPushes.Observation(
                List.of(done), java.util.Arrays.asList((String) null), null),
            st,
            T0);
    assertThat(ready.isReady()).isTrue();
    assertThat(ready.isDegraded()).isFalse();
  }
}
