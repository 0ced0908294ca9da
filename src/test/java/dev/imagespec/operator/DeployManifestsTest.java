package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * deploy/ without kubectl: every manifest the kustomizations list parses with Fabric8's model, and
 * the workloads have what the README promises (probes, resources, tolerations, engine socket, no
 * RBAC wildcard).
 */
class DeployManifestsTest {
  static final Path DEPLOY = Path.of("deploy");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static List<HasMetadata> load(Path kustomizationDir) throws Exception {
    JsonNode k = YAML.readTree(kustomizationDir.resolve("kustomization.yaml").toFile());
    assertThat(k.path("kind").asText()).isEqualTo("Kustomization");
    List<HasMetadata> out = new ArrayList<>();
    for (JsonNode r : k.path("resources")) {
      Path p = kustomizationDir.resolve(r.asText()).normalize();
      if (Files.isDirectory(p)) {
        out.addAll(load(p));
        continue;
      }
      assertThat(p).as("resource %s", r.asText()).exists();
      try (InputStream in = Files.newInputStream(p)) {
        Object parsed = Serialization.unmarshal(in);
        if (parsed instanceof KubernetesList list) {
          out.addAll(list.getItems());
        } else if (parsed instanceof List<?> list) {
          list.forEach(o -> out.add((HasMetadata) o));
        } else {
          out.add((HasMetadata) parsed);
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static <T extends HasMetadata> List<T> of(List<HasMetadata> all, Class<T> type) {
    return all.stream().filter(type::isInstance).map(o -> (T) o).toList();
  }

  @Test
  void everyManifestParsesAndTheWorkloadsAreComplete() throws Exception {
    List<HasMetadata> all = load(DEPLOY);
    assertThat(all)
        .extracting(HasMetadata::getKind)
        .contains(
            "CustomResourceDefinition",
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "DaemonSet",
            "Deployment");

    DaemonSet agent = of(all, DaemonSet.class).get(0);
    PodSpec pod = agent.getSpec().getTemplate().getSpec();
    assertThat(pod.getTolerations())
        .anyMatch(t -> "Exists".equals(t.getOperator()) && t.getKey() == null);
    assertThat(pod.getVolumes())
        .anyMatch(v -> v.getHostPath() != null && "Socket".equals(v.getHostPath().getType()));
    Container c = pod.getContainers().get(0);
    assertThat(c.getArgs()).startsWith("operator", "agent");
    assertThat(c.getEnv())
        .anyMatch(
            e ->
                e.getName().equals("NODE_NAME")
                    && "spec.nodeName".equals(e.getValueFrom().getFieldRef().getFieldPath()));
    assertWorkload(c);

    Deployment aggregator = of(all, Deployment.class).get(0);
    Container a = aggregator.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(a.getArgs()).startsWith("operator", "aggregator");
    assertWorkload(a);

    Set<String> accounts = new HashSet<>();
    of(all, ServiceAccount.class).forEach(s -> accounts.add(s.getMetadata().getName()));
    assertThat(accounts)
        .contains(
            pod.getServiceAccountName(),
            aggregator.getSpec().getTemplate().getSpec().getServiceAccountName());

    List<PolicyRule> rules = new ArrayList<>();
    of(all, ClusterRole.class).forEach(r -> rules.addAll(r.getRules()));
    of(all, Role.class).forEach(r -> rules.addAll(r.getRules()));
    for (PolicyRule r : rules) {
      assertThat(r.getVerbs()).doesNotContain("*");
      assertThat(r.getResources()).doesNotContain("*");
      assertThat(r.getApiGroups()).doesNotContain("*");
    }
    assertThat(rules)
        .anyMatch(r -> r.getResources().contains("secrets") && r.getVerbs().equals(List.of("get")));
    assertThat(rules).anyMatch(r -> r.getResources().contains("leases"));
    assertThat(rules).anyMatch(r -> r.getResources().contains("imagenodes/status"));
    assertThat(rules).anyMatch(r -> r.getResources().contains("imagespecs/status"));
  }

  private static void assertWorkload(Container c) {
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    assertThat(c.getEnv()).anyMatch(e -> e.getName().equals("JAVA_TOOL_OPTIONS"));
  }

  /**
   * What the README tells users to run. Kustomize has rules of its own (an overlay must not sit
   * inside its base's folder, files must be under the kustomization's root) that parsing the files
   * cannot see, so this asks kubectl where there is one.
   */
  @Test
  void kubectlKustomizeRendersBothVariants() throws Exception {
    Path kubectl =
        Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
            .map(d -> Path.of(d, "kubectl"))
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    assumeTrue(kubectl != null, "no kubectl on PATH");
    for (String dir : List.of("deploy", "deploy/podman")) {
      Process p =
          new ProcessBuilder(kubectl.toString(), "kustomize", dir)
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as("kubectl kustomize %s: %s", dir, out).isZero();
      List<HasMetadata> rendered = new ArrayList<>();
      for (Object o : (List<?>) Serialization.unmarshal(out)) {
        rendered.add((HasMetadata) o);
      }
      assertThat(rendered)
          .as(dir)
          .allMatch(
              r ->
                  "imagespec".equals(r.getMetadata().getLabels().get("app.kubernetes.io/part-of")));
      String socket =
          of(rendered, DaemonSet.class)
              .get(0)
              .getSpec()
              .getTemplate()
              .getSpec()
              .getVolumes()
              .get(0)
              .getHostPath()
              .getPath();
      assertThat(socket)
          .isEqualTo(dir.endsWith("podman") ? "/run/podman/podman.sock" : "/var/run/docker.sock");
    }
  }

  @Test
  void podmanOverlayPointsTheAgentAtPodmansSocket() throws Exception {
    JsonNode k = YAML.readTree(DEPLOY.resolve("podman/kustomization.yaml").toFile());
    assertThat(k.path("resources").get(0).asText()).isEqualTo("../base");
    String patch = k.path("patches").get(0).path("patch").asText();
    JsonNode ops = YAML.readTree(patch);
    assertThat(ops.get(0).path("path").asText())
        .isEqualTo("/spec/template/spec/volumes/0/hostPath/path");
    assertThat(ops.get(0).path("value").asText()).isEqualTo("/run/podman/podman.sock");
    DaemonSet agent = of(load(DEPLOY), DaemonSet.class).get(0);
    assertThat(agent.getSpec().getTemplate().getSpec().getVolumes().get(0).getName())
        .isEqualTo("engine-socket");
  }
}
