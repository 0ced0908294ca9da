package dev.imagespec.operator;

import dev.imagespec.spec.Conditions;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the API server can be reached, for {@code /readyz}: sampled every second from the
 * controllers' informers (running but not watching: their watch dropped and Fabric8 reconnects with
 * backoff). Two samples in a row make it unreachable, since the first; one sample with every
 * informer watching makes it reachable again. A dropped watch is not a liveness problem: the
 * process recovers by itself when the server is back.
 */
final class ApiServerContact {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServerContact.class);

  /** How soon a pass that could not reach the API server runs again. */
  static final Duration RETRY = Duration.ofSeconds(5);

  private volatile Instant since;
  private volatile boolean confirmed;
  private volatile List<String> notWatching = List.of();

  /**
   * True when {@code e} (or a cause) is a Kubernetes client failure that says the API server could
   * not be reached or answered 5xx/429, not that it refused the request.
   */
  static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KubernetesClientException k) {
        int code = k.getCode();
        if (code >= 500 || code == 429) {
          return true;
        }
        for (Throwable c = k.getCause(); c != null; c = c.getCause() == c ? null : c.getCause()) {
          if (c instanceof IOException) {
            return true;
          }
        }
        return false;
      }
    }
    return false;
  }

  /**
   * Looks at the informers of the started {@code operators} once. With none started (an aggregator
   * joining the election again) nothing changes.
   */
  void sample(List<Operator> operators, Instant now) {
    TreeSet<String> down = new TreeSet<>();
    boolean any = false;
    for (Operator op : operators) {
      if (!op.getRuntimeInfo().isStarted()) {
        continue;
      }
      any = true;
      op.getRuntimeInfo()
          .unhealthyInformerWrappingEventSourceHealthIndicator()
          .forEach(
              (controller, sources) ->
                  sources.forEach(
                      (name, source) -> {
                        if (notWatching(source)) {
                          down.add(controller + "/" + name);
                        }
                      }));
    }
    if (any) {
      update(new ArrayList<>(down), now);
    }
  }

  /** The informers (controller/event source) that are not watching now, sampled at {@code now}. */
  synchronized void update(List<String> down, Instant now) {
    if (down.isEmpty()) {
      if (confirmed) {
        LOG.atInfo()
            .addKeyValue("unreachableSince", Conditions.time(since))
            .log(
                "API server reachable again: watches resumed after {}s",
                Duration.between(since, now).toMillis() / 1000.0);
      }
      since = null;
      confirmed = false;
      notWatching = List.of();
      return;
    }
    notWatching = List.copyOf(down);
    if (since == null) {
      since = now;
    } else if (!confirmed) {
      confirmed = true;
      LOG.atWarn()
          .addKeyValue("unreachableSince", Conditions.time(since))
          .log(
              "API server unreachable since {}: {} not watching; reconnecting with backoff",
              Conditions.time(since),
              String.join(", ", down));
    }
  }

  /**
   * Null while the API server is reachable, else since when it is not and which watches dropped.
   */
  String problem() {
    Instant s = since;
    if (!confirmed || s == null) {
      return null;
    }
    return "API server unreachable since "
        + Conditions.time(s)
        + " (watches down: "
        + String.join(", ", notWatching)
        + "); reconnecting with backoff";
  }

  /** An informer event source whose informers run but some does not watch. */
  static boolean notWatching(Object source) {
    if (!(source instanceof InformerWrappingEventSourceHealthIndicator<?> w)) {
      return false;
    }
    var informers = w.informerHealthIndicators().values();
    return informers.stream().allMatch(InformerHealthIndicator::isRunning)
        && informers.stream().anyMatch(i -> !i.isWatching());
  }
}
