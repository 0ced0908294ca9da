package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.CriBackend;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.spec.DeletionPolicy;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.Ctr;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real operator (JOSDK controllers, as {@code imagespec operator} runs them) against Fabric8's
 * CRUD mock API server and the real engines: three agents, {@code node-a} on dockerd, {@code
 * node-b} on Podman and {@code node-c} on containerd (CRI, namespace {@code k8s.io}), and a
 * leader-elected aggregator, all in this JVM.
 *
 * <p>What the mock cannot show: server-side apply, admission (the CRD schema's patterns and CEL
 * rules are not enforced), RBAC, garbage collection of ImageNodes with their Node.
 */
class OperatorEngineTest {
  static final Duration WAIT = Duration.ofSeconds(60);

  static MockApiServer server;
  static KubernetesClient client;
  static EngineClient docker;
  static EngineClient podman;

  /** The test's own view of node-c's containerd. */
  static CriRuntime containerd;

  /** References the tests may have put into containerd, removed at the end. */
  static final List<String> onContainerd = new CopyOnWriteArrayList<>();

  static final List<OperatorRuntime> runtimes = new ArrayList<>();
  static OperatorRuntime aggregator;

  @BeforeAll
  static void start() throws Exception {
    docker = TestEnv.docker().client();
    podman = TestEnv.podman().client();
    containerd = CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5));
    server = MockApiServer.crud().allowLeases();
    client = server.client();
    node("node-a", Map.of("imagespec.test/engine", "docker", "imagespec.test/all", "yes"));
    node("node-b", Map.of("imagespec.test/engine", "podman", "imagespec.test/all", "yes"));
    node("node-c", Map.of("imagespec.test/engine", "containerd", "imagespec.test/all", "yes"));

    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.agent("node-a", 4, CredentialResolver.none()),
            client,
            new EngineBackend(TestEnv.docker().client())));
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.agent("node-b", 4, CredentialResolver.none()),
            client,
            new EngineBackend(TestEnv.podman().client())));
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.agent("node-c", 4, CredentialResolver.none()),
            client,
            new CriBackend(CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5)))));
    aggregator =
        OperatorRuntime.start(
            OperatorOptions.aggregator(true, "default")
                .withHttp(new InetSocketAddress("127.0.0.1", 0)),
            client,
            null);
    runtimes.add(aggregator);
  }

  @AfterAll
  static void stop() {
    for (OperatorRuntime r : runtimes) {
      r.close();
    }
    if (server != null) {
      server.close();
    }
    if (docker != null) {
      docker.close();
    }
    if (podman != null) {
      podman.close();
    }
    if (containerd != null) {
      try {
        for (String ref : onContainerd) {
          try {
            containerd.get(ref).ifPresent(i -> containerd.removeImage(i.id()));
          } catch (RuntimeException ignored) {
            // already gone
          }
        }
      } finally {
        containerd.close();
      }
    }
  }

  static void node(String name, Map<String, String> labels) {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
  }

  /** Pushes a fresh image to the plain registry and removes it locally; returns its reference. */
  static String published(String name) {
    String ref = TestEnv.registry() + "/operator/" + name + TestEnv.unique() + ":1.0";
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    docker.images().remove(ref, false, false);
    onContainerd.add(ref);
    return ref;
  }

  static boolean onContainerd(String ref) {
    return containerd.get(ref).isPresent();
  }

  static ImageSpec spec(String name, Map<String, String> selector, ImageEntry... images) {
    ImageSpecSpec s = ImageSpecSpec.of(images);
    if (selector != null) {
      s.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(selector).build());
    }
    return ImageSpec.of("default", name, s);
  }

  static ImageSpec get(String name) {
    return client.resources(ImageSpec.class).inNamespace("default").withName(name).get();
  }

  static Optional<NodeSpecStatus> entry(String node, String spec) {
    ImageNode n = client.resources(ImageNode.class).withName(node).get();
    return n == null || n.getStatus() == null
        ? Optional.empty()
        : n.getStatus().spec("default", spec);
  }

  static ImageSpecStatus awaitStatus(String name, java.util.function.Predicate<ImageSpecStatus> p) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              ImageSpec s = get(name);
              return s == null ? null : s.getStatus();
            },
            st -> st != null && p.test(st));
  }

  static boolean exists(EngineClient engine, String ref) {
    return engine.images().exists(ref);
  }

  static void delete(String name) {
    client.resources(ImageSpec.class).inNamespace("default").withName(name).delete();
    await().atMost(WAIT).until(() -> get(name) == null);
  }

  @Test
  void appliesOnAllThreeEnginesAndReportsThreeOfThreeNodes() throws Exception {
    String ref = published("both");
    client.resource(spec("both", Map.of("imagespec.test/all", "yes"), ImageEntry.of(ref))).create();

    ImageSpecStatus st =
        awaitStatus(
            "both", s -> s.isReady() && s.getNodes() != null && s.getNodes().getReady() == 3);
    assertThat(st.getNodes().getDesired()).isEqualTo(3);
    assertThat(st.getNodes().getSummary()).isEqualTo("3/3");
    assertThat(st.getImagesReady()).isEqualTo("1/1");
    assertThat(st.getImages().get(0).getState()).isEqualTo(ImageState.Present);
    assertThat(st.getImages().get(0).getNodes().getReady()).isEqualTo(3);
    assertThat(st.getObservedGeneration()).isEqualTo(get("both").getMetadata().getGeneration());
    assertThat(exists(docker, ref)).isTrue();
    assertThat(exists(podman, ref)).isTrue();
    assertThat(onContainerd(ref)).isTrue();

    NodeSpecStatus a = entry("node-a", "both").orElseThrow();
    assertThat(a.getImages().get(0).getState()).isEqualTo(ImageState.Present);
    assertThat(a.getImages().get(0).getId()).startsWith("sha256:");
    ImageNode nodeA = client.resources(ImageNode.class).withName("node-a").get();
    assertThat(nodeA.getStatus().getEngine().getKind()).isEqualTo("docker");
    ImageNode nodeB = client.resources(ImageNode.class).withName("node-b").get();
    assertThat(nodeB.getStatus().getEngine().getKind()).isEqualTo("podman");
    assertThat(entry("node-b", "both").orElseThrow().getImages().get(0).getState())
        .isEqualTo(ImageState.Present);
    ImageNode nodeC = client.resources(ImageNode.class).withName("node-c").get();
    assertThat(nodeC.getStatus().getEngine().getKind()).isEqualTo("containerd");
    assertThat(nodeC.getStatus().getEngine().getApiVersion()).isEqualTo("cri v1");
    assertThat(nodeC.getStatus().getEngine().getSocket()).isEqualTo(TestEnv.criHost());
    NodeSpecStatus c = entry("node-c", "both").orElseThrow();
    assertThat(c.getImages().get(0).getState()).isEqualTo(ImageState.Present);
    assertThat(c.getImages().get(0).getId()).isEqualTo(containerd.get(ref).orElseThrow().id());

    // metrics and probes of the aggregator's HTTP server
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + aggregator.httpPort();
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("imagespec_reconcile_duration_seconds_count{controller=\"aggregator\"}");
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
    assertThat(runtimes.get(0).metrics().actionCount("pull", "succeeded")).isPositive();
    delete("both");
  }

  @Test
  void pullsWithTheSpecsPullSecretFromItsNamespace() {
    String ref = TestEnv.authRegistry() + "/operator/private" + TestEnv.unique() + ":1.0";
    AuthConfig auth = AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword());
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.builder().auth(auth).build(), null);
    docker.images().remove(ref, false, false);
    String userPass = TestEnv.authUser() + ":" + TestEnv.authPassword();
    String config =
        "{\"auths\":{\""
            + TestEnv.authRegistry()
            + "\":{\"auth\":\""
            + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8))
            + "\"}}}";
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("pull-cred")
                .withNamespace("default")
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .withData(
                    Map.of(
                        ".dockerconfigjson",
                        Base64.getEncoder()
                            .encodeToString(config.getBytes(StandardCharsets.UTF_8))))
                .build())
        .create();
    ImageSpec s = spec("private", Map.of("imagespec.test/engine", "podman"), ImageEntry.of(ref));
    s.getSpec().setPullSecrets(List.of("pull-cred"));
    client.resource(s).create();
    awaitStatus("private", ImageSpecStatus::isReady);
    assertThat(exists(podman, ref)).isTrue();
    assertThat(client.resources(ImageNode.class).withName("node-b").get().toString())
        .doesNotContain(TestEnv.authPassword());
    delete("private");
  }

  @Test
  void nodeSelectorMatchingOneNodeChangesOnlyThatEngine() {
    String ref = published("podmanonly");
    client
        .resource(
            spec("podman-only", Map.of("imagespec.test/engine", "podman"), ImageEntry.of(ref)))
        .create();
    ImageSpecStatus st = awaitStatus("podman-only", ImageSpecStatus::isReady);
    assertThat(st.getNodes().getSummary()).isEqualTo("1/1");
    assertThat(exists(podman, ref)).isTrue();
    assertThat(exists(docker, ref)).isFalse();
    assertThat(entry("node-a", "podman-only")).isEmpty();
    delete("podman-only");
  }

  @Test
  void failingPullIsDegradedNamingTheNode() {
    String missing = TestEnv.registry() + "/operator/missing" + TestEnv.unique() + ":1.0";
    client
        .resource(spec("broken", Map.of("imagespec.test/engine", "docker"), ImageEntry.of(missing)))
        .create();
    ImageSpecStatus st = awaitStatus("broken", ImageSpecStatus::isDegraded);
    var degraded = st.condition(ImageSpecStatus.DEGRADED).orElseThrow();
    assertThat(degraded.getReason()).isEqualTo("PullFailed");
    assertThat(degraded.getMessage()).contains("node-a");
    assertThat(st.isReady()).isFalse();
    assertThat(st.getNodes().getFailed()).isEqualTo(1);
    assertThat(st.getImages().get(0).getState()).isEqualTo(ImageState.Failed);
    assertThat(st.getImages().get(0).getFailedNodes())
        .extracting(n -> n.getNode())
        .containsExactly("node-a");
    await()
        .atMost(WAIT)
        .until(
            () ->
                client.v1().events().inNamespace("default").list().getItems().stream()
                    .anyMatch(
                        e ->
                            "PullFailed".equals(e.getReason())
                                && "broken".equals(e.getInvolvedObject().getName())));
    delete("broken");

    // what the validator rejects (the schema cannot say "duplicate") is reported, not applied
    String ref = TestEnv.registry() + "/operator/dup" + TestEnv.unique() + ":1.0";
    client
        .resource(
            spec(
                "dupes",
                Map.of("imagespec.test/engine", "docker"),
                ImageEntry.of(ref),
                ImageEntry.of(ref)))
        .create();
    ImageSpecStatus invalid = awaitStatus("dupes", ImageSpecStatus::isDegraded);
    assertThat(invalid.condition(ImageSpecStatus.DEGRADED).orElseThrow().getReason())
        .isEqualTo("InvalidSpec");
    // the aggregator judges it itself (also with no agent on a matching node)
    assertThat(invalid.condition(ImageSpecStatus.DEGRADED).orElseThrow().getMessage())
        .contains("spec.images[1]", "duplicate image");
    delete("dupes");
  }

  @Test
  void removePolicyRemovesTheImagesBeforeTheSpecGoes() {
    String ref = published("remove");
    ImageSpec s = spec("remove-me", Map.of("imagespec.test/all", "yes"), ImageEntry.of(ref));
    s.getSpec().setDeletionPolicy(DeletionPolicy.Remove);
    client.resource(s).create();
    awaitStatus("remove-me", st -> st.isReady() && st.getNodes().getReady() == 3);
    assertThat(get("remove-me").getMetadata().getFinalizers())
        .contains(AggregatorReconciler.FINALIZER);
    assertThat(exists(docker, ref)).isTrue();
    assertThat(exists(podman, ref)).isTrue();
    assertThat(onContainerd(ref)).isTrue();

    client.resources(ImageSpec.class).inNamespace("default").withName("remove-me").delete();
    await().atMost(WAIT).until(() -> get("remove-me") == null);
    assertThat(exists(docker, ref)).isFalse();
    assertThat(exists(podman, ref)).isFalse();
    assertThat(onContainerd(ref)).isFalse();
  }

  @Test
  void nodeLabelChangeAndANewNodeBothConverge() throws Exception {
    String ref = published("late");
    client
        .resource(spec("late", Map.of("imagespec.test/late", "yes"), ImageEntry.of(ref)))
        .create();
    ImageSpecStatus none = awaitStatus("late", st -> st.getNodes() != null);
    assertThat(none.getNodes().getDesired()).isZero();
    assertThat(none.condition(ImageSpecStatus.READY).orElseThrow().getReason())
        .isEqualTo("NoMatchingNodes");

    // node-b gets the label: its agent reacts to its Node's labels
    client
        .nodes()
        .withName("node-b")
        .edit(
            n -> {
              n.getMetadata().getLabels().put("imagespec.test/late", "yes");
              return n;
            });
    awaitStatus("late", st -> st.isReady() && st.getNodes().getReady() == 1);
    assertThat(exists(podman, ref)).isTrue();

    // a new node that matches converges when its agent starts
    node("node-d", Map.of("imagespec.test/late", "yes"));
    try (OperatorRuntime nodeD =
        OperatorRuntime.start(
            OperatorOptions.agent("node-d", 2, CredentialResolver.none()),
            client,
            new EngineBackend(TestEnv.docker().client()))) {
      ImageSpecStatus st = awaitStatus("late", x -> x.isReady() && x.getNodes().getReady() == 2);
      assertThat(st.getNodes().getSummary()).isEqualTo("2/2");
      assertThat(exists(docker, ref)).isTrue();
      assertThat(
              client
                  .resources(ImageNode.class)
                  .withName("node-d")
                  .get()
                  .getMetadata()
                  .getOwnerReferences())
          .extracting(o -> o.getName())
          .containsExactly("node-d");
    }
    client
        .nodes()
        .withName("node-b")
        .edit(
            n -> {
              n.getMetadata().getLabels().remove("imagespec.test/late");
              return n;
            });
    client.resources(ImageNode.class).withName("node-d").delete();
    delete("late");
  }

  @Test
  void imageRemovedByHandIsPulledAgainThroughTheEngineEvents() {
    String ref = published("byhand");
    client
        .resource(spec("by-hand", Map.of("imagespec.test/engine", "docker"), ImageEntry.of(ref)))
        .create();
    awaitStatus("by-hand", ImageSpecStatus::isReady);
    assertThat(exists(docker, ref)).isTrue();
    // no refresh interval or prune schedule applies: only the engine's event can trigger this
    docker.images().remove(ref, false, false);
    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> exists(docker, ref));
    delete("by-hand");
  }

  @Test
  void imageRemovedWithCtrIsPulledAgainThroughContainerdsImageEvents() {
    String ref = published("byctr");
    client
        .resource(spec("by-ctr", Map.of("imagespec.test/engine", "containerd"), ImageEntry.of(ref)))
        .create();
    awaitStatus("by-ctr", ImageSpecStatus::isReady);
    assertThat(onContainerd(ref)).isTrue();
    // out of band, behind the agent's back; no refresh interval (5m) or prune schedule applies
    // within the wait: only containerd's /images/delete event can wake the agent
    OperatorRuntime nodeC = runtimes.get(2);
    long pulls = nodeC.metrics().actionCount("pull", "succeeded");
    Ctr.rm(ref);
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> nodeC.metrics().actionCount("pull", "succeeded") > pulls && onContainerd(ref));
    assertThat(Ctr.imageNames()).contains(ref);
    delete("by-ctr");
  }
}
