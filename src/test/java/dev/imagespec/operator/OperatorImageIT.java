package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator image, built by {@code scripts/operator-image} from the shaded jar (so this runs
 * after {@code package}: {@code mvn verify}) and run on the test dockerd as deploy/docker/ runs it:
 * each container's args, env, user, read-only root, dropped capabilities, memory limit, volumes and
 * grace period are read from the manifests. The API server is the CRUD mock on the loopback
 * interface (containers on the host network, a kubeconfig mounted); the agent gets the test
 * dockerd's socket. The image has no shell or curl: {@code /healthz} and {@code /readyz} are asked
 * from the host, each role on its own port.
 */
@Tag("image")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorImageIT {
  static final Path JAR = Path.of("target", "imagespec.jar");
  static final long SIZE_GOAL = 200_000_000L;
  static final long RSS_BUDGET = 128L << 20;
  static final Duration WAIT = Duration.ofSeconds(90);
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** A container started from a manifest: its name, HTTP port and grace period. */
  record Run(String name, int port, int graceSeconds) {}

  static String dockerHost;
  static EngineClient docker;
  static String image;
  static MockApiServer server;
  static KubernetesClient client;
  static Path dir;
  static String node;
  static String spec;
  static String ref;
  static Run agent;
  static Run aggregator;
  static final List<String> containers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dockerHost = TestEnv.docker().host();
    docker = TestEnv.docker().client();
    assertThat(JAR)
        .as("the shaded jar; this test runs after package: mvn verify -Dtest=OperatorImageIT")
        .exists();
    String u = TestEnv.unique();
    image = "imagespec-it:" + u;
    long t0 = System.nanoTime();
    String built =
        exec(
            Duration.ofMinutes(5),
            "scripts/operator-image",
            "--tag",
            image,
            "--jar",
            JAR.toString());
    System.out.printf(
        "operator image %s built in %.1f s: %s%n", image, (System.nanoTime() - t0) / 1e9, built);

    MockApiServer.quiet();
    server = MockApiServer.crud().allowLeases();
    client = server.client();
    node = "image-" + u;
    client
        .nodes()
        .resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build())
        .create();
    ref = TestEnv.registry() + "/operator-image/app" + u + ":1";
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    docker.images().remove(ref, false, false);
    spec = "image-" + u;
    client.resource(ImageSpec.of("default", spec, ImageSpecSpec.of(ImageEntry.of(ref)))).create();

    dir = Files.createTempDirectory("operator-image-it");
    Path kubeconfig = server.kubeconfig(dir.resolve("kubeconfig"));
    List<HasMetadata> manifests = DeployManifestsTest.load(Path.of("deploy", "docker"));
    String dockerRoot = docker.systemInfo().path("DockerRootDir").asText();
    String socket = dockerHost.substring("unix://".length());

    String aggregatorName = "imagespec-aggregator-" + u;
    Deployment deployment = DeployManifestsTest.of(manifests, Deployment.class).get(0);
    aggregator =
        run(
            aggregatorName,
            deployment.getSpec().getTemplate().getSpec(),
            Map.of(
                "metadata.namespace", "default",
                "metadata.name", aggregatorName,
                "spec.nodeName", node),
            Map.of(),
            kubeconfig);
    agent =
        run(
            "imagespec-agent-" + u,
            DeployManifestsTest.agent(manifests).getSpec().getTemplate().getSpec(),
            Map.of("spec.nodeName", node),
            // the node's socket and runtime root: the test dockerd's; the root at the path
            // dockerd reports, as on a node (/var/lib/docker at /var/lib/docker)
            Map.of(
                "engine-socket", new String[] {socket, null},
                "image-fs", new String[] {dockerRoot, dockerRoot}),
            kubeconfig);
  }

  @AfterAll
  static void stop() throws Exception {
    for (String c : containers) {
      quietly("docker", "rm", "-f", c);
    }
    if (image != null) {
      quietly("docker", "image", "rm", image);
    }
    if (server != null) {
      server.close();
    }
    if (docker != null) {
      try {
        docker.images().remove(ref, true, false);
      } catch (RuntimeException ignored) {
        // never pulled
      }
      docker.close();
    }
    if (dir != null) {
      Files.deleteIfExists(dir.resolve("kubeconfig"));
      Files.deleteIfExists(dir);
    }
  }

  @Test
  @Order(1)
  void theImageIsSmallAndRunsAsNonroot() throws Exception {
    long size = Long.parseLong(exec(WAIT, "docker", "image", "inspect", "-f", "{{.Size}}", image));
    System.out.printf("image size: %d bytes (%.1f MB)%n", size, size / 1e6);
    assertThat(size).as("uncompressed size of %s", image).isLessThanOrEqualTo(SIZE_GOAL);
    assertThat(exec(WAIT, "docker", "image", "inspect", "-f", "{{.Config.User}}", image))
        .isEqualTo("65532:65532");
  }

  @Test
  @Order(2)
  void theAgentConvergesTheSpecAndReportsInItsImageNode() {
    NodeSpecStatus entry =
        awaitOrLogs(
            agent,
            () -> {
              ImageNode n = client.resources(ImageNode.class).withName(node).get();
              return n == null || n.getStatus() == null
                  ? null
                  : n.getStatus().spec("default", spec).orElse(null);
            },
            e -> e != null && (e.isReady() || e.isDegraded()));
    assertThat(entry.isReady()).as("%s; logs:%n%s", entry, logs(agent)).isTrue();
    assertThat(docker.images().exists(ref)).isTrue();
    awaitHealthy(agent);
  }

  @Test
  @Order(3)
  void theAggregatorRunsAsNonrootOnAReadOnlyRootAndWritesTheStatus() throws Exception {
    ImageSpecStatus st =
        awaitOrLogs(
            aggregator,
            () -> {
              ImageSpec s =
                  client.resources(ImageSpec.class).inNamespace("default").withName(spec).get();
              return s == null ? null : s.getStatus();
            },
            s -> s != null && s.isReady());
    assertThat(st.getConditions()).isNotEmpty();
    // leader-elected, as deployed (the mock answers JOSDK's access review: allowLeases)
    Lease lease = client.leases().inNamespace("default").withName("imagespec-aggregator").get();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(aggregator.name());
    awaitHealthy(aggregator);

    assertThat(inspect(aggregator, "{{.HostConfig.ReadonlyRootfs}}")).isEqualTo("true");
    assertThat(status(aggregator).get("Uid").split("\\s+")[0]).isEqualTo("65532");
    assertThat(status(aggregator).get("Gid").split("\\s+")[0]).isEqualTo("65532");
    assertThat(inspect(agent, "{{.HostConfig.ReadonlyRootfs}}")).isEqualTo("true");
    // no capability at all, although uid 0
    assertThat(status(agent).get("CapEff")).isEqualTo("0000000000000000");
  }

  @Test
  @Order(4)
  void theAgentStaysWithinItsMemoryBudget() throws Exception {
    Map<String, String> s = status(agent);
    long rss = kib(s.get("VmRSS"));
    long peak = kib(s.get("VmHWM"));
    String cgroup =
        exec(WAIT, "docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", agent.name());
    System.out.printf(
        "agent VmRSS %.1f MiB (RssAnon %.1f, RssFile %.1f; peak %.1f MiB), cgroup %s;"
            + " aggregator VmRSS %.1f MiB; budget %d MiB%n",
        rss / 1048576.0,
        kib(s.get("RssAnon")) / 1048576.0,
        kib(s.get("RssFile")) / 1048576.0,
        peak / 1048576.0,
        cgroup,
        kib(status(aggregator).get("VmRSS")) / 1048576.0,
        RSS_BUDGET >> 20);
    assertThat(rss).as("agent VmRSS after converging").isLessThanOrEqualTo(RSS_BUDGET);
  }

  @Test
  @Order(5)
  void bothStopOnSigtermWithinTheirGracePeriod() throws Exception {
    for (Run r : List.of(agent, aggregator)) {
      long t0 = System.nanoTime();
      exec(
          Duration.ofSeconds(r.graceSeconds() + 30),
          "docker",
          "stop",
          "-t",
          String.valueOf(r.graceSeconds()),
          r.name());
      double seconds = (System.nanoTime() - t0) / 1e9;
      String code = inspect(r, "{{.State.ExitCode}}");
      System.out.printf("%s stopped in %.1f s, exit %s%n", r.name(), seconds, code);
      assertThat(seconds)
          .as("%s: stop within its grace period", r.name())
          .isLessThan(r.graceSeconds());
      // 143: the JVM ended by SIGTERM after its shutdown hooks (137 would be docker's SIGKILL)
      assertThat(code).as(r.name()).isIn("0", "143");
      List<String> lines = logs(r).lines().toList();
      List<JsonNode> json = new ArrayList<>();
      for (String l : lines) {
        // the JVM's own notice, before any logger: not JSON
        if (l.startsWith("Picked up JAVA_TOOL_OPTIONS:")) {
          continue;
        }
        json.add(JSON.readTree(l));
      }
      assertThat(json)
          .as("%s: every other line is a JSON object", r.name())
          .allMatch(JsonNode::isObject);
      assertThat(json.get(json.size() - 1).path("message").asText())
          .as("%s: last line", r.name())
          .isEqualTo("stopped");
    }
  }

  /**
   * {@code docker run -d} of {@code pod}'s first container, on the host network: its args (the HTTP
   * port replaced by a free one), env ({@code fieldRef}s from {@code fields}), user, read-only
   * root, capabilities, privilege escalation, memory limit and volumes ({@code emptyDir}: a tmpfs;
   * {@code hostPath}: {@code hostPaths} by volume name, source and target, a null target keeping
   * the manifest's), and the kubeconfig.
   */
  static Run run(
      String name,
      PodSpec pod,
      Map<String, String> fields,
      Map<String, String[]> hostPaths,
      Path kubeconfig)
      throws Exception {
    Container c = pod.getContainers().get(0);
    int port = freePort();
    List<String> cmd = new ArrayList<>(List.of("docker", "run", "-d", "--name", name));
    cmd.addAll(List.of("--network", "host"));
    SecurityContext sc = Optional.ofNullable(c.getSecurityContext()).orElse(new SecurityContext());
    PodSecurityContext psc =
        Optional.ofNullable(pod.getSecurityContext()).orElse(new PodSecurityContext());
    Long uid = sc.getRunAsUser() != null ? sc.getRunAsUser() : psc.getRunAsUser();
    Long gid = sc.getRunAsGroup() != null ? sc.getRunAsGroup() : psc.getRunAsGroup();
    if (uid != null) {
      cmd.addAll(List.of("--user", uid + (gid == null ? "" : ":" + gid)));
    }
    if (Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
      cmd.add("--read-only");
    }
    if (sc.getCapabilities() != null) {
      for (String cap : sc.getCapabilities().getDrop()) {
        cmd.addAll(List.of("--cap-drop", cap));
      }
    }
    if (Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
      cmd.addAll(List.of("--security-opt", "no-new-privileges"));
    }
    Quantity memory = c.getResources().getLimits().get("memory");
    if (memory != null) {
      cmd.addAll(List.of("--memory", Quantity.getAmountInBytes(memory).toBigInteger().toString()));
    }
    for (EnvVar e : c.getEnv()) {
      String value = e.getValue();
      if (e.getValueFrom() != null) {
        String path = e.getValueFrom().getFieldRef().getFieldPath();
        value = fields.get(path);
        assertThat(value).as("%s: env %s from %s", name, e.getName(), path).isNotNull();
      }
      cmd.addAll(List.of("-e", e.getName() + "=" + value));
    }
    cmd.addAll(List.of("-e", "KUBECONFIG=/etc/imagespec/kubeconfig"));
    cmd.addAll(List.of("-v", kubeconfig + ":/etc/imagespec/kubeconfig:ro"));
    for (VolumeMount m : c.getVolumeMounts()) {
      Volume v =
          pod.getVolumes().stream()
              .filter(x -> x.getName().equals(m.getName()))
              .findFirst()
              .orElseThrow();
      if (v.getEmptyDir() != null) {
        // a pod's emptyDir allows exec (junixsocket loads its library from java.io.tmpdir);
        // docker's --tmpfs default is noexec
        Quantity limit = v.getEmptyDir().getSizeLimit();
        String size =
            limit == null ? "" : ",size=" + Quantity.getAmountInBytes(limit).toBigInteger();
        cmd.addAll(List.of("--tmpfs", m.getMountPath() + ":rw,exec" + size));
      } else {
        assertThat(v.getHostPath()).as("%s: volume %s", name, v.getName()).isNotNull();
        String[] to = hostPaths.get(v.getName());
        assertThat(to).as("%s: where hostPath volume %s comes from", name, v.getName()).isNotNull();
        String target = to[1] == null ? m.getMountPath() : to[1];
        cmd.addAll(
            List.of(
                "-v", to[0] + ":" + target + (Boolean.TRUE.equals(m.getReadOnly()) ? ":ro" : "")));
      }
    }
    cmd.add(image);
    List<String> args = new ArrayList<>(c.getArgs());
    int i = args.indexOf("--http-port");
    assertThat(i).as("%s: --http-port in args %s", name, args).isNotNegative();
    args.set(i + 1, String.valueOf(port));
    cmd.addAll(args);
    containers.add(name);
    exec(WAIT, cmd.toArray(String[]::new));
    return new Run(name, port, pod.getTerminationGracePeriodSeconds().intValue());
  }

  static void awaitHealthy(Run r) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(250))
        .alias(r.name() + " /healthz and /readyz answer 200")
        .until(() -> get(r, "/healthz") == 200 && get(r, "/readyz") == 200);
  }

  static int get(Run r, String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The container's main process's /proc/PID/status, field by field (values trimmed). */
  static Map<String, String> status(Run r) throws Exception {
    String pid = inspect(r, "{{.State.Pid}}");
    Map<String, String> out = new java.util.HashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        out.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return out;
  }

  /** "123456 kB" in bytes. */
  static long kib(String value) {
    return Long.parseLong(value.split("\\s+")[0]) * 1024;
  }

  static String inspect(Run r, String format) throws Exception {
    return exec(WAIT, "docker", "inspect", "-f", format, r.name());
  }

  static String logs(Run r) {
    try {
      return exec(WAIT, "docker", "logs", r.name());
    } catch (Exception e) {
      return "(no logs: " + e.getMessage() + ")";
    }
  }

  /** Awaits {@code done} of what {@code value} gives; on timeout, fails with {@code r}'s logs. */
  static <T> T awaitOrLogs(
      Run r, java.util.concurrent.Callable<T> value, java.util.function.Predicate<T> done) {
    try {
      return await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(value, done::test);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + "; logs of " + r.name() + ":\n" + logs(r), e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Runs a command against the test dockerd; its output (stdout and stderr), or fails. */
  static String exec(Duration timeout, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("DOCKER_HOST", dockerHost);
    Path out = Files.createTempFile("operator-image-it", ".out");
    try {
      pb.redirectOutput(out.toFile());
      Process p = pb.start();
      p.getOutputStream().close();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + ": no exit within " + timeout);
      }
      String text = Files.readString(out, StandardCharsets.UTF_8).trim();
      assertThat(p.exitValue()).as("%s: %s", String.join(" ", cmd), text).isZero();
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  static void quietly(String... cmd) {
    try {
      exec(WAIT, cmd);
    } catch (Exception | AssertionError e) {
      // cleanup
    }
  }
}
