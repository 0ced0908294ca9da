package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.NOW;
import static dev.imagespec.reconcile.Fixtures.id;
import static dev.imagespec.reconcile.Fixtures.img;
import static dev.imagespec.reconcile.Fixtures.key;
import static dev.imagespec.reconcile.Fixtures.spec;
import static dev.imagespec.reconcile.Fixtures.withPrune;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Prune candidate selection: filters, and what is never pruned. */
class PruneSelectionTest {
  static final Instant OLD = NOW.minus(Duration.ofDays(30));
  static final Instant NEW = NOW.minus(Duration.ofHours(1));

  /**
   * 1: dangling old, 2: dangling new, 3: tagged old unused, 4: tagged new, 5: dangling labelled.
   */
  static List<LocalImage> images() {
    return List.of(
        img(id(1), List.of("<none>:<none>"), List.of(), Map.of(), OLD, 100),
        img(id(2), List.of(), List.of(), Map.of("team", "web"), NEW, 200),
        img(id(3), List.of("unused:1"), List.of(), Map.of("team", "web", "keep", "yes"), OLD, 400),
        img(id(4), List.of("other:1"), List.of(), Map.of("team", "db"), NEW, 800),
        img(id(5), List.of(), List.of(), Map.of("team", "db"), OLD, 1600));
  }

  static Stream<Arguments> filters() {
    return Stream.of(
        Arguments.of(true, null, List.of(), List.of(1, 2, 5)),
        Arguments.of(false, null, List.of(), List.of(1, 2, 3, 4, 5)),
        Arguments.of(null, null, List.of(), List.of(1, 2, 5)),
        Arguments.of(true, "168h", List.of(), List.of(1, 5)),
        Arguments.of(false, "168h", List.of(), List.of(1, 3, 5)),
        Arguments.of(false, "0s", List.of(), List.of(1, 2, 3, 4, 5)),
        Arguments.of(false, null, List.of("team"), List.of(2, 3, 4, 5)),
        Arguments.of(false, null, List.of("team=web"), List.of(2, 3)),
        Arguments.of(false, null, List.of("!team"), List.of(1)),
        Arguments.of(false, null, List.of("team!=web"), List.of(1, 4, 5)),
        Arguments.of(false, null, List.of("team=web", "!keep"), List.of(2)),
        Arguments.of(false, "168h", List.of("team!=db"), List.of(1, 3)),
        Arguments.of(true, null, List.of("team=nobody"), List.of()));
  }

  @ParameterizedTest(name = "dangling={0} olderThan={1} labels={2} -> {3}")
  @MethodSource("filters")
  void filtersSelectCandidates(
      Boolean dangling, String olderThan, List<String> labels, List<Integer> expected) {
    ImageSpec s =
        withPrune(
            spec("s", ImageEntry.of("declared:1")),
            dangling,
            olderThan,
            labels.toArray(String[]::new));
    Plan plan =
        Planner.plan(
            PlanInput.of(List.of(s), images(), NOW)
                .withContainers(List.of())
                .withPruneNow(Set.of(key("s"))));
    List<String> ids = new ArrayList<>();
    expected.forEach(n -> ids.add(id(n)));
    // declared:1 is missing, so there is a pull first
    assertThat(plan.actions(ActionKind.PRUNE))
        .extracting(PlannedAction::image)
        .containsExactlyElementsOf(ids);
    PrunePlan pp = plan.spec(key("s")).orElseThrow().prune();
    assertThat(pp.run()).isTrue();
    assertThat(pp.actions()).extracting(PlannedAction::image).containsExactlyElementsOf(ids);
    assertThat(pp.bytes())
        .isEqualTo(
            images().stream().filter(i -> ids.contains(i.id())).mapToLong(LocalImage::size).sum());
  }

  @Test
  void declaredReferencesOfAnySpecAndImagesInUseAreNeverPruned() {
    List<LocalImage> images =
        List.of(
            img(id(1), List.of("app:1"), List.of()), // image of spec a
            img(id(2), List.of("app:stable"), List.of()), // tag of spec b (points elsewhere now)
            img(id(3), List.of("mirror.example/app:1"), List.of()), // push target of spec b
            img(id(4), List.of("gone:1"), List.of()), // Absent in spec b: removed, not pruned
            img(
                id(5),
                List.of("pinned:1"),
                List.of("pinned@" + Fixtures.dg(5))), // pinned in spec c
            img(id(6), List.of("running:1"), List.of()), // used by a container
            img(id(7), List.of(), List.of()), // dangling, used by a stopped container
            img(id(8), List.of("free:1"), List.of()), // prunable
            img(id(9), List.of(), List.of())); // prunable
    ImageSpec a = withPrune(spec("a", ImageEntry.of("app:1")), false, null);
    ImageSpec b =
        spec(
            "b",
            ImageEntry.of("web:1").withTags("app:stable").withPush("mirror.example/app:1", null),
            ImageEntry.absent("gone:1"));
    ImageSpec c = spec("c", ImageEntry.of("pinned@" + Fixtures.dg(5)));
    PlanInput in =
        PlanInput.of(List.of(a, b, c), images, NOW)
            .withPruneNow(Set.of(key("a")))
            .withContainers(
                List.of(
                    Fixtures.container("run", id(6)),
                    Fixtures.container("stopped", "sha256:" + Ids.norm(id(7)))));
    assertThat(Planner.needsContainers(in)).isTrue();
    Plan plan = Planner.plan(in);
    assertThat(plan.actions(ActionKind.PRUNE))
        .extracting(PlannedAction::image)
        .containsExactly(id(8), id(9));
    assertThat(plan.actions().get(plan.actions().size() - 1).kind()).isEqualTo(ActionKind.PRUNE);
    assertThat(plan.actions(ActionKind.REMOVE))
        .extracting(PlannedAction::image)
        .containsExactly("docker.io/library/gone:1");
  }

  @Test
  void containerIdsWithoutPrefixAreMatched() {
    List<LocalImage> images = List.of(img(id(7), List.of(), List.of()));
    ImageSpec a = withPrune(spec("a", ImageEntry.of("app:1")), true, null);
    Plan plan =
        Planner.plan(
            PlanInput.of(List.of(a), images, NOW)
                .withPruneAll(true)
                .withContainers(List.of(Fixtures.container("podman", Ids.norm(id(7))))));
    assertThat(plan.actions(ActionKind.PRUNE)).isEmpty();
  }

  @Test
  void pruneRunsOnlyWhenAsked() {
    ImageSpec a = withPrune(spec("a", ImageEntry.of("app:1")), true, null);
    PlanInput in = PlanInput.of(List.of(a), images(), NOW).withContainers(List.of());
    assertThat(Planner.needsContainers(PlanInput.of(List.of(a), images(), NOW))).isFalse();
    Plan plan = Planner.plan(in);
    assertThat(plan.actions(ActionKind.PRUNE)).isEmpty();
    assertThat(plan.spec(key("a")).orElseThrow().prune().run()).isFalse();
    assertThat(Planner.plan(in.withPruneAll(true)).actions(ActionKind.PRUNE)).hasSize(3);
    assertThat(Planner.plan(in.withPruneNow(Set.of(key("a")))).actions(ActionKind.PRUNE))
        .hasSize(3);
  }

  @Test
  void specsWithoutPruneSectionNeverPrune() {
    Plan plan =
        Planner.plan(
            PlanInput.of(List.of(spec("a", ImageEntry.of("app:1"))), images(), NOW)
                .withContainers(List.of())
                .withPruneAll(true));
    assertThat(plan.actions(ActionKind.PRUNE)).isEmpty();
    assertThat(plan.spec(key("a")).orElseThrow().prune()).isNull();
  }

  @Test
  void withoutContainerListNothingIsPruned() {
    ImageSpec a = withPrune(spec("a", ImageEntry.of("app:1")), true, null);
    Plan plan = Planner.plan(PlanInput.of(List.of(a), images(), NOW).withPruneAll(true));
    assertThat(plan.actions(ActionKind.PRUNE)).isEmpty();
    assertThat(plan.spec(key("a")).orElseThrow().prune().message()).contains("container list");
  }

  @Test
  void imageSelectedBySeveralSpecsIsPrunedOnceByTheFirst() {
    ImageSpec a = withPrune(spec("a", ImageEntry.of("app:1")), true, null);
    ImageSpec b = withPrune(spec("b", ImageEntry.of("app:1")), false, null, "team=db");
    Plan plan =
        Planner.plan(
            PlanInput.of(List.of(b, a), images(), NOW)
                .withContainers(List.of())
                .withPruneAll(true));
    assertThat(plan.spec(key("a")).orElseThrow().prune().actions())
        .extracting(PlannedAction::image)
        .containsExactly(id(1), id(2), id(5));
    assertThat(plan.spec(key("b")).orElseThrow().prune().actions())
        .extracting(PlannedAction::image)
        .containsExactly(id(4));
  }

  @Test
  void pruneReasonSaysWhatAndHowBig() {
    ImageSpec a = withPrune(spec("a", ImageEntry.of("app:1")), false, null, "team=db");
    Plan plan =
        Planner.plan(
            PlanInput.of(List.of(a), images(), NOW).withContainers(List.of()).withPruneAll(true));
    PlannedAction p = plan.actions(ActionKind.PRUNE).get(0);
    assertThat(p.reason()).startsWith("unused, 800B, other:1, created ");
    assertThat(p.details().repoTags()).containsExactly("other:1");
    assertThat(p.toJson().action()).isEqualTo("prune");
  }
}
