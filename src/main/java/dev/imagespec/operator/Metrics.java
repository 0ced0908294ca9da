package dev.imagespec.operator;

import dev.imagespec.reconcile.ActionOutcome;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * The operator's metrics, Micrometer meters in a Prometheus registry: JOSDK's own (its Micrometer
 * integration: reconciliations started, succeeded, failed, retried, events received, per
 * controller) and imagespec's — a duration histogram of reconcile passes, counters of actions by
 * kind and result, of engine errors, of failed passes and of Kubernetes Events. {@link #scrape()}
 * is the Prometheus text that {@code /metrics} serves. Thread-safe.
 */
public final class Metrics {
  /** The histogram's buckets, in seconds. */
  static final double[] BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

  private static final Duration[] SLOS =
      Arrays.stream(BUCKETS)
          .mapToObj(s -> Duration.ofMillis((long) (s * 1000)))
          .toArray(Duration[]::new);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  // per-resource meters would grow with the number of ImageSpecs: one set per controller
  private final MicrometerMetrics josdk =
      MicrometerMetrics.newMicrometerMetricsBuilder(registry)
          .notCollectingMetricsPerResource()
          .build();

  /** JOSDK's metrics on the same registry, for its configuration. */
  io.javaoperatorsdk.operator.api.monitoring.Metrics josdk() {
    return josdk;
  }

  /** One pass of {@code controller} (agent, aggregator) took {@code duration}. */
  public void reconciled(String controller, Duration duration) {
    Timer.builder("imagespec.reconcile.duration")
        .description("Duration of reconcile passes.")
        .tag("controller", controller)
        .serviceLevelObjectives(SLOS)
        .register(registry)
        .record(duration);
  }

  /** A pass of {@code controller} failed as a whole (thrown, retried by the SDK). */
  public void reconcileFailed(String controller) {
    Counter.builder("imagespec.reconcile.errors")
        .description("Reconcile passes that failed as a whole.")
        .tag("controller", controller)
        .register(registry)
        .increment();
  }

  /** An action the reconciler executed. */
  public void action(ActionOutcome outcome) {
    actions(outcome.action().kind().jsonName(), outcome.result().name().toLowerCase(Locale.ROOT))
        .increment();
  }

  private Counter actions(String kind, String result) {
    return Counter.builder("imagespec.actions")
        .description("Engine actions executed, by kind and result.")
        .tag("kind", kind)
        .tag("result", result)
        .register(registry);
  }

  /** An engine call failed: {@code kind} is unavailable, api, stream, events, ... */
  public void engineError(String kind) {
    Counter.builder("imagespec.engine.errors")
        .description("Engine calls that failed, by kind.")
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  /** A Kubernetes Event was recorded ({@code sent}) or dropped by the rate limit. */
  public void event(boolean sent) {
    Counter.builder("imagespec.events")
        .description("Kubernetes Events recorded or dropped by the rate limit.")
        .tag("outcome", sent ? "sent" : "dropped")
        .register(registry)
        .increment();
  }

  /**
   * A declared image was found removed out of band; {@code heldBack}: its re-pull waits for the GC
   * backoff.
   */
  public void removedExternally(boolean heldBack) {
    Counter.builder("imagespec.images.removed.externally")
        .description("Declared images found removed out of band (kubelet GC, by hand).")
        .tag("outcome", heldBack ? "held" : "pulled")
        .register(registry)
        .increment();
  }

  long removedExternallyCount(boolean heldBack) {
    Counter c =
        registry
            .find("imagespec.images.removed.externally")
            .tags("outcome", heldBack ? "held" : "pulled")
            .counter();
    return c == null ? 0 : (long) c.count();
  }

  long actionCount(String kind, String result) {
    Counter c = registry.find("imagespec.actions").tags("kind", kind, "result", result).counter();
    return c == null ? 0 : (long) c.count();
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }
}
