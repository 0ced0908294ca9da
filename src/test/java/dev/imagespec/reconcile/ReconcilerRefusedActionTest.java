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
import org.junit.jupiter.api.Test;

/**
 * A port call refused with an {@link ActionRefusedException} (the operator's disk guard): the pull
 * fails once, not retried, with the exception's reason in the outcome and the spec's Degraded
 * condition, and its message in the entry; its tags are not attempted.
 */
class ReconcilerRefusedActionTest {
  static final String IMAGE = "reg.example/team/big:1";
  static final SpecKey KEY = new SpecKey("default", "big");

  @Test
  void aRefusedPullFailsWithTheRefusalsReasonAndMessage() {
    FakeImagePort port =
        new FakeImagePort()
            .remote(IMAGE, dg(1), id(1))
            .fail(
                "pull " + IMAGE,
                new ActionRefusedException(
                    Reasons.INSUFFICIENT_DISK, "refused by the disk guard: 90% above 80"));
    ReconcileResult r =
        new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
            .reconcile(
                List.of(
                    ImageSpec.of(
                        "default", "big", ImageSpecSpec.of(ImageEntry.of(IMAGE).withTags("b:1")))));

    assertThat(r.failures()).hasSize(1);
    ActionOutcome o = r.failures().get(0);
    assertThat(o.action().kind()).isEqualTo(ActionKind.PULL);
    assertThat(o.attempts()).isEqualTo(1);
    assertThat(o.reason()).isEqualTo(Reasons.INSUFFICIENT_DISK);
    assertThat(port.mutatingCalls()).noneMatch(c -> c.startsWith("tag "));
    ImageSpecStatus st = r.statuses().get(KEY);
    assertThat(st.getImages().get(0).getState()).isEqualTo(ImageState.Failed);
    assertThat(st.getImages().get(0).getMessage())
        .isEqualTo("pull failed: refused by the disk guard: 90% above 80");
    assertThat(st.isDegraded()).isTrue();
    assertThat(st.condition(ImageSpecStatus.DEGRADED).orElseThrow().getReason())
        .isEqualTo(Reasons.INSUFFICIENT_DISK);
  }

  @Test
  void aFailedPullWithoutReasonStaysPullFailed() {
    FakeImagePort port =
        new FakeImagePort()
            .remote(IMAGE, dg(1), id(1))
            .fail("pull " + IMAGE, new IllegalStateException("broken"));
    ReconcileResult r =
        new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
            .reconcile(
                List.of(ImageSpec.of("default", "big", ImageSpecSpec.of(ImageEntry.of(IMAGE)))));
    assertThat(r.statuses().get(KEY).condition(ImageSpecStatus.DEGRADED).orElseThrow().getReason())
        .isEqualTo(Reasons.PULL_FAILED);
  }
}
