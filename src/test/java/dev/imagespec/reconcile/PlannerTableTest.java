package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.NOW;
import static dev.imagespec.reconcile.Fixtures.dg;
import static dev.imagespec.reconcile.Fixtures.id;
import static dev.imagespec.reconcile.Fixtures.img;
import static dev.imagespec.reconcile.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.PullPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner over pull policy × desired presence × reference kind × local state × registry state.
 */
class PlannerTableTest {
  static final String TAGGED = "app:1";
  static final String PINNED = "app@" + dg(1);
  static final String PINNED_WITH_TAG = "app:1@" + dg(1);
  static final String CANONICAL = "docker.io/library/app:1";

  /** What the engine has. */
  enum Local {
    /** no image at all */
    ABSENT,
    /** app:1 with RepoDigest app@D1 */
    PRESENT,
    /** app:1 with RepoDigest app@D0 (another version of the tag) */
    PRESENT_OTHER_DIGEST,
    /** as PRESENT, and a container "web" uses it */
    IN_USE,
    /** as PRESENT, with an extra tag app:old on the same image */
    PRESENT_TWO_TAGS_IN_USE
  }

  /** What the registry says about app:1. */
  enum Registry {
    SAME,
    MOVED,
    MISSING,
    UNREACHABLE
  }

  record Row(
      String image,
      PullPolicy policy,
      Ensure ensure,
      Local local,
      Registry registry,
      List<String> actions,
      ImageState state,
      int registryChecks,
      String message,
      String problem) {
    @Override
    public String toString() {
      return ensure
          + " "
          + image.replace(dg(1), "D1")
          + " "
          + policy
          + " | local "
          + local
          + " | registry "
          + registry
          + " => "
          + state
          + " "
          + actions;
    }
  }

  static Row row(
      String image,
      PullPolicy policy,
      Ensure ensure,
      Local local,
      Registry registry,
      String action,
      ImageState state,
      int checks,
      String message,
      String problem) {
    return new Row(
        image,
        policy,
        ensure,
        local,
        registry,
        action == null ? List.of() : List.of(action),
        state,
        checks,
        message,
        problem);
  }

  static Stream<Arguments> rows() {
    List<Row> rows = new ArrayList<>();
    PullPolicy ifNot = PullPolicy.IfNotPresent;
    PullPolicy always = PullPolicy.Always;
    PullPolicy never = PullPolicy.Never;
    Ensure present = Ensure.Present;
    Ensure absent = Ensure.Absent;
    String pull = "pull " + CANONICAL;
    String pullPinned = "pull docker.io/library/app@" + dg(1);
    String pullPinnedTag = "pull docker.io/library/app:1@" + dg(1);

    for (Registry r : Registry.values()) {
      // IfNotPresent: never asks the registry
      rows.add(
          row(TAGGED, ifNot, present, Local.ABSENT, r, pull, ImageState.Pending, 0, null, null));
      rows.add(
          row(TAGGED, ifNot, present, Local.PRESENT, r, null, ImageState.Present, 0, null, null));
      rows.add(
          row(
              TAGGED,
              ifNot,
              present,
              Local.PRESENT_OTHER_DIGEST,
              r,
              null,
              ImageState.Present,
              0,
              null,
              null));
      rows.add(
          row(TAGGED, ifNot, present, Local.IN_USE, r, null, ImageState.Present, 0, null, null));
      // Always + absent: pull without asking
      rows.add(
          row(TAGGED, always, present, Local.ABSENT, r, pull, ImageState.Pending, 0, null, null));
      // Never
      rows.add(
          row(
              TAGGED,
              never,
              present,
              Local.ABSENT,
              r,
              null,
              ImageState.Failed,
              0,
              "not present and pullPolicy is Never",
              "PullFailed"));
      rows.add(
          row(TAGGED, never, present, Local.PRESENT, r, null, ImageState.Present, 0, null, null));
      rows.add(
          row(
              TAGGED,
              never,
              present,
              Local.PRESENT_OTHER_DIGEST,
              r,
              null,
              ImageState.Present,
              0,
              null,
              null));
      // digest-pinned: present when a local image has that repo digest; never a registry check
      for (PullPolicy p : List.of(ifNot, always)) {
        rows.add(
            row(
                PINNED,
                p,
                present,
                Local.ABSENT,
                r,
                pullPinned,
                ImageState.Pending,
                0,
                null,
                null));
        rows.add(
            row(PINNED, p, present, Local.PRESENT, r, null, ImageState.Present, 0, null, null));
        rows.add(
            row(
                PINNED,
                p,
                present,
                Local.PRESENT_OTHER_DIGEST,
                r,
                pullPinned,
                ImageState.Pending,
                0,
                null,
                null));
        rows.add(
            row(
                PINNED_WITH_TAG,
                p,
                present,
                Local.PRESENT,
                r,
                null,
                ImageState.Present,
                0,
                null,
                null));
        rows.add(
            row(
                PINNED_WITH_TAG,
                p,
                present,
                Local.ABSENT,
                r,
                pullPinnedTag,
                ImageState.Pending,
                0,
                null,
                null));
      }
      rows.add(
          row(
              PINNED,
              never,
              present,
              Local.ABSENT,
              r,
              null,
              ImageState.Failed,
              0,
              "pullPolicy is Never",
              "PullFailed"));
      rows.add(
          row(PINNED, never, present, Local.PRESENT, r, null, ImageState.Present, 0, null, null));
      // Absent: pull policy and registry do not matter
      for (PullPolicy p : PullPolicy.values()) {
        rows.add(row(TAGGED, p, absent, Local.ABSENT, r, null, ImageState.Absent, 0, null, null));
        rows.add(
            row(
                TAGGED,
                p,
                absent,
                Local.PRESENT,
                r,
                "remove " + CANONICAL,
                ImageState.Pending,
                0,
                null,
                null));
        rows.add(
            row(
                TAGGED,
                p,
                absent,
                Local.PRESENT_OTHER_DIGEST,
                r,
                "remove " + CANONICAL,
                ImageState.Pending,
                0,
                null,
                null));
        rows.add(
            row(
                TAGGED,
                p,
                absent,
                Local.IN_USE,
                r,
                null,
                ImageState.Failed,
                0,
                "is used by container web",
                "RemoveFailed"));
        rows.add(
            row(
                TAGGED,
                p,
                absent,
                Local.PRESENT_TWO_TAGS_IN_USE,
                r,
                "remove " + CANONICAL,
                ImageState.Pending,
                0,
                null,
                null));
      }
      rows.add(
          row(
              PINNED,
              ifNot,
              absent,
              Local.PRESENT,
              r,
              "remove docker.io/library/app@" + dg(1),
              ImageState.Pending,
              0,
              null,
              null));
      rows.add(
          row(
              PINNED,
              ifNot,
              absent,
              Local.PRESENT_OTHER_DIGEST,
              r,
              null,
              ImageState.Absent,
              0,
              null,
              null));
    }
    // Always + present: the registry decides
    rows.add(
        row(
            TAGGED,
            always,
            present,
            Local.PRESENT,
            Registry.SAME,
            null,
            ImageState.Present,
            1,
            null,
            null));
    rows.add(
        row(
            TAGGED,
            always,
            present,
            Local.PRESENT,
            Registry.MOVED,
            pull,
            ImageState.Pending,
            1,
            null,
            null));
    rows.add(
        row(
            TAGGED,
            always,
            present,
            Local.PRESENT,
            Registry.MISSING,
            null,
            ImageState.Present,
            1,
            "registry has no tag '1'",
            "RegistryCheckFailed"));
    rows.add(
        row(
            TAGGED,
            always,
            present,
            Local.PRESENT,
            Registry.UNREACHABLE,
            null,
            ImageState.Present,
            1,
            "registry check failed: dial tcp",
            "RegistryCheckFailed"));
    rows.add(
        row(
            TAGGED,
            always,
            present,
            Local.PRESENT_OTHER_DIGEST,
            Registry.SAME,
            pull,
            ImageState.Pending,
            1,
            null,
            null));
    rows.add(
        row(
            TAGGED,
            always,
            present,
            Local.PRESENT_OTHER_DIGEST,
            Registry.UNREACHABLE,
            null,
            ImageState.Present,
            1,
            "registry check failed",
            "RegistryCheckFailed"));
    rows.add(
        row(
            TAGGED,
            always,
            present,
            Local.IN_USE,
            Registry.MOVED,
            pull,
            ImageState.Pending,
            1,
            null,
            null));
    return rows.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void plans(Row row) {
    ImageEntry entry = ImageEntry.of(row.image()).withPullPolicy(row.policy());
    entry.setEnsure(row.ensure());
    List<LocalImage> images = new ArrayList<>();
    List<ContainerRef> containers = new ArrayList<>();
    switch (row.local()) {
      case ABSENT -> {}
      case PRESENT -> images.add(img(id(1), List.of("app:1"), List.of("app@" + dg(1))));
      case PRESENT_OTHER_DIGEST ->
          images.add(img(id(1), List.of("app:1"), List.of("app@" + dg(0))));
      case IN_USE -> {
        images.add(img(id(1), List.of("app:1"), List.of("app@" + dg(1))));
        containers.add(Fixtures.container("web", id(1)));
      }
      case PRESENT_TWO_TAGS_IN_USE -> {
        images.add(img(id(1), List.of("app:1", "app:old"), List.of("app@" + dg(1))));
        containers.add(Fixtures.container("web", id(1)));
      }
    }
    PlanInput input = PlanInput.of(List.of(spec("s", entry)), images, NOW);

    // phase 1: which registry lookups are needed
    List<RegistryCheck> checks = Planner.registryChecks(input);
    assertThat(checks).hasSize(row.registryChecks());
    Map<String, RegistryAnswer> answers = new HashMap<>();
    for (RegistryCheck c : checks) {
      assertThat(c.key()).isEqualTo(CANONICAL);
      answers.put(
          c.key(),
          switch (row.registry()) {
            case SAME -> RegistryAnswer.found(dg(1));
            case MOVED -> RegistryAnswer.found(dg(2));
            case MISSING -> RegistryAnswer.missing();
            case UNREACHABLE -> RegistryAnswer.error("dial tcp 10.0.0.1:443: connect: refused");
          });
    }
    input = input.withRegistry(answers);
    boolean removing =
        row.ensure() == Ensure.Absent
            && (!row.actions().isEmpty() || "RemoveFailed".equals(row.problem()));
    assertThat(Planner.needsContainers(input)).isEqualTo(removing);
    if (Planner.needsContainers(input)) {
      input = input.withContainers(containers);
    }

    Plan plan = Planner.plan(input);

    assertThat(Fixtures.brief(plan)).containsExactlyElementsOf(row.actions());
    ImagePlan ip = Fixtures.imagePlan(plan, "s", 0);
    assertThat(ip.state()).isEqualTo(row.state());
    if (row.message() != null) {
      assertThat(ip.message()).contains(row.message());
    }
    assertThat(ip.problem()).isEqualTo(row.problem());
    if (row.policy() == PullPolicy.Always
        && row.ensure() == Ensure.Present
        && row.registryChecks() > 0) {
      // lastChecked is recorded when the registry answered, kept (here: none) when it failed
      assertThat(ip.lastChecked()).isEqualTo(row.registry() == Registry.UNREACHABLE ? null : NOW);
    }
    if (row.state() == ImageState.Present) {
      assertThat(ip.id()).isEqualTo(id(1));
    }
  }
}
