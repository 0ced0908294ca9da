package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.CriBackend;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.reconcile.ImageBackend;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Warm before scheduling ({@link WarmGate}) with the real agents against Fabric8's CRUD mock API
 * server: three nodes registered with the startup taint, on dockerd, Podman and containerd (CRI),
 * lose it only once the warm spec's images are on their engines; a node whose warm image cannot be
 * pulled loses it at the (short) warm timeout, with ImagesWarm False and a WarmTimedOut Event; a
 * tainted node no warm spec selects loses it after its first pass. Another controller's taint and
 * the kubelet's conditions stay throughout.
 */
class OperatorWarmGateTest {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String WARMING = WarmGate.DEFAULT_TAINT;
  static final Taint OTHER =
      new TaintBuilder().withKey("other.example/x").withEffect("NoSchedule").build();
  static final String ENGINE = "imagespec.test/engine";

  static MockApiServer server;
  static KubernetesClient client;
  static EngineClient docker;
  static EngineClient podman;
  static CriRuntime containerd;
  static final List<OperatorRuntime> runtimes = new ArrayList<>();
  static final List<String> images = new ArrayList<>();
  static Watch watch;

  /**
   * Per warm node: whether all its images were on its engine when its taint was first seen gone.
   */
  static final Map<String, Boolean> presentWhenUntainted = new ConcurrentHashMap<>();

  static String imageA;
  static String imageB;
  static String broken;

  @BeforeAll
  static void start() throws Exception {
    MockApiServer.quiet();
    docker = TestEnv.docker().client();
    podman = TestEnv.podman().client();
    containerd = CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5));
    server = MockApiServer.crud();
    client = server.client();
    imageA = published("warm-a");
    imageB = published("warm-b");
    broken = TestEnv.registry() + "/operator/warm-missing" + TestEnv.unique() + ":1.0";
    images.add(broken);

    Map<String, String> warm = Map.of("imagespec.test/warm", "yes");
    node("warm-docker", Map.of("imagespec.test/warm", "yes", ENGINE, "docker"));
    node("warm-podman", Map.of("imagespec.test/warm", "yes", ENGINE, "podman"));
    node("warm-containerd", Map.of("imagespec.test/warm", "yes", ENGINE, "containerd"));
    node("warm-broken", Map.of("imagespec.test/broken", "yes"));
    node("warm-none", Map.of("imagespec.test/none", "yes"));
    // the gate waits only for specs that say warmBeforeScheduling: this one never converges
    create(spec("cold", warm, false, broken));
    create(spec("warm", warm, true, imageA, imageB));
    create(spec("broken", Map.of("imagespec.test/broken", "yes"), true, broken));

    watch =
        client
            .nodes()
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Node n) {
                    String name = n.getMetadata().getName();
                    String engine = n.getMetadata().getLabels().get(ENGINE);
                    if (engine != null
                        && !hasTaint(n, WARMING)
                        && !presentWhenUntainted.containsKey(name)) {
                      presentWhenUntainted.put(
                          name, present(engine, imageA) && present(engine, imageB));
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });

    runtimes.add(agent("warm-docker", new EngineBackend(TestEnv.docker().client()), null));
    runtimes.add(agent("warm-podman", new EngineBackend(TestEnv.podman().client()), null));
    runtimes.add(
        agent(
            "warm-containerd",
            new CriBackend(CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5))),
            null));
    runtimes.add(
        agent("warm-broken", new EngineBackend(TestEnv.docker().client()), Duration.ofSeconds(3)));
    runtimes.add(agent("warm-none", new EngineBackend(TestEnv.docker().client()), null));
  }

  @AfterAll
  static void stop() {
    if (watch != null) {
      watch.close();
    }
    runtimes.forEach(OperatorRuntime::close);
    if (server != null) {
      server.close();
    }
    for (String ref : images) {
      for (EngineClient e : new EngineClient[] {docker, podman}) {
        try {
          e.images().remove(ref, true, false);
        } catch (RuntimeException ignored) {
          // not there
        }
      }
      try {
        containerd.get(ref).ifPresent(i -> containerd.removeImage(i.id()));
      } catch (RuntimeException ignored) {
        // not there
      }
    }
    docker.close();
    podman.close();
    containerd.close();
  }

  @Test
  void aTaintedNodeOpensOnlyOnceItsWarmImagesArePresent() {
    for (String n : List.of("warm-docker", "warm-podman", "warm-containerd")) {
      Node node = await().atMost(WAIT).until(() -> node(n), x -> !hasTaint(x, WARMING));
      await().atMost(WAIT).until(() -> presentWhenUntainted.containsKey(n));
      assertThat(presentWhenUntainted.get(n))
          .as("%s: both images on its engine when the taint went", n)
          .isTrue();
      assertThat(node.getSpec().getTaints()).as(n).containsExactly(OTHER);
      NodeCondition c =
          await().atMost(WAIT).until(() -> warmCondition(n), Optional::isPresent).get();
      assertThat(c.getStatus()).as(n).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo(Reasons.CONVERGED);
      assertThat(c.getMessage()).contains("1 ImageSpec(s)");
      assertThat(kubeletReady(n)).as("%s: the kubelet's condition kept", n).isPresent();
    }
    String[] engines = {"docker", "podman", "containerd"};
    for (String e : engines) {
      assertThat(present(e, imageA) && present(e, imageB)).as(e).isTrue();
    }
  }

  @Test
  void aBrokenImageKeepsTheNodeClosedOnlyUntilTheWarmTimeout() {
    Node node = await().atMost(WAIT).until(() -> node("warm-broken"), x -> !hasTaint(x, WARMING));
    assertThat(node.getSpec().getTaints()).containsExactly(OTHER);
    assertThat(docker.images().exists(broken)).isFalse();
    NodeCondition c =
        await().atMost(WAIT).until(() -> warmCondition("warm-broken"), Optional::isPresent).get();
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo(Reasons.TIMED_OUT);
    assertThat(c.getMessage()).contains("warm timeout 3s", "default/broken", broken);
    assertThat(kubeletReady("warm-broken")).isPresent();
    Event event =
        await()
            .atMost(WAIT)
            .until(
                () ->
                    client.v1().events().inNamespace("default").list().getItems().stream()
                        .filter(e -> Reasons.WARM_TIMED_OUT.equals(e.getReason()))
                        .findFirst(),
                Optional::isPresent)
            .get();
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getInvolvedObject().getKind()).isEqualTo("Node");
    assertThat(event.getInvolvedObject().getName()).isEqualTo("warm-broken");
    assertThat(event.getMessage()).contains("warm-broken", "default/broken", broken);
  }

  @Test
  void aTaintedNodeNoWarmSpecSelectsOpensAfterItsFirstPass() {
    Node node = await().atMost(WAIT).until(() -> node("warm-none"), x -> !hasTaint(x, WARMING));
    assertThat(node.getSpec().getTaints()).containsExactly(OTHER);
    NodeCondition c =
        await().atMost(WAIT).until(() -> warmCondition("warm-none"), Optional::isPresent).get();
    assertThat(c.getStatus()).isEqualTo("True");
    assertThat(c.getMessage()).contains("no ImageSpec with warmBeforeScheduling");
  }

  /**
   * The taint patch tests the list it read: read stale (before another controller added its taint),
   * the patch is refused, and the gate reads again and keeps both other taints.
   */
  @Test
  void aTaintAddedAfterTheReadIsKept() {
    String n = "warm-race";
    node(n, Map.of());
    Node stale = node(n);
    Taint late = new TaintBuilder().withKey("late.example/y").withEffect("NoExecute").build();
    client
        .nodes()
        .withName(n)
        .edit(
            x -> {
              x.getSpec().getTaints().add(late);
              return x;
            });
    // the first read answers the stale Node (expectations come before the CRUD store)
    server.server().expect().get().withPath("/api/v1/nodes/" + n).andReturn(200, stale).once();
    Metrics metrics = new Metrics();
    try (EventRecorder events =
        new EventRecorder(client, "test", n, Duration.ofSeconds(30), 10, metrics)) {
      WarmGate gate =
          new WarmGate(client, n, WARMING, Duration.ofMinutes(1), events, Instant.now());
      assertThat(gate.removeTaint()).isTrue();
    }
    assertThat(node(n).getSpec().getTaints()).containsExactly(OTHER, late);
  }

  // ---- helpers

  static OperatorRuntime agent(String node, ImageBackend backend, Duration warmTimeout)
      throws Exception {
    OperatorOptions a = OperatorOptions.agent(node, 4, CredentialResolver.none());
    OperatorOptions options =
        new OperatorOptions(
            true,
            false,
            a.agentSettings().withWarm(null, warmTimeout),
            null,
            false,
            null,
            null,
            null,
            null,
            0,
            null,
            null,
            null);
    return OperatorRuntime.start(options, client, backend);
  }

  /** A Node registered with the warm taint and another controller's, and a kubelet condition. */
  static void node(String name, Map<String, String> labels) {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .addNewTaint()
                .withKey(WARMING)
                .withEffect("NoSchedule")
                .endTaint()
                .addToTaints(OTHER)
                .endSpec()
                .withNewStatus()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .withReason("KubeletReady")
                .endCondition()
                .endStatus()
                .build())
        .create();
  }

  static Node node(String name) {
    return client.nodes().withName(name).get();
  }

  static boolean hasTaint(Node n, String key) {
    return n.getSpec() != null
        && n.getSpec().getTaints() != null
        && n.getSpec().getTaints().stream().anyMatch(t -> key.equals(t.getKey()));
  }

  static Optional<NodeCondition> warmCondition(String node) {
    return condition(node, c -> Reasons.IMAGES_WARM.equals(c.getType()));
  }

  static Optional<NodeCondition> kubeletReady(String node) {
    return condition(
        node, c -> "Ready".equals(c.getType()) && "KubeletReady".equals(c.getReason()));
  }

  static Optional<NodeCondition> condition(String node, Predicate<NodeCondition> p) {
    Node n = node(node);
    return n == null || n.getStatus() == null || n.getStatus().getConditions() == null
        ? Optional.empty()
        : n.getStatus().getConditions().stream().filter(p).findFirst();
  }

  static boolean present(String engine, String ref) {
    return switch (engine) {
      case "docker" -> docker.images().exists(ref);
      case "podman" -> podman.images().exists(ref);
      default -> containerd.get(ref).isPresent();
    };
  }

  /** Pushes a fresh image to the plain registry and removes it locally; returns its reference. */
  static String published(String name) {
    String ref = TestEnv.registry() + "/operator/" + name + TestEnv.unique() + ":1.0";
    images.add(ref);
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    docker.images().remove(ref, false, false);
    return ref;
  }

  static ImageSpec spec(String name, Map<String, String> selector, boolean warm, String... refs) {
    ImageSpecSpec s =
        ImageSpecSpec.of(
            java.util.Arrays.stream(refs).map(ImageEntry::of).toArray(ImageEntry[]::new));
    s.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(selector).build());
    s.setWarmBeforeScheduling(warm);
    return ImageSpec.of("default", name, s);
  }

  static void create(ImageSpec s) {
    client.resource(s).create();
  }
}
