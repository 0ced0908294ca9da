package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.dg;
import static dev.imagespec.reconcile.Fixtures.id;
import static dev.imagespec.reconcile.Fixtures.img;
import static dev.imagespec.reconcile.Fixtures.key;
import static dev.imagespec.reconcile.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** {@link PullHolds}: a missing image the front end holds back is not pulled, its entry fails. */
class PullHoldsTest {
  static final PullHolds.Hold HOLD =
      new PullHolds.Hold(Reasons.GARBAGE_COLLECTED, "removed 3 times; not before 13:00", true);

  @Test
  void aHeldMissingImageIsNotPulledAndItsEntryFailsWithTheHoldsReason() {
    Set<String> asked = ConcurrentHashMap.newKeySet();
    PullHolds holds =
        (c, specs, missing) -> {
          asked.add(c);
          return c.equals("docker.io/library/a:1") ? HOLD : null;
        };
    ImageSpec s =
        spec(
            "s",
            ImageEntry.of("a:1").withTags("a:stable"),
            ImageEntry.of("b:1"),
            ImageEntry.of("c:1"));
    Plan plan =
        Planner.plan(
            PlanInput.of(List.of(s), List.of(img(id(3), List.of("c:1"), List.of())), Fixtures.NOW)
                .withHolds(holds));

    // only the missing images are asked about, the present one is not
    assertThat(asked).containsExactlyInAnyOrder("docker.io/library/a:1", "docker.io/library/b:1");
    assertThat(plan.actions())
        .extracting(a -> a.kind() + " " + a.image())
        .containsExactly("PULL docker.io/library/b:1");
    ImagePlan a = Fixtures.imagePlan(plan, "s", 0);
    assertThat(a.state()).isEqualTo(ImageState.Failed);
    assertThat(a.problem()).isEqualTo(Reasons.GARBAGE_COLLECTED);
    assertThat(a.message()).isEqualTo(HOLD.message());
    assertThat(a.pull()).isNull();
    assertThat(a.tags()).isEmpty();
  }

  @Test
  void theSpecIsDegradedGarbageCollectedAndTheOtherImagesStillPull() {
    FakeImagePort port =
        new FakeImagePort().remote("a:1", dg(1), id(1)).remote("b:1", dg(2), id(2));
    ImageSpec s = spec("s", ImageEntry.of("a:1"), ImageEntry.of("b:1"));
    ReconcileResult r =
        new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
            .withPullHolds((c, specs, missing) -> c.equals("docker.io/library/a:1") ? HOLD : null)
            .reconcile(List.of(s));

    assertThat(port.mutatingCalls()).containsExactly("pull docker.io/library/b:1");
    ImageSpecStatus st = r.statuses().get(key("s"));
    assertThat(st.getImages())
        .extracting(i -> i.getState() + " " + i.getMessage())
        .containsExactly("Failed " + HOLD.message(), "Present pulled (not present)");
    assertThat(st.condition(Conditions.DEGRADED).orElseThrow().getReason())
        .isEqualTo(Reasons.GARBAGE_COLLECTED);
    assertThat(st.isReady()).isFalse();
  }

  @Test
  void withoutHoldsEveryMissingImageIsPulled() {
    ImageSpec s = spec("s", ImageEntry.of("a:1"));
    Plan plan = Planner.plan(PlanInput.of(List.of(s), List.of(), Fixtures.NOW));
    assertThat(plan.actions()).extracting(PlannedAction::kind).containsExactly(ActionKind.PULL);
  }
}
