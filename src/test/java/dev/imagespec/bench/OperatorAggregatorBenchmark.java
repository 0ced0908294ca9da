package dev.imagespec.bench;

import static org.awaitility.Awaitility.await;

import dev.imagespec.operator.ImageNodeRegistration;
import dev.imagespec.operator.OperatorOptions;
import dev.imagespec.operator.OperatorRuntime;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.MockApiServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The aggregator at scale: 1,000 ImageSpecs (5 images each, 10 namespaces, mixed nodeSelectors) and
 * 500 ImageNodes whose status reports every spec that selects the node (some images failing, some
 * pending), in Fabric8's CRUD mock API server; then the real aggregator starts (JOSDK controller
 * with leader election, as {@code OperatorEngineTest} runs it) and the time until every ImageSpec
 * has a status with {@code observedGeneration == generation} and the node and image counts the
 * ImageNodes imply is measured. Run by {@code scripts/bench}; no engine needed.
 *
 * <p>Also printed: the largest ImageSpec status (serialized JSON) by number of selected nodes, to
 * show it is O(images), not O(nodes x images); where the CPU went (threads grouped by name); and
 * the pure aggregation ({@code SpecAggregation.reports} + {@code aggregate}, the functions the
 * reconciler calls, reached by reflection: they are package-private) for the same 1,000 specs and
 * 500 ImageNodes in-process, without the API server.
 *
 * <p>System properties {@code bench.specs} (1000) and {@code bench.nodes} (500) shrink it.
 */
public final class OperatorAggregatorBenchmark {
  private static final int SPECS = Integer.getInteger("bench.specs", 1000);
  private static final int NODES = Integer.getInteger("bench.nodes", 500);
  private static final int IMAGES = 5;
  private static final int NAMESPACES = 10;
  private static final int ZONES = 5;
  private static final int POOLS = 4;
  private static final String T0 = "2026-01-01T00:00:00Z";
  private static final long TIMEOUT_MINUTES = 20;

  private OperatorAggregatorBenchmark() {}

  /** What the aggregator should write for one spec. */
  record Expected(int desired, int ready, int failed, int pending) {}

  public static void main(String[] args) throws Exception {
    MockApiServer.quiet();
    MockApiServer server = MockApiServer.crud().allowLeases();
    KubernetesClient client = server.client();
    KubernetesClient aggregatorClient = server.newClient();
    OperatorRuntime aggregator = null;
    SharedIndexInformer<ImageSpec> watch = null;
    try {
      // ---------------------------------------------------------------- the specs and nodes
      long t0 = System.nanoTime();
      List<ImageSpec> specs = new ArrayList<>();
      for (int s = 0; s < SPECS; s++) {
        specs.add(client.resource(spec(s)).create());
      }
      double specsSecs = secs(t0);
      List<Map<String, String>> nodeLabels = new ArrayList<>();
      for (int n = 0; n < NODES; n++) {
        nodeLabels.add(labels(n));
      }
      Map<String, Expected> expected = new HashMap<>();
      List<List<Integer>> specsOfNode = new ArrayList<>();
      for (int n = 0; n < NODES; n++) {
        specsOfNode.add(new ArrayList<>());
      }
      long entries = 0;
      for (int s = 0; s < SPECS; s++) {
        LabelSelector sel = specs.get(s).getSpec().getNodeSelector();
        int desired = 0;
        int failed = 0;
        int pending = 0;
        for (int n = 0; n < NODES; n++) {
          if (matches(sel, nodeLabels.get(n))) {
            specsOfNode.get(n).add(s);
            desired++;
            entries++;
            if (failing(s, n)) {
              failed++;
            } else if (pendingOn(s, n)) {
              pending++;
            }
          }
        }
        expected.put(
            key(specs.get(s)), new Expected(desired, desired - failed - pending, failed, pending));
      }
      t0 = System.nanoTime();
      long nodeStatusBytes = 0;
      long largestNodeStatus = 0;
      for (int n = 0; n < NODES; n++) {
        ImageNode node = ImageNode.of(nodeName(n));
        node.getMetadata().setLabels(Map.of(ImageNodeRegistration.NODE_LABEL, nodeName(n)));
        ImageNode created = client.resource(node).create();
        created.setStatus(nodeStatus(n, specs, specsOfNode.get(n)));
        long size =
            Serialization.asJson(created.getStatus()).getBytes(StandardCharsets.UTF_8).length;
        nodeStatusBytes += size;
        largestNodeStatus = Math.max(largestNodeStatus, size);
        client.resource(created).updateStatus();
      }
      double nodesSecs = secs(t0);
      System.out.printf(
          "aggregator: %d ImageSpecs x %d images in %d namespaces, %d ImageNodes reporting %,d"
              + " spec entries (%.0f per node; ImageNode status %.0f KiB mean, %.0f KiB largest,"
              + " %.0f MiB in all)%n",
          SPECS,
          IMAGES,
          NAMESPACES,
          NODES,
          entries,
          (double) entries / NODES,
          nodeStatusBytes / 1024.0 / NODES,
          largestNodeStatus / 1024.0,
          nodeStatusBytes / 1048576.0);
      System.out.printf(
          "  setup in the mock server: %d specs created in %.1f s, %d ImageNodes created with"
              + " status in %.1f s%n",
          SPECS, specsSecs, NODES, nodesSecs);

      // --------------------------------------------- watch for the statuses, start the aggregator
      Map<String, Boolean> done = new ConcurrentHashMap<>();
      CountDownLatch all = new CountDownLatch(1);
      AtomicLong lastDone = new AtomicLong();
      watch =
          client
              .resources(ImageSpec.class)
              .inAnyNamespace()
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ImageSpec s) {
                      check(s);
                    }

                    @Override
                    public void onUpdate(ImageSpec old, ImageSpec s) {
                      check(s);
                    }

                    @Override
                    public void onDelete(ImageSpec s, boolean unknown) {}

                    private void check(ImageSpec s) {
                      if (problem(s, expected.get(key(s))) == null
                          && done.putIfAbsent(key(s), true) == null) {
                        lastDone.set(System.nanoTime());
                        if (done.size() == SPECS) {
                          all.countDown();
                        }
                      }
                    }
                  });
      Map<String, Long> cpuBefore = cpuByGroup();
      int requestsBefore = server.server().getRequestCount();
      long start = System.nanoTime();
      aggregator =
          OperatorRuntime.start(
              OperatorOptions.aggregator(true, "default"), aggregatorClient, null);
      double startSecs = secs(start);
      if (!all.await(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        throw new IllegalStateException(
            "only "
                + done.size()
                + "/"
                + SPECS
                + " specs converged in "
                + TIMEOUT_MINUTES
                + " min");
      }
      double total = (lastDone.get() - start) / 1e9;
      Map<String, Long> cpu = minus(cpuByGroup(), cpuBefore);
      int requests = server.server().getRequestCount() - requestsBefore;

      // --------------------------------------------------------------------- verify, measure
      List<ImageSpec> now = client.resources(ImageSpec.class).inAnyNamespace().list().getItems();
      if (now.size() != SPECS) {
        throw new IllegalStateException(now.size() + " specs listed, " + SPECS + " created");
      }
      TreeMap<Integer, long[]> sizeByDesired = new TreeMap<>(); // desired -> {max, count, sum}
      long largest = 0;
      String largestKey = null;
      int degraded = 0;
      for (ImageSpec s : now) {
        String why = problem(s, expected.get(key(s)));
        if (why != null) {
          throw new IllegalStateException(key(s) + ": " + why);
        }
        if (s.getStatus().isDegraded()) {
          degraded++;
        }
        long size = Serialization.asJson(s.getStatus()).getBytes(StandardCharsets.UTF_8).length;
        long[] b =
            sizeByDesired.computeIfAbsent(s.getStatus().getNodes().getDesired(), k -> new long[3]);
        b[0] = Math.max(b[0], size);
        b[1]++;
        b[2] += size;
        if (size > largest) {
          largest = size;
          largestKey = key(s);
        }
      }
      System.out.printf(
          "  aggregator: all %d statuses written and verified %.1f s after start (operator start"
              + " incl. informer sync %.1f s): %.1f ms per spec; %d Degraded; %,d API requests"
              + " meanwhile; %.0f reconcile passes%n",
          SPECS, total, startSecs, total * 1000 / SPECS, degraded, requests, passes(aggregator));
      System.out.printf(
          "  largest ImageSpec status: %,d bytes (%s); by nodes selected (max / mean bytes):%n",
          largest, largestKey);
      sizeByDesired.forEach(
          (desired, b) ->
              System.out.printf(
                  "    %3d node(s): %,6d / %,6d bytes over %d specs%n",
                  desired, b[0], b[2] / b[1], b[1]));
      System.out.println("  CPU during aggregation, by thread group (s):");
      cpu.entrySet().stream()
          .filter(e -> e.getValue() > 50_000_000L)
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .forEach(e -> System.out.printf("    %-40s %6.1f%n", e.getKey(), e.getValue() / 1e9));

      // ------------------------------------------- steady state: one ImageNode's status changes
      oneNodeChanges(client, aggregator, specsOfNode);

      // -------------------------------------------------------------- the pure aggregation
      List<ImageNode> nodes = client.resources(ImageNode.class).list().getItems();
      pureAggregation(specs, nodes, expected);
    } finally {
      if (watch != null) {
        watch.close();
      }
      if (aggregator != null) {
        aggregator.close();
      }
      aggregatorClient.close();
      server.close();
    }
  }

  // ------------------------------------------------------------------------------ the data

  static String nodeName(int n) {
    return String.format("node-%03d", n);
  }

  static Map<String, String> labels(int n) {
    return Map.of(
        "topology.kubernetes.io/zone", "z" + (n % ZONES),
        "imagespec.bench/pool", "p" + ((n / ZONES) % POOLS),
        "kubernetes.io/hostname", nodeName(n));
  }

  /**
   * Spec {@code s}: 10 % select every node, 30 % one zone (100 nodes), 30 % one pool (125), 20 % a
   * pool in two zones (50), 10 % one node by hostname.
   */
  static ImageSpec spec(int s) {
    List<ImageEntry> images = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      images.add(ImageEntry.of(image(s, i)));
    }
    ImageSpecSpec sp = ImageSpecSpec.of(images.toArray(ImageEntry[]::new));
    LabelSelector sel =
        switch (s % 10) {
          case 0 -> null;
          case 1, 2, 3 ->
              new LabelSelectorBuilder()
                  .withMatchLabels(Map.of("topology.kubernetes.io/zone", "z" + (s % ZONES)))
                  .build();
          case 4, 5, 6 ->
              new LabelSelectorBuilder()
                  .withMatchLabels(Map.of("imagespec.bench/pool", "p" + (s % POOLS)))
                  .build();
          case 7, 8 ->
              new LabelSelectorBuilder()
                  .withMatchLabels(Map.of("imagespec.bench/pool", "p" + (s % POOLS)))
                  .addNewMatchExpression()
                  .withKey("topology.kubernetes.io/zone")
                  .withOperator("In")
                  .withValues("z" + (s % ZONES), "z" + ((s + 1) % ZONES))
                  .endMatchExpression()
                  .build();
          default ->
              new LabelSelectorBuilder()
                  .withMatchLabels(Map.of("kubernetes.io/hostname", nodeName((s * 7) % NODES)))
                  .build();
        };
    sp.setNodeSelector(sel);
    return ImageSpec.of("team-" + (s % NAMESPACES), "spec-" + s, sp);
  }

  static String image(int s, int i) {
    return "registry.example.com/team-" + (s % NAMESPACES) + "/app-" + s + "-" + i + ":1." + i;
  }

  /** Image 2 of every 7th spec fails on every 50th node. */
  static boolean failing(int s, int n) {
    return s % 7 == 0 && n % 50 == 3;
  }

  /** Image 4 of every 11th spec is still pending on every 100th node. */
  static boolean pendingOn(int s, int n) {
    return s % 11 == 0 && n % 100 == 7;
  }

  /** matchLabels and In, all this benchmark uses (the operator's own Selectors is not public). */
  static boolean matches(LabelSelector sel, Map<String, String> labels) {
    if (sel == null) {
      return true;
    }
    if (sel.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : sel.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (sel.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : sel.getMatchExpressions()) {
        if (!"In".equals(r.getOperator()) || !r.getValues().contains(labels.get(r.getKey()))) {
          return false;
        }
      }
    }
    return true;
  }

  static String hex(String seed) {
    try {
      return HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(seed.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static Condition condition(String type, boolean value, String reason, String message) {
    Condition c = new Condition();
    c.setType(type);
    c.setStatus(value ? "True" : "False");
    c.setReason(reason);
    c.setMessage(message);
    c.setObservedGeneration(1L);
    c.setLastTransitionTime(T0);
    return c;
  }

  /** What node {@code n}'s agent would report: one entry per spec that selects it, by key. */
  static ImageNodeStatus nodeStatus(int n, List<ImageSpec> specs, List<Integer> mine) {
    List<NodeSpecStatus> entries = new ArrayList<>();
    int ready = 0;
    for (int s : mine) {
      ImageSpec spec = specs.get(s);
      boolean failed = failing(s, n);
      boolean pending = !failed && pendingOn(s, n);
      List<ImageStatus> images = new ArrayList<>();
      for (int i = 0; i < IMAGES; i++) {
        String ref = image(s, i);
        String repo = ref.substring(0, ref.lastIndexOf(':'));
        if (failed && i == 2) {
          images.add(
              new ImageStatus(
                  ref,
                  ImageState.Failed,
                  null,
                  null,
                  "pull failed: manifest for " + ref + " not found: manifest unknown",
                  null));
        } else if (pending && i == 4) {
          images.add(new ImageStatus(ref, ImageState.Pending, null, null, "pull pending", null));
        } else {
          images.add(
              new ImageStatus(
                  ref,
                  ImageState.Present,
                  "sha256:" + hex(ref),
                  repo + "@sha256:" + hex(ref + "@"),
                  null,
                  null));
        }
      }
      ImageSpecStatus st = new ImageSpecStatus();
      st.setObservedGeneration(spec.getMetadata().getGeneration());
      st.setImages(images);
      String problem = "PullFailed: " + image(s, 2) + ": manifest unknown";
      st.setConditions(
          List.of(
              condition(
                  ImageSpecStatus.READY,
                  !failed && !pending,
                  failed ? "PullFailed" : pending ? "Pending" : "Converged",
                  failed
                      ? problem
                      : pending ? "1 action(s) pending" : IMAGES + " images converged"),
              condition(
                  ImageSpecStatus.PROGRESSING,
                  pending,
                  pending ? "ActionsPending" : "Reconciled",
                  pending ? "1 action(s) pending" : "no action pending"),
              condition(
                  ImageSpecStatus.DEGRADED,
                  failed,
                  failed ? "PullFailed" : "AsExpected",
                  failed ? problem : "no failures")));
      entries.add(NodeSpecStatus.of(spec, st));
      if (!failed && !pending) {
        ready++;
      }
    }
    entries.sort(java.util.Comparator.comparing(NodeSpecStatus::key));
    ImageNodeStatus status = new ImageNodeStatus();
    status.setObservedGeneration(1L);
    status.setEngine(
        new dev.imagespec.spec.EngineInfo(
            "docker", "20.10.24", "1.41", "unix:///run/imagespec/engine.sock"));
    status.setSpecs(entries);
    status.setSpecsReady(ready + "/" + mine.size());
    boolean ok = ready == mine.size();
    status.setConditions(
        List.of(
            condition("Ready", ok, ok ? "Converged" : "Degraded", ready + " spec(s) converged"),
            condition("Degraded", !ok, ok ? "AsExpected" : "SpecsDegraded", "see specs")));
    return status;
  }

  static String key(ImageSpec s) {
    return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
  }

  /** Null when the spec's status is what the aggregator should write, else what is off. */
  static String problem(ImageSpec s, Expected e) {
    ImageSpecStatus st = s.getStatus();
    if (st == null) {
      return "no status";
    }
    if (st.getObservedGeneration() == null
        || !st.getObservedGeneration().equals(s.getMetadata().getGeneration())) {
      return "observedGeneration "
          + st.getObservedGeneration()
          + " != generation "
          + s.getMetadata().getGeneration();
    }
    var nodes = st.getNodes();
    if (nodes == null
        || nodes.getDesired() != e.desired()
        || nodes.getReady() != e.ready()
        || nodes.getFailed() != e.failed()) {
      return "nodes " + nodes + ", expected " + e;
    }
    if (st.getImages() == null || st.getImages().size() != IMAGES) {
      return "images " + st.getImages();
    }
    for (int i = 0; i < IMAGES; i++) {
      var c = st.getImages().get(i).getNodes();
      int failed = i == 2 ? e.failed() : 0;
      int pending = i == 4 ? e.pending() : 0;
      if (c == null
          || c.getReady() + c.getFailed() + c.getPending() != e.desired()
          || c.getFailed() != failed
          || c.getPending() != pending
          || c.getReady() != e.desired() - failed - pending) {
        return "image " + i + " nodes " + c + ", expected " + e;
      }
    }
    boolean degraded = e.failed() > 0;
    boolean ready = e.desired() > 0 && e.ready() == e.desired();
    if (st.isDegraded() != degraded || st.isReady() != ready) {
      return "Ready " + st.isReady() + " Degraded " + st.isDegraded() + ", expected " + e;
    }
    return null;
  }

  /**
   * Steady state: the node reporting the most specs writes a status change that alters no spec's
   * aggregate (its engine version), as an agent does after a pass with any change. The aggregator
   * reconciles every spec the node reports; measured: the time until all those passes ran, and the
   * process CPU they took (this JVM's, the mock server's share included).
   */
  static void oneNodeChanges(
      KubernetesClient client, OperatorRuntime aggregator, List<List<Integer>> specsOfNode)
      throws InterruptedException {
    int busiest = 0;
    for (int n = 1; n < specsOfNode.size(); n++) {
      if (specsOfNode.get(n).size() > specsOfNode.get(busiest).size()) {
        busiest = n;
      }
    }
    int entries = specsOfNode.get(busiest).size();
    // let the last passes settle: the pass count unchanged over 500 ms
    double[] last = {-1};
    await()
        .atMost(Duration.ofMinutes(1))
        .pollDelay(Duration.ofMillis(500))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              double now = passes(aggregator);
              boolean settled = now == last[0];
              last[0] = now;
              return settled;
            });
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double before = passes(aggregator);
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    ImageNode node = client.resources(ImageNode.class).withName(nodeName(busiest)).get();
    node.getStatus().getEngine().setVersion("20.10.25");
    client.resource(node).updateStatus();
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> passes(aggregator) - before >= entries);
    double wall = secs(t0);
    double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
    System.out.printf(
        "  steady state: one ImageNode (%s, %d specs) changes its status: %.0f aggregator"
            + " passes, all done in %.2f s, %.2f s of process CPU (%.1f ms per pass)%n",
        nodeName(busiest),
        entries,
        passes(aggregator) - before,
        wall,
        cpu,
        cpu * 1000 / Math.max(1, passes(aggregator) - before));
  }

  static double passes(OperatorRuntime aggregator) {
    return Double.parseDouble(
        metric(
            aggregator.metrics().scrape(),
            "imagespec_reconcile_duration_seconds_count{controller=\"aggregator\"}"));
  }

  // ------------------------------------------------------------------------ pure aggregation

  /**
   * SpecAggregation.reports + aggregate for every spec over all the ImageNodes, as one aggregator
   * pass per spec does, in-process: warm-up, then the best and mean of several rounds.
   */
  static void pureAggregation(
      List<ImageSpec> specs, List<ImageNode> nodes, Map<String, Expected> expected)
      throws Exception {
    Class<?> agg = Class.forName("dev.imagespec.operator.SpecAggregation");
    Method reports = agg.getDeclaredMethod("reports", ImageSpec.class, List.class);
    Method aggregate =
        agg.getDeclaredMethod(
            "aggregate", ImageSpec.class, List.class, ImageSpecStatus.class, Instant.class);
    reports.setAccessible(true);
    aggregate.setAccessible(true);
    Instant now = Instant.now();
    int rounds = 0;
    long bestAll = Long.MAX_VALUE;
    long bestReports = Long.MAX_VALUE;
    long sumAll = 0;
    // 2 warm-up rounds, then 10 measured ones or as many as fit in about 30 s
    for (int round = -2; round < 10 && sumAll < 30_000_000_000L; round++) {
      long reportsNanos = 0;
      long t0 = System.nanoTime();
      for (ImageSpec s : specs) {
        long r0 = System.nanoTime();
        List<?> r = (List<?>) reports.invoke(null, s, nodes);
        reportsNanos += System.nanoTime() - r0;
        ImageSpecStatus st = (ImageSpecStatus) aggregate.invoke(null, s, r, null, now);
        if (round == -2) {
          ImageSpec copy =
              ImageSpec.of(s.getMetadata().getNamespace(), s.getMetadata().getName(), s.getSpec());
          copy.getMetadata().setGeneration(s.getMetadata().getGeneration());
          copy.setStatus(st);
          String why = problem(copy, expected.get(key(s)));
          if (why != null) {
            throw new IllegalStateException("pure aggregation of " + key(s) + ": " + why);
          }
        }
      }
      long all = System.nanoTime() - t0;
      if (round >= 0) {
        rounds++;
        bestAll = Math.min(bestAll, all);
        bestReports = Math.min(bestReports, reportsNanos);
        sumAll += all;
      }
    }
    System.out.printf(
        "  pure aggregation (SpecAggregation.reports + aggregate, no API server), all %d specs"
            + " over %d ImageNodes: best %.0f ms, mean %.0f ms over %d rounds (%.2f ms per spec);"
            + " finding the spec's entries in the ImageNodes (reports) %.0f ms of the best%n",
        specs.size(),
        nodes.size(),
        bestAll / 1e6,
        sumAll / 1e6 / rounds,
        rounds,
        bestAll / 1e6 / specs.size(),
        bestReports / 1e6);
  }

  // --------------------------------------------------------------------------------- helpers

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** CPU time of live threads, summed by name with digits removed (pools become one group). */
  static Map<String, Long> cpuByGroup() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (var info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = THREADS.getThreadCpuTime(info.getThreadId());
      if (cpu > 0) {
        out.merge(info.getThreadName().replaceAll("[0-9]+", "#"), cpu, Long::sum);
      }
    }
    return out;
  }

  static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> out = new LinkedHashMap<>();
    after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0L)));
    return out;
  }

  static String metric(String scrape, String name) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + " ")) {
        return line.substring(name.length() + 1).trim();
      }
    }
    return "0";
  }

  static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
