package dev.imagespec.engine;

import java.util.List;
import java.util.Locale;

/**
 * The one owner of registry names: how a registry written anywhere (an image reference's domain, a
 * Docker config {@code auths} or {@code credHelpers} key, a Kubernetes pull secret, {@code
 * --insecure-registry}) becomes the key credentials are looked up by, which names mean Docker Hub,
 * and which server address Docker expects in an auth config.
 *
 * <ul>
 *   <li>{@link #strip}: {@code https://Host:5000/v1/} → {@code host:5000} (scheme and path dropped,
 *       lower case);
 *   <li>{@link #key}: {@link #strip} plus every Docker Hub alias ({@link #DOCKER_HUB_ALIASES})
 *       becoming {@code docker.io};
 *   <li>{@link #serverAddress}: the {@code serveraddress} of an {@code X-Registry-Auth} / {@code
 *       X-Registry-Config} auth config and the input of a credential helper: {@code
 *       https://index.docker.io/v1/} for Docker Hub, {@code host[:port]} otherwise;
 *   <li>{@link #apiHost}: the host the registry API is reached at ({@code registry-1.docker.io} for
 *       Docker Hub).
 * </ul>
 */
public final class RegistryNames {
  /** Docker Hub as image references name it. */
  public static final String DOCKER_HUB = ImageReference.DEFAULT_DOMAIN;

  /** The server address Docker keys Docker Hub credentials by. */
  public static final String DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

  /** Docker Hub's registry API host. */
  public static final String DOCKER_HUB_REGISTRY = "registry-1.docker.io";

  /**
   * Every name (after {@link #strip}) that means Docker Hub, in the order a Docker config's keys
   * are preferred when several are present.
   */
  public static final List<String> DOCKER_HUB_ALIASES =
      List.of("index.docker.io", DOCKER_HUB, DOCKER_HUB_REGISTRY, "registry.hub.docker.com");

  private RegistryNames() {}

  /**
   * Lower case, without scheme and path: {@code https://Host:5000/v1/} → {@code host:5000}; null →
   * empty. Docker Hub aliases are kept as written (see {@link #key}).
   */
  public static String strip(String registry) {
    if (registry == null) {
      return "";
    }
    String r = registry.trim().toLowerCase(Locale.ROOT);
    int scheme = r.indexOf("://");
    if (scheme >= 0) {
      r = r.substring(scheme + 3);
    }
    int slash = r.indexOf('/');
    return slash < 0 ? r : r.substring(0, slash);
  }

  /**
   * The canonical key of a registry: {@link #strip stripped}, every Docker Hub alias becoming
   * {@code docker.io}. Two names mean the same registry exactly when their keys are equal.
   */
  public static String key(String registry) {
    String r = strip(registry);
    return DOCKER_HUB_ALIASES.contains(r) ? DOCKER_HUB : r;
  }

  /** True when {@code registry} is Docker Hub under any of its names. */
  public static boolean isDockerHub(String registry) {
    return key(registry).equals(DOCKER_HUB);
  }

  /**
   * The server address Docker expects in an auth config ({@code serveraddress}) and gives a
   * credential helper: {@code https://index.docker.io/v1/} for Docker Hub, otherwise the registry's
   * {@code host[:port]}.
   */
  public static String serverAddress(String registry) {
    String k = key(registry);
    return k.equals(DOCKER_HUB) ? DOCKER_HUB_SERVER : k;
  }

  /**
   * The Docker config keys tried first, in order, for a registry {@linkplain #key key}: for Docker
   * Hub its server address and aliases, otherwise the key itself.
   */
  static List<String> preferredConfigKeys(String key) {
    if (!key.equals(DOCKER_HUB)) {
      return List.of(key);
    }
    return java.util.stream.Stream.concat(
            java.util.stream.Stream.of(DOCKER_HUB_SERVER), DOCKER_HUB_ALIASES.stream())
        .toList();
  }

  /** The host the registry API of a reference's domain is served at. */
  public static String apiHost(String domain) {
    return isDockerHub(domain) ? DOCKER_HUB_REGISTRY : domain;
  }

  /** The host of {@code host[:port]}, IPv6 literals keeping their brackets. */
  static String hostOf(String registry) {
    if (registry.startsWith("[")) {
      int close = registry.indexOf(']');
      return close < 0 ? registry : registry.substring(0, close + 1);
    }
    int colon = registry.lastIndexOf(':');
    return colon < 0 || registry.indexOf(':') != colon ? registry : registry.substring(0, colon);
  }

  /**
   * Whether a registry ({@code host[:port]}) is on loopback, by its literal form: such registries
   * are spoken to over plain HTTP when they do not offer TLS (Docker's default too).
   */
  public static boolean isLoopbackRegistry(String registry) {
    String host = registry;
    int colon = registry.lastIndexOf(':');
    if (colon > registry.lastIndexOf(']')) {
      host = registry.substring(0, colon);
    }
    return RegistryEndpoints.isLoopback(host);
  }
}
