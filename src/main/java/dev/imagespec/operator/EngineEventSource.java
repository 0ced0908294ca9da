package dev.imagespec.operator;

import dev.imagespec.engine.EngineException;
import dev.imagespec.engine.cri.UnsupportedByRuntimeException;
import dev.imagespec.reconcile.ImageBackend;
import dev.imagespec.spec.ImageNode;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the engine's image events ({@code GET /events}: pull, tag, untag, delete, ...) into
 * reconciles of the node's ImageNode, so an image removed by hand is pulled again at once. The
 * stream is reopened with backoff when it breaks (engine restarted); every reopening triggers a
 * reconcile too, since events may have been missed meanwhile.
 */
final class EngineEventSource extends AbstractEventSource<Void, ImageNode> {
  private static final Logger LOG = LoggerFactory.getLogger(EngineEventSource.class);
  static final Duration MIN_BACKOFF = Duration.ofMillis(500);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final ImageBackend engine;
  private final ResourceID primary;
  private final Metrics metrics;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition stopped = lock.newCondition();
  private volatile boolean stopping;
  private volatile ImageBackend.EventFeed current;
  private volatile boolean connected;
  private Thread thread;

  EngineEventSource(ImageBackend engine, ResourceID primary, Metrics metrics) {
    super(Void.class, "engine-events");
    this.engine = engine;
    this.primary = primary;
    this.metrics = metrics;
  }

  /** Whether the stream is open right now. */
  boolean connected() {
    return connected;
  }

  @Override
  public synchronized void start() {
    super.start();
    stopping = false;
    thread = new Thread(this::run, "imagespec-engine-events");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public synchronized void stop() {
    stopping = true;
    ImageBackend.EventFeed s = current;
    if (s != null) {
      s.close();
    }
    lock.lock();
    try {
      stopped.signalAll();
    } finally {
      lock.unlock();
    }
    if (thread != null) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    super.stop();
  }

  private void run() {
    Duration backoff = MIN_BACKOFF;
    boolean first = true;
    while (!stopping) {
      try (ImageBackend.EventFeed s = engine.imageEvents()) {
        current = s;
        connected = true;
        if (stopping) {
          break;
        }
        if (!first) {
          LOG.info("engine event stream reopened: reconciling");
          fire();
        }
        first = false;
        backoff = MIN_BACKOFF;
        while (s.hasNext()) {
          String e = s.next();
          LOG.debug("engine event: {}", e);
          fire();
        }
      } catch (UnsupportedByRuntimeException e) {
        LOG.info(
            "{}: an image removed out of band is pulled again at the next refresh instead",
            e.getMessage());
        return;
      } catch (EngineException | IllegalStateException e) {
        if (stopping) {
          break;
        }
        metrics.engineError("events");
        LOG.warn(
            "engine event stream: {} (reopening in {} ms)", e.getMessage(), backoff.toMillis());
      } finally {
        connected = false;
        current = null;
      }
      if (!stopping) {
        first = false;
        await(backoff);
        backoff =
            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                ? MAX_BACKOFF
                : backoff.multipliedBy(2);
      }
    }
  }

  private void fire() {
    if (isRunning() && getEventHandler() != null) {
      getEventHandler().handleEvent(new Event(primary));
    }
  }

  private void await(Duration d) {
    lock.lock();
    try {
      if (!stopping) {
        stopped.await(d.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Set<Void> getSecondaryResources(ImageNode primary) {
    return Set.of();
  }
}
