package dev.imagespec.operator;

import dev.imagespec.reconcile.ImageBackend;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the agent, the aggregator, or both ({@link OperatorOptions}), on a Kubernetes client: their
 * JOSDK Operators ({@link Controllers}), the HTTP endpoints ({@link OpsServer}) with their health
 * checks, and an orderly stop ({@link #close()}: controllers first, so that running passes finish,
 * then the engine and the HTTP server). A start that fails says why in {@link
 * StartFailure#explain}.
 */
public final class OperatorRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorRuntime.class);

  private final OperatorOptions options;
  private final KubernetesClient client;
  private final ImageBackend engine;
  private final Metrics metrics = new Metrics();
  private final List<Operator> operators = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private AgentReconciler agent;
  private OpsServer http;
  private volatile boolean started;
  private volatile boolean stopping;

  private OperatorRuntime(OperatorOptions options, KubernetesClient client, ImageBackend engine) {
    this.options = options;
    this.client = client;
    this.engine = engine;
  }

  /**
   * Starts what {@code options} asks for.
   *
   * @param engine the agent's engine (closed by {@link #close()}); null without agent
   */
  public static OperatorRuntime start(
      OperatorOptions options, KubernetesClient client, ImageBackend engine) throws IOException {
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
    String label = ImageNodeRegistration.ensure(client, node);
    EventRecorder events = events(AgentReconciler.CONTROLLER, node);
    agent = new AgentReconciler(s, engine, DiskGuardPort.of(engine, s), client, metrics, events);
    Operator op = Controllers.agent(client, options, metrics, agent, label);
    operators.add(op);
    op.start();
    LOG.info("agent for node {} started on {}", node, engine.endpoint());
  }

  private void startAggregator() {
    String identity = options.effectiveIdentity();
    EventRecorder events = events(AggregatorReconciler.CONTROLLER, identity);
    LeaderCallbacks callbacks =
        options.leaderElection()
            ? new LeaderCallbacks(
                () -> LOG.info("leading: aggregating"),
                this::lostLeadership,
                leader -> LOG.info("aggregator leader: {}", leader))
            : null;
    AggregatorReconciler aggregatorReconciler =
        new AggregatorReconciler(
            client,
            metrics,
            events,
            options.pushes(),
            options.permitTimeout(),
            options.finalizerTimeout());
    closeables.add(aggregatorReconciler::close);
    Operator op =
        Controllers.aggregator(client, options, metrics, aggregatorReconciler, identity, callbacks);
    operators.add(op);
    op.start();
    LOG.info(
        "aggregator started{}",
        callbacks == null ? "" : " (leader election on Lease " + options.leaseName() + ")");
  }

  private EventRecorder events(String component, String instance) {
    EventRecorder events =
        new EventRecorder(
            client, component, instance, options.eventInterval(), options.eventBurst(), metrics);
    closeables.add(events);
    return events;
  }

  private void lostLeadership() {
    if (stopping) {
      return;
    }
    LOG.error("lost the aggregator's leadership: exiting so that only the leader writes");
    Thread exit = new Thread(() -> System.exit(1), "imagespec-exit");
    exit.start();
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
