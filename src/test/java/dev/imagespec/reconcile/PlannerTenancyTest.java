package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.NOW;
import static dev.imagespec.reconcile.Fixtures.brief;
import static dev.imagespec.reconcile.Fixtures.dg;
import static dev.imagespec.reconcile.Fixtures.id;
import static dev.imagespec.reconcile.Fixtures.img;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.PushStatus;
import dev.imagespec.spec.SpecKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tenancy: an image counts (Present, tags, pushes) for a spec only when that spec's credentials can
 * read it. team-b pulls a private image with its pull secret; team-a, without credentials, declares
 * the same image with a tag and a push to a repository of its choosing.
 */
class PlannerTenancyTest {
  static final String PRIVATE = "priv.example/priv/app:1";
  static final String REPO = "priv.example/priv/app";
  static final String EXFIL = "other.example/exfil/stolen:1";
  static final String B = "id-of-team-b";

  /** team-b's Secret gives credentials for priv.example; everyone else is anonymous. */
  static final CredentialIdentities IDS =
      (ns, secrets, domain) ->
          "team-b".equals(ns) && secrets.contains("regcred") && "priv.example".equals(domain)
              ? B
              : CredentialIdentities.ANONYMOUS;

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

  static final LocalImage PULLED_BEFORE = img(id(1), List.of(PRIVATE), List.of(REPO + "@" + dg(1)));

  static PlanInput input(List<LocalImage> images, AccessProofs proofs, ImageSpec... specs) {
    return PlanInput.of(List.of(specs), images, NOW).withAccess(IDS, proofs);
  }

  static String access(String identity, String ref) {
    return RegistryCheck.accessKey(identity, ref);
  }

  static SpecPlan plan(Plan plan, String ns, String name) {
    return plan.spec(new SpecKey(ns, name)).orElseThrow();
  }

  @Test
  void imageAnotherNamespacePullsIsNeitherTaggedNorPushedForASpecThatCannotReadIt() {
    PlanInput in = input(List.of(), new AccessProofs(), teamB(), teamA());
    List<RegistryCheck> checks = Planner.registryChecks(in);
    // team-b pulls with its own credentials: that is its proof; team-a must show access
    assertThat(checks).hasSize(1);
    RegistryCheck c = checks.get(0);
    assertThat(c.purpose()).isEqualTo(RegistryCheck.Purpose.ACCESS);
    assertThat(c.namespace()).isEqualTo("team-a");
    assertThat(c.identity()).isEqualTo(CredentialIdentities.ANONYMOUS);
    assertThat(c.key()).isEqualTo(access(CredentialIdentities.ANONYMOUS, PRIVATE));

    Plan plan =
        Planner.plan(
            in.withRegistry(Map.of(c.key(), RegistryAnswer.denied("401 authentication required"))));
    assertThat(brief(plan)).containsExactly("pull " + PRIVATE);
    assertThat(plan.actions().get(0).details().namespace()).isEqualTo("team-b");
    ImagePlan a = plan(plan, "team-a", "steal").images().get(0);
    assertThat(a.state()).isEqualTo(ImageState.Failed);
    assertThat(a.problem()).isEqualTo(Reasons.UNAUTHORIZED);
    assertThat(a.message()).contains("priv.example").doesNotContain("team-b");
    assertThat(a.tags()).isEmpty();
    assertThat(a.pull()).isNull();
    PushPlan push = plan(plan, "team-a", "steal").pushes().get(0);
    assertThat(push.state()).isEqualTo(PushState.Failed);
    assertThat(push.problem()).isEqualTo(Reasons.UNAUTHORIZED);
    assertThat(push.push()).isNull();
    assertThat(push.tag()).isNull();
    ImagePlan b = plan(plan, "team-b", "app").images().get(0);
    assertThat(b.state()).isEqualTo(ImageState.Pending);
    assertThat(b.pull()).isEqualTo(plan.actions().get(0));

    // the status: team-a Degraded, reason Unauthorized, never naming who pulled
    Map<SpecKey, dev.imagespec.spec.ImageSpecStatus> st =
        StatusBuilder.build(plan, Map.of(), false);
    var sa = st.get(new SpecKey("team-a", "steal"));
    assertThat(sa.condition("Degraded").orElseThrow().getReason()).isEqualTo("Unauthorized");
    assertThat(sa.getPushes()).extracting(PushStatus::getState).containsExactly(PushState.Failed);
    assertThat(sa.toString()).doesNotContain("team-b").doesNotContain(B);
  }

  @Test
  void imagePulledInAnEarlierPassNeedsAProofForEverySpec() {
    PlanInput in = input(List.of(PULLED_BEFORE), new AccessProofs(), teamB(), teamA());
    List<RegistryCheck> checks = Planner.registryChecks(in);
    String ref = REPO + "@" + dg(1);
    assertThat(checks)
        .filteredOn(c -> c.purpose() == RegistryCheck.Purpose.ACCESS)
        .extracting(RegistryCheck::key)
        .containsExactlyInAnyOrder(access(B, ref), access(CredentialIdentities.ANONYMOUS, ref));
    Map<String, RegistryAnswer> answers = new HashMap<>();
    answers.put(access(B, ref), RegistryAnswer.found(dg(1)));
    answers.put(access(CredentialIdentities.ANONYMOUS, ref), RegistryAnswer.missing());
    Plan plan = Planner.plan(in.withRegistry(answers));
    assertThat(brief(plan)).isEmpty();
    assertThat(plan(plan, "team-b", "app").images().get(0).state()).isEqualTo(ImageState.Present);
    ImagePlan a = plan(plan, "team-a", "steal").images().get(0);
    // a registry that hides the manifest from these credentials is no proof either
    assertThat(a.state()).isEqualTo(ImageState.Failed);
    assertThat(a.problem()).isEqualTo(Reasons.UNAUTHORIZED);
    assertThat(plan(plan, "team-a", "steal").pushes().get(0).state()).isEqualTo(PushState.Failed);
  }

  @Test
  void ownPullIsTheProof() {
    PlanInput in = input(List.of(), new AccessProofs(), teamB());
    assertThat(Planner.registryChecks(in)).isEmpty();
    Plan plan = Planner.plan(in);
    assertThat(brief(plan)).containsExactly("pull " + PRIVATE);
    assertThat(plan(plan, "team-b", "app").images().get(0).state()).isEqualTo(ImageState.Pending);
  }

  @Test
  void anonymousAccessServesEverySpec() {
    ImageSpec pub =
        ImageSpec.of("team-a", "pub", ImageSpecSpec.of(ImageEntry.of(PRIVATE).withTags("mine:1")));
    PlanInput in = input(List.of(PULLED_BEFORE), new AccessProofs(), teamB(), pub);
    String ref = REPO + "@" + dg(1);
    // only the anonymous answer: it shows the image to everyone
    Plan plan =
        Planner.plan(
            in.withRegistry(
                Map.of(access(CredentialIdentities.ANONYMOUS, ref), RegistryAnswer.found(dg(1)))));
    assertThat(plan(plan, "team-b", "app").images().get(0).state()).isEqualTo(ImageState.Present);
    assertThat(plan(plan, "team-a", "pub").images().get(0).state()).isEqualTo(ImageState.Pending);
    assertThat(brief(plan)).containsExactly("tag " + PRIVATE + " -> docker.io/library/mine:1");

    // and a proof of anonymous access, kept from an earlier pass, asks nothing of anyone
    AccessProofs proofs = new AccessProofs();
    proofs.record(CredentialIdentities.ANONYMOUS, ref, NOW.minusSeconds(60));
    assertThat(Planner.registryChecks(input(List.of(PULLED_BEFORE), proofs, teamB(), pub)))
        .isEmpty();
  }

  @Test
  void aProofWithinTheRefreshIntervalAsksNothingAnExpiredOneAsksOnce() {
    String ref = REPO + "@" + dg(1);
    AccessProofs proofs = new AccessProofs();
    proofs.record(B, ref, NOW.minusSeconds(299));
    PlanInput in = input(List.of(PULLED_BEFORE), proofs, teamB());
    assertThat(Planner.registryChecks(in)).isEmpty();
    assertThat(plan(Planner.plan(in), "team-b", "app").images().get(0).state())
        .isEqualTo(ImageState.Present);

    AccessProofs old = new AccessProofs();
    old.record(B, ref, NOW.minusSeconds(300)); // the default refreshInterval is 5m
    assertThat(Planner.registryChecks(input(List.of(PULLED_BEFORE), old, teamB())))
        .extracting(RegistryCheck::key)
        .containsExactly(access(B, ref));
  }

  @Test
  void unreachableRegistryKeepsTheImageButAddsNothingToIt() {
    PlanInput in = input(List.of(PULLED_BEFORE), new AccessProofs(), teamA());
    String ref = REPO + "@" + dg(1);
    Plan plan =
        Planner.plan(
            in.withRegistry(
                Map.of(
                    access(CredentialIdentities.ANONYMOUS, ref),
                    RegistryAnswer.error("connection refused"))));
    assertThat(brief(plan)).isEmpty();
    ImagePlan a = plan(plan, "team-a", "steal").images().get(0);
    assertThat(a.state()).isEqualTo(ImageState.Failed); // its tag mine:1 is withheld
    assertThat(a.problem()).isEqualTo(Reasons.REGISTRY_CHECK_FAILED);
    assertThat(a.message()).contains("could not verify").contains("connection refused");
    PushPlan p = plan(plan, "team-a", "steal").pushes().get(0);
    assertThat(p.state()).isEqualTo(PushState.Failed);
    assertThat(p.problem()).isEqualTo(Reasons.REGISTRY_CHECK_FAILED);
  }

  @Test
  void localOnlyImageIsPresentForEverySpecButPushedOnlyForTheNamespaceThatDeclaredItFirst() {
    LocalImage built = img(id(5), List.of("app:dev"), List.of());
    ImageSpec first =
        ImageSpec.of(
            "team-z",
            "builder",
            ImageSpecSpec.of(ImageEntry.of("app:dev").withPush("reg.example/z/app:dev", null)));
    first.getMetadata().setCreationTimestamp("2025-01-01T00:00:00Z");
    ImageSpec later =
        ImageSpec.of(
            "team-a", "copier", ImageSpecSpec.of(ImageEntry.of("app:dev").withPush(EXFIL, null)));
    later.getMetadata().setCreationTimestamp("2025-01-02T00:00:00Z");
    PlanInput in = input(List.of(built), new AccessProofs(), first, later);
    // no registry to ask about the image; only team-z's push target is looked up
    assertThat(Planner.registryChecks(in))
        .extracting(RegistryCheck::key)
        .containsExactly("reg.example/z/app:dev");
    Plan plan =
        Planner.plan(in.withRegistry(Map.of("reg.example/z/app:dev", RegistryAnswer.missing())));
    assertThat(plan(plan, "team-z", "builder").images().get(0).state())
        .isEqualTo(ImageState.Present);
    assertThat(plan(plan, "team-a", "copier").images().get(0).state())
        .isEqualTo(ImageState.Present);
    assertThat(brief(plan))
        .containsExactly(
            "tag docker.io/library/app:dev -> reg.example/z/app:dev",
            "push docker.io/library/app:dev -> reg.example/z/app:dev");
    PushPlan refused = plan(plan, "team-a", "copier").pushes().get(0);
    assertThat(refused.state()).isEqualTo(PushState.Failed);
    assertThat(refused.problem()).isEqualTo(Reasons.UNAUTHORIZED);
    assertThat(refused.message()).contains("exists only locally").doesNotContain("team-z");
  }

  @Test
  void digestNoRegistryHoldsIsLocalOnly() {
    // Podman gives an image it imported a digest per name; the registry answers 404 to everyone
    ImageSpec b = teamB();
    b.getSpec().getImages().get(0).withPush("reg.example/b/app:1", null);
    PlanInput in = input(List.of(PULLED_BEFORE), new AccessProofs(), b, teamA());
    String ref = REPO + "@" + dg(1);
    Map<String, RegistryAnswer> answers = new HashMap<>();
    answers.put(access(B, ref), RegistryAnswer.missing());
    answers.put(access(CredentialIdentities.ANONYMOUS, ref), RegistryAnswer.missing());
    answers.put(EXFIL, RegistryAnswer.missing());
    answers.put("reg.example/b/app:1", RegistryAnswer.missing());
    Plan plan = Planner.plan(in.withRegistry(answers));
    assertThat(plan(plan, "team-b", "app").images().get(0).state()).isEqualTo(ImageState.Present);
    assertThat(plan(plan, "team-a", "steal").images().get(0).state())
        .isEqualTo(ImageState.Pending); // its tag
    // neither has a creation time: the first namespace by name, team-a, may push
    assertThat(plan(plan, "team-a", "steal").pushes().get(0).state()).isEqualTo(PushState.Pending);
    PushPlan refused = plan(plan, "team-b", "app").pushes().get(0);
    assertThat(refused.state()).isEqualTo(PushState.Failed);
    assertThat(refused.problem()).isEqualTo(Reasons.UNAUTHORIZED);
  }

  @Test
  void alwaysImageWhoseTagTheRegistryLostStaysForItsOnlySpec() {
    ImageSpec b = teamB();
    b.getSpec().getImages().get(0).setPullPolicy(dev.imagespec.spec.PullPolicy.Always);
    PlanInput in = input(List.of(PULLED_BEFORE), new AccessProofs(), b);
    // the refresh lookup, made with team-b's credentials, stands in for the access check
    assertThat(Planner.registryChecks(in))
        .extracting(RegistryCheck::purpose)
        .containsExactly(RegistryCheck.Purpose.PULL);
    Plan plan = Planner.plan(in.withRegistry(Map.of(PRIVATE, RegistryAnswer.missing())));
    ImagePlan p = plan(plan, "team-b", "app").images().get(0);
    assertThat(p.state()).isEqualTo(ImageState.Present);
    assertThat(p.message()).contains("keeping the local image");
    Plan found = Planner.plan(in.withRegistry(Map.of(PRIVATE, RegistryAnswer.found(dg(1)))));
    assertThat(plan(found, "team-b", "app").images().get(0).state()).isEqualTo(ImageState.Present);
  }

  @Test
  void withoutIdentitiesNothingIsChecked() {
    PlanInput in = PlanInput.of(List.of(teamB(), teamA()), List.of(PULLED_BEFORE), NOW);
    assertThat(Planner.registryChecks(in))
        .extracting(RegistryCheck::purpose)
        .containsExactly(RegistryCheck.Purpose.PUSH);
    assertThat(plan(Planner.plan(in), "team-a", "steal").images().get(0).state())
        .isEqualTo(ImageState.Pending);
  }

  @Test
  void statusOfAnUnauthorizedEntryNamesTheRegistry() {
    PlanInput in = input(List.of(PULLED_BEFORE), new AccessProofs(), teamA());
    String ref = REPO + "@" + dg(1);
    Plan plan =
        Planner.plan(
            in.withRegistry(
                Map.of(access(CredentialIdentities.ANONYMOUS, ref), RegistryAnswer.denied("401"))));
    var st = StatusBuilder.build(plan, Map.of(), true).get(new SpecKey("team-a", "steal"));
    ImageStatus image = st.getImages().get(0);
    assertThat(image.getState()).isEqualTo(ImageState.Failed);
    assertThat(image.getMessage()).contains("registry priv.example refused");
    assertThat(st.isReady()).isFalse();
    assertThat(st.condition("Ready").orElseThrow().getReason()).isEqualTo("Unauthorized");
  }

  @Test
  void aPendingAccessVerdictWaitsWithoutDegradingAndOtherWorkStillRuns() {
    ImageSpec a =
        ImageSpec.of(
            "team-a",
            "steal",
            ImageSpecSpec.of(
                ImageEntry.of(PRIVATE).withTags("mine:1").withPush(EXFIL, null),
                ImageEntry.of("other.example/x:1")));
    PlanInput in = input(List.of(PULLED_BEFORE), new AccessProofs(), teamB(), a);
    String ref = REPO + "@" + dg(1);
    Map<String, RegistryAnswer> answers = new HashMap<>();
    answers.put(access(B, ref), RegistryAnswer.found(dg(1)));
    answers.put(
        access(CredentialIdentities.ANONYMOUS, ref), RegistryAnswer.pending("verdict awaited"));
    Plan plan = Planner.plan(in.withRegistry(answers));

    assertThat(brief(plan)).containsExactly("pull other.example/x:1");
    ImagePlan waits = plan(plan, "team-a", "steal").images().get(0);
    assertThat(waits.state()).isEqualTo(ImageState.Pending);
    assertThat(waits.problem()).isEqualTo(Reasons.ACCESS_PENDING);
    assertThat(waits.waits()).isTrue();
    assertThat(waits.digest()).isEqualTo(dg(1));
    assertThat(waits.id()).isEqualTo(id(1));
    assertThat(waits.tags()).isEmpty();
    assertThat(waits.message()).contains(ref).contains("verdict awaited");
    PushPlan push = plan(plan, "team-a", "steal").pushes().get(0);
    assertThat(push.state()).isEqualTo(PushState.Pending);
    assertThat(push.waits()).isTrue();
    assertThat(push.push()).isNull();
    assertThat(push.tag()).isNull();

    // executed, the pull succeeded: the waiting entry and push stay Pending, nothing is Degraded
    PlannedAction pull = plan.actions().get(0);
    Map<String, ActionOutcome> outcomes =
        Map.of(
            pull.key(),
            new ActionOutcome(
                pull,
                ActionOutcome.Result.SUCCEEDED,
                null,
                1,
                img(id(2), List.of("other.example/x:1"), List.of()),
                null,
                null,
                0));
    var st = StatusBuilder.build(plan, outcomes, true).get(new SpecKey("team-a", "steal"));
    assertThat(st.getImages())
        .extracting(ImageStatus::getState)
        .containsExactly(ImageState.Pending, ImageState.Present);
    assertThat(st.getPushes()).extracting(PushStatus::getState).containsExactly(PushState.Pending);
    assertThat(st.isDegraded()).isFalse();
    assertThat(st.condition("Ready").orElseThrow().getReason()).isEqualTo(Reasons.ACCESS_PENDING);
    assertThat(st.condition("Progressing").orElseThrow().getStatus()).isEqualTo("True");
    assertThat(st.condition("Progressing").orElseThrow().getMessage())
        .isEqualTo("2 images or pushes wait for an access check made once for the cluster");

    // dry run: the pull is pending too, so Ready says Pending and counts both
    var dry = StatusBuilder.build(plan, Map.of(), false).get(new SpecKey("team-a", "steal"));
    assertThat(dry.condition("Ready").orElseThrow().getReason()).isEqualTo(Reasons.PENDING);
    assertThat(dry.condition("Progressing").orElseThrow().getReason())
        .isEqualTo(Reasons.ACTIONS_PENDING);
    assertThat(dry.isDegraded()).isFalse();
  }
}
