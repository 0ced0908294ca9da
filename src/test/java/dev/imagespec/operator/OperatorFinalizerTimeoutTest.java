package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.CriBackend;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.DeletionPolicy;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.RawEngine;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --finalizer-timeout} on the CRUD mock API server with real agents: {@code fin-live} (a
 * light containerd node of {@code scripts/engines}), {@code fin-busy} (dockerd, where a container
 * keeps the image from being removed; its agent retries every second) and {@code fin-down}, a node
 * whose agent is not running, its Node NotReady and its last report left in its ImageNode.
 */
class OperatorFinalizerTimeoutTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final Duration TIMEOUT = Duration.ofSeconds(4);
  static final String GROUP = "imagespec.test/fin";

  static MockApiServer server;
  static KubernetesClient client;
  static EngineClient docker;
  static String liveHost;
  static final List<OperatorRuntime> runtimes = new ArrayList<>();
  static final List<String> published = new ArrayList<>();
  static final List<String> containers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    docker = TestEnv.docker().client();
    liveHost = TestEnv.nodeHosts(1).get(0);
    server = MockApiServer.crud();
    client = server.client();
    node("fin-live", "shared", "True");
    node("fin-down", "shared", "True");
    node("fin-busy", "busy", "True");
    runtimes.add(
        OperatorRuntime.start(
            agent("fin-live"),
            client,
            new CriBackend(CriRuntime.connect(liveHost, Duration.ofMinutes(5)))));
    runtimes.add(
        OperatorRuntime.start(
            agent("fin-busy"), client, new EngineBackend(TestEnv.docker().client())));
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.aggregator(false, "default").withFinalizerTimeout(TIMEOUT),
            client,
            null));
  }

  @AfterAll
  static void stop() {
    runtimes.forEach(OperatorRuntime::close);
    if (server != null) {
      server.close();
    }
    for (String c : containers) {
      try {
        RawEngine.removeContainer(TestEnv.docker().host(), c);
      } catch (RuntimeException ignored) {
        // best effort
      }
    }
    try (CriRuntime live = CriRuntime.connect(liveHost, Duration.ofMinutes(1))) {
      for (String ref : published) {
        live.get(ref).ifPresent(i -> live.removeImage(i.id()));
      }
    } catch (RuntimeException ignored) {
      // best effort
    }
    if (docker != null) {
      for (String ref : published) {
        try {
          if (docker.images().exists(ref)) {
            docker.images().remove(ref, true, false);
          }
        } catch (RuntimeException ignored) {
          // best effort
        }
      }
      docker.close();
    }
  }

  /** An agent retrying failed passes (a removal that fails) every second. */
  static OperatorOptions agent(String node) {
    return new OperatorOptions(
        true,
        false,
        new AgentReconciler.Settings(node, 4, Duration.ofSeconds(1), CredentialResolver.none()),
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
  }

  static void node(String name, String group, String ready) {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(Map.of(GROUP, group))
                .endMetadata()
                .withNewStatus()
                .addToConditions(ready(ready))
                .endStatus()
                .build())
        .create();
  }

  static io.fabric8.kubernetes.api.model.NodeCondition ready(String status) {
    return new NodeConditionBuilder()
        .withType("Ready")
        .withStatus(status)
        .withReason("True".equals(status) ? "KubeletReady" : "NodeStatusUnknown")
        .withLastTransitionTime(Conditions.time(Instant.now()))
        .build();
  }

  /** A fresh image in the plain registry, not on any engine. */
  static String publish(String name) {
    String ref = TestEnv.registry() + "/finalizer/" + name + TestEnv.unique() + ":1";
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    docker.images().remove(ref, false, false);
    published.add(ref);
    return ref;
  }

  static ImageSpec create(String name, String group, String ref) {
    ImageSpecSpec s = ImageSpecSpec.of(ImageEntry.of(ref));
    s.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(Map.of(GROUP, group)).build());
    s.setDeletionPolicy(DeletionPolicy.Remove);
    return client.resource(ImageSpec.of("default", name, s)).create();
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

  static List<Event> events(String spec, String reason) {
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> spec.equals(e.getInvolvedObject().getName()))
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  static boolean onLive(String ref) {
    try (CriRuntime live = CriRuntime.connect(liveHost, Duration.ofMinutes(1))) {
      return live.get(ref).isPresent();
    }
  }

  @Test
  void aSpecWaitingForADownNodeIsReleasedAfterTheTimeoutNamingIt() {
    String ref = publish("shared");
    String name = "down-" + TestEnv.unique();
    ImageSpec spec = create(name, "shared", ref);
    await().atMost(WAIT).until(() -> entry("fin-live", name).map(e -> e.isReady()).orElse(false));
    assertThat(onLive(ref)).isTrue();
    // fin-down applied the spec before its agent went away: its report stays in its ImageNode
    NodeSpecStatus last = new NodeSpecStatus();
    last.setNamespace("default");
    last.setName(name);
    last.setUid(spec.getMetadata().getUid());
    last.setObservedGeneration(spec.getMetadata().getGeneration());
    last.setImages(List.of(new ImageStatus(ref, ImageState.Present, null, null, "pulled", null)));
    ImageNode down = client.resources(ImageNode.class).withName("fin-down").get();
    if (down == null) {
      down = client.resource(ImageNode.of("fin-down")).create();
    }
    ImageNodeStatus st = new ImageNodeStatus();
    st.setSpecs(List.of(last));
    down.setStatus(st);
    client.resource(down).updateStatus();
    client
        .nodes()
        .withName("fin-down")
        .editStatus(
            n -> {
              n.getStatus().setConditions(new ArrayList<>(List.of(ready("Unknown"))));
              return n;
            });

    Instant deleted = Instant.now();
    client.resource(spec).delete();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> get(name) == null);
    Instant released = Instant.now();

    // not before the timeout (the deletion time the server keeps has whole seconds)
    assertThat(Duration.between(deleted, released)).isGreaterThanOrEqualTo(TIMEOUT.minusSeconds(1));
    // the live node removed the image and said so; only the down node is named
    assertThat(onLive(ref)).isFalse();
    Event timedOut =
        await()
            .atMost(WAIT)
            .until(() -> events(name, Reasons.FINALIZER_TIMED_OUT), l -> !l.isEmpty())
            .get(0);
    assertThat(timedOut.getType()).isEqualTo("Warning");
    assertThat(timedOut.getMessage())
        .contains("fin-down")
        .contains("--finalizer-timeout 4s")
        .contains("by hand")
        .doesNotContain("fin-live");
  }

  @Test
  void aReadyNodeWhoseAgentKeepsTryingIsWaitedForPastTheTimeout() {
    String ref = publish("busy");
    String name = "busy-" + TestEnv.unique();
    ImageSpec spec = create(name, "busy", ref);
    await().atMost(WAIT).until(() -> entry("fin-busy", name).map(e -> e.isReady()).orElse(false));
    // a container keeps dockerd from removing the image: the agent fails and retries
    String container = "imagespec-fin-" + TestEnv.unique();
    containers.add(container);
    RawEngine.createContainer(TestEnv.docker().host(), ref, container);

    client.resource(spec).delete();
    await()
        .atMost(WAIT)
        .until(
            () -> entry("fin-busy", name),
            e ->
                e.isPresent()
                    && Boolean.FALSE.equals(e.get().getRemoved())
                    && e.get().getLastRemovalAttempt() != null
                    && e.get().isDegraded());
    // three timeouts later the spec still waits for the node that keeps trying
    await()
        .during(TIMEOUT.multipliedBy(3))
        .atMost(TIMEOUT.multipliedBy(3).plusSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> get(name) != null);
    assertThat(events(name, Reasons.FINALIZER_TIMED_OUT)).isEmpty();
    assertThat(docker.images().exists(ref)).isTrue();

    // once the container is gone, the agent removes the image and the spec goes
    RawEngine.removeContainer(TestEnv.docker().host(), container);
    await().atMost(WAIT).until(() -> get(name) == null);
    assertThat(docker.images().exists(ref)).isFalse();
    assertThat(events(name, Reasons.FINALIZER_TIMED_OUT)).isEmpty();
  }
}
