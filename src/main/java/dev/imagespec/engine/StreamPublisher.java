package dev.imagespec.engine;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A cold {@link Flow.Publisher} over one engine stream: each subscriber gets its own call, opened
 * when it first requests items, read only as far as it has requested (the connection's flow control
 * holds the engine back meanwhile), and cut at once when it cancels — {@link Source#abort()}
 * cancels the HTTP call, which closes the connection even while another thread is blocked reading
 * it. Signals to a subscriber are serial, on the executor's threads.
 */
final class StreamPublisher<T> implements Flow.Publisher<T> {

  /** An open engine stream, read item by item. */
  interface Source<T> {
    /** The next item, or null at the end; may block. */
    T next();

    /** Cuts the connection from any thread. */
    void abort();

    /** Releases the connection, from the reading thread. */
    void close();
  }

  private final Supplier<Source<T>> opener;
  private final Executor executor;

  StreamPublisher(Supplier<Source<T>> opener, Executor executor) {
    this.opener = opener;
    this.executor = executor;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super T> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    Subscription<T> s = new Subscription<>(subscriber, opener, executor);
    subscriber.onSubscribe(s);
  }

  private static final class Subscription<T> implements Flow.Subscription {
    private final Flow.Subscriber<? super T> subscriber;
    private final Supplier<Source<T>> opener;
    private final Executor executor;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean cancelled;
    private volatile Throwable badRequest;
    private volatile Source<T> source;
    private boolean done; // only touched by the draining thread

    Subscription(
        Flow.Subscriber<? super T> subscriber, Supplier<Source<T>> opener, Executor executor) {
      this.subscriber = subscriber;
      this.opener = opener;
      this.executor = executor;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        badRequest = new IllegalArgumentException("request(" + n + "): must be positive (§3.9)");
      } else {
        demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
      }
      schedule();
    }

    @Override
    public void cancel() {
      if (!cancelled) {
        cancelled = true;
        Source<T> s = source;
        if (s != null) {
          s.abort();
        }
        schedule();
      }
    }

    private void schedule() {
      if (wip.getAndIncrement() == 0) {
        try {
          executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
          wip.set(0);
          if (!cancelled) {
            cancelled = true;
            subscriber.onError(e);
          }
        }
      }
    }

    private void drain() {
      int missed = 1;
      while (true) {
        if (!done) {
          step();
        }
        missed = wip.addAndGet(-missed);
        if (missed == 0) {
          return;
        }
      }
    }

    private void step() {
      try {
        if (cancelled) {
          finish();
          return;
        }
        Throwable bad = badRequest;
        if (bad != null) {
          finish();
          subscriber.onError(bad);
          return;
        }
        if (demand.get() == 0) {
          return;
        }
        if (source == null) {
          source = opener.get();
          if (cancelled) {
            source.abort();
            finish();
            return;
          }
        }
        while (demand.get() > 0 && !cancelled && badRequest == null) {
          T item = source.next();
          if (cancelled) {
            break;
          }
          if (item == null) {
            finish();
            subscriber.onComplete();
            return;
          }
          demand.decrementAndGet();
          subscriber.onNext(item);
        }
        if (cancelled) {
          finish();
        }
      } catch (Throwable t) {
        boolean wasCancelled = cancelled;
        finish();
        if (!wasCancelled) {
          subscriber.onError(t);
        }
      }
    }

    private void finish() {
      done = true;
      Source<T> s = source;
      if (s != null) {
        try {
          s.close();
        } catch (RuntimeException ignored) {
          // closing a cut connection may complain; it is closed either way
        }
      }
    }
  }
}
