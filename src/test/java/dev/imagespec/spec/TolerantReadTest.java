package dev.imagespec.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/**
 * ImageSpecs and ImageNodes as the operator reads them from the API server (the Kubernetes client's
 * own serialization, as its informers use it): unknown fields ignored, a spec that does not bind
 * kept as unreadable with field, value and what to do; a status that does not bind read as none.
 */
class TolerantReadTest {
  private final KubernetesSerialization k8s = new KubernetesSerialization();

  private static String spec(String spec, String status) {
    return "{\"apiVersion\":\"imagespec.dev/v1alpha1\",\"kind\":\"ImageSpec\","
        + "\"metadata\":{\"name\":\"s\",\"namespace\":\"default\",\"generation\":2},"
        + "\"spec\":"
        + spec
        + (status == null ? "" : ",\"status\":" + status)
        + "}";
  }

  @Test
  void unknownFieldsAreIgnoredAndTheRestKept() {
    ImageSpec s =
        k8s.unmarshal(
            spec(
                "{\"images\":[{\"image\":\"a:1\",\"futureEntryField\":true}],"
                    + "\"pullPolicy\":\"Always\",\"futureField\":{\"x\":[1]}}",
                "{\"observedGeneration\":2,\"futureStatus\":\"x\","
                    + "\"images\":[{\"image\":\"a:1\",\"state\":\"Present\",\"new\":1}]}"),
            ImageSpec.class);
    assertThat(s.getSpec().unreadable()).isNull();
    assertThat(s.getSpec().getImages()).extracting(ImageEntry::getImage).containsExactly("a:1");
    assertThat(s.getSpec().getPullPolicy()).isEqualTo(PullPolicy.Always);
    assertThat(s.getStatus().getObservedGeneration()).isEqualTo(2L);
    assertThat(s.getStatus().getImages().get(0).getState()).isEqualTo(ImageState.Present);
    assertThat(SpecValidator.validate(s)).isEmpty();
  }

  @Test
  void aWrongTypeMakesTheSpecUnreadableNamingFieldValueAndWhatToDo() {
    ImageSpec s =
        k8s.unmarshal(
            spec("{\"images\":5,\"nodeSelector\":{\"matchLabels\":{\"a\":\"b\"}}}", null),
            ImageSpec.class);
    Violation v = s.getSpec().unreadable();
    assertThat(v.field()).isEqualTo("spec.images");
    assertThat(v.message()).contains("cannot read 5", "expected a list", "correct the field");
    assertThat(s.getSpec().getNodeSelector().getMatchLabels()).containsEntry("a", "b");
    assertThat(SpecValidator.validate(s)).containsExactly(v);

    ImageSpec interval =
        k8s.unmarshal(
            spec("{\"images\":[{\"image\":\"a:1\"}],\"refreshInterval\":{\"a\":1}}", null),
            ImageSpec.class);
    assertThat(interval.getSpec().unreadable().toString())
        .startsWith("spec.refreshInterval: cannot read {\"a\":1}: expected a string");

    ImageSpec policy =
        k8s.unmarshal(
            spec("{\"images\":[{\"image\":\"a:1\",\"pullPolicy\":\"Sometimes\"}]}", null),
            ImageSpec.class);
    assertThat(policy.getSpec().unreadable().toString())
        .startsWith("spec.images[0].pullPolicy: cannot read \"Sometimes\": expected one of");
  }

  @Test
  void anUnreadableSpecSurvivesACloneAsItWasRead() {
    String json = spec("{\"images\":5,\"futureField\":\"x\"}", null);
    ImageSpec s = k8s.unmarshal(json, ImageSpec.class);
    ImageSpec clone = k8s.clone(s);
    assertThat(clone.getSpec()).isEqualTo(s.getSpec());
    assertThat(clone.getSpec().unreadable()).isEqualTo(s.getSpec().unreadable());
    assertThat(k8s.asJson(clone)).contains("\"spec\":{\"images\":5,\"futureField\":\"x\"}");
    // a readable spec is written as the model, without the fields it did not know
    ImageSpec known =
        k8s.unmarshal(spec("{\"images\":[{\"image\":\"a:1\"}],\"new\":1}", null), ImageSpec.class);
    assertThat(k8s.asJson(known)).contains("\"spec\":{\"images\":[{\"image\":\"a:1\"}]}");
  }

  @Test
  void readableSpecsReadAsTheStrictBinderReadsThem() {
    Manifests m = new ManifestLoader().load("examples");
    assertThat(m.errors()).isEmpty();
    assertThat(m.specs()).isNotEmpty();
    for (ImageSpec strict : m.specs()) {
      ImageSpec tolerant = k8s.unmarshal(k8s.asJson(strict), ImageSpec.class);
      assertThat(tolerant.getSpec().unreadable()).isNull();
      assertThat(tolerant.getSpec()).isEqualTo(strict.getSpec());
    }
  }

  @Test
  void aStatusThatDoesNotBindIsReadAsNone() {
    ImageSpec s =
        k8s.unmarshal(
            spec("{\"images\":[{\"image\":\"a:1\"}]}", "{\"observedGeneration\":\"many\"}"),
            ImageSpec.class);
    assertThat(s.getStatus()).isNull();
    assertThat(s.getSpec().unreadable()).isNull();

    ImageNode n =
        k8s.unmarshal(
            "{\"apiVersion\":\"imagespec.dev/v1alpha1\",\"kind\":\"ImageNode\","
                + "\"metadata\":{\"name\":\"n1\"},\"spec\":{\"nodeName\":\"n1\",\"extra\":1},"
                + "\"status\":{\"specsReady\":\"1/1\",\"newer\":{\"a\":1},"
                + "\"specs\":[{\"name\":\"s\",\"namespace\":\"default\",\"more\":true}]}}",
            ImageNode.class);
    assertThat(n.getSpec().getNodeName()).isEqualTo("n1");
    assertThat(n.getStatus().getSpecsReady()).isEqualTo("1/1");
    assertThat(n.getStatus().spec("default", "s")).isPresent();
  }
}
