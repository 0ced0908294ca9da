package dev.imagespec.operator;

import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.RegistryAnswer;
import dev.imagespec.reconcile.RegistryCheck;
import dev.imagespec.reconcile.SecretCredentialResolver;
import dev.imagespec.reconcile.SharedAccess;
import dev.imagespec.reconcile.WakeSchedule;
import dev.imagespec.spec.AccessVerdict;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The agent's side of {@link ClusterAccess}: answers its access checks from the verdicts the
 * aggregator published in the specs' {@code status.access}, so nodes do not each ask the registry.
 *
 * <ul>
 *   <li>A fresh verdict (younger than the spec's {@code refreshInterval}) made with the same
 *       credentials as the agent's (the same pull Secret at the same resourceVersion, or
 *       anonymous), or anonymous access granted, answers the check.
 *   <li>No verdict yet: the entry waits ({@code AccessPending}) for the aggregator, for at most
 *       {@code maxWait} per image; then, and for stale verdicts (the aggregator is down), the agent
 *       asks the registry itself.
 *   <li>Credentials that come from the node rather than from the spec's Secrets are not the
 *       aggregator's to check: the agent asks the registry itself.
 * </ul>
 */
final class StatusAccess implements SharedAccess {
  private final List<ImageSpec> specs;
  private final SecretCredentialResolver secrets;
  private final CredentialResolver fallback;
  private final Map<String, Instant> waitingSince;
  private final Instant now;
  private final Duration maxWait;
  private final AtomicBoolean waited = new AtomicBoolean();

  /**
   * @param waitingSince when the agent started waiting for a verdict, by image and credentials;
   *     kept across passes by the agent
   */
  StatusAccess(
      List<ImageSpec> specs,
      Collection<Secret> secrets,
      CredentialResolver fallback,
      Map<String, Instant> waitingSince,
      Instant now,
      Duration maxWait) {
    this.specs = specs;
    this.secrets = new SecretCredentialResolver(secrets);
    this.fallback = fallback;
    this.waitingSince = waitingSince;
    this.now = now;
    this.maxWait = maxWait;
  }

  /** Whether a check of this pass was told to wait. */
  boolean waited() {
    return waited.get();
  }

  @Override
  public Optional<RegistryAnswer> answer(RegistryCheck check) {
    if (check.purpose() != RegistryCheck.Purpose.ACCESS || !check.reference().hasDigest()) {
      return Optional.empty();
    }
    String domain = check.reference().domain();
    Optional<Secret> secret = secrets.secretFor(check.namespace(), check.secretNames(), domain);
    if (secret.isEmpty()
        && fallback.forRegistry(check.namespace(), check.secretNames(), domain).isPresent()) {
      return Optional.empty(); // the node's own credentials: only this agent can check them
    }
    String name = secret.map(s -> s.getMetadata().getName()).orElse(null);
    String version = secret.map(s -> s.getMetadata().getResourceVersion()).orElse(null);
    String image = check.reference().canonical();
    boolean stale = false;
    for (ImageSpec s : specs) {
      if (!SpecKey.of(s).namespace().equals(check.namespace())
          || s.getSpec() == null
          || !s.getSpec().pullSecretsOrEmpty().equals(check.secretNames())
          || s.getStatus() == null
          || s.getStatus().getAccess() == null) {
        continue;
      }
      Duration validity =
          WakeSchedule.refreshInterval(s.getSpec(), ImageSpecSpec.DEFAULT_REFRESH_INTERVAL);
      for (AccessVerdict v : s.getStatus().getAccess()) {
        if (!image.equals(v.getImage())) {
          continue;
        }
        if (!ClusterAccess.matches(v, name, version)) {
          continue;
        }
        if (!ClusterAccess.fresh(v, now, validity)) {
          stale = true;
          continue;
        }
        waitingSince.remove(key(check, name, version));
        return Optional.of(answer(v, image, domain));
      }
    }
    String key = key(check, name, version);
    if (stale) {
      waitingSince.remove(key);
      return Optional.empty();
    }
    Instant since = waitingSince.computeIfAbsent(key, k -> now);
    if (!now.isBefore(since.plus(maxWait))) {
      return Optional.empty(); // no aggregator answered in time: ask the registry here
    }
    waited.set(true);
    return Optional.of(
        RegistryAnswer.pending(
            "waiting for the aggregator to check, once for the cluster, whether this spec's"
                + " credentials can read "
                + image
                + " (another spec's credentials brought it onto this node)"));
  }

  private static RegistryAnswer answer(AccessVerdict v, String image, String domain) {
    return switch (v.getResult()) {
      case Granted -> RegistryAnswer.found(image.substring(image.indexOf('@') + 1));
      case NotFound -> RegistryAnswer.missing();
      case Denied ->
          RegistryAnswer.denied(
              "registry "
                  + domain
                  + " refused this spec's credentials (checked by the aggregator)");
    };
  }

  private static String key(RegistryCheck check, String secret, String version) {
    return check.namespace()
        + " "
        + (secret == null ? "anonymous" : secret + "@" + version)
        + " "
        + check.reference().canonical();
  }
}
