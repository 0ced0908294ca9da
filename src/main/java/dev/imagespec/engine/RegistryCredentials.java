package dev.imagespec.engine;

import java.util.Optional;

/** Where the client finds credentials for a registry when a call brings none of its own. */
@FunctionalInterface
public interface RegistryCredentials {
  /** Credentials for a registry domain such as {@code docker.io} or {@code 127.0.0.1:5000}. */
  Optional<AuthConfig> forRegistry(String registryDomain);

  static RegistryCredentials none() {
    return domain -> Optional.empty();
  }
}
