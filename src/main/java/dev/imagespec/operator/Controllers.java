package dev.imagespec.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Duration;

/**
 * The JOSDK {@link Operator}s and how their controllers are configured: one Operator per role, the
 * aggregator's with leader election on a Lease, the agent's without (every node runs one). Both
 * patch rather than apply (the CRUD mock API server has no server-side apply), stop on informer
 * errors at start-up, and report to JOSDK's Micrometer metrics.
 */
final class Controllers {
  private Controllers() {}

  /** The agent's Operator, its controller selecting the node's ImageNode by label. */
  static Operator agent(
      KubernetesClient client,
      OperatorOptions options,
      Metrics metrics,
      AgentReconciler agent,
      String nodeLabel) {
    // one primary resource (the node's ImageNode), so one reconcile at a time: JOSDK's default
    // fixed pool of 50 threads would only add an idle thread per pass until it holds 50
    Operator op = newOperator(client, options, metrics, null, 1);
    op.register(
        agent,
        c ->
            c.withName(AgentReconciler.CONTROLLER)
                .withLabelSelector(ImageNodeRegistration.NODE_LABEL + "=" + nodeLabel)
                .withGenerationAware(true));
    return op;
  }

  /**
   * The aggregator's Operator; with {@code callbacks}, leader-elected on the options' Lease.
   *
   * @param callbacks what to do on gaining and losing leadership; null: no leader election
   */
  static Operator aggregator(
      KubernetesClient client,
      OperatorOptions options,
      Metrics metrics,
      AggregatorReconciler aggregator,
      String identity,
      LeaderCallbacks callbacks) {
    // JOSDK would System.exit when leadership ends, also during our own graceful stop (where
    // exiting from the shutdown hook would hang): the callbacks decide, so exitOnStopLeading false
    LeaderElectionConfiguration le =
        callbacks == null
            ? null
            : new LeaderElectionConfiguration(
                options.leaseName(),
                options.leaseNamespace(),
                LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                identity,
                callbacks,
                false);
    Operator op = newOperator(client, options, metrics, le, 0);
    op.register(
        aggregator,
        c ->
            c.withName(AggregatorReconciler.CONTROLLER)
                .withFinalizer(AggregatorReconciler.FINALIZER)
                .withGenerationAware(true));
    return op;
  }

  /** {@code reconcileThreads} 0: JOSDK's default. */
  private static Operator newOperator(
      KubernetesClient client,
      OperatorOptions options,
      Metrics metrics,
      LeaderElectionConfiguration le,
      int reconcileThreads) {
    return new Operator(
        o -> {
          if (reconcileThreads > 0) {
            o.withConcurrentReconciliationThreads(reconcileThreads);
          }
          o.withKubernetesClient(client)
              .withCloseClientOnStop(false)
              .withMetrics(metrics.josdk())
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
}
