package dev.imagespec.operator;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.EngineImagePort;
import dev.imagespec.reconcile.ImagePort;
import dev.imagespec.spec.ImageNode;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the agent, the aggregator, or both, on a Kubernetes client: one JOSDK {@link Operator} per
 * role (the aggregator's with leader election on a Lease, the agent's without: every node runs
 * one), the HTTP endpoints, and an orderly stop ({@link #close()}: controllers first, so that
 * running passes finish, then the engine and the HTTP server).
 */
public final class OperatorRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorRuntime.class);

  /** Label on an ImageNode naming its node; the agent's informer selects on it. */
  public static final String NODE_LABEL = "imagespec.dev/node";

  /**
   * What to run.
   *
   * @param agent run the node agent
   * @param aggregator run the aggregator
   * @param nodeName the agent's node
   * @param agentSettings the agent's settings (node name included)
   * @param http address of /metrics, /healthz, /readyz; null for none
   * @param leaderElection whether the aggregator elects a leader
   * @param leaseName the Lease's name
   * @param leaseNamespace the Lease's namespace (null: the client's namespace)
   * @param identity this instance's identity in the election (null: HOSTNAME, else random)
   * @param eventInterval at most one Event per object and reason in this interval
   * @param eventBurst at most this many Events in an interval overall
   * @param shutdownTimeout how long a stop waits for running passes
   */
  public record Options(
      boolean agent,
      boolean aggregator,
      AgentReconciler.Settings agentSettings,
      InetSocketAddress http,
      boolean leaderElection,
      String leaseName,
      String leaseNamespace,
      String identity,
      Duration eventInterval,
      int eventBurst,
      Duration shutdownTimeout) {
    public Options {
      if (agent) {
        Objects.requireNonNull(agentSettings, "agentSettings");
      }
      leaseName = leaseName == null ? "imagespec-aggregator" : leaseName;
      eventInterval = eventInterval == null ? Duration.ofSeconds(30) : eventInterval;
      eventBurst = eventBurst <= 0 ? 25 : eventBurst;
      shutdownTimeout = shutdownTimeout == null ? Duration.ofSeconds(20) : shutdownTimeout;
    }

    /** An agent for {@code node} (no HTTP server), as tests and {@code operator agent} use it. */
    public static Options agent(String node, int parallelism, CredentialResolver fallback) {
      return new Options(
          true,
          false,
          new AgentReconciler.Settings(node, parallelism, null, fallback),
          null,
          false,
          null,
          null,
          null,
          null,
          0,
          null);
    }

    /** An aggregator (no HTTP server). */
    public static Options aggregator(boolean leaderElection, String leaseNamespace) {
      return new Options(
          false, true, null, null, leaderElection, null, leaseNamespace, null, null, 0, null);
    }

    public Options withHttp(InetSocketAddress address) {
      return new Options(
          agent,
          aggregator,
          agentSettings,
          address,
          leaderElection,
          leaseName,
          leaseNamespace,
          identity,
          eventInterval,
          eventBurst,
          shutdownTimeout);
    }

    public Options withEvents(Duration interval, int burst) {
      return new Options(
          agent,
          aggregator,
          agentSettings,
          http,
          leaderElection,
          leaseName,
          leaseNamespace,
          identity,
          interval,
          burst,
          shutdownTimeout);
    }
  }

  private final Options options;
  private final KubernetesClient client;
  private final EngineClient engine;
  private final Metrics metrics = new Metrics();
  private final List<Operator> operators = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private AgentReconciler agent;
  private OpsServer http;
  private volatile boolean started;
  private volatile boolean stopping;

  private OperatorRuntime(Options options, KubernetesClient client, EngineClient engine) {
    this.options = options;
    this.client = client;
    this.engine = engine;
  }

  /**
   * Starts what {@code options} asks for.
   *
   * @param engine the agent's engine (closed by {@link #close()}); null without agent
   */
  public static OperatorRuntime start(Options options, KubernetesClient client, EngineClient engine)
      throws IOException {
    OperatorRuntime rt = new OperatorRuntime(options, client, engine);
    try {
      rt.startAll();
    } catch (IOException | RuntimeException e) {
      rt.close();
      throw e;
    }
    return rt;
  }

  private void startAll() throws IOException {
    if (options.http() != null) {
      http = OpsServer.start(options.http(), metrics, this::liveness, this::readiness);
      LOG.info("serving /metrics, /healthz, /readyz on port {}", http.port());
    }
    if (options.agent()) {
      startAgent();
    }
    if (options.aggregator()) {
      startAggregator();
    }
    started = true;
  }

  private void startAgent() {
    AgentReconciler.Settings s = options.agentSettings();
    String node = s.nodeName();
    String label = ensureImageNode(client, node);
    EventRecorder events =
        new EventRecorder(
            client,
            AgentReconciler.CONTROLLER,
            node,
            options.eventInterval(),
            options.eventBurst(),
            metrics);
    closeables.add(events);
    ImagePort port = new EngineImagePort(engine);
    agent = new AgentReconciler(s, engine, port, client, metrics, events);
    // one primary resource (the node's ImageNode), so one reconcile at a time: JOSDK's default
    // fixed pool of 50 threads would only add an idle thread per pass until it holds 50
    Operator op = newOperator(null, 1);
    op.register(
        agent,
        c ->
            c.withName(AgentReconciler.CONTROLLER)
                .withLabelSelector(NODE_LABEL + "=" + label)
                .withGenerationAware(true));
    operators.add(op);
    op.start();
    LOG.info("agent for node {} started on {}", node, engine.endpoint());
  }

  private void startAggregator() {
    String identity = options.identity();
    if (identity == null) {
      identity = System.getenv("HOSTNAME");
    }
    if (identity == null || identity.isBlank()) {
      identity = "imagespec-" + UUID.randomUUID();
    }
    EventRecorder events =
        new EventRecorder(
            client,
            AggregatorReconciler.CONTROLLER,
            identity,
            options.eventInterval(),
            options.eventBurst(),
            metrics);
    closeables.add(events);
    // JOSDK would System.exit when leadership ends, also during our own graceful stop (where
    // exiting from the shutdown hook would hang): exit only when leadership is lost otherwise.
    LeaderElectionConfiguration le =
        options.leaderElection()
            ? new LeaderElectionConfiguration(
                options.leaseName(),
                options.leaseNamespace(),
                LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                identity,
                new LeaderCallbacks(
                    () -> LOG.info("leading: aggregating"),
                    this::lostLeadership,
                    leader -> LOG.info("aggregator leader: {}", leader)),
                false)
            : null;
    Operator op = newOperator(le, 0);
    op.register(
        new AggregatorReconciler(client, metrics, events),
        c ->
            c.withName(AggregatorReconciler.CONTROLLER)
                .withFinalizer(AggregatorReconciler.FINALIZER)
                .withGenerationAware(true));
    operators.add(op);
    op.start();
    LOG.info(
        "aggregator started{}",
        le == null ? "" : " (leader election on Lease " + options.leaseName() + ")");
  }

  private void lostLeadership() {
    if (stopping) {
      return;
    }
    LOG.error("lost the aggregator's leadership: exiting so that only the leader writes");
    Thread exit = new Thread(() -> System.exit(1), "imagespec-exit");
    exit.start();
  }

  /** {@code reconcileThreads} 0: JOSDK's default. */
  private Operator newOperator(LeaderElectionConfiguration le, int reconcileThreads) {
    return new Operator(
        o -> {
          if (reconcileThreads > 0) {
            o.withConcurrentReconciliationThreads(reconcileThreads);
          }
          o.withKubernetesClient(client)
              .withCloseClientOnStop(false)
              .withUseSSAToPatchPrimaryResource(false)
              .withSSABasedCreateUpdateMatchForDependentResources(false)
              .withReconciliationTerminationTimeout(options.shutdownTimeout())
              .withStopOnInformerErrorDuringStartup(true)
              .withCacheSyncTimeout(Duration.ofMinutes(2));
          if (le != null) {
            o.withLeaderElectionConfiguration(le);
          }
        });
  }

  /**
   * Makes sure the node's ImageNode exists and carries {@link #NODE_LABEL}; owned by the Node when
   * the Node exists, so that it goes away with it. Returns the label's value.
   */
  static String ensureImageNode(KubernetesClient client, String node) {
    String label = labelValue(node);
    var resource = client.resources(ImageNode.class).withName(node);
    ImageNode existing = resource.get();
    if (existing == null) {
      ImageNode n = ImageNode.of(node);
      n.getMetadata().setLabels(Map.of(NODE_LABEL, label));
      Node k8sNode = client.nodes().withName(node).get();
      if (k8sNode != null) {
        n.getMetadata()
            .setOwnerReferences(
                List.of(
                    new OwnerReferenceBuilder()
                        .withApiVersion("v1")
                        .withKind("Node")
                        .withName(node)
                        .withUid(k8sNode.getMetadata().getUid())
                        .build()));
      } else {
        LOG.warn("node {} not found: its ImageNode has no owner", node);
      }
      client.resource(n).create();
      LOG.info("created ImageNode {}", node);
    } else if (existing.getMetadata().getLabels() == null
        || !label.equals(existing.getMetadata().getLabels().get(NODE_LABEL))) {
      resource.edit(
          n -> {
            var labels =
                n.getMetadata().getLabels() == null
                    ? new java.util.HashMap<String, String>()
                    : new java.util.HashMap<>(n.getMetadata().getLabels());
            labels.put(NODE_LABEL, label);
            n.getMetadata().setLabels(labels);
            return n;
          });
    }
    return label;
  }

  /** The node name as a label value: itself when it is one, else a hash of it. */
  static String labelValue(String node) {
    if (node.length() <= 63 && node.matches("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")) {
      return node;
    }
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(node.getBytes(StandardCharsets.UTF_8));
      return "h-" + HexFormat.of().formatHex(h).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public Metrics metrics() {
    return metrics;
  }

  /** The HTTP port, or -1 without a server. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /** Null when the process works. */
  String liveness() {
    if (stopping) {
      return null;
    }
    for (Operator op : operators) {
      if (op.getRuntimeInfo().isStarted() && !op.getRuntimeInfo().allEventSourcesAreHealthy()) {
        return "unhealthy event sources: " + op.getRuntimeInfo().unhealthyEventSources().keySet();
      }
    }
    return null;
  }

  /** Null when ready: started, informers healthy, and (agent) the engine answered. */
  String readiness() {
    if (stopping) {
      return "stopping";
    }
    if (!started) {
      return "starting";
    }
    String live = liveness();
    if (live != null) {
      return live;
    }
    if (agent != null && agent.engineProblem() != null) {
      return "engine: " + agent.engineProblem();
    }
    return null;
  }

  /** Stops the controllers (waiting for running passes), then the rest. Idempotent. */
  @Override
  public synchronized void close() {
    if (stopping) {
      return;
    }
    stopping = true;
    for (int i = operators.size() - 1; i >= 0; i--) {
      try {
        operators.get(i).stop();
      } catch (RuntimeException e) {
        LOG.warn("stopping controllers: {}", e.toString());
      }
    }
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing: {}", e.toString());
      }
    }
    if (engine != null) {
      engine.close();
    }
    if (http != null) {
      http.close();
    }
    LOG.info("stopped");
  }
}
