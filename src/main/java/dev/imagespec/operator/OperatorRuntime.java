package dev.imagespec.operator;

import dev.imagespec.reconcile.ImageBackend;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the agent, the aggregator, or both ({@link OperatorOptions}), on a Kubernetes client: their
 * JOSDK Operators ({@link Controllers}), the HTTP endpoints ({@link OpsServer}) with their health
 * checks, and an orderly stop ({@link #close()}: controllers first, so that running passes finish,
 * then the engine and the HTTP server). A start that fails says why in {@link
 * StartFailure#explain}.
 *
 * <p>Once started, an unreachable API server stops nothing: the informers reconnect by themselves,
 * {@code /readyz} says since when it is unreachable ({@link ApiServerContact}) while {@code
 * /healthz} stays up, and an aggregator whose Lease could not be renewed meanwhile stops
 * aggregating and joins the election again (a new JOSDK Operator) instead of exiting.
 */
public final class OperatorRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorRuntime.class);

  private final OperatorOptions options;
  private final KubernetesClient client;
  private final ImageBackend engine;
  private final Metrics metrics = new Metrics();
  private final List<Operator> operators = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
  private final ApiServerContact contact = new ApiServerContact();
  private AgentReconciler agent;
  private OpsServer http;
  private ScheduledExecutorService sampler;
  private volatile boolean started;
  private volatile boolean stopping;

  /** The aggregator's Operator and what it alone uses (replaced when it rejoins the election). */
  private record Aggregation(
      Operator operator, AggregatorReconciler reconciler, EventRecorder events) {
    void stop() {
      try {
        operator.stop();
      } catch (RuntimeException e) {
        LOG.warn("stopping the aggregator: {}", e.toString());
      }
      reconciler.close();
      events.close();
    }
  }

  private volatile Aggregation aggregation;

  /** Null, or why the aggregator is not running now (rejoining the leader election). */
  private volatile String aggregatorProblem;

  /** The last sample's liveness problem (null: none) and when it was taken. */
  private volatile String livenessProblem;

  private volatile Instant sampled;

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
      aggregation = startAggregator();
    }
    sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "imagespec-api-contact");
              t.setDaemon(true);
              return t;
            });
    livenessProblem = brokenEventSources();
    sampled = Instant.now();
    sampler.scheduleWithFixedDelay(
        () -> {
          try {
            livenessProblem = brokenEventSources();
            contact.sample(operators, Instant.now());
            sampled = Instant.now();
          } catch (RuntimeException e) {
            LOG.debug("sampling the informers: {}", e.toString());
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
    started = true;
  }

  private void startAgent() {
    AgentReconciler.Settings s = options.agentSettings();
    String node = s.nodeName();
    String label = ImageNodeRegistration.ensure(client, node);
    EventRecorder events = events(AgentReconciler.CONTROLLER, node);
    agent = new AgentReconciler(s, engine, DiskGuardPort.of(engine, s), client, metrics, events);
    Operator op = Controllers.agent(client, options, metrics, agent, label);
    op.start(); // listed once started: JOSDK's runtime info waits while it starts or stops
    operators.add(op);
    LOG.info("agent for node {} started on {}", node, engine.endpoint());
  }

  private Aggregation startAggregator() {
    String identity = options.effectiveIdentity();
    EventRecorder events =
        new EventRecorder(
            client,
            AggregatorReconciler.CONTROLLER,
            identity,
            options.eventInterval(),
            options.eventBurst(),
            metrics);
    AtomicBoolean lost = new AtomicBoolean();
    LeaderCallbacks callbacks =
        options.leaderElection()
            ? new LeaderCallbacks(
                () -> LOG.info("leading: aggregating"),
                () -> {
                  if (lost.compareAndSet(false, true)) { // once per Operator
                    lostLeadership();
                  }
                },
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
    Operator op =
        Controllers.aggregator(client, options, metrics, aggregatorReconciler, identity, callbacks);
    Aggregation started = new Aggregation(op, aggregatorReconciler, events);
    try {
      op.start();
    } catch (RuntimeException e) {
      started.stop();
      throw e;
    }
    // listed once started (and unlisted before it stops): JOSDK's runtime info (its controller
    // list) waits while an Operator starts or stops, which takes long with the API server away
    operators.add(op);
    LOG.info(
        "aggregator started{}",
        callbacks == null ? "" : " (leader election on Lease " + options.leaseName() + ")");
    return started;
  }

  private EventRecorder events(String component, String instance) {
    EventRecorder events =
        new EventRecorder(
            client, component, instance, options.eventInterval(), options.eventBurst(), metrics);
    closeables.add(events);
    return events;
  }

  /**
   * The Lease was not renewed in time (e.g. the API server was unreachable for longer than the
   * renew deadline): another replica may lead now. Stops this aggregator's Operator so that only
   * the leader writes, then joins the election again with a new one, retrying until the API server
   * answers. The process stays up.
   */
  private void lostLeadership() {
    if (stopping) {
      return;
    }
    LOG.warn(
        "lost the aggregator's leadership (Lease {} not renewed in time): stopping aggregation and"
            + " joining the leader election again",
        options.leaseName());
    aggregatorProblem = "lost the leadership; joining the leader election again";
    Thread t = new Thread(this::rejoin, "imagespec-rejoin");
    t.setDaemon(true);
    t.start();
  }

  private void rejoin() {
    Aggregation old = aggregation;
    if (old != null) {
      operators.remove(old.operator());
      old.stop();
    }
    long delayMs = 1000;
    while (!stopping) {
      try {
        Aggregation next = startAggregator();
        synchronized (this) {
          if (stopping) {
            operators.remove(next.operator());
            next.stop();
            return;
          }
          aggregation = next;
        }
        aggregatorProblem = null;
        return;
      } catch (RuntimeException e) {
        aggregatorProblem =
            "joining the leader election again: "
                + StartFailure.explain(e, String.valueOf(client.getMasterUrl()));
        LOG.warn("aggregator: {}; trying again in {}s", aggregatorProblem, delayMs / 1000);
      }
      try {
        Thread.sleep(delayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      delayMs = Math.min(delayMs * 2, 30_000);
    }
  }

  public Metrics metrics() {
    return metrics;
  }

  /** The HTTP port, or -1 without a server. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /**
   * Null when the process works (as of the last sample, taken every second off the HTTP threads).
   * Informers that run but do not watch (the API server away) are no liveness problem: they
   * reconnect by themselves; {@link #readiness()} reports them.
   */
  String liveness() {
    return stopping ? null : livenessProblem;
  }

  private String brokenEventSources() {
    List<String> broken = new ArrayList<>();
    for (Operator op : operators) {
      if (!op.getRuntimeInfo().isStarted()) {
        continue;
      }
      op.getRuntimeInfo()
          .unhealthyEventSources()
          .forEach(
              (controller, sources) ->
                  sources.forEach(
                      (name, source) -> {
                        if (!ApiServerContact.notWatching(source)) {
                          broken.add(controller + "/" + name);
                        }
                      }));
    }
    return broken.isEmpty() ? null : "unhealthy event sources: " + broken;
  }

  /**
   * Null when ready: started, the API server reachable (informers watching), the aggregator in the
   * election, and (agent) the engine answered.
   */
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
    Instant last = sampled;
    if (last != null && last.isBefore(Instant.now().minusSeconds(10))) {
      return "health checks stalled since " + dev.imagespec.spec.Conditions.time(last);
    }
    String api = contact.problem();
    if (api != null) {
      return api;
    }
    String aggregator = aggregatorProblem;
    if (aggregator != null) {
      return "aggregator: " + aggregator;
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
    if (sampler != null) {
      sampler.shutdownNow();
    }
    Aggregation a = aggregation;
    if (a != null) {
      operators.remove(a.operator());
      a.stop();
    }
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
