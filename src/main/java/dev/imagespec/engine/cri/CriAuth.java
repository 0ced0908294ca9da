package dev.imagespec.engine.cri;

import dev.imagespec.engine.cri.v1.AuthConfig;

/**
 * Registry credentials for a CRI {@code PullImage}: user name and password (basic auth at the
 * registry, as the kubelet passes an image pull Secret). {@link #toString()} never shows the
 * password.
 */
public record CriAuth(String username, String password) {
  public CriAuth {
    if (username == null || username.isEmpty()) {
      throw new IllegalArgumentException("username must not be empty");
    }
    password = password == null ? "" : password;
  }

  AuthConfig toProto() {
    return AuthConfig.newBuilder().setUsername(username).setPassword(password).build();
  }

  @Override
  public String toString() {
    return "CriAuth[username=" + username + ", password=***]";
  }
}
