package dev.imagespec.engine.cri;

import dev.imagespec.engine.cri.v1.AuthConfig;

/**
 * Registry credentials for a CRI {@code PullImage}: user name and password (basic auth at the
 * registry, as the kubelet passes an image pull Secret), or an identity token (OAuth refresh token)
 * or a registry token (bearer token). {@link #toString()} never shows a secret.
 *
 * @param username user name; may be empty when a token is given
 * @param password password, empty when none
 * @param identityToken identity (refresh) token, or null
 * @param registryToken bearer token for the registry, or null
 */
public record CriAuth(
    String username, String password, String identityToken, String registryToken) {
  public CriAuth {
    username = username == null ? "" : username;
    password = password == null ? "" : password;
    identityToken = blankToNull(identityToken);
    registryToken = blankToNull(registryToken);
    if (username.isEmpty() && identityToken == null && registryToken == null) {
      throw new IllegalArgumentException(
          "registry credentials need a username, an identity token or a registry token");
    }
  }

  /** User name and password. */
  public CriAuth(String username, String password) {
    this(username, password, null, null);
  }

  /**
   * The CRI form of Docker-style credentials; null when {@code auth} is null or carries none (an
   * anonymous pull).
   */
  public static CriAuth of(dev.imagespec.engine.AuthConfig auth) {
    if (auth == null
        || (isBlank(auth.username())
            && isBlank(auth.identityToken())
            && isBlank(auth.registryToken()))) {
      return null;
    }
    return new CriAuth(
        auth.username(), auth.password(), auth.identityToken(), auth.registryToken());
  }

  AuthConfig toProto() {
    AuthConfig.Builder b = AuthConfig.newBuilder().setUsername(username).setPassword(password);
    if (identityToken != null) {
      b.setIdentityToken(identityToken);
    }
    if (registryToken != null) {
      b.setRegistryToken(registryToken);
    }
    return b.build();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static String blankToNull(String s) {
    return isBlank(s) ? null : s;
  }

  @Override
  public String toString() {
    return "CriAuth[username="
        + username
        + ", password="
        + (password.isEmpty() ? "" : "***")
        + ", identityToken="
        + (identityToken == null ? "null" : "***")
        + ", registryToken="
        + (registryToken == null ? "null" : "***")
        + "]";
  }
}
