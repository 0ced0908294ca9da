package dev.imagespec.engine;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A deadline for everything one operation asks of engines and registries, scoped to the calling
 * thread like gRPC's {@code Context}: {@link #within} sets it while the operation runs, and every
 * call made meanwhile honours it: engine HTTP calls get it as their OkHttp call timeout (at the
 * deadline the connection is closed, and Docker and Podman stop the pull or push), CRI and
 * containerd calls as their gRPC deadline (the runtime cancels), registry calls as their call
 * timeout. A call cut by the deadline throws {@link DeadlineExceededException}.
 */
public final class Deadline {
  private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

  private final Duration timeout;
  private final long startNanos;
  private final long endNanos;

  private Deadline(Duration timeout) {
    this.timeout = timeout;
    this.startNanos = System.nanoTime();
    this.endNanos = startNanos + timeout.toNanos();
  }

  /**
   * Runs {@code op} with a deadline {@code timeout} from now (none when null). Within another
   * deadline the earlier of the two holds.
   */
  public static <T> T within(Duration timeout, Supplier<T> op) {
    if (timeout == null) {
      return op.get();
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, not " + timeout);
    }
    Deadline outer = CURRENT.get();
    Deadline mine = new Deadline(timeout);
    if (outer != null && outer.endNanos - mine.endNanos <= 0) {
      return op.get();
    }
    CURRENT.set(mine);
    try {
      return op.get();
    } finally {
      if (outer == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(outer);
      }
    }
  }

  /**
   * {@code op} bound to this deadline: run on another thread (a pool's), its calls honour it as the
   * thread that set it does.
   */
  public Runnable bind(Runnable op) {
    return () -> {
      Deadline outer = CURRENT.get();
      CURRENT.set(this);
      try {
        op.run();
      } finally {
        if (outer == null) {
          CURRENT.remove();
        } else {
          CURRENT.set(outer);
        }
      }
    };
  }

  /** The calling thread's deadline, if an operation set one. */
  public static Optional<Deadline> current() {
    return Optional.ofNullable(CURRENT.get());
  }

  /** The timeout this deadline was set with. */
  public Duration timeout() {
    return timeout;
  }

  /** Time since the deadline was set. */
  public Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Time left, zero once passed. */
  public Duration remaining() {
    long left = endNanos - System.nanoTime();
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  /** Whether the deadline has passed. */
  public boolean passed() {
    return endNanos - System.nanoTime() <= 0;
  }

  /** The exception for {@code what} cut by this deadline. */
  public DeadlineExceededException exceeded(String what, Throwable cause) {
    return new DeadlineExceededException(
        what
            + ": did not finish within "
            + DeadlineExceededException.format(timeout)
            + " and was cancelled",
        timeout,
        cause);
  }

  /**
   * Milliseconds left for a gRPC deadline: {@code otherwise} without a deadline, else the shorter
   * of the two (at least 1 ms, so a passed deadline fails the call at once).
   */
  public static long millisLeft(Duration otherwise) {
    Deadline d = CURRENT.get();
    long own = otherwise.toMillis();
    if (d == null) {
      return own;
    }
    return Math.max(1, Math.min(own, d.remaining().toMillis()));
  }

  /**
   * Sets the calling thread's deadline, if any, as {@code call}'s timeout (covering the response
   * body as it is read); throws at once when it has passed.
   */
  static void apply(okhttp3.Call call, String what) {
    Deadline d = CURRENT.get();
    if (d == null) {
      return;
    }
    long left = d.endNanos - System.nanoTime();
    if (left <= 0) {
      throw d.exceeded(what, null);
    }
    call.timeout().timeout(left, TimeUnit.NANOSECONDS);
  }

  /**
   * Whether this deadline cut the call that failed with {@code e}: it has passed, or {@code e} is
   * OkHttp's call timeout firing ({@code InterruptedIOException: timeout}).
   */
  boolean cut(Throwable e) {
    return passed() || (e instanceof InterruptedIOException && "timeout".equals(e.getMessage()));
  }

  /** The calling thread's deadline when it cut the call that failed with {@code e}. */
  static Optional<Deadline> cutting(Throwable e) {
    return current().filter(d -> d.cut(e));
  }
}
