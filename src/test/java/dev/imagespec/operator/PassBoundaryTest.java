package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.CriBackend;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.reconcile.ImageBackend;
import dev.imagespec.spec.DeletionPolicy;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.RecordingProxy;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fault: the truth changes while an agent's pass is running. A pull held in flight by a slowed
 * registry ({@link RecordingProxy}) keeps the pass going while a spec with {@code deletionPolicy:
 * Remove} is deleted and the node's labels change so that another spec stops selecting it. The next
 * pass must see the new truth: the deleted spec's images go (not one a live spec declares), and the
 * spec that no longer selects the node is no longer applied or reported there — its images stay, as
 * README's "What the agent does" has it (only deletion with {@code Remove}, an {@code Absent} entry
 * or a prune removes images). The agent and the aggregator run in this JVM against the CRUD mock
 * API server, on dockerd and on a CRI containerd node runtime.
 *
 * <p>{@code -Dimagespec.faultRuns=N} repeats each engine's run N times (default 1), for figures;
 * {@code -Dimagespec.faultRuntimes=docker} (or {@code cri}) runs one of them.
 */
class PassBoundaryTest {
  static final Duration WAIT = AgentFaultRig.Fixture.WAIT;
  static final long LARGE = AgentFaultRig.Fixture.LARGE;

  static AgentFaultRig.Fixture fixture;
  static MockApiServer server;
  static KubernetesClient client;
  static EngineClient docker;
  static RecordingProxy proxy;
  static AgentFaultRig rig;

  @BeforeAll
  static void start() throws Exception {
    fixture = new AgentFaultRig.Fixture();
    server = fixture.server;
    client = fixture.client;
    docker = fixture.docker;
    proxy = fixture.proxy;
    rig = fixture.rig;
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  static Stream<Arguments> runs() {
    return AgentFaultRig.Fixture.runs();
  }

  /** The fourth light node runtime (AgentKillTest uses the fifth). */
  static String criHost() {
    return TestEnv.nodeHosts(5).get(3);
  }

  static AgentFaultRig.Store store(String runtime) {
    return "docker".equals(runtime)
        ? AgentFaultRig.dockerStore(docker)
        : AgentFaultRig.criStore(criHost());
  }

  static ImageBackend backend(String runtime) {
    return "docker".equals(runtime)
        ? new EngineBackend(TestEnv.docker().client())
        : new CriBackend(CriRuntime.connect(criHost(), Duration.ofMinutes(5)));
  }

  /** One run's node, its agent, its images and specs; removed at the end. */
  static final class Run implements AutoCloseable {
    final String runtime;
    final String u = TestEnv.unique();
    final String node;
    final String repo;
    final List<String> specs = new ArrayList<>();
    final AgentFaultRig.Store store;
    OperatorRuntime agent;

    Run(String runtime, Map<String, String> labels) {
      this.runtime = runtime;
      this.node = "pb-" + runtime + "-" + u;
      this.repo = "/passboundary-" + u;
      client
          .nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName(node)
                  .withLabels(labels)
                  .endMetadata()
                  .build())
          .create();
      this.store = store(runtime);
    }

    void startAgent() throws java.io.IOException {
      agent =
          OperatorRuntime.start(
              OperatorOptions.agent(node, 4, CredentialResolver.none()), client, backend(runtime));
    }

    String small(String name) {
      return proxy.address() + rig.publishSmall(repo + "/" + name + ":1");
    }

    String large(String name) {
      return proxy.address() + rig.publishLarge(repo + "/" + name + ":1", LARGE);
    }

    ImageSpec create(String name, Map<String, String> selector, ImageEntry... images) {
      ImageSpecSpec s = ImageSpecSpec.of(images);
      s.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(selector).build());
      return create(name, s);
    }

    ImageSpec create(String name, ImageSpecSpec s) {
      specs.add(name);
      return client.resource(ImageSpec.of("default", name, s)).create();
    }

    ImageSpec get(String name) {
      return client.resources(ImageSpec.class).inNamespace("default").withName(name).get();
    }

    ImageNode imageNode() {
      return client.resources(ImageNode.class).withName(node).get();
    }

    /** The spec names the ImageNode reports, in order. */
    List<String> reported() {
      ImageNode n = imageNode();
      return n == null || n.getStatus() == null || n.getStatus().getSpecs() == null
          ? List.of()
          : n.getStatus().getSpecs().stream().map(NodeSpecStatus::getName).toList();
    }

    boolean ready(String spec) {
      ImageNode n = imageNode();
      return n != null
          && n.getStatus() != null
          && n.getStatus().spec("default", spec).map(NodeSpecStatus::isReady).orElse(false);
    }

    /** A blob of {@code image} (a path under the proxy) is being fetched, and it is not here. */
    boolean fetching(String image) {
      String path = image.substring(proxy.address().length(), image.lastIndexOf(':'));
      return proxy.count("GET", path + "/blobs/") > 0
          && proxy.clientsFetchingBlobs() > 0
          && store.id(image) == null;
    }

    @Override
    public void close() {
      if (agent != null) {
        agent.close();
      }
      for (String s : specs) {
        ImageSpec spec = get(s);
        if (spec != null) {
          spec.getMetadata().setFinalizers(null);
          try {
            client.resource(spec).update();
          } catch (RuntimeException ignored) {
            // gone meanwhile
          }
          client.resources(ImageSpec.class).inNamespace("default").withName(s).delete();
        }
      }
      client.resources(ImageNode.class).withName(node).delete();
      client.nodes().withName(node).delete();
      store.removeAll("passboundary-" + u);
      store.close();
    }
  }

  @ParameterizedTest(name = "{0}, run {1}")
  @MethodSource("runs")
  void specDeletedAndLabelsChangedDuringARunningPassTheNextPassSeesTheNewTruth(
      String runtime, int run) throws Exception {
    String keep = "imagespec.test/pb";
    String pool = "imagespec.test/pool";
    try (Run r = new Run(runtime, Map.of(keep, "x", pool, "x"))) {
      Map<String, String> onKeep = Map.of(keep, "x");
      String shared = r.small("shared");
      String doomedOnly = r.small("doomed");
      String leavingImage = r.small("leaving");
      String large = r.large("large");
      r.create("live-" + r.u, onKeep, ImageEntry.of(shared));
      ImageSpecSpec doomed = ImageSpecSpec.of(ImageEntry.of(shared), ImageEntry.of(doomedOnly));
      doomed.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(onKeep).build());
      doomed.setDeletionPolicy(DeletionPolicy.Remove);
      r.create("doomed-" + r.u, doomed);
      r.create("leaving-" + r.u, Map.of(pool, "x"), ImageEntry.of(leavingImage));
      r.startAgent();
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  r.ready("live-" + r.u)
                      && r.ready("doomed-" + r.u)
                      && r.ready("leaving-" + r.u)
                      && r.get("doomed-" + r.u).getMetadata().getFinalizers() != null
                      && r.get("doomed-" + r.u)
                          .getMetadata()
                          .getFinalizers()
                          .contains(AggregatorReconciler.FINALIZER));
      String sharedId = r.store.id(shared);
      String leavingId = r.store.id(leavingImage);
      assertThat(r.store.id(doomedOnly)).isNotNull();
      long removes = r.agent.metrics().actionCount("remove", "succeeded");

      // a pass starts pulling the large image the doomed spec now declares too...
      client
          .resources(ImageSpec.class)
          .inNamespace("default")
          .withName("doomed-" + r.u)
          .edit(
              s -> {
                s.getSpec().getImages().add(ImageEntry.of(large));
                return s;
              });
      await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> r.fetching(large));
      // ...and while it runs, the doomed spec is deleted and the node leaves the pool
      client.resources(ImageSpec.class).inNamespace("default").withName("doomed-" + r.u).delete();
      client
          .nodes()
          .withName(r.node)
          .edit(
              n -> {
                Map<String, String> labels = new HashMap<>(n.getMetadata().getLabels());
                labels.remove(pool);
                n.getMetadata().setLabels(labels);
                return n;
              });
      long faultEnded = System.nanoTime();
      assertThat(r.fetching(large)).as("the pass was still pulling after both changes").isTrue();

      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  r.get("doomed-" + r.u) == null
                      && r.store.id(doomedOnly) == null
                      && r.store.id(large) == null
                      && r.reported().equals(List.of("live-" + r.u))
                      && r.imageNode().getStatus().isReady());
      long converged = System.nanoTime();

      // the in-flight pass pulled the large image; the next one removed it and the doomed image
      assertThat(r.agent.metrics().actionCount("remove", "succeeded") - removes).isEqualTo(2);
      // nothing a live spec declares was removed
      assertThat(r.store.id(shared)).isEqualTo(sharedId);
      assertThat(r.ready("live-" + r.u)).isTrue();
      // a spec that stops selecting the node: no longer applied nor reported there, images stay
      assertThat(r.store.id(leavingImage)).isEqualTo(leavingId);
      ImageSpecStatus leaving =
          await()
              .atMost(WAIT)
              .until(
                  () -> r.get("leaving-" + r.u).getStatus(),
                  st -> st != null && st.getNodes() != null && st.getNodes().getDesired() == 0);
      assertThat(leaving.condition(ImageSpecStatus.READY).orElseThrow().getReason())
          .isEqualTo("NoMatchingNodes");
      System.out.printf(
          "FAULT pass-boundary %s run %d: both changes during the pull -> converged %.1f s after"
              + " (large image pulled, then removed; shared and leaving images kept)%n",
          runtime, run, (converged - faultEnded) / 1e9);
    }
  }

  @ParameterizedTest(name = "{0}, run {1}")
  @MethodSource("runs")
  void specDeletedWhileItsFirstPullIsInFlightHasItsImagesRemoved(String runtime, int run)
      throws Exception {
    String keep = "imagespec.test/pb";
    try (Run r = new Run(runtime, Map.of(keep, "x"))) {
      String large = r.large("first");
      String small = r.small("first-small");
      r.startAgent();
      await().atMost(WAIT).until(() -> r.imageNode() != null && r.imageNode().getStatus() != null);
      long pulls = r.agent.metrics().actionCount("pull", "succeeded");
      ImageSpecSpec s = ImageSpecSpec.of(ImageEntry.of(small), ImageEntry.of(large));
      s.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(Map.of(keep, "x")).build());
      s.setDeletionPolicy(DeletionPolicy.Remove);
      r.create("fresh-" + r.u, s);
      // the node has not reported the spec yet: its first pass is pulling
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () ->
                  r.fetching(large)
                      && r.get("fresh-" + r.u).getMetadata().getFinalizers() != null
                      && r.get("fresh-" + r.u)
                          .getMetadata()
                          .getFinalizers()
                          .contains(AggregatorReconciler.FINALIZER));
      assertThat(r.reported()).doesNotContain("fresh-" + r.u);
      client.resources(ImageSpec.class).inNamespace("default").withName("fresh-" + r.u).delete();
      long faultEnded = System.nanoTime();
      // still in flight (not "fetching a blob right now": between two blobs no fetch is open)
      assertThat(r.store.id(large)).as("the pass was still pulling after the deletion").isNull();
      assertThat(r.agent.metrics().actionCount("pull", "succeeded")).isLessThan(pulls + 2);
      // the aggregator found no report of this node to wait for: the spec goes at once
      await().atMost(WAIT).until(() -> r.get("fresh-" + r.u) == null);
      // the running pass completes both pulls
      await()
          .atMost(WAIT)
          .until(() -> r.agent.metrics().actionCount("pull", "succeeded") >= pulls + 2);

      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(100))
          .alias("the deleted spec's images removed by the next pass")
          .until(
              () ->
                  r.store.id(large) == null
                      && r.store.id(small) == null
                      && r.reported().isEmpty()
                      && r.imageNode().getStatus().isReady());
      long converged = System.nanoTime();
      System.out.printf(
          "FAULT first-pull-deleted %s run %d: spec deleted during its first pull -> images"
              + " removed %.1f s after%n",
          runtime, run, (converged - faultEnded) / 1e9);
    }
  }
}
