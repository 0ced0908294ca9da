package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.NOW;
import static dev.imagespec.reconcile.Fixtures.dg;
import static dev.imagespec.reconcile.Fixtures.id;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.SpecKey;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Access checks answered by a {@link SharedAccess} (the operator's once-per-cluster verdicts): its
 * answers stand for the registry's, a pending one makes the entry wait without degrading the spec.
 * team-b's credentials brought a private image; team-a declares it with credentials of its own.
 */
class ReconcilerSharedAccessTest {
  static final String PRIVATE = "priv.example/priv/app:1";
  static final String REPO = "priv.example/priv/app";
  static final String DIGEST_REF = REPO + "@" + dg(1);
  static final String EXFIL = "other.example/exfil/stolen:1";
  static final SpecKey A = new SpecKey("team-a", "use");
  static final SpecKey B = new SpecKey("team-b", "app");

  /** team-b's "regcred" is bob (the registry serves him), team-a's "own" is alice (refused). */
  static final CredentialResolver CREDS =
      (ns, names, domain) -> {
        if (!"priv.example".equals(domain)) {
          return Optional.empty();
        }
        if ("team-b".equals(ns) && names.contains("regcred")) {
          return Optional.of(AuthConfig.basic("bob", "s3cret"));
        }
        if ("team-a".equals(ns) && names.contains("own")) {
          return Optional.of(AuthConfig.basic("alice", "pw"));
        }
        return Optional.empty();
      };

  /** A SharedAccess answering by namespace, recording what it was asked. */
  static final class Recording implements SharedAccess {
    final List<RegistryCheck> asked = new CopyOnWriteArrayList<>();
    final Function<RegistryCheck, Optional<RegistryAnswer>> answers;

    Recording(Function<RegistryCheck, Optional<RegistryAnswer>> answers) {
      this.answers = answers;
    }

    @Override
    public Optional<RegistryAnswer> answer(RegistryCheck check) {
      asked.add(check);
      return answers.apply(check);
    }
  }

  static Recording byNamespace(RegistryAnswer teamB, RegistryAnswer teamA) {
    return new Recording(c -> Optional.ofNullable("team-b".equals(c.namespace()) ? teamB : teamA));
  }

  static ImageSpec teamB() {
    ImageSpec s = ImageSpec.of("team-b", "app", ImageSpecSpec.of(ImageEntry.of(PRIVATE)));
    s.getSpec().setPullSecrets(List.of("regcred"));
    return s;
  }

  static ImageSpec teamA(boolean push) {
    ImageEntry e = ImageEntry.of(PRIVATE).withTags("mine:1");
    ImageSpec s =
        ImageSpec.of("team-a", "use", ImageSpecSpec.of(push ? e.withPush(EXFIL, null) : e));
    s.getSpec().setPullSecrets(List.of("own"));
    return s;
  }

  /** The image team-b's credentials pulled in an earlier pass. */
  static FakeImagePort port() {
    return new FakeImagePort()
        .remote(PRIVATE, dg(1), id(1))
        .local(id(1), List.of(PRIVATE), List.of(DIGEST_REF))
        .protect(REPO, "bob");
  }

  static Reconciler reconciler(FakeImagePort port, SharedAccess shared) {
    return new Reconciler(
            port,
            CREDS,
            ReconcileOptions.defaults()
                .withClock(Clock.fixed(NOW, ZoneOffset.UTC))
                .withSleeper(d -> {}),
            new AccessProofs())
        .withSharedAccess(shared);
  }

  static List<String> registryCalls(FakeImagePort port) {
    return port.calls().stream().filter(c -> c.startsWith("registry")).toList();
  }

  static ImageStatus image(ReconcileResult r, SpecKey key) {
    return r.statuses().get(key).getImages().get(0);
  }

  static String reason(ReconcileResult r, SpecKey key, String type) {
    return r.statuses().get(key).condition(type).orElseThrow().getReason();
  }

  @Test
  void aSharedFoundCountsForTheSecondSpecWithoutAskingTheRegistry() {
    FakeImagePort port = port();
    Recording shared = byNamespace(RegistryAnswer.found(dg(1)), RegistryAnswer.found(dg(1)));

    ReconcileResult r = reconciler(port, shared).reconcile(List.of(teamB(), teamA(false)));

    assertThat(registryCalls(port)).isEmpty();
    assertThat(shared.asked)
        .allMatch(c -> c.purpose() == RegistryCheck.Purpose.ACCESS)
        .extracting(c -> c.reference().canonical())
        .containsOnly(DIGEST_REF);
    assertThat(shared.asked).extracting(RegistryCheck::namespace).contains("team-a");
    assertThat(image(r, A).getState()).isEqualTo(ImageState.Present);
    assertThat(port.mutatingCalls()).containsExactly("tag " + id(1) + " docker.io/library/mine:1");
    assertThat(r.converged()).isTrue();
  }

  @Test
  void aSharedDenialFailsTheSpecWithoutAskingTheRegistry() {
    FakeImagePort port = port();
    Recording shared =
        byNamespace(RegistryAnswer.found(dg(1)), RegistryAnswer.denied("401 from the aggregator"));

    ReconcileResult r = reconciler(port, shared).reconcile(List.of(teamB(), teamA(false)));

    assertThat(registryCalls(port)).isEmpty();
    assertThat(port.mutatingCalls()).isEmpty();
    assertThat(image(r, A).getState()).isEqualTo(ImageState.Failed);
    assertThat(image(r, A).getMessage()).contains("refused").doesNotContain("bob");
    assertThat(reason(r, A, "Degraded")).isEqualTo(Reasons.UNAUTHORIZED);
    assertThat(r.statuses().get(B).isReady()).isTrue();
  }

  @Test
  void aPendingVerdictMakesTheSpecWaitWithTheDigestAndNeitherTagsNorPushes() {
    FakeImagePort port = port();
    Recording shared =
        byNamespace(RegistryAnswer.found(dg(1)), RegistryAnswer.pending("no verdict yet"));
    List<ImageSpec> specs = List.of(teamB(), teamA(true));

    ReconcileResult r = reconciler(port, shared).reconcile(specs);

    assertThat(r.plan().actions()).isEmpty();
    assertThat(port.mutatingCalls()).isEmpty();
    // only the push target is looked up (as before); no access HEAD of the digest
    assertThat(registryCalls(port)).containsExactly("registryDigest " + EXFIL);
    ImageStatus img = image(r, A);
    assertThat(img.getState()).isEqualTo(ImageState.Pending);
    assertThat(img.getDigest()).isEqualTo(dg(1));
    assertThat(img.getId()).isEqualTo(id(1));
    assertThat(img.getMessage())
        .contains("waiting for the access check of " + DIGEST_REF)
        .contains("no verdict yet")
        .doesNotContain("team-b")
        .doesNotContain("bob");
    ImageSpecStatus a = r.statuses().get(A);
    assertThat(a.getPushes().get(0).getState()).isEqualTo(PushState.Pending);
    assertThat(a.isDegraded()).isFalse();
    assertThat(a.isReady()).isFalse();
    assertThat(reason(r, A, "Ready")).isEqualTo(Reasons.ACCESS_PENDING);
    assertThat(a.condition("Progressing").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(reason(r, A, "Progressing")).isEqualTo(Reasons.ACCESS_PENDING);
    assertThat(r.hasFailures()).isFalse();
    assertThat(r.statuses().get(B).isReady()).isTrue();

    // the plan alone (dry run) says the same
    SpecPlan planned = reconciler(port(), shared).plan(specs, java.util.Map.of()).spec(A).get();
    assertThat(planned.images().get(0).waits()).isTrue();
    assertThat(planned.images().get(0).problem()).isEqualTo(Reasons.ACCESS_PENDING);
    assertThat(planned.images().get(0).tags()).isEmpty();
    assertThat(planned.pushes().get(0).waits()).isTrue();
    assertThat(planned.pushes().get(0).push()).isNull();
  }

  @Test
  void noSharedAnswerAsksTheRegistryAsBefore() {
    FakeImagePort port = port();
    Recording shared = new Recording(c -> Optional.empty());

    ReconcileResult r = reconciler(port, shared).reconcile(List.of(teamB(), teamA(false)));

    assertThat(shared.asked).hasSize(2);
    assertThat(registryCalls(port))
        .containsExactly("registryDigest " + DIGEST_REF, "registryDigest " + DIGEST_REF);
    assertThat(image(r, A).getState()).isEqualTo(ImageState.Failed); // alice gets 401
    assertThat(reason(r, A, "Degraded")).isEqualTo(Reasons.UNAUTHORIZED);
    assertThat(r.statuses().get(B).isReady()).isTrue();
  }

  @Test
  void aSharedAnonymousFoundServesTheCredentialedChecks() {
    FakeImagePort port = port();
    ImageSpec open = ImageSpec.of("team-c", "open", ImageSpecSpec.of(ImageEntry.of(PRIVATE)));
    Recording shared =
        new Recording(
            c ->
                CredentialIdentities.ANONYMOUS.equals(c.identity())
                    ? Optional.of(RegistryAnswer.found(dg(1)))
                    : Optional.empty());

    ReconcileResult r = reconciler(port, shared).reconcile(List.of(open, teamB(), teamA(false)));

    assertThat(shared.asked)
        .extracting(RegistryCheck::identity)
        .containsExactly(CredentialIdentities.ANONYMOUS);
    assertThat(registryCalls(port)).isEmpty();
    assertThat(r.converged()).isTrue();
  }

  @Test
  void noSuchManifestWaitsWhileAnotherVerdictIsPendingThenTheImageIsLocalOnly() {
    // Podman-made digests: the registry holds no such manifest; team-b's verdict is in, team-a's
    // not yet. Until it is, neither spec counts the image (team-a might be shown a manifest).
    FakeImagePort port = port();
    ReconcileResult waiting =
        reconciler(port, byNamespace(RegistryAnswer.missing(), RegistryAnswer.pending(null)))
            .reconcile(List.of(teamB(), teamA(false)));
    assertThat(image(waiting, B).getState()).isEqualTo(ImageState.Pending);
    assertThat(image(waiting, A).getState()).isEqualTo(ImageState.Pending);
    assertThat(image(waiting, A).getMessage()).contains("made once for the cluster");
    assertThat(waiting.hasFailures()).isFalse();
    assertThat(port.mutatingCalls()).isEmpty();

    ReconcileResult decided =
        reconciler(port, byNamespace(RegistryAnswer.missing(), RegistryAnswer.missing()))
            .reconcile(List.of(teamB(), teamA(false)), waiting.statuses());
    assertThat(decided.converged()).isTrue();
    assertThat(port.mutatingCalls()).containsExactly("tag " + id(1) + " docker.io/library/mine:1");
    assertThat(registryCalls(port)).isEmpty();
  }
}
