package dev.imagespec.reconcile;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.Deadline;
import dev.imagespec.engine.DeadlineExceededException;
import dev.imagespec.engine.ImageNotFoundException;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.cri.UnsupportedByRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Executes a {@link Plan}: per image, pull then tags then pushes, images in parallel (bounded);
 * then removes; then prunes. Every action records an outcome; one failure never stops the other
 * images.
 */
final class Executor {
  private final ImagePort port;
  private final CredentialResolver credentials;
  private final Retrier retrier;
  private final int parallelism;
  private final ActionTimeouts timeouts;
  private final ActionProgress progress;

  Executor(
      ImagePort port,
      CredentialResolver credentials,
      Retrier retrier,
      int parallelism,
      ActionTimeouts timeouts) {
    this(port, credentials, retrier, parallelism, timeouts, ActionProgress.NONE);
  }

  /** With {@code progress} told of every action as it starts, moves on and ends. */
  Executor(
      ImagePort port,
      CredentialResolver credentials,
      Retrier retrier,
      int parallelism,
      ActionTimeouts timeouts,
      ActionProgress progress) {
    this.port = port;
    this.credentials = credentials;
    this.retrier = retrier;
    this.parallelism = Math.max(1, parallelism);
    this.timeouts = timeouts == null ? ActionTimeouts.DEFAULT : timeouts;
    this.progress = progress == null ? ActionProgress.NONE : progress;
  }

  // ----------------------------------------------------------------------------- progress

  /** Tells the listener; what it throws never reaches an action. */
  private static void hear(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      // a listener's fault is not the action's
    }
  }

  /** Tells the listener {@code a} starts; returns the start time for {@link #ended}. */
  private long begin(PlannedAction a) {
    hear(() -> progress.started(a));
    return System.nanoTime();
  }

  /** Tells the listener {@code o}'s action, begun at {@code start}, ended. */
  private ActionOutcome ended(ActionOutcome o, long start) {
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    hear(() -> progress.finished(o, elapsed));
    return o;
  }

  /** Tells the listener {@code o}'s action was skipped without starting. */
  private ActionOutcome skipped(ActionOutcome o) {
    hear(() -> progress.finished(o, Duration.ZERO));
    return o;
  }

  /** Where a pull or push of {@code a} reports to, null when nobody listens. */
  private Consumer<TransferProgress> transfers(PlannedAction a) {
    return progress == ActionProgress.NONE ? null : p -> hear(() -> progress.transferred(a, p));
  }

  /**
   * Runs {@code op} (with its retries) within {@code a}'s deadline: its own ({@code pullTimeout}),
   * else the default for its kind. Engine and registry calls made meanwhile honour it ({@link
   * Deadline}).
   */
  private <T> Retrier.Result<T> timed(PlannedAction a, Supplier<T> op) {
    Duration timeout = timeoutOf(a);
    long start = System.nanoTime();
    Retrier.Result<T> r = Deadline.within(timeout, () -> retrier.call(op));
    if (!r.ok() && r.error() instanceof DeadlineExceededException) {
      return new Retrier.Result<>(
          null,
          new TimedOut(a, timeout, Duration.ofNanos(System.nanoTime() - start), r.error()),
          r.attempts());
    }
    return r;
  }

  private Duration timeoutOf(PlannedAction a) {
    Duration fallback = a.kind() == ActionKind.PULL ? timeouts.pull() : timeouts.other();
    Duration own = a.details().timeout();
    if (own == null) {
      return fallback;
    }
    return a.details().orDefault() && fallback.compareTo(own) > 0 ? fallback : own;
  }

  /** An action cut by its deadline: what, the timeout, how long it ran, what to do. */
  static final class TimedOut extends RuntimeException {
    TimedOut(PlannedAction a, Duration timeout, Duration elapsed, RuntimeException cause) {
      super(
          a.kind().jsonName()
              + " did not finish within "
              + DeadlineExceededException.format(timeout)
              + ": cancelled after "
              + DeadlineExceededException.format(elapsed)
              + "; the next pass tries again"
              + (a.kind() == ActionKind.PULL
                  ? " (for a large image or a slow registry raise pullTimeout: the image's, the"
                      + " spec's, or --pull-timeout)"
                  : " (raise --action-timeout if it needs longer)"),
          cause);
    }
  }

  /** Outcomes by {@link PlannedAction#key()}. */
  Map<String, ActionOutcome> execute(Plan plan) {
    Map<String, ActionOutcome> out = new ConcurrentHashMap<>();
    Set<String> touched = ConcurrentHashMap.newKeySet();
    Map<String, List<PlannedAction>> chains = new LinkedHashMap<>();
    List<PlannedAction> removes = new ArrayList<>();
    List<PlannedAction> prunes = new ArrayList<>();
    for (PlannedAction a : plan.actions()) {
      switch (a.kind()) {
        case PULL, TAG, PUSH -> chains.computeIfAbsent(a.image(), k -> new ArrayList<>()).add(a);
        case REMOVE -> removes.add(a);
        case PRUNE -> prunes.add(a);
      }
    }
    hear(() -> progress.planned(plan.actions()));
    List<Runnable> tasks = new ArrayList<>();
    for (List<PlannedAction> chain : chains.values()) {
      tasks.add(() -> runChain(chain, out, touched));
    }
    runAll(tasks, parallelism, "imagespec-exec");
    for (PlannedAction a : removes) {
      if (Thread.currentThread().isInterrupted()) {
        break;
      }
      long start = begin(a);
      out.put(a.key(), ended(remove(a), start));
    }
    for (PlannedAction a : prunes) {
      if (Thread.currentThread().isInterrupted()) {
        break;
      }
      long start = begin(a);
      out.put(a.key(), ended(prune(a, touched), start));
    }
    for (PlannedAction a : plan.actions()) {
      out.putIfAbsent(a.key(), ActionOutcome.skipped(a, "not attempted (interrupted)"));
    }
    return out;
  }

  /** Runs tasks on at most {@code parallelism} threads; returns when all are done. */
  static void runAll(List<Runnable> tasks, int parallelism, String threadName) {
    if (tasks.size() <= 1 || parallelism <= 1) {
      for (Runnable t : tasks) {
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
        t.run();
      }
      return;
    }
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.min(parallelism, tasks.size()), factory);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Runnable t : tasks) {
        futures.add(pool.submit(t));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          // tasks record their own failures; nothing escapes here
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      pool.shutdownNow();
    }
  }

  private void runChain(
      List<PlannedAction> chain, Map<String, ActionOutcome> out, Set<String> touched) {
    String sourceId =
        chain.stream()
            .map(a -> a.details().sourceId())
            .filter(id -> id != null)
            .findFirst()
            .orElse(null);
    String blocked = null;
    Set<String> failedTargets = new HashSet<>();
    for (PlannedAction a : chain) {
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
      if (blocked != null) {
        out.put(a.key(), skipped(ActionOutcome.skipped(a, blocked)));
        continue;
      }
      if (a.kind() == ActionKind.PUSH && failedTargets.contains(a.target())) {
        out.put(
            a.key(),
            skipped(
                ActionOutcome.skipped(a, "not attempted: tagging as " + a.target() + " failed")));
        continue;
      }
      ActionOutcome o;
      long start = begin(a);
      try {
        switch (a.kind()) {
          case PULL -> {
            o = pull(a);
            if (o.succeeded()) {
              // tag and push what was pulled: its ID, else the reference itself
              sourceId = o.image() == null ? null : o.image().id();
              if (sourceId != null) {
                touched.add(Ids.norm(sourceId));
              }
            } else {
              blocked = "not attempted: pull of " + a.image() + " failed";
            }
          }
          case TAG -> {
            String source = sourceId != null ? sourceId : a.image();
            o = tag(a, source);
            if (!o.succeeded()) {
              failedTargets.add(a.target());
            } else if (sourceId != null) {
              touched.add(Ids.norm(sourceId));
            }
          }
          case PUSH -> o = push(a, sourceId);
          default -> o = ActionOutcome.failed(a, "unexpected action in an image chain", 0);
        }
      } catch (RuntimeException e) {
        o = ActionOutcome.failed(a, ErrorMessages.of(e), 1);
      }
      out.put(a.key(), ended(o, start));
    }
  }

  private ActionOutcome pull(PlannedAction a) {
    ImageReference ref = ImageReference.parse(a.image());
    AuthConfig auth;
    try {
      auth = auth(a, ref.domain());
    } catch (RuntimeException e) {
      return ActionOutcome.failed(a, "cannot resolve credentials: " + ErrorMessages.of(e), 0);
    }
    Retrier.Result<LocalImage> r =
        timed(a, () -> port.pull(ref, a.details().platform(), auth, transfers(a)));
    if (!r.ok()) {
      return failed(a, r);
    }
    LocalImage img = r.value();
    return new ActionOutcome(
        a,
        ActionOutcome.Result.SUCCEEDED,
        null,
        r.attempts(),
        img,
        null,
        img == null ? null : img.id(),
        0);
  }

  private ActionOutcome tag(PlannedAction a, String source) {
    ImageReference target = ImageReference.parse(a.target());
    Retrier.Result<Object> r =
        timed(
            a,
            () -> {
              port.tag(source, target);
              return null;
            });
    if (!r.ok()) {
      return failed(a, r);
    }
    return new ActionOutcome(
        a, ActionOutcome.Result.SUCCEEDED, null, r.attempts(), null, null, idOrNull(source), 0);
  }

  private ActionOutcome push(PlannedAction a, String sourceId) {
    ImageReference target = ImageReference.parse(a.target());
    AuthConfig auth;
    try {
      auth = auth(a, target.domain());
    } catch (RuntimeException e) {
      return ActionOutcome.failed(a, "cannot resolve credentials: " + ErrorMessages.of(e), 0);
    }
    Retrier.Result<String> r = timed(a, () -> port.push(target, auth, transfers(a)));
    if (!r.ok()) {
      return failed(a, r);
    }
    return new ActionOutcome(
        a, ActionOutcome.Result.SUCCEEDED, null, r.attempts(), null, r.value(), sourceId, 0);
  }

  private ActionOutcome remove(PlannedAction a) {
    Retrier.Result<Object> r = call(a, () -> port.remove(a.image()));
    if (!r.ok()) {
      if (r.error() instanceof ImageNotFoundException) {
        return new ActionOutcome(
            a, ActionOutcome.Result.SUCCEEDED, "already absent", r.attempts(), null, null, null, 0);
      }
      return failed(a, r);
    }
    return new ActionOutcome(
        a,
        ActionOutcome.Result.SUCCEEDED,
        null,
        r.attempts(),
        null,
        null,
        a.details().sourceId(),
        0);
  }

  private ActionOutcome prune(PlannedAction a, Set<String> touched) {
    if (touched.contains(Ids.norm(a.image()))) {
      return ActionOutcome.skipped(a, "kept: the image was pulled or tagged in this pass");
    }
    long size = a.details().size();
    Retrier.Result<Object> r = call(a, () -> port.remove(a.image()));
    int attempts = r.attempts();
    if (!r.ok() && r.error() instanceof ImageNotFoundException) {
      return ActionOutcome.skipped(a, "already gone");
    }
    if (!r.ok()) {
      return failed(a, r);
    }
    return new ActionOutcome(
        a, ActionOutcome.Result.SUCCEEDED, null, attempts, null, null, a.image(), size);
  }

  private Retrier.Result<Object> call(PlannedAction a, Runnable op) {
    return timed(
        a,
        (Supplier<Object>)
            () -> {
              op.run();
              return null;
            });
  }

  private AuthConfig auth(PlannedAction a, String domain) {
    return credentials
        .forRegistry(a.details().namespace(), a.details().secretNames(), domain)
        .orElse(null);
  }

  private static String idOrNull(String source) {
    return ImageReference.looksLikeId(source) ? source : null;
  }

  private static ActionOutcome failed(PlannedAction a, Retrier.Result<?> r) {
    String reason =
        r.error() instanceof UnsupportedByRuntimeException
            ? Reasons.UNSUPPORTED
            : r.error() instanceof TimedOut
                ? Reasons.TIMED_OUT
                : r.error() instanceof ActionRefusedException refused ? refused.reason() : null;
    return ActionOutcome.failed(a, failure(r), r.attempts(), reason);
  }

  private static String failure(Retrier.Result<?> r) {
    return ErrorMessages.of(r.error())
        + (r.attempts() > 1 ? " (after " + r.attempts() + " attempts)" : "");
  }
}
