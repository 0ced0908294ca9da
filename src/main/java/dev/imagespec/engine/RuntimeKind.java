package dev.imagespec.engine;

import java.util.Locale;

/**
 * Which API an image store is reached through: the Docker Engine API (dockerd, Podman's service) or
 * the Kubernetes CRI (containerd, CRI-O). {@link #AUTO} probes the socket.
 */
public enum RuntimeKind {
  AUTO,
  DOCKER,
  PODMAN,
  CRI;

  /** The option's spelling: {@code auto}, {@code docker}, {@code podman}, {@code cri}. */
  public String option() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code --runtime}'s value; an unknown one names the value and the choices. */
  public static RuntimeKind parse(String value) {
    if (value == null || value.isBlank()) {
      return AUTO;
    }
    for (RuntimeKind k : values()) {
      if (k.option().equals(value.trim().toLowerCase(Locale.ROOT))) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "--runtime '" + value + "': unknown runtime (auto, docker, podman, cri)");
  }
}
