package dev.imagespec.operator;

import dev.imagespec.engine.ApiException;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.InvalidArgumentException;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.reconcile.ErrorMessages;
import dev.imagespec.reconcile.SecretCredentialResolver;
import dev.imagespec.reconcile.WakeSchedule;
import dev.imagespec.spec.AccessVerdict;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.Ensure;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator's access checks, made once for the cluster: when agents report an image entry
 * {@code Pending} because another spec's credentials brought its digest onto their node, the
 * aggregator asks the registry (a manifest HEAD: anonymously first, then with the spec's pull
 * Secret) whether this spec may read {@code repository@digest}, and publishes the verdict in the
 * spec's {@code status.access}. Agents read the verdicts instead of asking the registry; a verdict
 * is checked again once half the spec's {@code refreshInterval} has passed, for as long as a node
 * holds that digest. Verdicts are shared between specs with the same credentials (the same Secret
 * at the same resourceVersion, or anonymous).
 */
final class ClusterAccess {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterAccess.class);

  private final RegistryClient registry;
  private final Function<ImageSpec, List<Secret>> secrets;
  private final Clock clock;

  /** Verdicts by "credentials image": shared by specs with the same credentials. */
  private final Map<String, AccessVerdict> cache = new ConcurrentHashMap<>();

  /** Registry requests made (for tests and metrics). */
  private final java.util.concurrent.atomic.AtomicLong requests =
      new java.util.concurrent.atomic.AtomicLong();

  ClusterAccess(RegistryClient registry, Function<ImageSpec, List<Secret>> secrets, Clock clock) {
    this.registry = registry;
    this.secrets = secrets;
    this.clock = clock;
  }

  long requests() {
    return requests.get();
  }

  /**
   * The verdicts {@code spec}'s status holds after this reconcile: one per {@code
   * repository@digest} a current node waits on or still holds, checked when missing or half stale;
   * null when there are none.
   */
  List<AccessVerdict> verdicts(
      ImageSpec spec, List<SpecAggregation.Report> reports, List<AccessVerdict> previous) {
    ImageSpecSpec s = spec.getSpec();
    if (s == null) {
      return null;
    }
    Set<String> waiting = new LinkedHashSet<>();
    Set<String> held = new LinkedHashSet<>();
    List<ImageEntry> entries = s.imagesOrEmpty();
    Long generation = spec.getMetadata().getGeneration();
    for (SpecAggregation.Report r : reports) {
      List<ImageStatus> images = r.entry().getImages();
      if (images == null) {
        continue;
      }
      for (int i = 0; i < Math.min(images.size(), entries.size()); i++) {
        ImageEntry e = entries.get(i);
        ImageStatus st = images.get(i);
        if (e == null
            || e.ensureOrDefault() != Ensure.Present
            || st == null
            || st.getDigest() == null
            || !java.util.Objects.equals(e.getImage(), st.getImage())) {
          continue;
        }
        String image = image(e.getImage(), st.getDigest());
        if (image == null) {
          continue;
        }
        held.add(image);
        if (st.getState() == ImageState.Pending
            && java.util.Objects.equals(generation, r.entry().getObservedGeneration())) {
          waiting.add(image);
        }
      }
    }
    Instant now = clock.instant();
    Duration refresh = WakeSchedule.refreshInterval(s, ImageSpecSpec.DEFAULT_REFRESH_INTERVAL);
    Credentials creds = null;
    List<AccessVerdict> out = new ArrayList<>();
    for (String image : held) {
      AccessVerdict before = find(previous, image);
      if (!waiting.contains(image) && before == null) {
        continue; // nobody waits, and nothing to keep fresh
      }
      if (creds == null) {
        creds = credentials(spec);
      }
      AccessVerdict v = verdict(creds, image, before, now, refresh);
      if (v != null) {
        out.add(v);
      }
    }
    return out.isEmpty() ? null : out;
  }

  /** The spec's credentials towards registries: its pull Secrets (never a node's). */
  private record Credentials(
      String namespace, List<String> names, SecretCredentialResolver resolver) {}

  private Credentials credentials(ImageSpec spec) {
    return new Credentials(
        SpecKey.of(spec).namespace(),
        spec.getSpec().pullSecretsOrEmpty(),
        new SecretCredentialResolver(secrets.apply(spec)));
  }

  private AccessVerdict verdict(
      Credentials c, String image, AccessVerdict before, Instant now, Duration refresh) {
    ImageReference ref = ImageReference.parse(image);
    Optional<Secret> secret = c.resolver().secretFor(c.namespace(), c.names(), ref.domain());
    String secretName = secret.map(x -> x.getMetadata().getName()).orElse(null);
    String version = secret.map(x -> x.getMetadata().getResourceVersion()).orElse(null);
    Duration recheck = ClusterPushes.max(refresh.dividedBy(2), ClusterPushes.MIN_RECHECK);
    if (before != null && fresh(before, now, recheck) && matches(before, secretName, version)) {
      return before;
    }
    String anonymousKey = "anonymous " + image;
    String mineKey =
        secretName == null
            ? anonymousKey
            : c.namespace() + "/" + secretName + "@" + version + " " + image;
    AccessVerdict cached = cache.get(anonymousKey);
    if (cached != null
        && fresh(cached, now, recheck)
        && cached.getResult() == AccessVerdict.Result.Granted) {
      return cached;
    }
    cached = cache.get(mineKey);
    if (cached != null && fresh(cached, now, recheck)) {
      return cached;
    }
    try {
      AccessVerdict.Result anonymous = ask(ref, null);
      AccessVerdict v;
      if (anonymous == AccessVerdict.Result.Granted || secretName == null) {
        v = new AccessVerdict(image, anonymous, null, null, Conditions.time(now));
        cache.put(anonymousKey, v);
      } else {
        AuthConfig auth =
            c.resolver().forRegistry(c.namespace(), c.names(), ref.domain()).orElse(null);
        v = new AccessVerdict(image, ask(ref, auth), secretName, version, Conditions.time(now));
        cache.put(mineKey, v);
      }
      trim(now, refresh);
      return v;
    } catch (RuntimeException e) {
      LOG.warn(
          "cannot check access to {} with registry {}: {} (the agents wait; the next reconcile"
              + " asks again)",
          image,
          ref.domain(),
          ErrorMessages.of(e));
      return before;
    }
  }

  private AccessVerdict.Result ask(ImageReference ref, AuthConfig auth) {
    requests.incrementAndGet();
    try {
      return registry.digest(ref, auth).isPresent()
          ? AccessVerdict.Result.Granted
          : AccessVerdict.Result.NotFound;
    } catch (ApiException e) {
      if (e.status() == 401 || e.status() == 403) {
        return AccessVerdict.Result.Denied;
      }
      throw e;
    }
  }

  private void trim(Instant now, Duration refresh) {
    Instant oldest = now.minus(refresh.multipliedBy(4));
    cache
        .values()
        .removeIf(
            v -> {
              Instant checked = Conditions.parseTime(v.getLastChecked());
              return checked == null || checked.isBefore(oldest);
            });
  }

  static boolean fresh(AccessVerdict v, Instant now, Duration validity) {
    Instant checked = Conditions.parseTime(v.getLastChecked());
    return checked != null && now.isBefore(checked.plus(validity));
  }

  /**
   * Whether verdict {@code v} answers for credentials from {@code secret} at {@code version} (null:
   * anonymous): anonymous access granted answers for everyone, else the same Secret and version.
   */
  static boolean matches(AccessVerdict v, String secret, String version) {
    return (v.getSecret() == null && v.getResult() == AccessVerdict.Result.Granted)
        || (java.util.Objects.equals(v.getSecret(), secret)
            && java.util.Objects.equals(v.getSecretVersion(), version));
  }

  private static AccessVerdict find(List<AccessVerdict> list, String image) {
    if (list == null) {
      return null;
    }
    return list.stream().filter(v -> image.equals(v.getImage())).findFirst().orElse(null);
  }

  /** {@code repository@digest} of the entry's image, canonical; null when it does not parse. */
  static String image(String entryImage, String digest) {
    try {
      return ImageReference.parse(ImageReference.parse(entryImage).repository() + "@" + digest)
          .canonical();
    } catch (InvalidArgumentException | IllegalArgumentException e) {
      return null;
    }
  }
}
