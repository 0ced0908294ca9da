package dev.imagespec.bench;

import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImportOptions;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.operator.OperatorOptions;
import dev.imagespec.operator.OperatorRuntime;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.RolloutSpec;
import dev.imagespec.spec.RolloutStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.RandomTar;
import dev.imagespec.testing.RecordingProxy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rollout throttle at scale: 10 nodes warming 5 images with {@code rollout.maxConcurrentNodes:
 * 3}, against the same rollout without the throttle.
 *
 * <pre>
 * java -cp ... dev.imagespec.bench.RolloutBenchmark target/imagespec.jar DIR
 * </pre>
 *
 * <p>Needs 10 node runtimes ({@code IMAGESPEC_TEST_NODES=10 scripts/engines up}: {@code
 * IMAGESPEC_TEST_NODE_HOSTS}). Five images (one layer each of 6, 7, 8, 9 and 10 MiB of random bytes
 * in a real tar, gzip as {@code docker push} makes it) are pushed through the test dockerd to the
 * plain registry and named through a {@link RecordingProxy} that slows each connection to {@code
 * bench.bytesPerSecond} (20 MB/s) and tells how many node runtimes fetch blobs at once. The CRUD
 * mock API server and the aggregator run in this JVM; each node's agent runs as its own process,
 * {@code java -jar imagespec.jar operator agent --node node-K --runtime cri --host <node K>}, with
 * {@code deploy/base/agent.yaml}'s {@code JAVA_TOOL_OPTIONS}, {@code MALLOC_ARENA_MAX} and {@code
 * -XX:MaxRAM} of its memory limit, reaching the mock server through a kubeconfig.
 *
 * <p>Two runs, each with 10 fresh agents and nodes that do not hold the images (removed with {@code
 * ctr images rm --sync}, then containerd's content and snapshot counts awaited back at their
 * baseline): one ImageSpec of the 5 images selecting all 10 Nodes with {@code maxConcurrentNodes:
 * 3}, then the same without a limit. Each run is timed from the spec's creation until its status
 * says Ready on all 10 nodes; VmRSS of every agent is sampled from {@code /proc} every 200 ms.
 * Printed: time to all warm, the proxy's peak of node processes fetching blobs at once (target: at
 * most 3 with the throttle), the ratios between the runs, and each agent's peak VmRSS (max and
 * median over the agents; target < 128 MiB). The images are removed from the nodes and the registry
 * at the end.
 */
public final class RolloutBenchmark {
  private static final int NODES = 10;
  private static final int LIMIT = 3;
  private static final long[] LAYER_MIB = {6, 7, 8, 9, 10};
  private static final long BYTES_PER_SECOND = Long.getLong("bench.bytesPerSecond", 20_000_000L);
  private static final long TARGET_RSS = 128L << 20;
  private static final String LABEL = "imagespec.bench/rollout";
  private static final Duration WAIT = Duration.ofMinutes(5);
  // held: java.util.logging keeps loggers weakly, and a collected one forgets its level
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private RolloutBenchmark() {}

  /** What one run measured. */
  record Result(
      String name,
      double seconds,
      double firstReadySeconds,
      int peakFetching,
      int maxPermits,
      int maxWaiting,
      long blobGets,
      long[] peakRss,
      long[] hwm,
      double agentsUpSeconds) {}

  public static void main(String[] args) throws Exception {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    Path jar = Path.of(args.length > 0 ? args[0] : "target/imagespec.jar");
    Path dir = Path.of(args.length > 1 ? args[1] : System.getProperty("java.io.tmpdir"));
    List<String> hosts = nodeHosts();
    String registry = CriBench.require("IMAGESPEC_TEST_REGISTRY");
    String docker = CriBench.require("IMAGESPEC_TEST_DOCKER_HOST");
    String unique = UUID.randomUUID().toString().substring(0, 8);

    // a copy: a build replacing target/imagespec.jar meanwhile would break the running agents
    Path agentJar = dir.resolve("imagespec-rollout-agent.jar");
    Files.copy(jar, agentJar, StandardCopyOption.REPLACE_EXISTING);

    List<String> paths = publish(docker, registry, unique);
    try (RecordingProxy proxy = new RecordingProxy(registry).limit(BYTES_PER_SECOND);
        MockApiServer server = MockApiServer.crud()) {
      List<String> refs = paths.stream().map(p -> proxy.address() + p).toList();
      KubernetesClient client = server.client();
      Path kubeconfig = server.kubeconfig(dir.resolve("rollout-kubeconfig"));
      for (int k = 1; k <= NODES; k++) {
        client
            .nodes()
            .resource(
                new NodeBuilder()
                    .withNewMetadata()
                    .withName("node-" + k)
                    .withLabels(Map.of(LABEL, "yes", "kubernetes.io/hostname", "node-" + k))
                    .endMetadata()
                    .build())
            .create();
      }
      OperatorRuntime aggregator =
          OperatorRuntime.start(OperatorOptions.aggregator(false, "default"), client, null);
      long[][] baseline = new long[NODES][];
      List<Result> results = new ArrayList<>();
      try {
        for (int k = 0; k < NODES; k++) {
          baseline[k] = counts(hosts.get(k));
        }
        System.out.printf(
            "rollout: %d nodes (containerd %s), %d images of %s MiB (one random layer each,"
                + " %d MiB per node, %d MiB for all), registry behind a proxy at %.0f MB/s per"
                + " connection; agents: %s; %d cores, Java %s%n",
            NODES,
            ctrVersion(),
            refs.size(),
            Arrays.toString(LAYER_MIB),
            Arrays.stream(LAYER_MIB).sum(),
            Arrays.stream(LAYER_MIB).sum() * NODES,
            BYTES_PER_SECOND / 1e6,
            agentFlags().describe(),
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.version"));
        results.add(run("throttled", LIMIT, refs, client, proxy, hosts, agentJar, kubeconfig, dir));
        clean(hosts, refs, baseline);
        results.add(
            run("unthrottled", null, refs, client, proxy, hosts, agentJar, kubeconfig, dir));
      } finally {
        aggregator.close();
        clean(hosts, refs, baseline);
        deleteFromRegistry(registry, paths);
      }
      report(results.get(0), results.get(1));
    }
  }

  /** One rollout with fresh agents: spec created, timed until Ready on all nodes. */
  static Result run(
      String name,
      Integer limit,
      List<String> refs,
      KubernetesClient client,
      RecordingProxy proxy,
      List<String> hosts,
      Path agentJar,
      Path kubeconfig,
      Path dir)
      throws Exception {
    List<Process> agents = new ArrayList<>();
    long[] peak = new long[NODES];
    long[] hwm = new long[NODES];
    try {
      long a0 = System.nanoTime();
      for (int k = 1; k <= NODES; k++) {
        agents.add(startAgent(k, hosts.get(k - 1), agentJar, kubeconfig, dir, name));
      }
      // each agent up: its ImageNode registered and a first status written
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(200))
          .alias("10 agents up; see " + dir + "/rollout-" + name + "-node-K.log")
          .until(
              () -> {
                for (Process p : agents) {
                  if (!p.isAlive()) {
                    throw new IllegalStateException(
                        "an agent exited "
                            + p.exitValue()
                            + "; see "
                            + dir
                            + "/rollout-"
                            + name
                            + "-node-K.log");
                  }
                }
                sampleRss(agents, peak);
                return client.resources(ImageNode.class).list().getItems().stream()
                        .filter(n -> n.getStatus() != null)
                        .count()
                    >= NODES;
              });
      double agentsUp = (System.nanoTime() - a0) / 1e9;

      proxy.clear();
      proxy.resetPeak();
      String specName = "rollout-" + name;
      ImageSpecSpec s =
          ImageSpecSpec.of(refs.stream().map(ImageEntry::of).toArray(ImageEntry[]::new));
      s.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(Map.of(LABEL, "yes")).build());
      if (limit != null) {
        s.setRollout(RolloutSpec.maxConcurrentNodes(limit));
      }
      AtomicInteger maxPermits = new AtomicInteger();
      AtomicInteger maxWaiting = new AtomicInteger();
      double[] firstReady = {-1};
      Map<String, Double> nodeReady = new java.util.TreeMap<>();
      long t0 = System.nanoTime();
      client.resource(ImageSpec.of("default", specName, s)).create();
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(100))
          .alias(specName + " Ready on " + NODES + " nodes")
          .until(
              () -> {
                sampleRss(agents, peak);
                ImageSpec spec =
                    client
                        .resources(ImageSpec.class)
                        .inNamespace("default")
                        .withName(specName)
                        .get();
                ImageSpecStatus st = spec == null ? null : spec.getStatus();
                if (st == null) {
                  return false;
                }
                RolloutStatus r = st.getRollout();
                if (r != null && r.getPermits() != null) {
                  maxPermits.accumulateAndGet(r.getPermits().size(), Math::max);
                }
                if (st.getImages() != null) {
                  for (ImageStatus i : st.getImages()) {
                    Integer w = i.getNodes() == null ? null : i.getNodes().getWaiting();
                    maxWaiting.accumulateAndGet(w == null ? 0 : w, Math::max);
                  }
                }
                double now = (System.nanoTime() - t0) / 1e9;
                for (ImageNode n : client.resources(ImageNode.class).list().getItems()) {
                  if (n.getStatus() != null
                      && n.getStatus().getSpecs() != null
                      && n.getStatus().getSpecs().stream()
                          .anyMatch(e -> specName.equals(e.getName()) && e.isReady())) {
                    nodeReady.putIfAbsent(n.getMetadata().getName(), now);
                  }
                }
                int ready = st.getNodes() == null ? 0 : st.getNodes().getReady();
                if (ready > 0 && firstReady[0] < 0) {
                  firstReady[0] = (System.nanoTime() - t0) / 1e9;
                }
                return st.isReady() && ready == NODES;
              });
      double seconds = (System.nanoTime() - t0) / 1e9;
      int peakFetching = proxy.maxClientsFetchingBlobs();
      long blobGets = proxy.count("GET", "/blobs/sha256:");
      // the images are on every node
      for (int k = 0; k < NODES; k++) {
        try (CriRuntime node = CriRuntime.connect(hosts.get(k), Duration.ofMinutes(1))) {
          for (String ref : refs) {
            if (node.get(ref).isEmpty()) {
              throw new IllegalStateException(
                  specName + " is Ready but node-" + (k + 1) + " lacks " + ref);
            }
          }
        }
      }
      // a few more seconds of the agents at rest after the rollout
      long until = System.nanoTime() + 3_000_000_000L;
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                sampleRss(agents, peak);
                return System.nanoTime() >= until;
              });
      for (int k = 0; k < NODES; k++) {
        hwm[k] = OperatorAgentMemoryCheck.proc(agents.get(k).pid(), "VmHWM");
      }
      Result result =
          new Result(
              name,
              seconds,
              firstReady[0],
              peakFetching,
              maxPermits.get(),
              maxWaiting.get(),
              blobGets,
              peak,
              hwm,
              agentsUp);
      System.out.printf(
          "  %s (maxConcurrentNodes %s): all %d nodes Ready %.1f s after the spec's creation"
              + " (first node %.1f s); peak %d node runtimes fetching blobs at once; %d blob"
              + " GETs; permits at once %d, nodes waiting at most %d; agents up in %.1f s%n",
          name,
          limit == null ? "unset" : limit,
          NODES,
          seconds,
          firstReady[0],
          peakFetching,
          blobGets,
          maxPermits.get(),
          maxWaiting.get(),
          agentsUp);
      System.out.printf(
          "    each node's ImageNode Ready (s after the spec's creation): %s%n",
          nodeReady.values().stream()
              .sorted()
              .map(v -> String.format("%.1f", v))
              .reduce((x, y) -> x + " " + y)
              .orElse(""));
      System.out.printf(
          "    agents' peak VmRSS (MiB, node-1..node-%d): %s; VmHWM: %s%n",
          NODES, mib(peak), mib(hwm));
      client.resources(ImageSpec.class).inNamespace("default").withName(specName).delete();
      return result;
    } finally {
      for (Process p : agents) {
        p.destroy(); // SIGTERM: the agent stops gracefully
      }
      for (Process p : agents) {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      client.resources(ImageNode.class).delete();
    }
  }

  static void report(Result throttled, Result free) {
    System.out.println();
    System.out.printf(
        "  time to all warm: %.1f s with maxConcurrentNodes %d vs %.1f s without: %.2fx%n",
        throttled.seconds, LIMIT, free.seconds, throttled.seconds / free.seconds);
    System.out.printf(
        "  registry's peak concurrency (node runtimes fetching blobs at once): %d vs %d: %.2fx%n",
        throttled.peakFetching,
        free.peakFetching,
        throttled.peakFetching / (double) free.peakFetching);
    for (Result r : List.of(throttled, free)) {
      long[] sorted = r.peakRss.clone();
      Arrays.sort(sorted);
      double median = (sorted[(NODES - 1) / 2] + sorted[NODES / 2]) / 2.0;
      long[] hwm = r.hwm.clone();
      Arrays.sort(hwm);
      System.out.printf(
          "  agents' peak VmRSS, %s: max %.1f MiB, median %.1f MiB, min %.1f MiB (lifetime"
              + " VmHWM max %.1f MiB)%n",
          r.name,
          sorted[NODES - 1] / 1048576.0,
          median / 1048576.0,
          sorted[0] / 1048576.0,
          hwm[NODES - 1] / 1048576.0);
    }
    long maxRss =
        Math.max(
            Arrays.stream(throttled.peakRss).max().orElseThrow(),
            Arrays.stream(free.peakRss).max().orElseThrow());
    System.out.printf(
        "  target (at most %d nodes fetching with the throttle): %s%n",
        LIMIT,
        throttled.peakFetching <= LIMIT
            ? "met"
            : "MISSED (" + throttled.peakFetching + " at once)");
    System.out.printf(
        "  target (every agent's VmRSS < 128 MiB): %s%n",
        maxRss < TARGET_RSS ? "met" : "MISSED (max " + maxRss / 1048576.0 + " MiB)");
  }

  /** The 5 images in the registry, pushed through dockerd; returns their paths ({@code /r:t}). */
  static List<String> publish(String docker, String registry, String unique) {
    long t0 = System.nanoTime();
    List<String> paths = new ArrayList<>();
    try (EngineClient engine = EngineClient.builder().host(docker).build()) {
      for (int i = 0; i < LAYER_MIB.length; i++) {
        String path = "/rollout-" + unique + "/img" + i + ":1";
        String ref = registry + path;
        int colon = ref.lastIndexOf(':');
        engine
            .images()
            .importImage(
                new RandomTar("data-" + i + ".bin", LAYER_MIB[i] << 20, System.nanoTime() + i),
                ImportOptions.builder()
                    .repository(ref.substring(0, colon))
                    .tag(ref.substring(colon + 1))
                    .build());
        engine.images().push(ref, PushOptions.defaults(), null);
        engine.images().remove(ref, true, false);
        paths.add(path);
      }
    }
    System.out.printf(
        "setup: %d images pushed to %s through dockerd in %.1f s%n",
        paths.size(), registry, (System.nanoTime() - t0) / 1e9);
    return paths;
  }

  /** Deletes the images' manifests from the registry (blobs stay for its garbage collection). */
  static void deleteFromRegistry(String registry, List<String> paths) {
    dev.imagespec.engine.RegistryClient rc =
        dev.imagespec.engine.RegistryClient.builder().insecureRegistry(registry).build();
    okhttp3.OkHttpClient http = new okhttp3.OkHttpClient();
    for (String p : paths) {
      dev.imagespec.engine.ImageReference ref =
          dev.imagespec.engine.ImageReference.parse(registry + p);
      try {
        String digest = rc.digest(ref, null).orElse(null);
        if (digest == null) {
          continue;
        }
        String repo = p.substring(1, p.lastIndexOf(':'));
        okhttp3.Request req =
            new okhttp3.Request.Builder()
                .url("http://" + registry + "/v2/" + repo + "/manifests/" + digest)
                .delete()
                .build();
        http.newCall(req).execute().close();
      } catch (Exception e) {
        // best effort: the registry is a throw-away one
      }
    }
  }

  /** The agent of node K as its own process, as the DaemonSet runs it. */
  static Process startAgent(int k, String host, Path jar, Path kubeconfig, Path dir, String run)
      throws Exception {
    AgentFlags flags = agentFlags();
    int httpPort;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      httpPort = free.getLocalPort();
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:MaxRAM=" + flags.limitBytes);
    cmd.add("-Dkubernetes.auth.tryServiceAccount=false");
    cmd.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "operator",
            "agent",
            "--node",
            "node-" + k,
            "--runtime",
            "cri",
            "--host",
            host,
            "--http-address",
            "127.0.0.1",
            "--http-port",
            Integer.toString(httpPort)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(dir.resolve("rollout-" + run + "-node-" + k + ".log").toFile());
    pb.environment().putAll(flags.env);
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    return pb.start();
  }

  /** deploy/base/agent.yaml's JVM flags, plain env values and memory limit. */
  record AgentFlags(Map<String, String> env, long limitBytes, String limit) {
    String describe() {
      return "JAVA_TOOL_OPTIONS=\""
          + env.get("JAVA_TOOL_OPTIONS")
          + "\" "
          + env.entrySet().stream()
              .filter(e -> !e.getKey().equals("JAVA_TOOL_OPTIONS"))
              .map(e -> e.getKey() + "=" + e.getValue() + " ")
              .reduce("", String::concat)
          + "-XX:MaxRAM="
          + limitBytes
          + " (limits.memory "
          + limit
          + ")";
    }
  }

  private static AgentFlags flags;

  static synchronized AgentFlags agentFlags() throws Exception {
    if (flags == null) {
      DaemonSet ds =
          Serialization.unmarshal(
              Files.readString(Path.of("deploy/base/agent.yaml")), DaemonSet.class);
      Container c = ds.getSpec().getTemplate().getSpec().getContainers().get(0);
      Map<String, String> env = new java.util.TreeMap<>();
      for (EnvVar e : c.getEnv()) {
        if (e.getValue() != null) {
          env.put(e.getName(), e.getValue().strip());
        }
      }
      Quantity limit = c.getResources().getLimits().get("memory");
      flags =
          new AgentFlags(env, Quantity.getAmountInBytes(limit).longValueExact(), limit.toString());
    }
    return flags;
  }

  static void sampleRss(List<Process> agents, long[] peak) {
    for (int k = 0; k < agents.size(); k++) {
      try {
        peak[k] = Math.max(peak[k], OperatorAgentMemoryCheck.proc(agents.get(k).pid(), "VmRSS"));
      } catch (Exception e) {
        // exiting: the last sample stands
      }
    }
  }

  static String mib(long[] values) {
    return Arrays.stream(values)
        .mapToObj(v -> String.format("%.1f", v / 1048576.0))
        .reduce((a, b) -> a + " " + b)
        .orElse("");
  }

  static List<String> nodeHosts() {
    String v = System.getenv("IMAGESPEC_TEST_NODE_HOSTS");
    List<String> hosts = v == null || v.isBlank() ? List.of() : List.of(v.trim().split("\\s+"));
    if (hosts.size() < NODES) {
      throw new IllegalStateException(
          "the rollout benchmark needs "
              + NODES
              + " node runtimes, IMAGESPEC_TEST_NODE_HOSTS lists "
              + hosts.size()
              + ": start the engines with IMAGESPEC_TEST_NODES="
              + NODES
              + " scripts/engines up DIR and source DIR/env (scripts/bench rollout does)");
    }
    return hosts.subList(0, NODES);
  }

  /** The images gone from every node, and containerd's content and snapshots at the baseline. */
  static void clean(List<String> hosts, List<String> refs, long[][] baseline) throws Exception {
    for (int k = 0; k < NODES; k++) {
      String host = hosts.get(k);
      List<String> names = new ArrayList<>();
      for (String line : ctr(host, "images", "ls", "-q").split("\n")) {
        String name = line.strip();
        for (String ref : refs) {
          String repo = ref.substring(0, ref.lastIndexOf(':'));
          if (name.equals(ref) || name.startsWith(repo + "@")) {
            names.add(name);
          }
        }
        if (name.startsWith("sha256:")) {
          names.add(name); // the CRI plugin's ID record of an image; only ours were pulled
        }
      }
      if (!names.isEmpty()) {
        List<String> a = new ArrayList<>(List.of("images", "rm", "--sync"));
        a.addAll(names);
        ctr(host, a.toArray(String[]::new));
      }
    }
    for (int k = 0; k < NODES; k++) {
      String host = hosts.get(k);
      long[] base = baseline[k];
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200))
          .alias("node-" + (k + 1) + "'s content and snapshots back to " + Arrays.toString(base))
          .until(
              () -> {
                long[] now = counts(host);
                return now[0] <= base[0] && now[1] <= base[1];
              });
    }
  }

  /** containerd's content blobs and snapshots in k8s.io on that node. */
  static long[] counts(String host) throws Exception {
    long content = ctr(host, "content", "ls", "-q").lines().filter(l -> !l.isBlank()).count();
    long snapshots = ctr(host, "snapshots", "ls").lines().count() - 1;
    return new long[] {content, snapshots};
  }

  static String ctr(String host, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket(host), "-n", "k8s.io"));
    cmd.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(
          String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
    }
    return out;
  }

  static String socket(String host) {
    return host.startsWith("unix://") ? host.substring("unix://".length()) : host;
  }

  static String ctrVersion() {
    try {
      Process p = new ProcessBuilder("ctr", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      p.waitFor();
      return out.replace("ctr github.com/containerd/containerd ", "");
    } catch (Exception e) {
      return "?";
    }
  }
}
