package dev.imagespec.engine;

import dev.imagespec.engine.cri.CriClient;
import dev.imagespec.engine.cri.CriException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the image store to talk to and which API it speaks. The socket comes from {@code --host},
 * then {@code DOCKER_HOST}, {@code CONTAINER_HOST}, then the first default socket that exists
 * (Docker's, Podman's, containerd's, CRI-O's; only the CRI ones for {@code --runtime cri}). With
 * {@link RuntimeKind#AUTO} a unix socket is probed: the Docker Engine API's {@code /_ping} first
 * (or CRI first when the socket is named like containerd's or CRI-O's), then CRI's {@code Version};
 * with {@link RuntimeKind#CRI} the socket must answer CRI's {@code Version}.
 */
public final class RuntimeProbe {
  /** containerd's and CRI-O's default sockets, in search order. */
  public static final List<String> CRI_SOCKETS =
      List.of("/run/containerd/containerd.sock", "/var/run/crio/crio.sock");

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  private RuntimeProbe() {}

  /**
   * What was found.
   *
   * @param kind {@link RuntimeKind#DOCKER} for any Docker Engine API (dockerd or Podman; the client
   *     tells them apart), or {@link RuntimeKind#CRI}
   * @param host the endpoint, {@code unix:///path}, {@code tcp://...} or {@code https://...}
   */
  public record Found(RuntimeKind kind, String host) {}

  /**
   * Resolves the endpoint and, for {@link RuntimeKind#AUTO}, probes it.
   *
   * @throws EngineUnavailableException no socket found, the socket is not there or does not answer
   * @throws EngineException the socket answers neither API
   */
  public static Found find(String explicitHost, RuntimeKind kind, Map<String, String> env) {
    String host = host(explicitHost, kind, env);
    mustExist(host);
    return switch (kind) {
      case DOCKER, PODMAN -> new Found(RuntimeKind.DOCKER, host);
      case CRI -> new Found(RuntimeKind.CRI, mustAnswerCri(criHost(host), env));
      case AUTO -> new Found(probe(host, env), host);
    };
  }

  private static String host(String explicit, RuntimeKind kind, Map<String, String> env) {
    if (explicit != null && !explicit.isBlank()) {
      return explicit;
    }
    for (String var : List.of("DOCKER_HOST", "CONTAINER_HOST")) {
      String value = env.get(var);
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    List<String> candidates = new ArrayList<>();
    if (kind != RuntimeKind.CRI) {
      candidates.addAll(EngineEndpoint.DEFAULT_SOCKETS);
      String xdg = env.get("XDG_RUNTIME_DIR");
      if (xdg != null && !xdg.isBlank()) {
        candidates.add(xdg + "/podman/podman.sock");
      }
    }
    if (kind == RuntimeKind.CRI || kind == RuntimeKind.AUTO) {
      candidates.addAll(CRI_SOCKETS);
    }
    for (String c : candidates) {
      if (Files.exists(Path.of(c))) {
        return "unix://" + c;
      }
    }
    throw new EngineUnavailableException(
        "no "
            + (kind == RuntimeKind.CRI ? "CRI runtime" : "engine")
            + " found: set --host, DOCKER_HOST or CONTAINER_HOST (looked for "
            + String.join(", ", candidates)
            + ")");
  }

  private static void mustExist(String host) {
    if (!host.startsWith("unix://") && !host.startsWith("/")) {
      return;
    }
    Path socket = Path.of(host.startsWith("unix://") ? host.substring("unix://".length()) : host);
    if (!Files.exists(socket)) {
      throw new EngineUnavailableException(
          "the socket "
              + socket
              + " does not exist: is the engine or runtime (dockerd, podman system service,"
              + " containerd, CRI-O) running? Point --host (or DOCKER_HOST, CONTAINER_HOST) at its"
              + " socket");
    }
  }

  private static String criHost(String host) {
    String path = host.startsWith("unix://") ? host.substring("unix://".length()) : host;
    if (!path.startsWith("/")) {
      throw new InvalidArgumentException(
          "--host '" + host + "': a CRI runtime is reached through a unix socket (unix:///path)");
    }
    return "unix://" + path;
  }

  /**
   * {@code --runtime cri}: the socket must answer CRI, else the first call would fail with a gRPC
   * framing error that names neither the cause nor the fix.
   */
  private static String mustAnswerCri(String host, Map<String, String> env) {
    if (answersCri(host)) {
      return host;
    }
    if (answersDocker(EngineEndpoint.resolve(host, env))) {
      throw new EngineException(
          host
              + " answers the Docker Engine API, not CRI: use --runtime auto (or docker, podman),"
              + " or point --host at containerd's or CRI-O's socket");
    }
    throw new EngineUnavailableException(
        host
            + " does not answer CRI: is containerd (with its CRI plugin) or CRI-O running there?"
            + " Point --host at its socket, or use --runtime auto");
  }

  private static RuntimeKind probe(String host, Map<String, String> env) {
    EngineEndpoint endpoint = EngineEndpoint.resolve(host, env);
    if (!endpoint.isUnix()) {
      return RuntimeKind.DOCKER; // CRI runtimes listen on unix sockets only
    }
    Path socket = endpoint.socketPath();
    String name = socket.getFileName().toString();
    boolean criFirst = name.contains("containerd") || name.contains("crio");
    if (criFirst) {
      if (answersCri(endpoint.toString())) {
        return RuntimeKind.CRI;
      }
      if (answersDocker(endpoint)) {
        return RuntimeKind.DOCKER;
      }
    } else {
      if (answersDocker(endpoint)) {
        return RuntimeKind.DOCKER;
      }
      if (answersCri(endpoint.toString())) {
        return RuntimeKind.CRI;
      }
    }
    throw new EngineException(
        endpoint
            + " answers neither the Docker Engine API nor CRI: point --host at dockerd's,"
            + " Podman's, containerd's or CRI-O's socket, or name the API with --runtime");
  }

  private static boolean answersDocker(EngineEndpoint endpoint) {
    try (EngineClient c =
        EngineClient.builder()
            .endpoint(endpoint)
            .connectTimeout(PROBE_TIMEOUT)
            .readTimeout(PROBE_TIMEOUT)
            .build()) {
      return c.ping();
    } catch (EngineException | IllegalStateException e) {
      return false;
    }
  }

  private static boolean answersCri(String host) {
    try (CriClient c = CriClient.connect(host, PROBE_TIMEOUT)) {
      c.version();
      return true;
    } catch (CriException | EngineUnavailableException e) {
      return false;
    }
  }
}
