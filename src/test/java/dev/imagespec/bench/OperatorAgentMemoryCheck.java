package dev.imagespec.bench;

import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.PullPolicy;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The node agent's resident memory at steady state with 100 ImageSpecs, as the DaemonSet runs it:
 *
 * <pre>
 * java -cp ... dev.imagespec.bench.OperatorAgentMemoryCheck target/imagespec.jar DIR
 * </pre>
 *
 * <p>starts Fabric8's CRUD mock API server in this JVM (CRDs, a Node, 100 ImageSpecs in 5
 * namespaces with mixed nodeSelectors that all select the node, 3 images each, 300 distinct images
 * pushed to {@code IMAGESPEC_TEST_REGISTRY} and absent from the engine; every 10th spec {@code
 * pullPolicy: Always}), then runs {@code java -jar imagespec.jar operator agent} as a separate
 * process with the {@code JAVA_TOOL_OPTIONS} of {@code deploy/base/agent.yaml}'s DaemonSet and
 * {@code -XX:MaxRAM} set to the container's memory limit from the same file (what the JVM would
 * read from the cgroup), against the real dockerd of {@code IMAGESPEC_TEST_DOCKER_HOST}. Once the
 * ImageNode reports all 100 specs converged, the Node's labels are touched every 5 s (each touch is
 * a full agent pass: spec list, engine image list, plan, status) for 12 passes while VmRSS of the
 * agent is sampled from {@code /proc/PID/status} every 500 ms. Printed: the maximum and last
 * sample, the kernel's lifetime peak (VmHWM, the initial 300 pulls included), and where the memory
 * is (heap, metaspace, code cache, threads: {@code jcmd}). Target: under 128 MiB.
 *
 * <p>For diagnosis: system property {@code bench.nmt=true} adds {@code
 * -XX:NativeMemoryTracking=summary} to the agent and prints its summary (NMT costs memory itself:
 * not for the figure); {@code bench.agentFlags} appends JVM flags (space-separated) to the agent's
 * command line; {@code bench.agentClasspath} runs {@code dev.imagespec.cli.Main} from that class
 * path instead of the jar (e.g. another Fabric8 HTTP client); {@code bench.passes} (36: RSS levels
 * off after about 30) sets the steady phase. The agent inherits this process's environment (e.g.
 * {@code MALLOC_ARENA_MAX}). The pulled images are removed at the end.
 *
 * <p>{@code bench.longRun=true} runs {@link #longRun} instead of the steady phase: 1,000 passes (or
 * {@code bench.passes}) back to back, RSS, threads and file descriptors of the first and last 100
 * (issue #13's long run).
 */
public final class OperatorAgentMemoryCheck {
  private static final int SPECS = 100;
  private static final int IMAGES = 3;
  private static final int NAMESPACES = 5;
  private static final boolean LONG_RUN = Boolean.getBoolean("bench.longRun");
  private static final int PASSES = Integer.getInteger("bench.passes", LONG_RUN ? 1000 : 36);
  private static final String NODE = "bench-node";
  private static final long TARGET = 128L << 20;
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private OperatorAgentMemoryCheck() {}

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args.length > 0 ? args[0] : "target/imagespec.jar");
    Path dir = Path.of(args.length > 1 ? args[1] : System.getProperty("java.io.tmpdir"));
    String host = TestEnv.docker().host();
    run(
        jar,
        dir,
        host,
        List.of(),
        refs -> {
          try (EngineClient engine = EngineClient.builder().host(host).build()) {
            for (String ref : refs) {
              try {
                engine.images().remove(ref, true, false);
              } catch (RuntimeException e) {
                // not pulled, or gone already
              }
            }
          }
        });
  }

  /**
   * The check with the agent on {@code host} ({@code agentArgs} added to its command line, e.g.
   * {@code --runtime cri}); the 300 images are always seeded through the test dockerd; {@code
   * removeImages} takes the pulled ones away at the end.
   */
  static void run(
      Path jar,
      Path dir,
      String host,
      List<String> agentArgs,
      java.util.function.Consumer<List<String>> removeImages)
      throws Exception {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    boolean nmt = Boolean.getBoolean("bench.nmt");

    // deploy/base/agent.yaml: the JVM flags and the memory limit the JVM would size itself by
    DaemonSet ds =
        Serialization.unmarshal(
            Files.readString(Path.of("deploy/base/agent.yaml")), DaemonSet.class);
    Container c = ds.getSpec().getTemplate().getSpec().getContainers().get(0);
    String toolOptions =
        c.getEnv().stream()
            .filter(e -> "JAVA_TOOL_OPTIONS".equals(e.getName()))
            .map(EnvVar::getValue)
            .findFirst()
            .orElseThrow()
            .strip();
    Quantity limit = c.getResources().getLimits().get("memory");
    Quantity request = c.getResources().getRequests().get("memory");
    long limitBytes = Quantity.getAmountInBytes(limit).longValueExact();

    String unique = TestEnv.unique();
    List<String> refs = seed(TestEnv.docker().host(), unique);

    MockApiServer server = MockApiServer.crud();
    Process agent = null;
    Path log = dir.resolve("agent-memory.log");
    try {
      KubernetesClient client = server.client();
      client
          .nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName(NODE)
                  .withLabels(
                      Map.of(
                          "topology.kubernetes.io/zone", "z1",
                          "imagespec.bench/pool", "p0",
                          "kubernetes.io/hostname", NODE))
                  .endMetadata()
                  .build())
          .create();
      for (int s = 0; s < SPECS; s++) {
        client.resource(spec(s, refs)).create();
      }

      int httpPort;
      try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        httpPort = free.getLocalPort();
      }
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-XX:MaxRAM=" + limitBytes);
      if (nmt) {
        cmd.add("-XX:NativeMemoryTracking=summary");
      }
      String extra = System.getProperty("bench.agentFlags", "").strip();
      if (!extra.isEmpty()) {
        cmd.addAll(Arrays.asList(extra.split("\\s+")));
      }
      // a copy: a build replacing target/imagespec.jar meanwhile would break the running agent
      Path agentJar = dir.resolve("imagespec-agent.jar");
      Files.copy(jar, agentJar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      String classpath = System.getProperty("bench.agentClasspath", "").strip();
      cmd.addAll(
          List.of(
              "-Dkubernetes.master=http://127.0.0.1:" + server.port(),
              "-Dkubernetes.auth.tryKubeConfig=false",
              "-Dkubernetes.auth.tryServiceAccount=false",
              "-Dkubernetes.namespace=default",
              classpath.isEmpty() ? "-jar" : "-cp",
              classpath.isEmpty() ? agentJar.toString() : classpath));
      if (!classpath.isEmpty()) {
        cmd.add("dev.imagespec.cli.Main");
      }
      cmd.addAll(
          List.of(
              "operator",
              "agent",
              "--node",
              NODE,
              "--host",
              host,
              "--http-address",
              "127.0.0.1",
              "--http-port",
              Integer.toString(httpPort)));
      cmd.addAll(agentArgs);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.redirectOutput(log.toFile());
      // the DaemonSet's other plain env values too (e.g. MALLOC_ARENA_MAX)
      for (EnvVar e : c.getEnv()) {
        if (e.getValue() != null && !"JAVA_TOOL_OPTIONS".equals(e.getName())) {
          pb.environment().put(e.getName(), e.getValue());
        }
      }
      pb.environment()
          .put(
              "JAVA_TOOL_OPTIONS",
              (toolOptions + " " + System.getProperty("bench.extraToolOptions", "")).strip());
      pb.environment().remove("KUBECONFIG");
      long t0 = System.nanoTime();
      agent = pb.start();
      long pid = agent.pid();
      System.out.printf(
          "agent memory: %d ImageSpecs x %d images (300 distinct images pulled from the"
              + " registry), agent pid %d on %s %s: JAVA_TOOL_OPTIONS=\"%s\" -XX:MaxRAM=%s (limits.memory"
              + " %s; requests.memory %s)%s%s%n",
          SPECS,
          IMAGES,
          pid,
          host,
          agentArgs,
          toolOptions,
          limitBytes,
          limit,
          request,
          nmt ? " +NMT" : "",
          extra.isEmpty() ? "" : " + " + extra);

      // converged: the ImageNode reports every spec Ready
      HttpClient http = HttpClient.newHttpClient();
      String metricsUrl = "http://127.0.0.1:" + httpPort + "/metrics";
      Process running = agent;
      await()
          .atMost(Duration.ofMinutes(10))
          .pollInterval(Duration.ofMillis(500))
          .alias("convergence; see " + log)
          .until(
              () -> {
                if (!running.isAlive()) {
                  throw new IllegalStateException(
                      "agent exited " + running.exitValue() + "; see " + log);
                }
                return converged(client);
              });
      double convergedSecs = (System.nanoTime() - t0) / 1e9;
      long rssConverged = proc(pid, "VmRSS");
      double passes0 = passes(http, metricsUrl);
      System.out.printf(
          "  converged: ImageNode %s reports %d/%d specs Ready %.1f s after start (%.0f passes,"
              + " %s pulls); VmRSS then %.1f MiB%n",
          NODE,
          SPECS,
          SPECS,
          convergedSecs,
          passes0,
          metric(
              scrape(http, metricsUrl),
              "imagespec_actions_total{kind=\"pull\",result=\"succeeded\"}"),
          rssConverged / 1048576.0);

      if (nmt) {
        System.out.printf("  live heap after a full GC, at convergence: %s%n", liveHeap(pid));
      }

      if (LONG_RUN) {
        longRun(client, pid, http, metricsUrl, passes0);
        return;
      }
      // steady state: a pass every 5 s, RSS sampled every 500 ms
      List<Long> samples = new ArrayList<>();
      for (int tick = 1; tick <= PASSES; tick++) {
        String value = Integer.toString(tick);
        client
            .nodes()
            .withName(NODE)
            .edit(
                n -> {
                  n.getMetadata().getLabels().put("imagespec.bench/tick", value);
                  return n;
                });
        // ten samples, one every 500 ms
        int goal = samples.size() + 10;
        await()
            .atMost(Duration.ofSeconds(30))
            .pollDelay(Duration.ofMillis(500))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  samples.add(proc(pid, "VmRSS"));
                  return samples.size() >= goal;
                });
        if (tick % 12 == 0) {
          System.out.printf(
              "    after %d s: VmRSS %.1f MiB%n",
              tick * 5, samples.get(samples.size() - 1) / 1048576.0);
        }
      }
      double passes = passes(http, metricsUrl) - passes0;
      if (!converged(client) || passes < PASSES) {
        throw new IllegalStateException(
            "steady state lost: " + passes + " passes, converged " + converged(client));
      }
      long max = samples.stream().mapToLong(Long::longValue).max().orElseThrow();
      long last = samples.get(samples.size() - 1);
      double mean = samples.stream().mapToLong(Long::longValue).average().orElseThrow();
      long hwm = proc(pid, "VmHWM");
      System.out.printf(
          "  steady state (%.0f passes in %d s, %d samples): VmRSS max %.1f MiB, last %.1f MiB,"
              + " mean %.1f MiB; lifetime peak VmHWM %.1f MiB (initial pulls included);"
              + " %d threads; last sample: RssAnon %.1f MiB, RssFile %.1f MiB (mapped jar, libjvm,"
              + " CDS archive)%n",
          passes,
          PASSES * 5,
          samples.size(),
          max / 1048576.0,
          last / 1048576.0,
          mean / 1048576.0,
          hwm / 1048576.0,
          proc(pid, "Threads"),
          proc(pid, "RssAnon") / 1048576.0,
          proc(pid, "RssFile") / 1048576.0);
      breakdown(pid, nmt);
      if (nmt) {
        System.out.printf("  live heap after a full GC, at the end: %s%n", liveHeap(pid));
      }
      System.out.printf(
          "  target (steady-state VmRSS < 128 MiB with deploy/'s JVM flags): %s%n",
          max < TARGET ? "met" : "MISSED (max " + (max >> 20) + " MiB)");
    } finally {
      if (agent != null) {
        agent.destroy(); // SIGTERM: the agent stops gracefully
        if (!agent.waitFor(30, TimeUnit.SECONDS)) {
          agent.destroyForcibly();
        }
      }
      server.close();
      removeImages.accept(refs);
    }
  }

  /**
   * The long run ({@code bench.longRun=true}): {@link #PASSES} passes back to back, each started by
   * a touch of the Node's labels and awaited through the agent's pass counter, the agent's VmRSS,
   * threads and open file descriptors sampled after each. Prints the first and last 100 passes
   * (mean and max RSS, threads, fds) and whether the target is met: the last 100 passes' mean RSS
   * within 8 MiB of the first 100's, and no new high of threads or fds in the last 100; throws when
   * the steady state was lost.
   */
  static void longRun(KubernetesClient client, long pid, HttpClient http, String url, double p0)
      throws Exception {
    int n = PASSES;
    long[] rss = new long[n];
    long[] threads = new long[n];
    long[] fds = new long[n];
    long t0 = System.nanoTime();
    for (int tick = 1; tick <= n; tick++) {
      String value = Integer.toString(tick);
      client
          .nodes()
          .withName(NODE)
          .edit(
              node -> {
                node.getMetadata().getLabels().put("imagespec.bench/tick", value);
                return node;
              });
      double goal = p0 + tick;
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> passes(http, url) >= goal);
      rss[tick - 1] = proc(pid, "VmRSS");
      threads[tick - 1] = proc(pid, "Threads");
      try (var list = Files.list(Path.of("/proc/" + pid + "/fd"))) {
        fds[tick - 1] = list.count();
      }
      if (tick % 100 == 0) {
        System.out.printf(
            "    pass %d: VmRSS %.1f MiB, %d threads, %d fds%n",
            tick, rss[tick - 1] / 1048576.0, threads[tick - 1], fds[tick - 1]);
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    int w = Math.min(100, n / 2);
    String first = window(rss, threads, fds, 0, w);
    String last = window(rss, threads, fds, n - w, n);
    System.out.printf(
        "  long run: %d passes in %.0f s%n    first %d passes: %s%n    last %d passes:  %s%n",
        n, secs, w, first, w, last);
    double firstMean = mean(rss, 0, w);
    double lastMean = mean(rss, n - w, n);
    // a leak keeps setting new highs: the last passes must not go above what the passes before
    // them reached (a pool that opened one more connection once is a step, not growth)
    long threadsBefore = max(threads, 0, n - w);
    long fdsBefore = max(fds, 0, n - w);
    boolean flat = lastMean - firstMean < 8 * 1048576.0;
    boolean ok = flat && max(threads, n - w, n) <= threadsBefore && max(fds, n - w, n) <= fdsBefore;
    System.out.printf(
        "    passes 1..%d: threads max %d, fds max %d%n", n - w, threadsBefore, fdsBefore);
    System.out.printf(
        "  long run target (mean VmRSS of the last %d passes within 8 MiB of the first %d; no new"
            + " high of threads or fds in the last %d): %s%n",
        w, w, w, ok ? "met" : "MISSED");
    if (!converged(client)) {
      throw new IllegalStateException("steady state lost after " + n + " passes");
    }
  }

  private static String window(long[] rss, long[] threads, long[] fds, int from, int to) {
    return String.format(
        "VmRSS mean %.1f MiB, max %.1f MiB; threads max %d; fds max %d",
        mean(rss, from, to) / 1048576.0,
        max(rss, from, to) / 1048576.0,
        max(threads, from, to),
        max(fds, from, to));
  }

  private static double mean(long[] a, int from, int to) {
    return java.util.Arrays.stream(a, from, to).average().orElse(0);
  }

  private static long max(long[] a, int from, int to) {
    return java.util.Arrays.stream(a, from, to).max().orElse(0);
  }

  /** 300 distinct images in the registry (one import each, distinct label), absent locally. */
  static List<String> seed(String host, String unique) throws Exception {
    String registry = TestEnv.registry();
    List<String> refs = new ArrayList<>();
    for (int s = 0; s < SPECS; s++) {
      for (int i = 0; i < IMAGES; i++) {
        refs.add(registry + "/agentmem-" + unique + "/s" + s + "-" + i + ":1");
      }
    }
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (EngineClient engine = EngineClient.builder().host(host).build()) {
      List<Future<?>> jobs = new ArrayList<>();
      for (String ref : refs) {
        jobs.add(
            pool.submit(
                () -> {
                  TestEnv.seed(engine, ref);
                  engine.images().push(ref, PushOptions.defaults(), null);
                  engine.images().remove(ref, false, false);
                  return null;
                }));
      }
      for (Future<?> j : jobs) {
        j.get();
      }
    } finally {
      pool.shutdown();
    }
    System.out.printf(
        "agent memory: seeded %d images in %s (%.1f s)%n",
        refs.size(), registry, (System.nanoTime() - t0) / 1e9);
    return refs;
  }

  /** Every spec selects the node: all nodes, its zone, its pool (In), its hostname. */
  static ImageSpec spec(int s, List<String> refs) {
    List<ImageEntry> images = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      images.add(ImageEntry.of(refs.get(s * IMAGES + i)));
    }
    ImageSpecSpec sp = ImageSpecSpec.of(images.toArray(ImageEntry[]::new));
    LabelSelector sel =
        switch (s % 4) {
          case 0 -> null;
          case 1 ->
              new LabelSelectorBuilder()
                  .withMatchLabels(Map.of("topology.kubernetes.io/zone", "z1"))
                  .build();
          case 2 ->
              new LabelSelectorBuilder()
                  .addNewMatchExpression()
                  .withKey("imagespec.bench/pool")
                  .withOperator("In")
                  .withValues("p0", "p1")
                  .endMatchExpression()
                  .build();
          default ->
              new LabelSelectorBuilder()
                  .withMatchLabels(Map.of("kubernetes.io/hostname", NODE))
                  .build();
        };
    sp.setNodeSelector(sel);
    if (s % 10 == 0) {
      sp.setPullPolicy(PullPolicy.Always);
      sp.setRefreshInterval("1m");
    }
    return ImageSpec.of("team-" + (s % NAMESPACES), "spec-" + s, sp);
  }

  static boolean converged(KubernetesClient client) {
    ImageNode n = client.resources(ImageNode.class).withName(NODE).get();
    return n != null
        && n.getStatus() != null
        && (SPECS + "/" + SPECS).equals(n.getStatus().getSpecsReady())
        && n.getStatus().getSpecs() != null
        && n.getStatus().getSpecs().size() == SPECS
        && n.getStatus().getSpecs().stream().allMatch(e -> e.isReady());
  }

  /** A field of /proc/PID/status in bytes (kB fields) or as a number. */
  static long proc(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field + ":")) {
        String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
        long v = Long.parseLong(parts[0]);
        return parts.length > 1 && parts[1].equals("kB") ? v * 1024 : v;
      }
    }
    throw new IllegalStateException(field + " not in /proc/" + pid + "/status");
  }

  static String scrape(HttpClient http, String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static double passes(HttpClient http, String url) throws Exception {
    return Double.parseDouble(
        metric(
            scrape(http, url), "imagespec_reconcile_duration_seconds_count{controller=\"agent\"}"));
  }

  static String metric(String scrape, String name) {
    for (String line : scrape.split("\\n")) {
      if (line.startsWith(name + " ")) {
        return line.substring(name.length() + 1).trim();
      }
    }
    return "0";
  }

  /** Where the memory is, from jcmd: heap, metaspace, code cache (and NMT when enabled). */
  static void breakdown(long pid, boolean nmt) throws Exception {
    System.out.println("  where (jcmd):");
    for (String line : jcmd(pid, "GC.heap_info")) {
      if (line.contains("total") || line.contains("Metaspace") || line.contains("class space")) {
        System.out.println("    " + line.strip());
      }
    }
    for (String line : jcmd(pid, "Compiler.codecache")) {
      if (line.startsWith("CodeCache") || line.contains("size=")) {
        System.out.println("    " + line.strip());
      }
    }
    for (String line : jcmd(pid, "VM.flags")) {
      for (String flag : line.split("\\s+")) {
        if (flag.startsWith("-XX:MaxHeapSize")
            || flag.startsWith("-XX:InitialHeapSize")
            || flag.startsWith("-XX:ReservedCodeCacheSize")) {
          System.out.println("    " + flag);
        }
      }
    }
    if (nmt) {
      for (String line : jcmd(pid, "VM.native_memory", "summary")) {
        if (line.contains("committed=")
            && (line.startsWith("Total") || line.strip().startsWith("-"))) {
          System.out.println("    " + line.strip());
        } else if (line.contains("(thread #")
            || line.contains("(classes #")
            || line.contains("(stack: ")
            || line.contains("(malloc=")) {
          System.out.println("      " + line.strip());
        }
      }
    }
  }

  /** The class histogram's total (it runs a full GC first): the live heap. */
  static String liveHeap(long pid) throws Exception {
    for (String line : jcmd(pid, "GC.class_histogram")) {
      if (line.startsWith("Total")) {
        String[] f = line.trim().split("\\s+");
        return String.format("%.1f MiB in %s objects", Long.parseLong(f[2]) / 1048576.0, f[1]);
      }
    }
    return "?";
  }

  static List<String> jcmd(long pid, String... command) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    cmd.add(Long.toString(pid));
    cmd.addAll(Arrays.asList(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out.lines().toList();
  }
}
