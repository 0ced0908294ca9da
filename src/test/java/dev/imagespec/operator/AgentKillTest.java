package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.RecordingProxy;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fault: the agent process is killed (SIGKILL) while a pull is in flight, then started again, on
 * dockerd and on a CRI containerd node runtime. The registry sits behind a {@link RecordingProxy}
 * that slows it, so one image (small) is complete and the other (8 MiB) still downloading when the
 * agent dies. The restarted agent must converge without pulling the complete image again, leave no
 * name the spec does not declare, and report every image Present and the node Ready.
 *
 * <p>{@code -Dimagespec.faultRuns=N} repeats each engine's run N times (default 1), for figures;
 * {@code -Dimagespec.faultRuntimes=docker} (or {@code cri}) runs one of them. Agent logs: {@code
 * target/agent-faults/}.
 */
class AgentKillTest {
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

  /** The agent's runtime option and socket, and a view of its image store. */
  static String host(String runtime) {
    // the last light node runtime: OperatorRolloutTest uses them all, but never at the same time
    return "docker".equals(runtime) ? TestEnv.docker().host() : TestEnv.nodeHosts(5).get(4);
  }

  static AgentFaultRig.Store store(String runtime) {
    return "docker".equals(runtime)
        ? AgentFaultRig.dockerStore(docker)
        : AgentFaultRig.criStore(host(runtime));
  }

  @ParameterizedTest(name = "{0}, run {1}")
  @MethodSource("runs")
  void killedDuringAPullTheRestartedAgentConvergesWithoutPullingAgain(
      String runtime, int run, @TempDir Path dir) throws Exception {
    String u = TestEnv.unique();
    String repo = "/agentkill-" + u;
    String node = "kill-" + runtime + "-" + u;
    String smallPath = rig.publishSmall(repo + "/small:1");
    String largePath = rig.publishLarge(repo + "/large:1", LARGE);
    String small = proxy.address() + smallPath;
    String large = proxy.address() + largePath;
    String smallAlias = "agentkill-" + u + "/small:alias";
    String largeAlias = "agentkill-" + u + "/large:alias";
    Set<String> declared =
        new TreeSet<>(
            Stream.of(small, large, smallAlias, largeAlias).map(AgentFaultRig::canonical).toList());

    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(node)
                .withLabels(Map.of("imagespec.test/kill", u))
                .endMetadata()
                .build())
        .create();
    ImageSpecSpec s =
        ImageSpecSpec.of(
            ImageEntry.of(small).withTags(smallAlias), ImageEntry.of(large).withTags(largeAlias));
    s.setNodeSelector(
        new LabelSelectorBuilder().withMatchLabels(Map.of("imagespec.test/kill", u)).build());
    client.resource(ImageSpec.of("default", "kill-" + u, s)).create();

    Path kubeconfig = server.kubeconfig(dir.resolve("kubeconfig"));
    // kept after the test, for reading what the agent did
    Path log = Files.createDirectories(Path.of("target", "agent-faults")).resolve(node + ".log");
    Process agent = null;
    try (AgentFaultRig.Store engine = store(runtime)) {
      agent = AgentFaultRig.startAgent(kubeconfig, node, runtime, host(runtime), log);
      long startedAt = System.nanoTime();
      Process first = agent;
      // the small image is complete, the large one is downloading: kill the agent now
      withLog(
          log,
          () ->
              await()
                  .atMost(WAIT)
                  .pollInterval(Duration.ofMillis(50))
                  .failFast("the agent process exited", () -> !first.isAlive())
                  .until(
                      () ->
                          engine.id(small) != null
                              && proxy.count("GET", repo + "/large/blobs/") > 0
                              && proxy.clientsFetchingBlobs() > 0
                              && engine.id(large) == null));
      AgentFaultRig.kill(agent);
      long killedAt = System.nanoTime();
      String smallId = engine.id(small);
      long smallGets = proxy.count("GET", repo + "/small/");
      long smallHeads = proxy.count("HEAD", repo + "/small/");
      long largeGetsBefore = proxy.count("GET", repo + "/large/blobs/");
      assertThat(engine.id(large)).as("the large image was still downloading").isNull();

      agent = AgentFaultRig.startAgent(kubeconfig, node, runtime, host(runtime), log);
      long restartedAt = System.nanoTime();
      Process second = agent;
      NodeSpecStatus entry =
          withLog(
              log,
              () ->
                  await()
                      .atMost(WAIT)
                      .pollInterval(Duration.ofMillis(100))
                      .failFast("the agent process exited", () -> !second.isAlive())
                      .until(
                          () -> {
                            ImageNode n = client.resources(ImageNode.class).withName(node).get();
                            return n == null || n.getStatus() == null || !n.getStatus().isReady()
                                ? null
                                : n.getStatus().spec("default", "kill-" + u).orElse(null);
                          },
                          e -> e != null && e.isReady()));
      long convergedAt = System.nanoTime();

      assertThat(entry.getImages())
          .extracting(ImageStatus::getState)
          .containsExactly(ImageState.Present, ImageState.Present);
      assertThat(entry.getImages().get(0).getId()).isEqualTo(smallId);
      assertThat(entry.getImages().get(1).getId()).isEqualTo(engine.id(large));
      // the small image was complete before the kill: nothing of it fetched again
      assertThat(proxy.count("GET", repo + "/small/"))
          .as("GETs of the small image's manifest and blobs after the restart")
          .isEqualTo(smallGets);
      assertThat(engine.id(small)).isEqualTo(smallId);
      // exactly the declared names, each on the right image: nothing half-tagged
      Set<String> names =
          engine.names().stream()
              .filter(n -> n.contains("agentkill-" + u))
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(names).isEqualTo(declared);
      assertThat(engine.id(smallAlias)).isEqualTo(smallId);
      assertThat(engine.id(largeAlias)).isEqualTo(engine.id(large));

      System.out.printf(
          "FAULT agent-kill %s run %d: killed %.1f s after the agent started; restart -> node"
              + " Ready %.1f s;"
              + " small image GETs %d (HEADs %d -> %d) unchanged; large blob GETs %d before the"
              + " kill, %d in all%n",
          runtime,
          run,
          (killedAt - startedAt) / 1e9,
          (convergedAt - restartedAt) / 1e9,
          smallGets,
          smallHeads,
          proxy.count("HEAD", repo + "/small/"),
          largeGetsBefore,
          proxy.count("GET", repo + "/large/blobs/"));
    } finally {
      AgentFaultRig.stop(agent);
      client.resources(ImageSpec.class).inNamespace("default").withName("kill-" + u).delete();
      client.resources(ImageNode.class).withName(node).delete();
      client.nodes().withName(node).delete();
      try (AgentFaultRig.Store engine = store(runtime)) {
        engine.removeAll("agentkill-" + u);
      }
    }
  }

  /** Runs {@code wait}; a failure carries the agent's last log lines. */
  static <T> T withLog(Path log, java.util.concurrent.Callable<T> wait) throws Exception {
    try {
      return wait.call();
    } catch (org.awaitility.core.ConditionTimeoutException
        | org.awaitility.core.TerminalFailureException e) {
      throw new AssertionError(e.getMessage() + "; agent log:\n" + tail(log), e);
    }
  }

  static void withLog(Path log, Runnable wait) throws Exception {
    withLog(
        log,
        () -> {
          wait.run();
          return null;
        });
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (Exception e) {
      return "(no log: " + e + ")";
    }
  }
}
