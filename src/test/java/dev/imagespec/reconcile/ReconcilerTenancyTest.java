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
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.SpecKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Access checks through a whole reconcile pass, against the in-memory store and registry. */
class ReconcilerTenancyTest {
  static final String PRIVATE = "priv.example/priv/app:1";
  static final String REPO = "priv.example/priv/app";
  static final String EXFIL = "other.example/exfil/stolen:1";

  /** team-b's Secret "regcred" holds credentials for priv.example. */
  static final CredentialResolver CREDS =
      (ns, names, domain) ->
          "team-b".equals(ns) && names.contains("regcred") && "priv.example".equals(domain)
              ? Optional.of(AuthConfig.basic("bob", "s3cret"))
              : Optional.empty();

  static ImageSpec teamB() {
    ImageSpec s = ImageSpec.of("team-b", "app", ImageSpecSpec.of(ImageEntry.of(PRIVATE)));
    s.getSpec().setPullSecrets(List.of("regcred"));
    return s;
  }

  static ImageSpec teamA() {
    return ImageSpec.of(
        "team-a",
        "steal",
        ImageSpecSpec.of(ImageEntry.of(PRIVATE).withTags("mine:1").withPush(EXFIL, null)));
  }

  static ReconcileOptions at(Instant now) {
    return ReconcileOptions.defaults()
        .withClock(Clock.fixed(now, ZoneOffset.UTC))
        .withSleeper(d -> {});
  }

  static List<String> registryCalls(FakeImagePort port, int from) {
    return port.calls().subList(from, port.calls().size()).stream()
        .filter(c -> c.startsWith("registryDigest "))
        .toList();
  }

  @Test
  void privateImageIsNotPushedForASpecWithoutCredentialsAndConvergedPassesAskNothing() {
    FakeImagePort port = new FakeImagePort().remote(PRIVATE, dg(1), id(1)).protect(REPO, "bob");
    AccessProofs proofs = new AccessProofs();
    List<ImageSpec> specs = List.of(teamB(), teamA());

    ReconcileResult first = new Reconciler(port, CREDS, at(NOW), proofs).reconcile(specs);

    assertThat(port.mutatingCalls()).containsExactly("pull " + PRIVATE);
    assertThat(port.authsFor("pull " + PRIVATE))
        .extracting(AuthConfig::username)
        .containsExactly("bob");
    assertThat(port.remoteOf(EXFIL)).isEmpty();
    ImageSpecStatus a = first.statuses().get(new SpecKey("team-a", "steal"));
    assertThat(a.getImages().get(0).getState()).isEqualTo(ImageState.Failed);
    assertThat(a.getImages().get(0).getMessage())
        .contains("priv.example")
        .doesNotContain("team-b")
        .doesNotContain("bob");
    assertThat(a.getPushes().get(0).getState()).isEqualTo(PushState.Failed);
    assertThat(a.condition("Degraded").orElseThrow().getReason()).isEqualTo("Unauthorized");
    ImageSpecStatus b = first.statuses().get(new SpecKey("team-b", "app"));
    assertThat(b.isReady()).isTrue();
    assertThat(first.hasFailures()).isTrue();

    // team-b converged: its own pull is its proof, no access check in the next passes
    Map<SpecKey, ImageSpecStatus> previous = new HashMap<>(first.statuses());
    int before = port.calls().size();
    ReconcileResult second =
        new Reconciler(port, CREDS, at(NOW.plusSeconds(60)), proofs)
            .reconcile(List.of(teamB()), previous);
    assertThat(registryCalls(port, before)).isEmpty();
    assertThat(second.calls().total()).isEqualTo(1); // the image list
    assertThat(second.converged()).isTrue();

    // team-a is asked about again on every pass (a denial is not kept), once per identity
    before = port.calls().size();
    new Reconciler(port, CREDS, at(NOW.plusSeconds(60)), proofs).reconcile(specs, previous);
    assertThat(registryCalls(port, before))
        .containsExactly("registryDigest " + EXFIL, "registryDigest " + REPO + "@" + dg(1));
    assertThat(port.remoteOf(EXFIL)).isEmpty();

    // after team-b's refreshInterval the proof is asked for again, once
    before = port.calls().size();
    new Reconciler(port, CREDS, at(NOW.plusSeconds(301)), proofs)
        .reconcile(List.of(teamB()), previous);
    assertThat(registryCalls(port, before)).containsExactly("registryDigest " + REPO + "@" + dg(1));
    assertThat(port.authsFor("registryDigest " + REPO + "@" + dg(1)))
        .extracting(AuthConfig::username)
        .contains("bob");
  }

  @Test
  void anonymousProofServesEveryIdentityWithOneRequest() {
    // a public image pulled earlier (nobody knows with whose credentials)
    FakeImagePort port =
        new FakeImagePort()
            .remote(PRIVATE, dg(1), id(1))
            .local(id(1), List.of(PRIVATE), List.of(REPO + "@" + dg(1)));
    ImageSpec a =
        ImageSpec.of("team-a", "pub", ImageSpecSpec.of(ImageEntry.of(PRIVATE).withTags("mine:1")));
    AccessProofs proofs = new AccessProofs();
    ReconcileResult r = new Reconciler(port, CREDS, at(NOW), proofs).reconcile(List.of(teamB(), a));
    assertThat(registryCalls(port, 0)).containsExactly("registryDigest " + REPO + "@" + dg(1));
    assertThat(r.converged()).isTrue();
    assertThat(port.mutatingCalls()).containsExactly("tag " + id(1) + " docker.io/library/mine:1");

    int before = port.calls().size();
    ReconcileResult again =
        new Reconciler(port, CREDS, at(NOW.plusSeconds(30)), proofs)
            .reconcile(List.of(teamB(), a), r.statuses());
    assertThat(registryCalls(port, before)).isEmpty();
    assertThat(again.calls().total()).isEqualTo(1);
  }

  @Test
  void aSpecWithCredentialsOfItsOwnIsReadyAndPushes() {
    FakeImagePort port =
        new FakeImagePort()
            .local(id(1), List.of(PRIVATE), List.of(REPO + "@" + dg(1)))
            .protect(REPO, "bob");
    ImageSpec a = teamA();
    a.getSpec().setPullSecrets(List.of("own"));
    CredentialResolver creds =
        CREDS.orElse(
            (ns, names, domain) ->
                "team-a".equals(ns) && names.contains("own")
                    ? Optional.of(AuthConfig.basic("bob", "s3cret"))
                    : Optional.empty());
    ReconcileResult r =
        new Reconciler(port, creds, at(NOW), new AccessProofs()).reconcile(List.of(teamB(), a));
    assertThat(r.statuses().get(new SpecKey("team-a", "steal")).isReady()).isTrue();
    assertThat(port.remoteOf(EXFIL)).isPresent();
  }
}
