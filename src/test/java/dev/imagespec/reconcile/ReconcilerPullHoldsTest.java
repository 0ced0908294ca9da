package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.dg;
import static dev.imagespec.reconcile.Fixtures.id;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.SpecKey;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Pulls held back by a {@link PullHolds} (the operator's rollout permits): the image is not pulled
 * or tagged, its entry is {@code Waiting} and the spec is neither Ready nor Degraded; a pull
 * another spec still needs is made.
 */
class ReconcilerPullHoldsTest {
  static final String IMAGE = "reg.example/team/app:1";
  static final SpecKey THROTTLED = new SpecKey("default", "throttled");

  static PullHolds throttle(Set<SpecKey> held, List<String> asked) {
    return (canonical, specs, missing) -> {
      asked.add(canonical + " " + specs);
      return held.containsAll(specs)
          ? new PullHolds.Hold(
              Reasons.ROLLOUT_THROTTLED, "waiting for a rollout permit (2 nodes at once)", false)
          : null;
    };
  }

  static ImageSpec spec(String name, ImageEntry e) {
    return ImageSpec.of("default", name, ImageSpecSpec.of(e));
  }

  @Test
  void aHeldPullIsNotMadeAndTheEntryWaitsWithoutDegrading() {
    FakeImagePort port = new FakeImagePort().remote(IMAGE, dg(1), id(1));
    List<String> asked = new CopyOnWriteArrayList<>();
    ReconcileResult r =
        new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
            .withPullHolds(throttle(Set.of(THROTTLED), asked))
            .reconcile(List.of(spec("throttled", ImageEntry.of(IMAGE).withTags("app:stable"))));

    assertThat(port.mutatingCalls()).isEmpty();
    assertThat(asked).containsExactly("reg.example/team/app:1 [default/throttled]");
    ImageSpecStatus st = r.statuses().get(THROTTLED);
    assertThat(st.getImages().get(0).getState()).isEqualTo(ImageState.Waiting);
    assertThat(st.getImages().get(0).getMessage()).contains("rollout permit");
    assertThat(st.isReady()).isFalse();
    assertThat(st.isDegraded()).isFalse();
    assertThat(st.condition(ImageSpecStatus.READY).orElseThrow().getReason())
        .isEqualTo(Reasons.ROLLOUT_THROTTLED);
    assertThat(st.condition(ImageSpecStatus.PROGRESSING).orElseThrow().getStatus())
        .isEqualTo("True");
    assertThat(r.failures()).isEmpty();

    // once the permit comes, the same pass pulls and tags
    ReconcileResult after =
        new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
            .withPullHolds(PullHolds.none())
            .reconcile(List.of(spec("throttled", ImageEntry.of(IMAGE).withTags("app:stable"))));
    assertThat(after.statuses().get(THROTTLED).isReady()).isTrue();
    assertThat(port.mutatingCalls()).anyMatch(c -> c.startsWith("pull "));
  }

  @Test
  void aPullAnotherSpecNeedsIsMadeAndServesTheHeldSpecToo() {
    FakeImagePort port = new FakeImagePort().remote(IMAGE, dg(1), id(1));
    ReconcileResult r =
        new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
            .withPullHolds(throttle(Set.of(THROTTLED), new CopyOnWriteArrayList<>()))
            .reconcile(
                List.of(
                    spec("throttled", ImageEntry.of(IMAGE)), spec("free", ImageEntry.of(IMAGE))));
    assertThat(port.mutatingCalls()).anyMatch(c -> c.startsWith("pull "));
    assertThat(r.statuses().get(THROTTLED).isReady()).isTrue();
  }

  @Test
  void aPresentImageIsNotHeld() {
    FakeImagePort port = new FakeImagePort().remote(IMAGE, dg(1), id(1));
    new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
        .reconcile(List.of(spec("first", ImageEntry.of(IMAGE))));
    List<String> asked = new CopyOnWriteArrayList<>();
    ReconcileResult r =
        new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
            .withPullHolds(throttle(Set.of(THROTTLED), asked))
            .reconcile(List.of(spec("throttled", ImageEntry.of(IMAGE))));
    assertThat(asked).isEmpty();
    assertThat(r.statuses().get(THROTTLED).isReady()).isTrue();
  }
}
