package dev.imagespec.engine;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where an engine listens: a unix socket, or a TCP host and port (optionally TLS).
 *
 * <p>{@link #resolve} follows Docker's conventions: an explicit host wins; then {@code
 * DOCKER_HOST}, then {@code CONTAINER_HOST}; then the first default socket that exists ({@code
 * /var/run/docker.sock}, {@code /run/podman/podman.sock}, {@code
 * $XDG_RUNTIME_DIR/podman/podman.sock}). TLS comes from {@code DOCKER_TLS_VERIFY} and {@code
 * DOCKER_CERT_PATH} (ca.pem, cert.pem, key.pem), or a {@code https://} host.
 *
 * @param socketPath the unix socket, or null for TCP
 * @param host TCP host, or null for a unix socket
 * @param port TCP port
 * @param tls TLS settings for TCP, or null for plain HTTP
 */
public record EngineEndpoint(Path socketPath, String host, int port, TlsConfig tls) {

  public static final List<String> DEFAULT_SOCKETS =
      List.of("/var/run/docker.sock", "/run/podman/podman.sock");

  public static EngineEndpoint unix(Path socket) {
    return new EngineEndpoint(socket, null, 0, null);
  }

  public static EngineEndpoint tcp(String host, int port, TlsConfig tls) {
    return new EngineEndpoint(null, host, port, tls);
  }

  public boolean isUnix() {
    return socketPath != null;
  }

  /**
   * Parses a host URL: {@code unix:///path}, {@code /path}, {@code tcp://host:port}, {@code
   * http://host:port}, {@code https://host:port}.
   */
  public static EngineEndpoint parse(String url, TlsConfig tls) {
    if (url == null || url.isBlank()) {
      throw new InvalidArgumentException("engine host must not be empty");
    }
    if (url.startsWith("/")) {
      return unix(Path.of(url));
    }
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException("invalid engine host '" + url + "': " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "unix":
        if (uri.getPath() == null || uri.getPath().isEmpty()) {
          throw new InvalidArgumentException(
              "invalid engine host '" + url + "': expected unix:///path/to/socket");
        }
        return unix(Path.of(uri.getPath()));
      case "tcp":
      case "http":
      case "https":
        if (uri.getHost() == null) {
          throw new InvalidArgumentException(
              "invalid engine host '" + url + "': expected " + scheme + "://host:port");
        }
        int port = uri.getPort();
        boolean https = scheme.equals("https") || tls != null || port == 2376;
        if (port < 0) {
          port = https ? 2376 : 2375;
        }
        TlsConfig effective = tls;
        if (https && effective == null) {
          effective = TlsConfig.systemDefault();
        }
        return tcp(uri.getHost(), port, effective);
      case "ssh":
        throw new InvalidArgumentException(
            "engine host '" + url + "': ssh:// is not supported; forward the socket instead");
      default:
        throw new InvalidArgumentException(
            "invalid engine host '" + url + "': scheme must be unix, tcp, http or https");
    }
  }

  /** Resolves the endpoint from an explicit host (may be null) and the environment. */
  public static EngineEndpoint resolve(String explicitHost, Map<String, String> env) {
    TlsConfig tls = TlsConfig.fromEnvironment(env);
    if (explicitHost != null && !explicitHost.isBlank()) {
      return parse(explicitHost, tls);
    }
    for (String var : List.of("DOCKER_HOST", "CONTAINER_HOST")) {
      String value = env.get(var);
      if (value != null && !value.isBlank()) {
        return parse(value, tls);
      }
    }
    List<String> candidates = new ArrayList<>(DEFAULT_SOCKETS);
    String xdg = env.get("XDG_RUNTIME_DIR");
    if (xdg != null && !xdg.isBlank()) {
      candidates.add(xdg + "/podman/podman.sock");
    }
    for (String candidate : candidates) {
      if (Files.exists(Path.of(candidate))) {
        return unix(Path.of(candidate));
      }
    }
    throw new EngineUnavailableException(
        "no engine found: set --host, DOCKER_HOST or CONTAINER_HOST (looked for "
            + String.join(", ", candidates)
            + ")");
  }

  @Override
  public String toString() {
    if (isUnix()) {
      return "unix://" + socketPath;
    }
    return (tls != null ? "https://" : "tcp://") + host + ":" + port;
  }
}
