package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.CriBackend;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.spec.RolloutSpec;
import dev.imagespec.spec.RolloutStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.RecordingProxy;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rollout throttle ({@code rollout.maxConcurrentNodes}) on five node runtimes (the light
 * containerd nodes of {@code scripts/engines}), their agents and the aggregator on the CRUD mock
 * API server; the registry behind a recording proxy that slows it and sees which node fetches.
 */
class OperatorRolloutTest {
  static final Duration WAIT = Duration.ofSeconds(150);
  static final Duration PERMIT_TIMEOUT = Duration.ofSeconds(6);
  static final int NODES = 5;

  static MockApiServer server;
  static KubernetesClient client;
  static EngineClient docker;
  static RecordingProxy proxy;
  static final List<String> hosts = new ArrayList<>();
  static final List<OperatorRuntime> runtimes = new ArrayList<>();
  static final List<String> published = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    hosts.addAll(TestEnv.nodeHosts(NODES).subList(0, NODES));
    docker = TestEnv.docker().client();
    // about 1.5 s per image and node: pulls of several nodes would overlap if allowed
    proxy = new RecordingProxy(TestEnv.registry()).limit(1_500_000);
    server = MockApiServer.crud().allowLeases();
    client = server.client();
    for (int i = 0; i < NODES; i++) {
      String node = "roll-" + (i + 1);
      client
          .nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName(node)
                  .withLabels(Map.of("imagespec.test/rollout", "yes"))
                  .endMetadata()
                  .build())
          .create();
      runtimes.add(
          OperatorRuntime.start(
              OperatorOptions.agent(node, 4, CredentialResolver.none()),
              client,
              new CriBackend(CriRuntime.connect(hosts.get(i), Duration.ofMinutes(5)))));
    }
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.aggregator(false, "default").withPermitTimeout(PERMIT_TIMEOUT),
            client,
            null));
  }

  @AfterAll
  static void stop() {
    runtimes.forEach(OperatorRuntime::close);
    if (server != null) {
      server.close();
    }
    for (String host : hosts) {
      try (CriRuntime node = CriRuntime.connect(host, Duration.ofMinutes(1))) {
        for (String ref : published) {
          node.get(ref).ifPresent(i -> node.removeImage(i.id()));
        }
      } catch (RuntimeException ignored) {
        // best effort
      }
    }
    if (proxy != null) {
      proxy.close();
    }
    if (docker != null) {
      docker.close();
    }
  }

  /** A fresh image in the plain registry, named through the proxy. */
  static String publish(String name) {
    String path = "/rollout/" + name + TestEnv.unique() + ":1";
    String direct = TestEnv.registry() + path;
    TestEnv.seed(docker, direct, "imagespec.test/layer=" + name + TestEnv.unique());
    docker.images().push(direct, PushOptions.defaults(), null);
    docker.images().remove(direct, false, false);
    String ref = proxy.address() + path;
    published.add(ref);
    return ref;
  }

  static ImageSpec spec(String name, Object maxConcurrentNodes, String... images) {
    ImageSpecSpec s =
        ImageSpecSpec.of(
            java.util.Arrays.stream(images).map(ImageEntry::of).toArray(ImageEntry[]::new));
    s.setNodeSelector(
        new LabelSelectorBuilder()
            .withMatchLabels(Map.of("imagespec.test/rollout", "yes"))
            .build());
    s.setRollout(RolloutSpec.maxConcurrentNodes(maxConcurrentNodes));
    return ImageSpec.of("default", name, s);
  }

  static ImageSpec get(String name) {
    return client.resources(ImageSpec.class).inNamespace("default").withName(name).get();
  }

  static boolean onNode(int i, String ref) {
    try (CriRuntime node = CriRuntime.connect(hosts.get(i), Duration.ofMinutes(1))) {
      return node.get(ref).isPresent();
    }
  }

  @Test
  void atMostTwoNodesFetchAtOnceAndAllFiveConverge() {
    String a = publish("a");
    String b = publish("b");
    AtomicInteger maxPermits = new AtomicInteger();
    AtomicInteger maxWaiting = new AtomicInteger();
    client.resource(spec("two-at-once", 2, a, b)).create();

    ImageSpecStatus st =
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  ImageSpec s = get("two-at-once");
                  ImageSpecStatus status = s == null ? null : s.getStatus();
                  if (status != null && status.getRollout() != null) {
                    RolloutStatus r = status.getRollout();
                    maxPermits.accumulateAndGet(
                        r.getPermits() == null ? 0 : r.getPermits().size(), Math::max);
                    for (ImageStatus i : status.getImages()) {
                      Integer w = i.getNodes() == null ? null : i.getNodes().getWaiting();
                      maxWaiting.accumulateAndGet(w == null ? 0 : w, Math::max);
                    }
                  }
                  return status;
                },
                s -> s != null && s.isReady() && s.getNodes().getReady() == NODES);

    // the registry saw at most two node runtimes fetching blobs at the same time
    assertThat(proxy.maxClientsFetchingBlobs()).isBetween(1, 2);
    assertThat(maxPermits.get()).isEqualTo(2);
    assertThat(maxWaiting.get()).as("nodes seen waiting for a permit").isPositive();
    assertThat(st.getRollout().getMaxConcurrentNodes()).isEqualTo(2);
    assertThat(st.getRollout().getPermits()).isNull(); // all done: every permit returned
    for (int i = 0; i < NODES; i++) {
      assertThat(onNode(i, a)).as("node %d has %s", i + 1, a).isTrue();
      assertThat(onNode(i, b)).as("node %d has %s", i + 1, b).isTrue();
    }
  }

  @Test
  void aPermitHeldByANodeWhoseAgentIsGoneComesBackAfterTheTimeout() {
    String c = publish("c");
    // A node whose agent was killed while it waited: its last report stays in its ImageNode.
    // Named to come first, it gets the one permit, and keeps it until --permit-timeout.
    // The gone node's ImageNode is there before the spec, so the real nodes cannot get the permit
    // first (its entry names no uid: it matches the spec about to be created, generation 1).
    ImageNode ghost = client.resource(ImageNode.of("aaa-gone")).create();
    NodeSpecStatus entry = new NodeSpecStatus();
    entry.setNamespace("default");
    entry.setName("one-at-once");
    entry.setObservedGeneration(1L);
    entry.setImages(
        List.of(
            new ImageStatus(
                c, ImageState.Waiting, null, null, "waiting for a rollout permit", null)));
    ImageNodeStatus st = new ImageNodeStatus();
    st.setSpecs(List.of(entry));
    ghost.setStatus(st);
    client.resource(ghost).updateStatus();
    ImageSpec spec = client.resource(spec("one-at-once", 1, c)).create();
    assertThat(spec.getMetadata().getGeneration()).isEqualTo(1L);

    RolloutStatus held =
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  ImageSpec s = get("one-at-once");
                  return s == null || s.getStatus() == null ? null : s.getStatus().getRollout();
                },
                r -> r != null && r.permits("aaa-gone"));
    Instant granted = Instant.parse(held.getPermits().get(0).getGranted());

    java.util.concurrent.atomic.AtomicReference<Instant> firstReal =
        new java.util.concurrent.atomic.AtomicReference<>();
    ImageSpecStatus done =
        await()
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  ImageSpecStatus status = get("one-at-once").getStatus();
                  if (status != null
                      && status.getNodes() != null
                      && status.getNodes().getReady() > 0) {
                    firstReal.compareAndSet(null, Instant.now());
                  }
                  return status;
                },
                x -> x != null && x.getNodes() != null && x.getNodes().getReady() == NODES);

    // the first real node converged only after the gone node's permit timed out
    assertThat(firstReal.get()).isNotNull();
    assertThat(Duration.between(granted, firstReal.get()))
        .isGreaterThanOrEqualTo(PERMIT_TIMEOUT.minusSeconds(1));
    // with nobody else waiting, the gone node holds the permit again (or waits after its timeout)
    RolloutStatus end = done.getRollout();
    assertThat(
            end.permits("aaa-gone")
                || (end.getTimedOut() != null && end.getTimedOut().contains("aaa-gone")))
        .isTrue();
    assertThat(done.isReady()).isFalse(); // the gone node never converges
    assertThat(done.getImages().get(0).getNodes().getWaiting()).isEqualTo(1);
    for (int i = 0; i < NODES; i++) {
      assertThat(onNode(i, c)).isTrue();
    }
  }
}
