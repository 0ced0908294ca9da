package dev.imagespec.engine;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One registry operation's registry ({@code domain} as references say it, {@code host} its API
 * host), repository path and credentials, with the token scope it needs and a fingerprint of the
 * credentials to key cached tokens by.
 */
record RegistryTarget(
    String domain, String host, String path, AuthConfig auth, String scope, String credentialKey) {

  /** The target for pulling from the repository of {@code ref}. */
  static RegistryTarget of(ImageReference ref, AuthConfig auth) {
    Objects.requireNonNull(ref, "ref");
    String domain = ref.domain();
    String scope = "repository:" + ref.path() + ":pull";
    return new RegistryTarget(
        domain, RegistryNames.apiHost(domain), ref.path(), auth, scope, credentialKey(auth));
  }

  boolean hasBasic() {
    return auth != null
        && auth.username() != null
        && !auth.username().isEmpty()
        && auth.password() != null;
  }

  boolean hasCredentials() {
    return hasBasic()
        || (auth != null
            && ((auth.identityToken() != null && !auth.identityToken().isEmpty())
                || (auth.registryToken() != null && !auth.registryToken().isEmpty())));
  }

  /** A fingerprint of the credentials, to key cached tokens without holding raw secrets as keys. */
  private static String credentialKey(AuthConfig auth) {
    if (auth == null) {
      return "";
    }
    String material =
        String.join(
            "\u0000",
            String.valueOf(auth.username()),
            String.valueOf(auth.password()),
            String.valueOf(auth.identityToken()),
            String.valueOf(auth.registryToken()));
    return RegistryResponses.sha256(material.getBytes(StandardCharsets.UTF_8));
  }
}
