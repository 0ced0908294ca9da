package dev.imagespec.reconcile;

import static dev.imagespec.reconcile.Fixtures.NOW;
import static dev.imagespec.reconcile.Fixtures.id;
import static dev.imagespec.reconcile.Fixtures.img;
import static dev.imagespec.reconcile.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.DeletionPolicy;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageState;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeletionSpecsTest {
  @Test
  void retainKeepsEverything() {
    assertThat(DeletionSpecs.removalSpec(spec("s", ImageEntry.of("a:1")))).isEmpty();
  }

  @Test
  void removeTurnsEveryDeclaredReferenceAbsentAndRespectsOtherSpecs() {
    ImageSpec s =
        spec(
            "s",
            ImageEntry.of("a:1").withTags("a:stable").withPush("m.example/a:1", null),
            ImageEntry.of("shared:1"),
            ImageEntry.absent("old:1"));
    s.getSpec().setDeletionPolicy(DeletionPolicy.Remove);
    ImageSpec removal = DeletionSpecs.removalSpec(s).orElseThrow();
    assertThat(removal.getMetadata().getName()).isEqualTo("s");
    assertThat(removal.getSpec().getImages())
        .extracting(ImageEntry::getImage, ImageEntry::getEnsure)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("docker.io/library/a:1", Ensure.Absent),
            org.assertj.core.groups.Tuple.tuple("docker.io/library/a:stable", Ensure.Absent),
            org.assertj.core.groups.Tuple.tuple("m.example/a:1", Ensure.Absent),
            org.assertj.core.groups.Tuple.tuple("docker.io/library/shared:1", Ensure.Absent));
    Plan plan =
        Planner.plan(
            PlanInput.of(
                    List.of(removal, spec("other", ImageEntry.of("shared:1"))),
                    List.of(
                        img(id(1), List.of("a:1", "a:stable", "m.example/a:1"), List.of()),
                        img(id(2), List.of("shared:1"), List.of())),
                    NOW)
                .withContainers(List.of()));
    assertThat(Fixtures.brief(plan))
        .containsExactly(
            "remove docker.io/library/a:1",
            "remove docker.io/library/a:stable",
            "remove m.example/a:1");
    assertThat(Fixtures.imagePlan(plan, "s", 3).state()).isEqualTo(ImageState.Conflict);
  }
}
