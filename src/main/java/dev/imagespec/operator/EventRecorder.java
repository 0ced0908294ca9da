package dev.imagespec.operator;

import dev.imagespec.spec.Conditions;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records core/v1 Events about ImageSpecs and ImageNodes, rate-limited: at most one event per
 * object and reason every {@code perKeyInterval} (the suppressed ones are counted into the next
 * one's message), and at most {@code burst} events in any {@code perKeyInterval} overall. Sent in
 * the background: a failure to record is logged, never fails a reconcile. Messages never contain
 * credentials (they come from the reconciler's outcomes, which never do).
 */
public final class EventRecorder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  static final int MAX_MESSAGE = 1024;

  /** Event type. */
  public enum Type {
    Normal,
    Warning
  }

  private final KubernetesClient client;
  private final String component;
  private final String instance;
  private final Duration perKeyInterval;
  private final int burst;
  private final Clock clock;
  private final Metrics metrics;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();
  private final ExecutorService sender;
  private final AtomicLong sequence = new AtomicLong();
  private Instant globalStart = Instant.EPOCH;
  private int globalCount;

  public EventRecorder(
      KubernetesClient client,
      String component,
      String instance,
      Duration perKeyInterval,
      int burst,
      Metrics metrics) {
    this.client = client;
    this.component = component;
    this.instance = instance;
    this.perKeyInterval = perKeyInterval;
    this.burst = burst;
    this.clock = Clock.systemUTC();
    this.metrics = metrics;
    this.sender =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "imagespec-events");
              t.setDaemon(true);
              return t;
            });
  }

  private static final class Window {
    Instant last = Instant.EPOCH;
    int suppressed;
  }

  /** Records an event about {@code object} unless the rate limit says no; true when sent. */
  public boolean record(HasMetadata object, Type type, String reason, String message) {
    return record(reference(object), type, reason, message);
  }

  /** Records an event about the object {@code ref}. */
  public boolean record(ObjectReference ref, Type type, String reason, String message) {
    Instant now = clock.instant();
    String key = ref.getKind() + "/" + ref.getNamespace() + "/" + ref.getName() + "/" + reason;
    int suppressed;
    synchronized (this) {
      Window w = windows.computeIfAbsent(key, k -> new Window());
      if (Duration.between(w.last, now).compareTo(perKeyInterval) < 0) {
        w.suppressed++;
        metrics.event(false);
        return false;
      }
      if (Duration.between(globalStart, now).compareTo(perKeyInterval) >= 0) {
        globalStart = now;
        globalCount = 0;
      }
      if (globalCount >= burst) {
        w.suppressed++;
        metrics.event(false);
        return false;
      }
      globalCount++;
      w.last = now;
      suppressed = w.suppressed;
      w.suppressed = 0;
      if (windows.size() > 10_000) {
        windows.entrySet().removeIf(e -> e.getValue().last.isBefore(now.minus(perKeyInterval)));
      }
    }
    String text =
        Conditions.shorten(
            message + (suppressed == 0 ? "" : " (and " + suppressed + " similar since)"),
            MAX_MESSAGE);
    metrics.event(true);
    String namespace = ref.getNamespace() == null ? "default" : ref.getNamespace();
    String name =
        ref.getName() + "." + Long.toHexString(now.toEpochMilli()) + sequence.incrementAndGet();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withInvolvedObject(ref)
            .withType(type.name())
            .withReason(reason)
            .withMessage(text)
            .withCount(1)
            .withFirstTimestamp(Conditions.time(now))
            .withLastTimestamp(Conditions.time(now))
            .withNewSource()
            .withComponent(component)
            .withHost(instance)
            .endSource()
            .withReportingComponent(component)
            .withReportingInstance(instance)
            .build();
    try {
      sender.execute(
          () -> {
            try {
              client.v1().events().inNamespace(namespace).resource(event).create();
            } catch (RuntimeException e) {
              LOG.warn("cannot record event {} on {}: {}", reason, key, e.getMessage());
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return false;
    }
    return true;
  }

  static ObjectReference reference(HasMetadata o) {
    return new ObjectReferenceBuilder()
        .withApiVersion(o.getApiVersion())
        .withKind(o.getKind())
        .withName(o.getMetadata().getName())
        .withNamespace(o.getMetadata().getNamespace())
        .withUid(o.getMetadata().getUid())
        .withResourceVersion(o.getMetadata().getResourceVersion())
        .build();
  }

  @Override
  public void close() {
    sender.shutdown();
    try {
      sender.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
