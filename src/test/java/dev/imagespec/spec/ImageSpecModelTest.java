package dev.imagespec.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageSpecModelTest {
  @Test
  void isANamespacedCustomResourceOfTheRightGroupVersionAndKind() {
    ImageSpec s = new ImageSpec();
    assertThat(s).isInstanceOf(Namespaced.class);
    assertThat(s.getApiVersion()).isEqualTo("imagespec.dev/v1alpha1");
    assertThat(s.getKind()).isEqualTo("ImageSpec");
    assertThat(HasMetadata.getPlural(ImageSpec.class)).isEqualTo("imagespecs");
    assertThat(CustomResource.getCRDName(ImageSpec.class)).isEqualTo("imagespecs.imagespec.dev");
    assertThat(CustomResource.getShortNames(ImageSpec.class)).containsExactly("ispec");
    assertThat(s.getScope()).isEqualTo("Namespaced");
  }

  @Test
  void carriesCrdValidationAnnotations() throws Exception {
    var images = ImageSpecSpec.class.getDeclaredField("images");
    assertThat(images.getAnnotation(Required.class)).isNotNull();
    assertThat(images.getAnnotation(Size.class).min()).isEqualTo(1);
    assertThat(images.getAnnotation(Size.class).max()).isEqualTo(500);
    assertThat(ImageEntry.class.getDeclaredField("image").getAnnotation(Required.class))
        .isNotNull();
    assertThat(PushTarget.class.getDeclaredField("to").getAnnotation(Required.class)).isNotNull();
    assertThat("linux/arm64/v8").matches(ImageEntry.PLATFORM_PATTERN);
    assertThat("0 3 * * *").matches(PruneSpec.SCHEDULE_PATTERN);
  }

  @Test
  void serialisesWithExactEnumNamesAndWithoutHelperProperties() throws Exception {
    ImageSpec s =
        ImageSpec.of(
            "team",
            "web",
            ImageSpecSpec.of(
                ImageEntry.absent("a:1"),
                ImageEntry.of("b:1").withPullPolicy(PullPolicy.IfNotPresent)));
    s.getSpec().setDeletionPolicy(DeletionPolicy.Remove);
    ImageSpecStatus st = new ImageSpecStatus();
    st.setObservedGeneration(3L);
    st.setImages(List.of(new ImageStatus("a:1", ImageState.Conflict, null, null, "m", null)));
    st.setPushes(
        List.of(
            new PushStatus(
                "b:1",
                "m.example/b:1",
                PushState.Pushed,
                "sha256:x",
                "sha256:y",
                null,
                "2025-01-01T00:00:00Z")));
    st.setPrune(
        new PruneStatus(
            "2025-01-01T03:00:00Z", "2025-01-02T03:00:00Z", 2, 1234L, "deleted 2 images"));
    st.setConditions(
        List.of(new Condition("2025-01-01T00:00:00Z", "msg", 3L, "Conflict", "True", "Degraded")));
    s.setStatus(st);
    ObjectMapper json = new ObjectMapper();
    JsonNode node = json.readTree(json.writeValueAsString(s));
    assertThat(node.path("apiVersion").asText()).isEqualTo("imagespec.dev/v1alpha1");
    assertThat(node.path("kind").asText()).isEqualTo("ImageSpec");
    assertThat(node.at("/spec/images/0/ensure").asText()).isEqualTo("Absent");
    assertThat(node.at("/spec/images/1/pullPolicy").asText()).isEqualTo("IfNotPresent");
    assertThat(node.at("/spec/deletionPolicy").asText()).isEqualTo("Remove");
    assertThat(node.at("/status/images/0/state").asText()).isEqualTo("Conflict");
    assertThat(node.at("/status/pushes/0/state").asText()).isEqualTo("Pushed");
    assertThat(node.at("/status/prune/spaceReclaimed").asLong()).isEqualTo(1234);
    assertThat(node.at("/status/conditions/0/type").asText()).isEqualTo("Degraded");
    assertThat(node.at("/spec/images/0").has("tags")).isFalse();
    assertThat(node.path("spec").has("imagesOrEmpty")).isFalse();
    assertThat(node.path("status").has("ready")).isFalse();
    // and reads back strictly to an equal object, also through Fabric8's own serialisation
    ImageSpec back =
        new ManifestLoader().loadString("x", json.writeValueAsString(s)).specs().get(0);
    assertThat(back.getSpec()).isEqualTo(s.getSpec());
    assertThat(back.getStatus()).isEqualTo(s.getStatus());
    ImageSpec viaFabric8 = Serialization.unmarshal(Serialization.asJson(s), ImageSpec.class);
    assertThat(viaFabric8.getSpec()).isEqualTo(s.getSpec());
    assertThat(viaFabric8.getStatus()).isEqualTo(s.getStatus());
  }

  @Test
  void defaultsAreAppliedByHelpersNotByTheModel() {
    ImageSpecSpec spec = ImageSpecSpec.of(ImageEntry.of("a:1"));
    ImageEntry e = spec.getImages().get(0);
    assertThat(e.getEnsure()).isNull();
    assertThat(e.ensureOrDefault()).isEqualTo(Ensure.Present);
    assertThat(e.effectivePullPolicy(spec)).isEqualTo(PullPolicy.IfNotPresent);
    spec.setPullPolicy(PullPolicy.Never);
    assertThat(e.effectivePullPolicy(spec)).isEqualTo(PullPolicy.Never);
    assertThat(spec.deletionPolicyOrDefault()).isEqualTo(DeletionPolicy.Retain);
    assertThat(new PruneSpec().danglingOrDefault()).isTrue();
    assertThat(ImageSpecSpec.DEFAULT_REFRESH_INTERVAL).hasMinutes(5);
    assertThat(SpecKey.parse("a/b")).isEqualTo(new SpecKey("a", "b"));
    assertThat(SpecKey.parse("b")).isEqualTo(new SpecKey("default", "b"));
    assertThat(new SpecKey(null, "b").toString()).isEqualTo("default/b");
  }
}
