package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.NOW;
import static dev.imagespec.reconcile.Fixtures.brief;
import static dev.imagespec.reconcile.Fixtures.dg;
import static dev.imagespec.reconcile.Fixtures.id;
import static dev.imagespec.reconcile.Fixtures.imagePlan;
import static dev.imagespec.reconcile.Fixtures.img;
import static dev.imagespec.reconcile.Fixtures.key;
import static dev.imagespec.reconcile.Fixtures.pushPlan;
import static dev.imagespec.reconcile.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.PullPolicy;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.PushStatus;
import dev.imagespec.spec.SpecKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PlannerTest {

  private static Plan plan(List<ImageSpec> specs, List<LocalImage> images) {
    return Planner.plan(PlanInput.of(specs, images, NOW));
  }

  @Nested
  class Normalisation {
    @Test
    void familiarFullyQualifiedAndPodmanNamesMatchTheSpec() {
      List<LocalImage> images =
          List.of(
              img(id(1), List.of("busybox:latest"), List.of()),
              img(id(2), List.of("127.0.0.1:5000/a/b:1"), List.of()),
              img(id(3), List.of("localhost/x:1"), List.of()),
              img(id(4), List.of("docker.io/library/alpine:3.20"), List.of()),
              img(id(5), List.of("<none>:<none>"), List.of("<none>@<none>")));
      Plan plan =
          plan(
              List.of(
                  spec(
                      "s",
                      ImageEntry.of("docker.io/library/busybox"),
                      ImageEntry.of("127.0.0.1:5000/a/b:1"),
                      ImageEntry.of("localhost/x:1"),
                      ImageEntry.of("alpine:3.20"))),
              images);
      assertThat(plan.isEmpty()).isTrue();
      assertThat(plan.toJson()).isEmpty();
      assertThat(plan.spec(key("s")).orElseThrow().images())
          .extracting(ImagePlan::state, ImagePlan::id)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(ImageState.Present, id(1)),
              org.assertj.core.groups.Tuple.tuple(ImageState.Present, id(2)),
              org.assertj.core.groups.Tuple.tuple(ImageState.Present, id(3)),
              org.assertj.core.groups.Tuple.tuple(ImageState.Present, id(4)));
    }

    @Test
    void shortNameIsNotPodmansLocalhostName() {
      Plan plan =
          plan(
              List.of(spec("s", ImageEntry.of("x:1"))),
              List.of(img(id(1), List.of("localhost/x:1"), List.of())));
      assertThat(brief(plan)).containsExactly("pull docker.io/library/x:1");
    }

    @Test
    void invalidEntryFailsWithoutStoppingTheOthers() {
      Plan plan =
          plan(List.of(spec("s", ImageEntry.of("Bad Ref"), ImageEntry.of("a:1"))), List.of());
      assertThat(imagePlan(plan, "s", 0).state()).isEqualTo(ImageState.Failed);
      assertThat(imagePlan(plan, "s", 0).problem()).isEqualTo("InvalidSpec");
      assertThat(imagePlan(plan, "s", 0).message()).contains("Bad Ref");
      assertThat(brief(plan)).containsExactly("pull docker.io/library/a:1");
    }
  }

  @Nested
  class CrossSpec {
    @Test
    void aSharedPullTakesTheMostGenerousDeadlineOfItsEntries() {
      ImageSpec quick = spec("quick", ImageEntry.of("busybox:1").withPullTimeout("1m"));
      ImageSpec slow = spec("slow", ImageEntry.of("busybox:1"));
      slow.getSpec().setPullTimeout("2h");
      ImageSpec none = spec("none", ImageEntry.of("busybox:1"));

      PlannedAction.Details both = plan(List.of(quick, slow), List.of()).actions().get(0).details();
      assertThat(both.timeout()).isEqualTo(java.time.Duration.ofHours(2));
      assertThat(both.orDefault()).isFalse();

      // an entry without pullTimeout gets the executor's default, when that is longer than 1m
      PlannedAction.Details withDefault =
          plan(List.of(quick, none), List.of()).actions().get(0).details();
      assertThat(withDefault.timeout()).isEqualTo(java.time.Duration.ofMinutes(1));
      assertThat(withDefault.orDefault()).isTrue();

      PlannedAction.Details onlyDefault = plan(List.of(none), List.of()).actions().get(0).details();
      assertThat(onlyDefault.timeout()).isNull();
    }

    @Test
    void imageWantedBySeveralSpecsIsPulledOnce() {
      Plan plan =
          plan(
              List.of(
                  spec("b", ImageEntry.of("docker.io/library/busybox:latest")),
                  spec("a", ImageEntry.of("busybox")),
                  spec(
                      "other",
                      "c",
                      ImageEntry.of("busybox:latest").withPullPolicy(PullPolicy.Always))),
              List.of());
      assertThat(brief(plan)).containsExactly("pull docker.io/library/busybox:latest");
      PlannedAction pull = plan.actions().get(0);
      assertThat(pull.spec()).isEqualTo(key("a"));
      assertThat(pull.sharedWith()).containsExactly(key("b"), new SpecKey("other", "c"));
      assertThat(pull.reason()).isEqualTo("not present");
      for (SpecPlan sp : plan.specs()) {
        assertThat(sp.images().get(0).state()).isEqualTo(ImageState.Pending);
        assertThat(sp.images().get(0).pull()).isEqualTo(pull);
      }
    }

    @Test
    void pullUsesCredentialsOfASpecThatHasPullSecretsAndTheFirstPlatform() {
      ImageSpec a = spec("a", ImageEntry.of("reg.example/p/app:1"));
      ImageSpec b = spec("b", ImageEntry.of("reg.example/p/app:1").withPlatform("linux/arm64"));
      b.getSpec().setPullSecrets(List.of("regcred"));
      Plan plan = plan(List.of(a, b), List.of());
      PlannedAction pull = plan.actions().get(0);
      assertThat(pull.spec()).isEqualTo(key("a"));
      assertThat(pull.details().secretNames()).containsExactly("regcred");
      assertThat(pull.details().namespace()).isEqualTo("default");
      assertThat(pull.details().platform()).isEqualTo("linux/arm64");
    }

    @Test
    void presentInOneSpecAndAbsentInAnotherIsAConflictOnBothAndNothingHappens() {
      List<LocalImage> images = List.of(img(id(1), List.of("busybox:latest"), List.of()));
      List<ImageSpec> specs =
          List.of(
              spec("keep", ImageEntry.of("busybox")),
              spec("drop", ImageEntry.absent("docker.io/library/busybox:latest")));
      PlanInput in = PlanInput.of(specs, images, NOW);
      assertThat(Planner.needsContainers(in)).isFalse();
      Plan plan = Planner.plan(in);
      assertThat(plan.actions()).isEmpty();
      for (String s : List.of("keep", "drop")) {
        ImagePlan ip = imagePlan(plan, s, 0);
        assertThat(ip.state()).isEqualTo(ImageState.Conflict);
        assertThat(ip.problem()).isEqualTo("Conflict");
        assertThat(ip.message())
            .contains("'docker.io/library/busybox:latest' is Present in default/keep")
            .contains("Absent in default/drop");
      }
      // and nothing is pulled either when the image is missing
      assertThat(plan(specs, List.of()).actions()).isEmpty();
    }

    @Test
    void absentReferenceThatAnotherSpecWantsAsTagOrPushTargetConflicts() {
      List<ImageSpec> specs =
          List.of(
              spec(
                  "a",
                  ImageEntry.of("web:1.4")
                      .withTags("web:stable")
                      .withPush("mirror.example/web:1.4", null)),
              spec(
                  "b",
                  ImageEntry.absent("web:stable"),
                  ImageEntry.absent("mirror.example/web:1.4")));
      Plan plan = plan(specs, List.of(img(id(1), List.of("web:1.4", "web:stable"), List.of())));
      assertThat(plan.actions()).isEmpty();
      assertThat(imagePlan(plan, "a", 0).state()).isEqualTo(ImageState.Conflict);
      assertThat(imagePlan(plan, "b", 0).state()).isEqualTo(ImageState.Conflict);
      assertThat(imagePlan(plan, "b", 1).state()).isEqualTo(ImageState.Conflict);
      assertThat(pushPlan(plan, "a", 0).state()).isEqualTo(PushState.Conflict);
    }

    @Test
    void sameReferenceDeclaredForDifferentImagesConflicts() {
      List<ImageSpec> specs =
          List.of(
              spec("a", ImageEntry.of("web:1.4").withTags("web:stable")),
              spec("b", ImageEntry.of("web:1.5").withTags("web:stable")),
              spec("c", ImageEntry.of("web:stable")),
              spec("d", ImageEntry.of("web:1.4").withTags("web:stable")));
      Plan plan = plan(specs, List.of());
      for (String s : List.of("a", "b", "c", "d")) {
        assertThat(imagePlan(plan, s, 0).state()).as(s).isEqualTo(ImageState.Conflict);
        assertThat(imagePlan(plan, s, 0).message()).contains("declared for different images");
      }
      assertThat(plan.actions()).isEmpty();
    }

    @Test
    void sameTagForTheSameImageInTwoSpecsIsFine() {
      List<ImageSpec> specs =
          List.of(
              spec("a", ImageEntry.of("web:1.4").withTags("web:stable")),
              spec("b", ImageEntry.of("web:1.4").withTags("web:stable")));
      Plan plan = plan(specs, List.of(img(id(1), List.of("web:1.4"), List.of())));
      assertThat(brief(plan))
          .containsExactly("tag docker.io/library/web:1.4 -> docker.io/library/web:stable");
      assertThat(plan.actions().get(0).sharedWith()).containsExactly(key("b"));
    }

    @Test
    void removingTheOnlyTagOfAnImageAnotherSpecNeedsIsAConflict() {
      // busybox@D1 (Present) and busybox:latest (Absent) are the same local image
      List<LocalImage> images =
          List.of(img(id(1), List.of("busybox:latest"), List.of("busybox@" + dg(1))));
      List<ImageSpec> specs =
          List.of(
              spec("pinned", ImageEntry.of("busybox@" + dg(1))),
              spec("drop", ImageEntry.absent("busybox:latest")));
      Plan plan = plan(specs, images);
      assertThat(plan.actions()).isEmpty();
      assertThat(imagePlan(plan, "drop", 0).state()).isEqualTo(ImageState.Conflict);
      assertThat(imagePlan(plan, "drop", 0).message()).contains("would delete image");
      assertThat(imagePlan(plan, "pinned", 0).state()).isEqualTo(ImageState.Conflict);
    }

    @Test
    void untaggingAReferenceOfAnImageAnotherSpecNeedsIsFine() {
      List<LocalImage> images = List.of(img(id(1), List.of("app:1", "app:old"), List.of()));
      Plan plan =
          plan(
              List.of(
                  spec("keep", ImageEntry.of("app:1")), spec("drop", ImageEntry.absent("app:old"))),
              images);
      assertThat(brief(plan)).containsExactly("remove docker.io/library/app:old");
      assertThat(plan.actions().get(0).reason()).contains("untag only");
      assertThat(imagePlan(plan, "keep", 0).state()).isEqualTo(ImageState.Present);
    }

    @Test
    void absentInTwoSpecsIsRemovedOnce() {
      Plan plan =
          plan(
              List.of(spec("a", ImageEntry.absent("old:1")), spec("b", ImageEntry.absent("old:1"))),
              List.of(img(id(1), List.of("old:1"), List.of())));
      assertThat(brief(plan)).containsExactly("remove docker.io/library/old:1");
      assertThat(plan.actions().get(0).sharedWith()).containsExactly(key("b"));
    }

    @Test
    void onePassFor200SpecsOf5ImagesIsPlannedFromTheListAlone() {
      List<ImageSpec> specs = new java.util.ArrayList<>();
      List<LocalImage> images = new java.util.ArrayList<>();
      for (int s = 0; s < 200; s++) {
        ImageEntry[] entries = new ImageEntry[5];
        for (int i = 0; i < 5; i++) {
          entries[i] = ImageEntry.of("reg.example/team" + s + "/app" + i + ":1");
          images.add(
              img(id(s * 10 + i), List.of("reg.example/team" + s + "/app" + i + ":1"), List.of()));
        }
        specs.add(spec("s" + s, entries));
      }
      PlanInput in = PlanInput.of(specs, images, NOW);
      assertThat(Planner.registryChecks(in)).isEmpty();
      assertThat(Planner.needsContainers(in)).isFalse();
      long start = System.nanoTime();
      Plan plan = Planner.plan(in);
      assertThat(plan.isEmpty()).isTrue();
      assertThat(plan.specs()).hasSize(200);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Nested
  class Tags {
    @Test
    void tagsAreAddedWhenMissingOrPointingElsewhere() {
      List<LocalImage> images =
          List.of(
              img(id(1), List.of("web:1.4", "web:ok"), List.of()),
              img(id(2), List.of("web:stable"), List.of()));
      Plan plan =
          plan(
              List.of(
                  spec("s", ImageEntry.of("web:1.4").withTags("web:stable", "web:new", "web:ok"))),
              images);
      assertThat(brief(plan))
          .containsExactly(
              "tag docker.io/library/web:1.4 -> docker.io/library/web:stable",
              "tag docker.io/library/web:1.4 -> docker.io/library/web:new");
      assertThat(plan.actions().get(0).reason()).startsWith("points at " + Ids.shortId(id(2)));
      assertThat(plan.actions().get(1).reason()).isEqualTo("missing");
      assertThat(plan.actions().get(0).details().sourceId()).isEqualTo(id(1));
      assertThat(imagePlan(plan, "s", 0).state()).isEqualTo(ImageState.Pending);
    }

    @Test
    void tagsFollowAPullInOrder() {
      Plan plan =
          plan(List.of(spec("s", ImageEntry.of("web:1.4").withTags("web:stable"))), List.of());
      assertThat(brief(plan))
          .containsExactly(
              "pull docker.io/library/web:1.4",
              "tag docker.io/library/web:1.4 -> docker.io/library/web:stable");
      assertThat(plan.actions().get(1).reason()).isEqualTo("after pull");
    }

    @Test
    void convergedTagsPlanNothing() {
      Plan plan =
          plan(
              List.of(spec("s", ImageEntry.of("web:1.4").withTags("web:stable"))),
              List.of(img(id(1), List.of("web:1.4", "web:stable"), List.of())));
      assertThat(plan.isEmpty()).isTrue();
      assertThat(imagePlan(plan, "s", 0).state()).isEqualTo(ImageState.Present);
    }
  }

  @Nested
  class Always {
    private ImageSpecStatus checkedAt(String image, java.time.Instant when) {
      ImageSpecStatus st = new ImageSpecStatus();
      st.setImages(
          List.of(new ImageStatus(image, ImageState.Present, id(1), dg(1), null, when.toString())));
      return st;
    }

    @Test
    void registryIsAskedAtMostEveryRefreshInterval() {
      ImageSpec s = spec("s", ImageEntry.of("app:1").withPullPolicy(PullPolicy.Always));
      s.getSpec().setRefreshInterval("1h");
      List<LocalImage> images = List.of(img(id(1), List.of("app:1"), List.of("app@" + dg(1))));
      PlanInput recent =
          PlanInput.of(List.of(s), images, NOW)
              .withPrevious(Map.of(key("s"), checkedAt("app:1", NOW.minusSeconds(3599))));
      assertThat(Planner.registryChecks(recent)).isEmpty();
      Plan plan = Planner.plan(recent);
      assertThat(imagePlan(plan, "s", 0).lastChecked()).isEqualTo(NOW.minusSeconds(3599));
      assertThat(imagePlan(plan, "s", 0).state()).isEqualTo(ImageState.Present);

      PlanInput due =
          PlanInput.of(List.of(s), images, NOW)
              .withPrevious(
                  Map.of(key("s"), checkedAt("docker.io/library/app:1", NOW.minusSeconds(3600))));
      assertThat(Planner.registryChecks(due))
          .extracting(RegistryCheck::key)
          .containsExactly("docker.io/library/app:1");
    }

    @Test
    void defaultRefreshIntervalIsFiveMinutesAndConfigurable() {
      ImageSpec s = spec("s", ImageEntry.of("app:1").withPullPolicy(PullPolicy.Always));
      List<LocalImage> images = List.of(img(id(1), List.of("app:1"), List.of("app@" + dg(1))));
      PlanInput in =
          PlanInput.of(List.of(s), images, NOW)
              .withPrevious(Map.of(key("s"), checkedAt("app:1", NOW.minusSeconds(299))));
      assertThat(Planner.registryChecks(in)).isEmpty();
      assertThat(Planner.registryChecks(in.withDefaultRefreshInterval(Duration.ofSeconds(60))))
          .hasSize(1);
    }

    @Test
    void previousStatusComesFromTheSpecWhenNotPassed() {
      ImageSpec s = spec("s", ImageEntry.of("app:1").withPullPolicy(PullPolicy.Always));
      s.setStatus(checkedAt("app:1", NOW.minusSeconds(10)));
      List<LocalImage> images = List.of(img(id(1), List.of("app:1"), List.of("app@" + dg(1))));
      assertThat(Planner.registryChecks(PlanInput.of(List.of(s), images, NOW))).isEmpty();
    }

    @Test
    void pullPolicyDefaultsToTheSpecs() {
      ImageSpec s =
          spec(
              "s",
              ImageEntry.of("app:1"),
              ImageEntry.of("b:1").withPullPolicy(PullPolicy.IfNotPresent));
      s.getSpec().setPullPolicy(PullPolicy.Always);
      s.getSpec().setPullSecrets(List.of("regcred"));
      List<LocalImage> images =
          List.of(
              img(id(1), List.of("app:1"), List.of("app@" + dg(1))),
              img(id(2), List.of("b:1"), List.of()));
      List<RegistryCheck> checks = Planner.registryChecks(PlanInput.of(List.of(s), images, NOW));
      assertThat(checks).extracting(RegistryCheck::key).containsExactly("docker.io/library/app:1");
      assertThat(checks.get(0).secretNames()).containsExactly("regcred");
      assertThat(checks.get(0).purpose()).isEqualTo(RegistryCheck.Purpose.PULL);
    }

    @Test
    void movedDigestPullsAndSaysWhy() {
      ImageSpec s = spec("s", ImageEntry.of("app:1").withPullPolicy(PullPolicy.Always));
      List<LocalImage> images = List.of(img(id(1), List.of("app:1"), List.of("app@" + dg(1))));
      Plan plan =
          Planner.plan(
              PlanInput.of(List.of(s), images, NOW)
                  .withRegistry(Map.of("docker.io/library/app:1", RegistryAnswer.found(dg(2)))));
      assertThat(plan.actions().get(0).reason())
          .isEqualTo("registry digest moved to " + dg(2) + " (local " + dg(1) + ")");
    }
  }

  @Nested
  class Pushes {
    private final List<LocalImage> present =
        List.of(img(id(1), List.of("web:1.4"), List.of("web@" + dg(1))));

    private ImageSpec pushing() {
      return spec(
          "s", ImageEntry.of("web:1.4").withPush("mirror.example/team/web:1.4", "mirror-cred"));
    }

    @Test
    void pushNeededWhenTargetMissing() {
      PlanInput in = PlanInput.of(List.of(pushing()), present, NOW);
      List<RegistryCheck> checks = Planner.registryChecks(in);
      assertThat(checks).hasSize(1);
      assertThat(checks.get(0).key()).isEqualTo("mirror.example/team/web:1.4");
      assertThat(checks.get(0).secretNames()).containsExactly("mirror-cred");
      assertThat(checks.get(0).purpose()).isEqualTo(RegistryCheck.Purpose.PUSH);
      Plan plan =
          Planner.plan(in.withRegistry(Map.of(checks.get(0).key(), RegistryAnswer.missing())));
      assertThat(brief(plan))
          .containsExactly(
              "tag docker.io/library/web:1.4 -> mirror.example/team/web:1.4",
              "push docker.io/library/web:1.4 -> mirror.example/team/web:1.4");
      PlannedAction push = plan.actions().get(1);
      assertThat(push.reason()).isEqualTo("not in the target registry");
      assertThat(push.details().secretNames()).containsExactly("mirror-cred");
      assertThat(pushPlan(plan, "s", 0).state()).isEqualTo(PushState.Pending);
      assertThat(pushPlan(plan, "s", 0).tag()).isEqualTo(plan.actions().get(0));
      assertThat(pushPlan(plan, "s", 0).push()).isEqualTo(push);
    }

    @Test
    void pushSkippedWhenTargetHoldsADigestOfTheLocalImage() {
      List<LocalImage> images =
          List.of(
              img(
                  id(1),
                  List.of("web:1.4", "mirror.example/team/web:1.4"),
                  List.of("web@" + dg(1), "mirror.example/team/web@" + dg(7))));
      Plan plan =
          Planner.plan(
              PlanInput.of(List.of(pushing()), images, NOW)
                  .withRegistry(
                      Map.of("mirror.example/team/web:1.4", RegistryAnswer.found(dg(7)))));
      assertThat(plan.isEmpty()).isTrue();
      PushPlan pp = pushPlan(plan, "s", 0);
      assertThat(pp.state()).isEqualTo(PushState.Pushed);
      assertThat(pp.digest()).isEqualTo(dg(7));
      assertThat(pp.lastChecked()).isEqualTo(NOW);
    }

    @Test
    void pushSkippedWhenTargetHoldsTheSameImageUnderAnotherManifestDigest() {
      // The registry's manifest digest is unknown locally (another compression), but its config
      // digest is the local image ID: the same image, nothing to push.
      Plan plan =
          Planner.plan(
              PlanInput.of(List.of(pushing()), present, NOW)
                  .withRegistry(
                      Map.of("mirror.example/team/web:1.4", RegistryAnswer.found(dg(8), id(1)))));
      assertThat(brief(plan)).isEmpty();
      assertThat(pushPlan(plan, "s", 0).state()).isEqualTo(PushState.Pushed);
      assertThat(pushPlan(plan, "s", 0).digest()).isEqualTo(dg(8));
    }

    @Test
    void pushNeededWhenTargetHoldsAnotherImage() {
      Plan plan =
          Planner.plan(
              PlanInput.of(List.of(pushing()), present, NOW)
                  .withRegistry(
                      Map.of("mirror.example/team/web:1.4", RegistryAnswer.found(dg(8), id(2)))));
      assertThat(brief(plan)).anyMatch(a -> a.startsWith("push "));
    }

    @Test
    void pushSkippedWhenTargetHoldsThePreviouslyPushedDigestOfTheSameImage() {
      ImageSpec s = pushing();
      ImageSpecStatus prev = new ImageSpecStatus();
      prev.setPushes(
          List.of(
              new PushStatus(
                  "web:1.4",
                  "mirror.example/team/web:1.4",
                  PushState.Pushed,
                  dg(7),
                  id(1),
                  null,
                  NOW.minus(Duration.ofHours(2)).toString())));
      PlanInput in =
          PlanInput.of(List.of(s), present, NOW)
              .withPrevious(Map.of(key("s"), prev))
              .withRegistry(Map.of("mirror.example/team/web:1.4", RegistryAnswer.found(dg(7))));
      assertThat(Planner.plan(in).isEmpty()).isTrue();
      // another local image (the source moved): push again
      PlanInput moved =
          PlanInput.of(
                  List.of(s), List.of(img(id(2), List.of("web:1.4"), List.of("web@" + dg(2)))), NOW)
              .withPrevious(Map.of(key("s"), prev))
              .withRegistry(Map.of("mirror.example/team/web:1.4", RegistryAnswer.found(dg(7))));
      assertThat(brief(Planner.plan(moved)))
          .contains("push docker.io/library/web:1.4 -> mirror.example/team/web:1.4");
    }

    @Test
    void recentlyVerifiedPushIsNotCheckedAgain() {
      ImageSpecStatus prev = new ImageSpecStatus();
      prev.setPushes(
          List.of(
              new PushStatus(
                  "web:1.4",
                  "mirror.example/team/web:1.4",
                  PushState.Pushed,
                  dg(7),
                  id(1),
                  null,
                  NOW.minusSeconds(60).toString())));
      PlanInput in =
          PlanInput.of(List.of(pushing()), present, NOW).withPrevious(Map.of(key("s"), prev));
      assertThat(Planner.registryChecks(in)).isEmpty();
      Plan plan = Planner.plan(in);
      assertThat(plan.isEmpty()).isTrue();
      assertThat(pushPlan(plan, "s", 0).state()).isEqualTo(PushState.Pushed);
      assertThat(pushPlan(plan, "s", 0).digest()).isEqualTo(dg(7));
    }

    @Test
    void pushNeededWhenTargetHoldsAnotherDigestOrCheckFailed() {
      for (RegistryAnswer a :
          List.of(RegistryAnswer.found(dg(9)), RegistryAnswer.error("unauthorized"))) {
        Plan plan =
            Planner.plan(
                PlanInput.of(List.of(pushing()), present, NOW)
                    .withRegistry(Map.of("mirror.example/team/web:1.4", a)));
        assertThat(brief(plan)).hasSize(2).last().asString().startsWith("push ");
      }
    }

    @Test
    void localTargetTagPointingAtTheImageIsNotTaggedAgain() {
      List<LocalImage> images =
          List.of(img(id(1), List.of("web:1.4", "mirror.example/team/web:1.4"), List.of()));
      Plan plan =
          Planner.plan(
              PlanInput.of(List.of(pushing()), images, NOW)
                  .withRegistry(Map.of("mirror.example/team/web:1.4", RegistryAnswer.missing())));
      assertThat(brief(plan))
          .containsExactly("push docker.io/library/web:1.4 -> mirror.example/team/web:1.4");
    }

    @Test
    void imagePulledInThisPassIsPushedWithoutAsking() {
      PlanInput in = PlanInput.of(List.of(pushing()), List.of(), NOW);
      assertThat(Planner.registryChecks(in)).isEmpty();
      assertThat(brief(Planner.plan(in)))
          .containsExactly(
              "pull docker.io/library/web:1.4",
              "tag docker.io/library/web:1.4 -> mirror.example/team/web:1.4",
              "push docker.io/library/web:1.4 -> mirror.example/team/web:1.4");
    }

    @Test
    void orderIsPullThenTagsThenPushesPerImage() {
      ImageSpec s =
          spec(
              "s",
              ImageEntry.of("a:1").withTags("a:stable").withPush("m.example/a:1", null),
              ImageEntry.of("b:1").withPush("m.example/b:1", null),
              ImageEntry.absent("old:1"));
      Plan plan = plan(List.of(s), List.of(img(id(9), List.of("old:1"), List.of())));
      assertThat(brief(plan))
          .containsExactly(
              "pull docker.io/library/a:1",
              "tag docker.io/library/a:1 -> docker.io/library/a:stable",
              "tag docker.io/library/a:1 -> m.example/a:1",
              "push docker.io/library/a:1 -> m.example/a:1",
              "pull docker.io/library/b:1",
              "tag docker.io/library/b:1 -> m.example/b:1",
              "push docker.io/library/b:1 -> m.example/b:1",
              "remove docker.io/library/old:1");
    }

    @Test
    void neverMissingImageFailsItsPushes() {
      Plan plan =
          plan(
              List.of(
                  spec(
                      "s",
                      ImageEntry.of("web:1.4")
                          .withPullPolicy(PullPolicy.Never)
                          .withPush("m.example/w:1", null))),
              List.of());
      assertThat(plan.isEmpty()).isTrue();
      assertThat(pushPlan(plan, "s", 0).state()).isEqualTo(PushState.Failed);
    }
  }

  @Nested
  class Json {
    @Test
    void planJsonHasSpecActionImageReasonAndTargetOnlyWhenThereIsOne() throws Exception {
      Plan plan =
          plan(
              List.of(spec("team", "web", ImageEntry.of("web:1.4").withTags("web:stable"))),
              List.of());
      String json = new ObjectMapper().writeValueAsString(plan.toJson());
      assertThat(json)
          .isEqualTo(
              "[{\"spec\":\"team/web\",\"action\":\"pull\",\"image\":\"docker.io/library/web:1.4\","
                  + "\"reason\":\"not present\"},"
                  + "{\"spec\":\"team/web\",\"action\":\"tag\",\"image\":\"docker.io/library/web:1.4\","
                  + "\"target\":\"docker.io/library/web:stable\",\"reason\":\"after pull\"}]");
      assertThat(new ObjectMapper().writeValueAsString(plan(List.of(), List.of()).toJson()))
          .isEqualTo("[]");
    }

    @Test
    void describeIsReadable() {
      PlannedAction a =
          new PlannedAction(
              key("s"),
              ActionKind.PUSH,
              "docker.io/library/a:1",
              "m.example/a:1",
              "not in the target registry");
      assertThat(a.describe())
          .isEqualTo("push docker.io/library/a:1 to m.example/a:1 (not in the target registry)");
      assertThat(ActionKind.PRUNE.jsonName()).isEqualTo("prune");
    }
  }
}
