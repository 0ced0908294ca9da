package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed {@code crds/} must be exactly what the CRD generator makes of the Java model today.
 * When this fails: {@code mvn -o process-classes -Pcrds} rewrites {@code crds/}; review and commit.
 */
class CrdsUpToDateTest {
  static final Path CRDS = Path.of("crds");

  @TempDir Path out;

  @Test
  void committedCrdsMatchTheModel() throws Exception {
    new CRDGenerator()
        .inOutputDir(out.toFile())
        .forCRDVersions("v1")
        .customResourceClasses(ImageSpec.class, ImageNode.class)
        .generate();
    List<String> generated = names(out);
    assertThat(names(CRDS))
        .as("files in crds/ (regenerate with: mvn -o process-classes -Pcrds)")
        .containsExactlyElementsOf(generated);
    for (String name : generated) {
      assertThat(Files.readString(CRDS.resolve(name)))
          .as(
              "crds/%s drifted from the Java model (regenerate: mvn -o process-classes -Pcrds)",
              name)
          .isEqualTo(Files.readString(out.resolve(name)));
    }
  }

  @Test
  void crdsParseAndDescribeTheResources() throws Exception {
    CustomResourceDefinition spec =
        Serialization.unmarshal(
            Files.readString(CRDS.resolve("imagespecs.imagespec.dev-v1.yml")),
            CustomResourceDefinition.class);
    assertThat(spec.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(spec.getSpec().getNames().getShortNames()).contains("ispec");
    var version = spec.getSpec().getVersions().get(0);
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(version.getAdditionalPrinterColumns())
        .extracting(c -> c.getName())
        .contains("Ready", "Nodes", "Images", "Age");
    var props =
        version.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getProperties();
    assertThat(props.get("images").getMinItems()).isEqualTo(1L);
    assertThat(props.get("images").getMaxItems()).isEqualTo(500L);
    assertThat(props.get("deletionPolicy").getEnum()).hasSize(2);
    var selector = props.get("nodeSelector").getProperties().get("matchExpressions");
    assertThat(selector.getItems().getSchema().getProperties().get("operator").getEnum())
        .hasSize(4);

    CustomResourceDefinition node =
        Serialization.unmarshal(
            Files.readString(CRDS.resolve("imagenodes.imagespec.dev-v1.yml")),
            CustomResourceDefinition.class);
    assertThat(node.getSpec().getScope()).isEqualTo("Cluster");
    assertThat(node.getSpec().getVersions().get(0).getSubresources().getStatus()).isNotNull();
  }

  /**
   * The schema's patterns accept what the validator accepts and reject what it rejects, on examples
   * of both (Java regexes stand in for the API server's RE2: the patterns use the common subset).
   */
  @Test
  void patternsAgreeWithTheValidator() {
    Pattern ref = Pattern.compile(dev.imagespec.spec.SchemaPatterns.REFERENCE);
    Pattern local = Pattern.compile(dev.imagespec.spec.SchemaPatterns.LOCAL_REFERENCE);
    Pattern positive = Pattern.compile(dev.imagespec.spec.SchemaPatterns.POSITIVE_DURATION);
    Pattern label = Pattern.compile(dev.imagespec.spec.SchemaPatterns.LABEL_FILTER);
    for (String ok :
        List.of(
            "busybox",
            "busybox:1.36",
            "127.0.0.1:5000/team/app:1.0",
            "localhost/app",
            "Registry.Example.com/team/app",
            "[::1]:5000/app:v1",
            "docker.io/library/busybox@sha256:" + "a".repeat(64),
            "ghcr.io/a_b/c__d/e-f:tag_1.2-rc")) {
      assertThat(ref.matcher(ok).find()).as(ok).isTrue();
      assertThat(dev.imagespec.engine.ImageReference.parse(ok)).isNotNull();
    }
    for (String bad : List.of("Foo", "team/App", "app:", ":tag", "a b", "app@sha256:xyz", "")) {
      assertThat(ref.matcher(bad).find()).as(bad).isFalse();
    }
    assertThat(local.matcher("reg:5000/app:1").find()).isTrue();
    assertThat(local.matcher("app@sha256:" + "a".repeat(64)).find()).isFalse();
    for (String ok : List.of("5m", "1h30m", "1.5h", ".5s", "0s1ms", "300ms")) {
      assertThat(positive.matcher(ok).find()).as(ok).isTrue();
    }
    for (String bad : List.of("0", "0s", "0.0h", "0h0m", "5", "-5m", "5d", "")) {
      assertThat(positive.matcher(bad).find()).as(bad).isFalse();
    }
    for (String ok : List.of("keep", "!keep", "a=b", "a!=b", "a=", "team.io/x=y=z")) {
      assertThat(label.matcher(ok).find()).as(ok).isTrue();
      assertThat(dev.imagespec.spec.LabelFilter.parse(ok)).isNotNull();
    }
    for (String bad : List.of("", "!", "=v", "a!b=c", "-a")) {
      assertThat(label.matcher(bad).find()).as(bad).isFalse();
    }
  }

  /** The CRD files of a directory (crds/ also has the kustomization that lists them). */
  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.equals("kustomization.yaml"))
          .sorted()
          .toList();
    }
  }
}
