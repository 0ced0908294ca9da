package dev.imagespec.operator;

import dev.imagespec.reconcile.ActionOutcome;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The operator's metrics in the Prometheus text format (version 0.0.4), kept by hand: a duration
 * histogram of reconcile passes, counters of actions by kind and result, of engine errors and of
 * failed passes. Thread-safe.
 */
public final class Metrics {
  static final double[] BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

  private final Map<String, Histogram> durations = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> actions = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> engineErrors = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> reconcileErrors = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> events = new ConcurrentHashMap<>();

  /** One pass of {@code controller} (agent, aggregator) took {@code duration}. */
  public void reconciled(String controller, Duration duration) {
    durations.computeIfAbsent(controller, k -> new Histogram()).observe(duration.toNanos() / 1e9);
  }

  /** A pass of {@code controller} failed as a whole (thrown, retried by the SDK). */
  public void reconcileFailed(String controller) {
    reconcileErrors.computeIfAbsent(controller, k -> new LongAdder()).increment();
  }

  /** An action the reconciler executed. */
  public void action(ActionOutcome outcome) {
    String key =
        outcome.action().kind().jsonName()
            + "\u0000"
            + outcome.result().name().toLowerCase(Locale.ROOT);
    actions.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  /** An engine call failed: {@code kind} is unavailable, api, stream, events, ... */
  public void engineError(String kind) {
    engineErrors.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  /** A Kubernetes Event was recorded ({@code sent}) or dropped by the rate limit. */
  public void event(boolean sent) {
    events.computeIfAbsent(sent ? "sent" : "dropped", k -> new LongAdder()).increment();
  }

  long actionCount(String kind, String result) {
    LongAdder a = actions.get(kind + "\u0000" + result);
    return a == null ? 0 : a.sum();
  }

  /** The exposition text. */
  public String scrape() {
    StringBuilder b = new StringBuilder();
    b.append("# HELP imagespec_reconcile_duration_seconds Duration of reconcile passes.\n");
    b.append("# TYPE imagespec_reconcile_duration_seconds histogram\n");
    new TreeMap<>(durations)
        .forEach((controller, h) -> h.write(b, "imagespec_reconcile_duration_seconds", controller));
    b.append("# HELP imagespec_reconcile_errors_total Reconcile passes that failed as a whole.\n");
    b.append("# TYPE imagespec_reconcile_errors_total counter\n");
    new TreeMap<>(reconcileErrors)
        .forEach(
            (c, n) ->
                b.append("imagespec_reconcile_errors_total{controller=\"")
                    .append(escape(c))
                    .append("\"} ")
                    .append(n.sum())
                    .append('\n'));
    b.append("# HELP imagespec_actions_total Engine actions executed, by kind and result.\n");
    b.append("# TYPE imagespec_actions_total counter\n");
    new TreeMap<>(actions)
        .forEach(
            (k, n) -> {
              String[] parts = k.split("\u0000", 2);
              b.append("imagespec_actions_total{kind=\"")
                  .append(escape(parts[0]))
                  .append("\",result=\"")
                  .append(escape(parts[1]))
                  .append("\"} ")
                  .append(n.sum())
                  .append('\n');
            });
    b.append("# HELP imagespec_engine_errors_total Engine calls that failed, by kind.\n");
    b.append("# TYPE imagespec_engine_errors_total counter\n");
    new TreeMap<>(engineErrors)
        .forEach(
            (k, n) ->
                b.append("imagespec_engine_errors_total{kind=\"")
                    .append(escape(k))
                    .append("\"} ")
                    .append(n.sum())
                    .append('\n'));
    b.append(
        "# HELP imagespec_events_total Kubernetes Events recorded or dropped by the rate limit.\n");
    b.append("# TYPE imagespec_events_total counter\n");
    new TreeMap<>(events)
        .forEach(
            (k, n) ->
                b.append("imagespec_events_total{outcome=\"")
                    .append(k)
                    .append("\"} ")
                    .append(n.sum())
                    .append('\n'));
    return b.toString();
  }

  static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static final class Histogram {
    private final LongAdder[] counts = new LongAdder[BUCKETS.length];
    private final LongAdder count = new LongAdder();
    private final AtomicLong sumNanos = new AtomicLong();

    Histogram() {
      for (int i = 0; i < counts.length; i++) {
        counts[i] = new LongAdder();
      }
    }

    void observe(double seconds) {
      for (int i = 0; i < BUCKETS.length; i++) {
        if (seconds <= BUCKETS[i]) {
          counts[i].increment();
        }
      }
      count.increment();
      sumNanos.addAndGet((long) (seconds * 1e9));
    }

    void write(StringBuilder b, String name, String controller) {
      String label = "controller=\"" + escape(controller) + "\"";
      for (int i = 0; i < BUCKETS.length; i++) {
        b.append(name)
            .append("_bucket{")
            .append(label)
            .append(",le=\"")
            .append(format(BUCKETS[i]))
            .append("\"} ")
            .append(counts[i].sum())
            .append('\n');
      }
      b.append(name)
          .append("_bucket{")
          .append(label)
          .append(",le=\"+Inf\"} ")
          .append(count.sum())
          .append('\n');
      b.append(name)
          .append("_sum{")
          .append(label)
          .append("} ")
          .append(sumNanos.get() / 1e9)
          .append('\n');
      b.append(name).append("_count{").append(label).append("} ").append(count.sum()).append('\n');
    }

    private static String format(double d) {
      return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
  }
}
