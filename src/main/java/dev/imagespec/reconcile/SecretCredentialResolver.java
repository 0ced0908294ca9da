package dev.imagespec.reconcile;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.spec.DockerConfigSecrets;
import dev.imagespec.spec.SpecKey;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Credentials from a set of {@code kubernetes.io/dockerconfigjson} Secrets (e.g. the ones loaded
 * with the manifests). Secrets that are missing or unreadable are skipped: the validator reports
 * them; this class never puts their content in a message.
 */
public final class SecretCredentialResolver implements CredentialResolver {
  private final Map<String, Secret> secrets = new HashMap<>();

  public SecretCredentialResolver(Collection<Secret> secrets) {
    for (Secret s : secrets) {
      if (s.getMetadata() == null || s.getMetadata().getName() == null) {
        continue;
      }
      String ns = s.getMetadata().getNamespace();
      ns = ns == null || ns.isEmpty() ? SpecKey.DEFAULT_NAMESPACE : ns;
      this.secrets.putIfAbsent(ns + "/" + s.getMetadata().getName(), s);
    }
  }

  /** These Secrets, then {@code fallback}. */
  public static CredentialResolver withFallback(
      Collection<Secret> secrets, CredentialResolver fallback) {
    return new SecretCredentialResolver(secrets).orElse(fallback);
  }

  @Override
  public Optional<AuthConfig> forRegistry(
      String namespace, List<String> secretNames, String registryDomain) {
    return find(namespace, secretNames, registryDomain).map(Found::auth);
  }

  /**
   * The first of {@code secretNames} in {@code namespace} that holds credentials for {@code
   * registryDomain}: the Secret {@link #forRegistry} takes them from.
   */
  public Optional<Secret> secretFor(
      String namespace, List<String> secretNames, String registryDomain) {
    return find(namespace, secretNames, registryDomain).map(Found::secret);
  }

  private record Found(Secret secret, AuthConfig auth) {}

  private Optional<Found> find(String namespace, List<String> secretNames, String registryDomain) {
    if (secretNames == null || registryDomain == null) {
      return Optional.empty();
    }
    String ns = namespace == null || namespace.isEmpty() ? SpecKey.DEFAULT_NAMESPACE : namespace;
    String registry = DockerConfigSecrets.normaliseRegistry(registryDomain);
    for (String name : secretNames) {
      Secret s = secrets.get(ns + "/" + name);
      if (s == null) {
        continue;
      }
      Map<String, AuthConfig> auths;
      try {
        auths = DockerConfigSecrets.auths(s);
      } catch (IllegalArgumentException e) {
        continue;
      }
      AuthConfig auth = auths.get(registry);
      if (auth != null) {
        return Optional.of(new Found(s, auth));
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "SecretCredentialResolver" + secrets.keySet();
  }
}
