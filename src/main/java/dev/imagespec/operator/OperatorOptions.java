package dev.imagespec.operator;

import dev.imagespec.reconcile.CredentialResolver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * What {@link OperatorRuntime} runs.
 *
 * @param agent run the node agent
 * @param aggregator run the aggregator
 * @param agentSettings the agent's settings (node name included)
 * @param http address of /metrics, /healthz, /readyz; null for none
 * @param leaderElection whether the aggregator elects a leader
 * @param leaseName the Lease's name
 * @param leaseNamespace the Lease's namespace (null: the client's namespace)
 * @param identity this instance's identity in the election (null: HOSTNAME, else random)
 * @param eventInterval at most one Event per object and reason in this interval
 * @param eventBurst at most this many Events in an interval overall
 * @param shutdownTimeout how long a stop waits for running passes
 * @param pushes how the aggregator copies the specs' {@code pushes} (null: defaults)
 * @param permitTimeout how long a node may hold a rollout permit (null: 10m)
 * @param finalizerTimeout how long a deleted Remove spec waits for a silent or NotReady node (null:
 *     10m)
 */
public record OperatorOptions(
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
    Duration shutdownTimeout,
    ClusterPushes.Settings pushes,
    Duration permitTimeout,
    Duration finalizerTimeout) {
  public OperatorOptions {
    if (agent) {
      Objects.requireNonNull(agentSettings, "agentSettings");
    }
    leaseName = leaseName == null ? "imagespec-aggregator" : leaseName;
    eventInterval = eventInterval == null ? Duration.ofSeconds(30) : eventInterval;
    eventBurst = eventBurst <= 0 ? 25 : eventBurst;
    shutdownTimeout = shutdownTimeout == null ? Duration.ofSeconds(20) : shutdownTimeout;
    pushes = pushes == null ? ClusterPushes.Settings.defaults() : pushes;
    permitTimeout =
        permitTimeout == null ? AggregatorReconciler.DEFAULT_PERMIT_TIMEOUT : permitTimeout;
    finalizerTimeout = finalizerTimeout == null ? FinalizerTimeout.DEFAULT : finalizerTimeout;
  }

  /** Options with the default {@code --finalizer-timeout}. */
  public OperatorOptions(
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
      Duration shutdownTimeout,
      ClusterPushes.Settings pushes,
      Duration permitTimeout) {
    this(
        agent,
        aggregator,
        agentSettings,
        http,
        leaderElection,
        leaseName,
        leaseNamespace,
        identity,
        eventInterval,
        eventBurst,
        shutdownTimeout,
        pushes,
        permitTimeout,
        null);
  }

  /** An agent for {@code node} (no HTTP server), as tests and {@code operator agent} use it. */
  public static OperatorOptions agent(String node, int parallelism, CredentialResolver fallback) {
    return new OperatorOptions(
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
        null,
        null,
        null,
        null);
  }

  /** An aggregator (no HTTP server). */
  public static OperatorOptions aggregator(boolean leaderElection, String leaseNamespace) {
    return new OperatorOptions(
        false,
        true,
        null,
        null,
        leaderElection,
        null,
        leaseNamespace,
        null,
        null,
        0,
        null,
        null,
        null,
        null);
  }

  public OperatorOptions withHttp(InetSocketAddress address) {
    return new OperatorOptions(
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
        shutdownTimeout,
        pushes,
        permitTimeout,
        finalizerTimeout);
  }

  public OperatorOptions withEvents(Duration interval, int burst) {
    return new OperatorOptions(
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
        shutdownTimeout,
        pushes,
        permitTimeout,
        finalizerTimeout);
  }

  public OperatorOptions withPushes(ClusterPushes.Settings value) {
    return new OperatorOptions(
        agent,
        aggregator,
        agentSettings,
        http,
        leaderElection,
        leaseName,
        leaseNamespace,
        identity,
        eventInterval,
        eventBurst,
        shutdownTimeout,
        value,
        permitTimeout,
        finalizerTimeout);
  }

  public OperatorOptions withPermitTimeout(Duration value) {
    return new OperatorOptions(
        agent,
        aggregator,
        agentSettings,
        http,
        leaderElection,
        leaseName,
        leaseNamespace,
        identity,
        eventInterval,
        eventBurst,
        shutdownTimeout,
        pushes,
        value,
        finalizerTimeout);
  }

  public OperatorOptions withFinalizerTimeout(Duration value) {
    return new OperatorOptions(
        agent,
        aggregator,
        agentSettings,
        http,
        leaderElection,
        leaseName,
        leaseNamespace,
        identity,
        eventInterval,
        eventBurst,
        shutdownTimeout,
        pushes,
        permitTimeout,
        value);
  }

  /** This instance's identity in the election: {@link #identity}, else HOSTNAME, else random. */
  String effectiveIdentity() {
    String id = identity;
    if (id == null) {
      id = System.getenv("HOSTNAME");
    }
    if (id == null || id.isBlank()) {
      id = "imagespec-" + java.util.UUID.randomUUID();
    }
    return id;
  }
}
