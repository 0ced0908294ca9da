package dev.imagespec.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * One registry operation's registry ({@code domain} as references say it, {@code host} its API
 * host), repository path and credentials, with the token scope it needs (space-separated when it is
 * several, as OAuth2 scopes are), whether it pushes, and a fingerprint of the credentials to key
 * cached tokens by.
 */
record RegistryTarget(
    String domain,
    String host,
    String path,
    AuthConfig auth,
    String scope,
    String credentialKey,
    boolean push) {

  /** The target for pulling from the repository of {@code ref}. */
  static RegistryTarget of(ImageReference ref, AuthConfig auth) {
    Objects.requireNonNull(ref, "ref");
    String domain = ref.domain();
    String scope = "repository:" + ref.path() + ":pull";
    return new RegistryTarget(
        domain, RegistryNames.apiHost(domain), ref.path(), auth, scope, credentialKey(auth), false);
  }

  /**
   * The target for pushing to the repository of {@code ref} ({@code pull,push}), also reading from
   * the repository {@code mountFrom} of the same registry when not null (a blob mount).
   */
  static RegistryTarget forPush(ImageReference ref, AuthConfig auth, String mountFrom) {
    Objects.requireNonNull(ref, "ref");
    String domain = ref.domain();
    String scope = "repository:" + ref.path() + ":pull,push";
    if (mountFrom != null && !mountFrom.equals(ref.path())) {
      scope += " repository:" + mountFrom + ":pull";
    }
    return new RegistryTarget(
        domain, RegistryNames.apiHost(domain), ref.path(), auth, scope, credentialKey(auth), true);
  }

  /** The scopes to ask a token service for, one per OAuth2 scope token. */
  List<String> scopes() {
    return List.of(scope.split(" "));
  }

  /** {@code domain/path}, as messages name a repository. */
  String repository() {
    return domain + "/" + path;
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
