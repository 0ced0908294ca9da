package dev.imagespec.operator;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.CopyException;
import dev.imagespec.engine.CopyOptions;
import dev.imagespec.engine.CopyResult;
import dev.imagespec.engine.Deadline;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryCopy;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.ErrorMessages;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.reconcile.SecretCredentialResolver;
import dev.imagespec.reconcile.WakeSchedule;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.GoDuration;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.PushStatus;
import dev.imagespec.spec.PushTarget;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's pushes: each {@code pushes[]} target of each ImageSpec is copied once for the
 * cluster, registry to registry ({@link RegistryCopy}), by the aggregator leader, with no engine.
 * The source is the entry's {@code image} as its registry serves it (every platform of an index, or
 * the entry's {@code platform}), read with the spec's {@code pullSecrets}; the target is written
 * with the push's {@code credentialsSecret}. A copy is skipped when the target already serves the
 * digest, and checked again every {@code refreshInterval}; a failed copy is retried with
 * exponential backoff. Copies run on a small pool of their own, never in a reconcile; when one ends
 * the spec is reconciled again so its status shows it.
 *
 * <p>What happened is kept per target in memory: a new leader starts with one copy per target,
 * which the registry answers "already there" in one or two manifest HEADs.
 */
public final class ClusterPushes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterPushes.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  /**
   * How the aggregator pushes.
   *
   * @param parallelism copies at once
   * @param insecureRegistries registries reached over plain HTTP or without TLS verification
   *     (loopback ones always are)
   * @param fallbackCredentials credentials when a spec's Secrets have none for a registry (e.g. a
   *     docker config mounted into the aggregator's pod)
   * @param minBackoff the wait after a first failure; doubled after each further one
   * @param maxBackoff the longest wait between attempts
   * @param copyTimeout the deadline of one copy ({@code --push-timeout}; default 1h): a copy still
   *     running then is cancelled and fails, to be tried again after the backoff
   */
  public record Settings(
      int parallelism,
      List<String> insecureRegistries,
      CredentialResolver fallbackCredentials,
      Duration minBackoff,
      Duration maxBackoff,
      Duration copyTimeout) {
    /** A copy's deadline unless {@code --push-timeout} says otherwise. */
    public static final Duration DEFAULT_COPY_TIMEOUT = Duration.ofHours(1);

    public Settings {
      copyTimeout = copyTimeout == null ? DEFAULT_COPY_TIMEOUT : copyTimeout;
      if (parallelism < 1) {
        throw new IllegalArgumentException("push parallelism must be at least 1");
      }
      insecureRegistries = insecureRegistries == null ? List.of() : List.copyOf(insecureRegistries);
      fallbackCredentials =
          fallbackCredentials == null ? CredentialResolver.none() : fallbackCredentials;
      minBackoff = minBackoff == null ? Duration.ofSeconds(10) : minBackoff;
      maxBackoff = maxBackoff == null ? Duration.ofMinutes(10) : maxBackoff;
    }

    public static Settings defaults() {
      return new Settings(2, null, null, null, null, null);
    }
  }

  /**
   * The push targets of a spec, in spec order, and when one is next due (null: none waits).
   *
   * @param pushes the status of each target
   * @param reasons the reason of each failed target ({@link Reasons#UNAUTHORIZED}, {@link
   *     Reasons#PUSH_FAILED}), else null; aligned with {@code pushes}
   */
  record Observation(List<PushStatus> pushes, List<String> reasons, Duration nextDue) {
    static final Observation NONE = new Observation(List.of(), List.of(), null);
  }

  private final RegistryCopy copy;
  private final Function<ImageSpec, List<Secret>> secrets;
  private final Consumer<ResourceID> wake;
  private final EventRecorder events;
  private final Settings settings;
  private final Clock clock;
  private final ExecutorService pool;
  private final Map<String, Target> targets = new ConcurrentHashMap<>();

  ClusterPushes(
      RegistryCopy copy,
      Function<ImageSpec, List<Secret>> secrets,
      Consumer<ResourceID> wake,
      EventRecorder events,
      Settings settings,
      Clock clock) {
    this.copy = copy;
    this.secrets = secrets;
    this.wake = wake;
    this.events = events;
    this.settings = settings;
    this.clock = clock;
    this.pool =
        Executors.newFixedThreadPool(
            settings.parallelism(),
            r -> {
              Thread t = new Thread(r, "imagespec-push-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** One push target of one spec entry, and what happened to it. Guarded by its own lock. */
  private static final class Target {
    final String image;
    final String to;
    PushState state = PushState.Pending;
    String digest;
    String message = "waiting to copy";
    String reason;
    Instant lastChecked;
    Instant nextAttempt = Instant.MIN;
    int failures;
    boolean running;

    Target(String image, String to) {
      this.image = image;
      this.to = to;
    }

    /**
     * A target as the spec's status last showed it pushed (a new leader, a restart): kept Pushed,
     * checked again when its refresh interval has passed since then, not at once.
     */
    static Target from(
        String image, String to, dev.imagespec.spec.ImageSpecStatus status, Duration refresh) {
      Target t = new Target(image, to);
      if (status == null || status.getPushes() == null) {
        return t;
      }
      for (PushStatus p : status.getPushes()) {
        Instant checked = Conditions.parseTime(p.getLastChecked()); // unreadable: check now
        if (image.equals(p.getImage())
            && to.equals(p.getTo())
            && p.getState() == PushState.Pushed
            && checked != null) {
          t.state = PushState.Pushed;
          t.digest = p.getDigest();
          t.message = p.getMessage();
          t.lastChecked = checked;
          t.nextAttempt = checked.plus(refresh);
        }
      }
      return t;
    }

    synchronized PushStatus status() {
      return new PushStatus(
          image,
          to,
          state,
          digest,
          null,
          message,
          lastChecked == null ? null : Conditions.time(lastChecked));
    }
  }

  /**
   * The status of {@code spec}'s push targets now; starts the copies that are due. Entries that are
   * not {@code Present} have no pushes.
   */
  Observation observe(ImageSpec spec) {
    ImageSpecSpec s = spec.getSpec();
    if (s == null) {
      return Observation.NONE;
    }
    Instant now = clock.instant();
    String uid = uidOf(spec);
    Duration refresh =
        max(WakeSchedule.refreshInterval(s, ImageSpecSpec.DEFAULT_REFRESH_INTERVAL), MIN_RECHECK);
    List<PushStatus> pushes = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    Duration next = null;
    List<ImageEntry> entries = s.imagesOrEmpty();
    for (int i = 0; i < entries.size(); i++) {
      ImageEntry e = entries.get(i);
      if (e == null || e.getImage() == null || e.ensureOrDefault() != Ensure.Present) {
        continue;
      }
      for (PushTarget p : e.pushesOrEmpty()) {
        if (p == null || p.getTo() == null) {
          continue;
        }
        String key =
            uid
                + "|"
                + i
                + "|"
                + e.getImage()
                + "|"
                + p.getTo()
                + "|"
                + e.getPlatform()
                + "|"
                + p.getCredentialsSecret()
                + "|"
                + s.pullSecretsOrEmpty();
        keys.add(key);
        Target t =
            targets.computeIfAbsent(
                key, k -> Target.from(e.getImage(), p.getTo(), spec.getStatus(), refresh));
        synchronized (t) {
          if (!t.running && !now.isBefore(t.nextAttempt)) {
            start(spec, e, p, t, refresh);
          }
          if (!t.running) {
            Duration wait = Duration.between(now, t.nextAttempt);
            next = next == null || wait.compareTo(next) < 0 ? wait : next;
          }
          pushes.add(t.status());
          reasons.add(t.state == PushState.Failed ? t.reason : null);
        }
      }
    }
    targets.keySet().removeIf(k -> k.startsWith(uid + "|") && !keys.contains(k));
    return new Observation(
        pushes, reasons, next == null || !next.isNegative() ? next : Duration.ofSeconds(1));
  }

  /** A pushed target is checked again at most this often, whatever the refresh interval. */
  static final Duration MIN_RECHECK = Duration.ofSeconds(30);

  static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Forgets a deleted spec's targets. */
  void forget(ImageSpec spec) {
    String uid = uidOf(spec);
    targets.keySet().removeIf(k -> k.startsWith(uid + "|"));
  }

  private static String uidOf(ImageSpec spec) {
    String uid = spec.getMetadata().getUid();
    return uid == null ? SpecKey.of(spec).toString() : uid;
  }

  private void start(ImageSpec spec, ImageEntry e, PushTarget p, Target t, Duration refresh) {
    t.running = true;
    if (t.state != PushState.Pushed) {
      t.message = "copying " + e.getImage() + " to " + p.getTo(); // a re-check keeps "pushed"
    }
    try {
      pool.execute(() -> run(spec, e, p, t, refresh));
    } catch (RejectedExecutionException stopped) {
      t.running = false;
      t.message = "the aggregator is stopping";
    }
  }

  private void run(ImageSpec spec, ImageEntry e, PushTarget p, Target t, Duration refresh) {
    SpecKey key = SpecKey.of(spec);
    long start = System.nanoTime();
    try {
      ImageReference source = ImageReference.parse(e.getImage());
      ImageReference target = ImageReference.parse(p.getTo());
      List<Secret> specSecrets = secrets.apply(spec);
      // the source is read with the spec's own pull Secrets only: never with the aggregator's
      // credentials, or a namespace could copy out what only the aggregator may read
      AuthConfig sourceAuth =
          new SecretCredentialResolver(specSecrets)
              .forRegistry(key.namespace(), spec.getSpec().pullSecretsOrEmpty(), source.domain())
              .orElse(null);
      CredentialResolver credentials =
          SecretCredentialResolver.withFallback(specSecrets, settings.fallbackCredentials());
      List<String> targetSecrets =
          p.getCredentialsSecret() == null || p.getCredentialsSecret().isEmpty()
              ? List.of()
              : List.of(p.getCredentialsSecret());
      AuthConfig targetAuth =
          credentials.forRegistry(key.namespace(), targetSecrets, target.domain()).orElse(null);
      // a registry that trickles bytes must not hold a --push-parallel slot for ever
      CopyResult r =
          Deadline.within(
              settings.copyTimeout(),
              () ->
                  copy.copy(
                      source,
                      target,
                      CopyOptions.defaults()
                          .withPlatform(e.getPlatform())
                          .withSourceAuth(sourceAuth)
                          .withTargetAuth(targetAuth)));
      Instant now = clock.instant();
      boolean changed;
      synchronized (t) {
        changed = t.state != PushState.Pushed || !Objects.equals(t.digest, r.digest());
        t.state = PushState.Pushed;
        t.digest = r.digest();
        t.reason = null;
        t.failures = 0;
        t.lastChecked = now;
        t.nextAttempt = now.plus(refresh);
        t.message =
            r.skipped()
                ? "the target serves " + r.digest()
                : "copied from "
                    + source.canonical()
                    + ": "
                    + r.manifests()
                    + " manifest(s), "
                    + r.blobsCopied()
                    + " blob(s) uploaded ("
                    + r.bytesUploaded()
                    + " bytes), "
                    + r.blobsMounted()
                    + " mounted, "
                    + r.blobsSkipped()
                    + " already there";
      }
      LOG.atInfo()
          .addKeyValue("spec", key.toString())
          .addKeyValue("to", p.getTo())
          .addKeyValue("skipped", r.skipped())
          .addKeyValue("durationMs", (System.nanoTime() - start) / 1_000_000)
          .log("{}: {} -> {}: {}", key, e.getImage(), p.getTo(), t.message);
      if (changed) {
        events.record(
            spec,
            EventRecorder.Type.Normal,
            Reasons.PUSHED,
            "pushed " + e.getImage() + " to " + p.getTo() + " (" + r.digest() + ")");
      }
    } catch (CopyException ce) {
      failed(spec, t, ce.unauthorized() ? Reasons.UNAUTHORIZED : Reasons.PUSH_FAILED, ce);
    } catch (RuntimeException re) {
      failed(spec, t, Reasons.PUSH_FAILED, re);
    } finally {
      synchronized (t) {
        t.running = false;
      }
      wake.accept(ResourceID.fromResource(spec));
    }
  }

  private void failed(ImageSpec spec, Target t, String reason, RuntimeException error) {
    Instant now = clock.instant();
    String message;
    synchronized (t) {
      t.failures++;
      Duration backoff = backoff(t.failures);
      t.state = PushState.Failed;
      t.reason = reason;
      t.lastChecked = now;
      t.nextAttempt = now.plus(backoff);
      message =
          Conditions.shorten(
              "copy of " + t.image + " to " + t.to + " failed: " + ErrorMessages.of(error), 900);
      // the status keeps the cause only: an attempt counter would rewrite it at every retry
      t.message = message;
    }
    LOG.atWarn()
        .addKeyValue("spec", SpecKey.of(spec).toString())
        .addKeyValue("to", t.to)
        .addKeyValue("reason", reason)
        .addKeyValue("attempt", t.failures)
        .log(
            "{}: {} (attempt {}; next in {})",
            SpecKey.of(spec),
            message,
            t.failures,
            GoDuration.format(backoff(t.failures)));
    events.record(spec, EventRecorder.Type.Warning, reason, message);
  }

  /** {@code minBackoff × 2^(failures-1)}, at most {@code maxBackoff}. */
  Duration backoff(int failures) {
    Duration d = settings.minBackoff();
    for (int i = 1; i < failures && d.compareTo(settings.maxBackoff()) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : d;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
