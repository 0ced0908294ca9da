package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * deploy/ without kubectl: every kustomization is rendered here (resources, then its JSON 6902
 * patches), every manifest parses with Fabric8's model, and each variant's workloads have what the
 * README promises (probes, resources, tolerations, its runtime's socket and {@code --runtime}, no
 * RBAC wildcard).
 */
class DeployManifestsTest {
  static final Path DEPLOY = Path.of("deploy");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  /** A way to install: its kustomization, the agent's {@code --runtime} and the node's socket. */
  record Variant(String dir, String runtime, String socket, String root) {
    @Override
    public String toString() {
      return dir;
    }
  }

  /** The README's install table. */
  static final List<Variant> VARIANTS =
      List.of(
          new Variant("deploy", "cri", "/run/containerd/containerd.sock", "/var/lib/containerd"),
          new Variant(
              "deploy/crio", "cri", "/var/run/crio/crio.sock", "/var/lib/containers/storage"),
          new Variant("deploy/docker", "docker", "/var/run/docker.sock", "/var/lib/docker"),
          new Variant(
              "deploy/podman", "podman", "/run/podman/podman.sock", "/var/lib/containers/storage"));

  static Stream<Variant> variants() {
    return VARIANTS.stream();
  }

  /** What {@code kubectl kustomize dir} would give, for the features deploy/ uses. */
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
    for (JsonNode patch : k.path("patches")) {
      applyPatch(kustomizationDir, patch, out);
    }
    return out;
  }

  /**
   * A JSON 6902 patch (test, replace, add) on the resources its target names by kind and name.
   * Kustomize's other patch forms fail here on purpose: extend this before using them.
   */
  static void applyPatch(Path dir, JsonNode patch, List<HasMetadata> resources) throws Exception {
    String kind = patch.path("target").path("kind").asText();
    String name = patch.path("target").path("name").asText();
    assertThat(kind).as("%s: patch target kind", dir).isNotEmpty();
    assertThat(name).as("%s: patch target name", dir).isNotEmpty();
    JsonNode ops = YAML.readTree(patch.path("patch").asText());
    assertThat(ops.isArray()).as("%s: a JSON 6902 patch (a list of ops)", dir).isTrue();
    int matched = 0;
    for (int i = 0; i < resources.size(); i++) {
      HasMetadata r = resources.get(i);
      if (!r.getKind().equals(kind) || !r.getMetadata().getName().equals(name)) {
        continue;
      }
      matched++;
      JsonNode doc = JSON.readTree(Serialization.asJson(r));
      for (JsonNode op : ops) {
        doc = applyOp(dir, doc, op);
      }
      resources.set(i, (HasMetadata) Serialization.unmarshal(JSON.writeValueAsString(doc)));
    }
    assertThat(matched).as("%s: resources the patch on %s/%s matches", dir, kind, name).isOne();
  }

  static JsonNode applyOp(Path dir, JsonNode doc, JsonNode op) {
    String verb = op.path("op").asText();
    JsonPointer path = JsonPointer.compile(op.path("path").asText());
    JsonNode value = op.path("value");
    JsonNode parent = doc.at(path.head());
    String last = path.last().getMatchingProperty();
    switch (verb) {
      case "test" -> assertThat(doc.at(path)).as("%s: test %s", dir, path).isEqualTo(value);
      case "replace" -> {
        assertThat(doc.at(path).isMissingNode())
            .as("%s: replace %s: no such field", dir, path)
            .isFalse();
        if (parent instanceof ArrayNode a) {
          a.set(Integer.parseInt(last), value);
        } else {
          ((ObjectNode) parent).set(last, value);
        }
      }
      case "add" -> {
        assertThat(parent.isContainerNode()).as("%s: add %s: no parent", dir, path).isTrue();
        if (parent instanceof ArrayNode a) {
          if (last.equals("-")) {
            a.add(value);
          } else {
            a.insert(Integer.parseInt(last), value);
          }
        } else {
          ((ObjectNode) parent).set(last, value);
        }
      }
      default -> throw new AssertionError(dir + ": JSON 6902 op " + verb + " not handled here");
    }
    return doc;
  }

  @SuppressWarnings("unchecked")
  static <T extends HasMetadata> List<T> of(List<HasMetadata> all, Class<T> type) {
    return all.stream().filter(type::isInstance).map(o -> (T) o).toList();
  }

  static DaemonSet agent(List<HasMetadata> all) {
    List<DaemonSet> agents = of(all, DaemonSet.class);
    assertThat(agents).hasSize(1);
    return agents.get(0);
  }

  /** Every folder with a kustomization (base excepted) is in {@link #VARIANTS}, and only those. */
  @Test
  void everyOverlayIsAVariant() throws Exception {
    Set<String> dirs = new HashSet<>();
    dirs.add("deploy");
    try (Stream<Path> s = Files.list(DEPLOY)) {
      s.filter(d -> Files.exists(d.resolve("kustomization.yaml")))
          .filter(d -> !d.getFileName().toString().equals("base"))
          .forEach(d -> dirs.add("deploy/" + d.getFileName()));
    }
    assertThat(dirs)
        .containsExactlyInAnyOrderElementsOf(VARIANTS.stream().map(Variant::dir).toList());
    for (String dir : dirs) {
      JsonNode k = YAML.readTree(Path.of(dir, "kustomization.yaml").toFile());
      assertThat(k.path("resources"))
          .as("%s builds on base/ only", dir)
          .containsExactly(
              JSON.getNodeFactory().textNode(dir.equals("deploy") ? "base" : "../base"));
    }
  }

  /** The README's install table names each variant's path, socket and runtime as they are. */
  @Test
  void theReadmeTableMatchesTheVariants() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    for (Variant v : VARIANTS) {
      assertThat(readme)
          .contains(
              "| `" + v.dir() + "/` | `" + v.socket() + "` | `--runtime " + v.runtime() + "`");
    }
  }

  @ParameterizedTest
  @MethodSource("variants")
  void everyManifestParsesAndTheWorkloadsAreComplete(Variant v) throws Exception {
    List<HasMetadata> all = load(Path.of(v.dir()));
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

    DaemonSet agent = agent(all);
    PodSpec pod = agent.getSpec().getTemplate().getSpec();
    assertThat(pod.getTolerations())
        .anyMatch(t -> "Exists".equals(t.getOperator()) && t.getKey() == null);
    Container c = pod.getContainers().get(0);
    assertThat(c.getArgs()).startsWith("operator", "agent");
    assertThat(c.getEnv())
        .anyMatch(
            e ->
                e.getName().equals("NODE_NAME")
                    && "spec.nodeName".equals(e.getValueFrom().getFieldRef().getFieldPath()));
    assertWorkload(c);
    assertThat(c.getResources().getLimits().get("memory")).isEqualTo(new Quantity("384Mi"));

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
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    assertThat(c.getEnv()).anyMatch(e -> e.getName().equals("JAVA_TOOL_OPTIONS"));
  }

  /**
   * The agent reaches its variant's socket: {@code --runtime}, {@code --host}, the hostPath (a
   * Socket) and the mount at the same path agree; uid 0 for the root-owned socket, nothing more.
   */
  @ParameterizedTest
  @MethodSource("variants")
  void theAgentUsesItsRuntimesSocket(Variant v) throws Exception {
    PodSpec pod = agent(load(Path.of(v.dir()))).getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertThat(argAfter(c.getArgs(), "--runtime")).isEqualTo(v.runtime());
    assertThat(argAfter(c.getArgs(), "--host")).isEqualTo("unix://" + v.socket());

    List<Volume> hostPaths =
        pod.getVolumes().stream().filter(x -> x.getHostPath() != null).toList();
    assertThat(hostPaths).as("host paths: the socket and the runtime's root").hasSize(2);
    Volume socket = hostPaths.get(0);
    // the disk guard's view of the runtime's root: read-only, at the same path
    Volume root = hostPaths.get(1);
    assertThat(root.getHostPath().getPath()).isEqualTo(v.root());
    assertThat(root.getHostPath().getType()).isEqualTo("DirectoryOrCreate");
    assertThat(c.getVolumeMounts())
        .filteredOn(m -> m.getName().equals(root.getName()))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo(v.root());
              assertThat(m.getReadOnly()).isTrue();
              assertThat(m.getMountPropagation()).isEqualTo("HostToContainer");
            });
    assertThat(socket.getHostPath().getPath()).isEqualTo(v.socket());
    assertThat(socket.getHostPath().getType()).isEqualTo("Socket");
    List<VolumeMount> mounts =
        c.getVolumeMounts().stream().filter(m -> m.getName().equals(socket.getName())).toList();
    assertThat(mounts).hasSize(1);
    assertThat(mounts.get(0).getMountPath()).isEqualTo(v.socket());

    SecurityContext sc = c.getSecurityContext();
    assertThat(sc.getRunAsUser()).isZero();
    assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getSecurityContext()).isNull();
  }

  /** An overlay changes the agent's socket, runtime and the runtime's root, nothing else. */
  @ParameterizedTest
  @MethodSource("variants")
  void anOverlayChangesOnlyTheSocketRuntimeAndRoot(Variant v) throws Exception {
    List<HasMetadata> base = load(DEPLOY);
    List<HasMetadata> overlay = load(Path.of(v.dir()));
    assertThat(overlay.stream().filter(r -> !(r instanceof DaemonSet)).toList())
        .isEqualTo(base.stream().filter(r -> !(r instanceof DaemonSet)).toList());

    Variant containerd = VARIANTS.get(0);
    DaemonSet agent = agent(overlay);
    PodSpec pod = agent.getSpec().getTemplate().getSpec();
    List<String> args = pod.getContainers().get(0).getArgs();
    args.set(args.indexOf("--runtime") + 1, containerd.runtime());
    args.set(args.indexOf("--host") + 1, "unix://" + containerd.socket());
    String volume = pod.getVolumes().get(0).getName();
    pod.getVolumes().get(0).getHostPath().setPath(containerd.socket());
    pod.getContainers().get(0).getVolumeMounts().stream()
        .filter(m -> m.getName().equals(volume))
        .forEach(m -> m.setMountPath(containerd.socket()));
    String root = pod.getVolumes().get(2).getName();
    pod.getVolumes().get(2).getHostPath().setPath(containerd.root());
    pod.getContainers().get(0).getVolumeMounts().stream()
        .filter(m -> m.getName().equals(root))
        .forEach(m -> m.setMountPath(containerd.root()));
    assertThat(agent).isEqualTo(agent(base));
  }

  /**
   * Warm before scheduling: the agent patches its Node (the taint) and the Node's status (the
   * ImagesWarm condition), nothing wider; the aggregator only reads a Node (its Ready condition).
   */
  @Test
  void theAgentMayPatchNodesAndTheirStatusOnly() throws Exception {
    List<ClusterRole> roles = of(load(DEPLOY), ClusterRole.class);
    ClusterRole agent =
        roles.stream()
            .filter(r -> r.getMetadata().getName().equals("imagespec-agent"))
            .findFirst()
            .orElseThrow();
    List<PolicyRule> core =
        agent.getRules().stream().filter(r -> r.getApiGroups().equals(List.of(""))).toList();
    assertThat(core)
        .filteredOn(r -> r.getResources().contains("nodes"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getResources()).containsExactly("nodes");
              assertThat(r.getVerbs()).containsExactly("get", "list", "watch", "patch");
            });
    assertThat(core)
        .filteredOn(r -> r.getResources().contains("nodes/status"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getResources()).containsExactly("nodes/status");
              assertThat(r.getVerbs()).containsExactly("get", "patch");
            });
    assertThat(agent.getRules())
        .allSatisfy(
            r ->
                assertThat(r.getVerbs())
                    .doesNotContain("update", "delete", "deletecollection", "escalate", "bind"));
    ClusterRole aggregator =
        roles.stream()
            .filter(r -> r.getMetadata().getName().equals("imagespec-aggregator"))
            .findFirst()
            .orElseThrow();
    // the finalizer timeout reads a waiting node's Ready condition: get, nothing more
    assertThat(aggregator.getRules())
        .filteredOn(r -> r.getResources().stream().anyMatch(x -> x.startsWith("nodes")))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getApiGroups()).containsExactly("");
              assertThat(r.getResources()).containsExactly("nodes");
              assertThat(r.getVerbs()).containsExactly("get");
            });
  }

  private static String argAfter(List<String> args, String option) {
    assertThat(args).as("args").containsOnlyOnce(option);
    int i = args.indexOf(option);
    assertThat(i + 1).as("%s has a value", option).isLessThan(args.size());
    return args.get(i + 1);
  }

  /**
   * What the README tells users to run. Kustomize has rules of its own (an overlay must not sit
   * inside its base's folder, files must be under the kustomization's root, a failing JSON 6902
   * {@code test}) that the rendering above may not see, so this asks kubectl where there is one.
   */
  @Test
  void kubectlKustomizeRendersEveryVariant() throws Exception {
    Path kubectl =
        Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
            .map(d -> Path.of(d, "kubectl"))
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    assumeTrue(kubectl != null, "no kubectl on PATH");
    for (Variant v : VARIANTS) {
      Process p =
          new ProcessBuilder(kubectl.toString(), "kustomize", v.dir())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as("kubectl kustomize %s: %s", v.dir(), out).isZero();
      List<HasMetadata> rendered = new ArrayList<>();
      for (Object o : (List<?>) Serialization.unmarshal(out)) {
        rendered.add((HasMetadata) o);
      }
      assertThat(rendered)
          .as(v.dir())
          .allMatch(
              r ->
                  "imagespec".equals(r.getMetadata().getLabels().get("app.kubernetes.io/part-of")));
      PodSpec pod = agent(rendered).getSpec().getTemplate().getSpec();
      assertThat(pod.getVolumes().get(0).getHostPath().getPath()).as(v.dir()).isEqualTo(v.socket());
      assertThat(pod.getContainers().get(0).getVolumeMounts().get(0).getMountPath())
          .as(v.dir())
          .isEqualTo(v.socket());
      assertThat(argAfter(pod.getContainers().get(0).getArgs(), "--runtime"))
          .isEqualTo(v.runtime());
      // the rendering above leaves out kustomize's labels and images: compare what it patches
      Container ours =
          agent(load(Path.of(v.dir()))).getSpec().getTemplate().getSpec().getContainers().get(0);
      Container theirs = pod.getContainers().get(0);
      assertThat(theirs.getArgs()).as(v.dir()).isEqualTo(ours.getArgs());
      assertThat(theirs.getVolumeMounts()).as(v.dir()).isEqualTo(ours.getVolumeMounts());
      assertThat(theirs.getSecurityContext()).as(v.dir()).isEqualTo(ours.getSecurityContext());
      assertThat(pod.getVolumes())
          .as(v.dir())
          .isEqualTo(agent(load(Path.of(v.dir()))).getSpec().getTemplate().getSpec().getVolumes());
    }
  }
}
