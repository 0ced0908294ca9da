package dev.imagespec.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecValidatorTest {

  static ImageSpec valid() {
    ImageSpec s =
        ImageSpec.of(
            "team",
            "web",
            ImageSpecSpec.of(
                ImageEntry.of("reg.example/team/web:1.4")
                    .withTags("web:stable")
                    .withPlatform("linux/arm64/v8")
                    .withPush("mirror.example/team/web:1.4", "mirror-cred"),
                ImageEntry.of("busybox@sha256:" + "a".repeat(64)).withPullPolicy(PullPolicy.Always),
                ImageEntry.absent("old:1")));
    s.getSpec().setPullSecrets(List.of("regcred"));
    s.getSpec().setRefreshInterval("1h30m");
    PruneSpec p = new PruneSpec();
    p.setSchedule("0 3 * * *");
    p.setDangling(false);
    p.setOlderThan("168h");
    p.setLabels(List.of("team=web", "!keep", "tier!=db", "temp"));
    s.getSpec().setPrune(p);
    s.getSpec()
        .setNodeSelector(
            new LabelSelectorBuilder()
                .addNewMatchExpression()
                .withKey("k")
                .withOperator("In")
                .withValues("a")
                .endMatchExpression()
                .build());
    return s;
  }

  @Test
  void validSpecHasNoViolation() {
    assertThat(SpecValidator.validate(valid())).isEmpty();
  }

  @Test
  void rolloutTakesAnIntegerOrAPercentageOfTheMatchingNodes() {
    ImageSpec s = valid();
    s.getSpec().setWarmBeforeScheduling(true);
    assertThat(s.getSpec().pinOrDefault()).isTrue();
    s.getSpec().setPin(false);
    assertThat(s.getSpec().pinOrDefault()).isFalse();
    assertThat(s.getSpec().maxConcurrentNodes(10)).isNull();
    s.getSpec().setRollout(RolloutSpec.maxConcurrentNodes(2));
    assertThat(SpecValidator.validate(s)).isEmpty();
    assertThat(s.getSpec().maxConcurrentNodes(10)).isEqualTo(2);
    s.getSpec().setRollout(RolloutSpec.maxConcurrentNodes("25%"));
    assertThat(SpecValidator.validate(s)).isEmpty();
    assertThat(s.getSpec().maxConcurrentNodes(10)).isEqualTo(3);
    assertThat(s.getSpec().maxConcurrentNodes(1)).isEqualTo(1);
    for (Object bad : new Object[] {0, -1, "0%", "150%", "two", "25"}) {
      s.getSpec().setRollout(RolloutSpec.maxConcurrentNodes(bad));
      assertThat(SpecValidator.validate(s))
          .singleElement()
          .satisfies(
              v -> {
                assertThat(v.field()).isEqualTo("spec.rollout.maxConcurrentNodes");
                assertThat(v.message()).contains(String.valueOf(bad));
              });
    }
  }

  static Arguments bad(String expected, Consumer<ImageSpec> change) {
    return Arguments.of(expected, change);
  }

  static Stream<Arguments> violations() {
    return Stream.of(
        bad("metadata.name: required", s -> s.getMetadata().setName(null)),
        bad(
            "metadata.name: invalid name 'Web_1': must be a lowercase RFC 1123 subdomain",
            s -> s.getMetadata().setName("Web_1")),
        bad(
            "metadata.namespace: invalid namespace 'Team'",
            s -> s.getMetadata().setNamespace("Team")),
        bad("spec: required", s -> s.setSpec(null)),
        bad("spec.images: required: at least 1 image", s -> s.getSpec().setImages(null)),
        bad("spec.images: required: at least 1 image", s -> s.getSpec().setImages(List.of())),
        bad(
            "spec.images: too many images: 501 (at most 500)",
            s -> {
              List<ImageEntry> many = new ArrayList<>();
              for (int i = 0; i < 501; i++) {
                many.add(ImageEntry.of("img" + i + ":1"));
              }
              s.getSpec().setImages(many);
            }),
        bad("spec.images[0].image: required", s -> s.getSpec().getImages().get(0).setImage(null)),
        bad(
            "spec.images[1]: must not be null",
            s -> {
              List<ImageEntry> l = new ArrayList<>(s.getSpec().getImages());
              l.set(1, null);
              s.getSpec().setImages(l);
            }),
        bad(
            "spec.images[0].image: invalid image reference 'team/Web:1': repository name must be lowercase",
            s -> s.getSpec().getImages().get(0).setImage("team/Web:1")),
        bad(
            "spec.images[0].image: invalid image reference 'web:bad tag'",
            s -> s.getSpec().getImages().get(0).setImage("web:bad tag")),
        bad(
            "spec.images[4].image: duplicate image 'docker.io/library/busybox:latest': same as"
                + " spec.images[3].image (docker.io/library/busybox:latest)",
            s -> {
              List<ImageEntry> l = new ArrayList<>(s.getSpec().getImages());
              l.add(ImageEntry.of("busybox"));
              l.add(ImageEntry.of("docker.io/library/busybox:latest"));
              s.getSpec().setImages(l);
            }),
        bad(
            "spec.images[0].platform: invalid platform 'linux': expected os/arch[/variant]",
            s -> s.getSpec().getImages().get(0).setPlatform("linux")),
        bad(
            "spec.images[2].tags: must be empty when ensure is Absent",
            s -> s.getSpec().getImages().get(2).setTags(List.of("x:1"))),
        bad(
            "spec.images[2].pushes: must be empty when ensure is Absent",
            s -> s.getSpec().getImages().get(2).withPush("m.example/x:1", null)),
        bad(
            "spec.images[0].tags[0]: tag 'web@sha256:"
                + "b".repeat(64)
                + "' must not have a digest",
            s -> s.getSpec().getImages().get(0).setTags(List.of("web@sha256:" + "b".repeat(64)))),
        bad(
            "spec.images[0].tags[1]: duplicate reference 'docker.io/library/web:stable': same as"
                + " spec.images[0].tags[0]",
            s ->
                s.getSpec()
                    .getImages()
                    .get(0)
                    .setTags(List.of("web:stable", "docker.io/library/web:stable"))),
        bad(
            "spec.images[0].tags[0]: duplicate reference 'reg.example/team/web:1.4': same as"
                + " spec.images[0].image",
            s -> s.getSpec().getImages().get(0).setTags(List.of("reg.example/team/web:1.4"))),
        bad(
            "spec.images[0].tags[0]: invalid image reference 'Web'",
            s -> s.getSpec().getImages().get(0).setTags(List.of("Web"))),
        bad(
            "spec.images[1].tags[0]: reference 'docker.io/library/web:stable' is also declared by"
                + " spec.images[0].tags[0] (another image)",
            s -> s.getSpec().getImages().get(1).setTags(List.of("web:stable"))),
        bad(
            "spec.images[2].image: reference 'docker.io/library/web:stable' is also declared by"
                + " spec.images[0].tags[0]",
            s -> s.getSpec().getImages().get(2).setImage("web:stable")),
        bad(
            "spec.images[0].pushes[0].to: required",
            s -> s.getSpec().getImages().get(0).getPushes().get(0).setTo(null)),
        bad(
            "spec.images[0].pushes[0].to: invalid image reference 'Mirror/X'",
            s -> s.getSpec().getImages().get(0).getPushes().get(0).setTo("Mirror/X")),
        bad(
            "spec.images[0].pushes[0].to: push target 'm.example/w@sha256:"
                + "c".repeat(64)
                + "' must not have a digest",
            s ->
                s.getSpec()
                    .getImages()
                    .get(0)
                    .getPushes()
                    .get(0)
                    .setTo("m.example/w@sha256:" + "c".repeat(64))),
        bad(
            "spec.images[0].pushes[0].to: push target 'reg.example/team/web:1.4' is the image itself",
            s ->
                s.getSpec()
                    .getImages()
                    .get(0)
                    .getPushes()
                    .get(0)
                    .setTo("reg.example/team/web:1.4")),
        bad(
            "spec.images[0].pushes[1].to: duplicate push target 'mirror.example/team/web:1.4': same as"
                + " spec.images[0].pushes[0].to",
            s -> s.getSpec().getImages().get(0).withPush("mirror.example/team/web:1.4", null)),
        bad(
            "spec.images[0].pushes[0].credentialsSecret: invalid secret name 'Mirror_Cred'",
            s ->
                s.getSpec()
                    .getImages()
                    .get(0)
                    .getPushes()
                    .get(0)
                    .setCredentialsSecret("Mirror_Cred")),
        bad(
            "spec.pullSecrets[1]: invalid secret name 'Bad Name'",
            s -> s.getSpec().setPullSecrets(List.of("regcred", "Bad Name"))),
        bad(
            "spec.refreshInterval: invalid duration '10 minutes': unknown unit ' minutes'",
            s -> s.getSpec().setRefreshInterval("10 minutes")),
        bad(
            "spec.refreshInterval: invalid duration '0s': must be positive",
            s -> s.getSpec().setRefreshInterval("0s")),
        bad(
            "spec.pullTimeout: invalid duration '20 min': unknown unit ' min'",
            s -> s.getSpec().setPullTimeout("20 min")),
        bad(
            "spec.pullTimeout: invalid duration '0s': must be positive, e.g. 30m",
            s -> s.getSpec().setPullTimeout("0s")),
        bad(
            "spec.images[0].pullTimeout: invalid duration '-5m': must be positive, e.g. 30m",
            s -> s.getSpec().getImages().get(0).setPullTimeout("-5m")),
        bad(
            "spec.prune.schedule: invalid cron expression 'every day': expected 5 fields",
            s -> s.getSpec().getPrune().setSchedule("every day")),
        bad(
            "spec.prune.schedule: invalid cron expression '0 0 3 * * *': expected 5 fields",
            s -> s.getSpec().getPrune().setSchedule("0 0 3 * * *")),
        bad(
            "spec.prune.schedule: invalid cron expression '99 3 * * *'",
            s -> s.getSpec().getPrune().setSchedule("99 3 * * *")),
        bad(
            "spec.prune.olderThan: invalid duration '7d': unknown unit 'd'",
            s -> s.getSpec().getPrune().setOlderThan("7d")),
        bad(
            "spec.prune.olderThan: invalid duration '-1h': must not be negative",
            s -> s.getSpec().getPrune().setOlderThan("-1h")),
        bad(
            "spec.prune.labels[1]: invalid label filter '=x': the label key is empty",
            s -> s.getSpec().getPrune().setLabels(List.of("ok", "=x"))),
        bad(
            "spec.nodeSelector.matchExpressions[0].operator: invalid operator 'Has'",
            s -> s.getSpec().getNodeSelector().getMatchExpressions().get(0).setOperator("Has")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("violations")
  void reportsViolationWithFieldAndValue(String expected, Consumer<ImageSpec> change) {
    ImageSpec s = valid();
    change.accept(s);
    assertThat(SpecValidator.validate(s))
        .extracting(Violation::toString)
        .anyMatch(v -> v.startsWith(expected));
  }

  @Test
  void reportsEveryViolationAtOnce() {
    ImageSpec s = valid();
    s.getSpec().getImages().get(0).setImage("team/Web:1");
    s.getSpec().setRefreshInterval("soon");
    s.getSpec().getPrune().setSchedule("x");
    assertThat(SpecValidator.validate(s))
        .extracting(Violation::field)
        .containsExactly("spec.images[0].image", "spec.refreshInterval", "spec.prune.schedule");
  }

  static Secret dockerSecret(String ns, String name) {
    String json = "{\"auths\":{\"reg.example\":{\"username\":\"u\",\"password\":\"p\"}}}";
    return new SecretBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .endMetadata()
        .withType("kubernetes.io/dockerconfigjson")
        .addToData(
            ".dockerconfigjson",
            Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  @Test
  void secretReferencesMustExistInTheSameNamespace() {
    ImageSpec s = valid();
    assertThat(
            SpecValidator.validateSecretReferences(
                s, List.of(dockerSecret("team", "regcred"), dockerSecret("team", "mirror-cred"))))
        .isEmpty();
    assertThat(
            SpecValidator.validateSecretReferences(
                s, List.of(dockerSecret("team", "regcred"), dockerSecret("other", "mirror-cred"))))
        .extracting(Violation::toString)
        .containsExactly(
            "spec.images[0].pushes[0].credentialsSecret: secret 'mirror-cred' not found in namespace 'team'");
    Secret opaque =
        new SecretBuilder()
            .withNewMetadata()
            .withNamespace("team")
            .withName("regcred")
            .endMetadata()
            .withType("Opaque")
            .build();
    assertThat(
            SpecValidator.validateSecretReferences(
                s, List.of(opaque, dockerSecret("team", "mirror-cred"))))
        .extracting(Violation::toString)
        .containsExactly(
            "spec.pullSecrets[0]: secret team/regcred has type 'Opaque', expected kubernetes.io/dockerconfigjson");
  }

  @Test
  void secretsWithoutNamespaceAreInDefault() {
    ImageSpec s = ImageSpec.of(null, "x", ImageSpecSpec.of(ImageEntry.of("a:1")));
    s.getSpec().setPullSecrets(List.of("regcred"));
    assertThat(SpecValidator.validateSecretReferences(s, List.of(dockerSecret(null, "regcred"))))
        .isEmpty();
    assertThat(SpecValidator.validateSecretReferences(s, List.of()))
        .extracting(Violation::toString)
        .containsExactly("spec.pullSecrets[0]: secret 'regcred' not found in namespace 'default'");
  }
}
