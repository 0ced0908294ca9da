package dev.imagespec.reconcile;

import dev.imagespec.engine.AuthConfig;
import java.util.List;
import java.util.Optional;

/**
 * Finds registry credentials for an action: the named {@code kubernetes.io/dockerconfigjson}
 * Secrets of a namespace, tried in order, then whatever fallback is chained with {@link #orElse}
 * (e.g. the local Docker config). Implementations never log or expose credentials.
 */
@FunctionalInterface
public interface CredentialResolver {

  /**
   * Credentials for {@code registryDomain} (e.g. {@code docker.io}, {@code reg.example:5000}).
   *
   * @param namespace namespace of the Secrets
   * @param secretNames Secret names to try, in order (may be empty)
   * @param registryDomain registry host[:port], as {@link
   *     dev.imagespec.engine.ImageReference#domain()}
   */
  Optional<AuthConfig> forRegistry(
      String namespace, List<String> secretNames, String registryDomain);

  /** This resolver, then {@code fallback} when this one has nothing. */
  default CredentialResolver orElse(CredentialResolver fallback) {
    return (ns, names, domain) -> {
      Optional<AuthConfig> mine = forRegistry(ns, names, domain);
      return mine.isPresent() ? mine : fallback.forRegistry(ns, names, domain);
    };
  }

  /** Never any credentials (anonymous pulls and pushes). */
  static CredentialResolver none() {
    return (ns, names, domain) -> Optional.empty();
  }

  /** The first resolver that has credentials. */
  static CredentialResolver chain(CredentialResolver... resolvers) {
    CredentialResolver r = none();
    for (CredentialResolver next : resolvers) {
      r = r.orElse(next);
    }
    return r;
  }
}
