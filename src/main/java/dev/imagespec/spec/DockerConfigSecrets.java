package dev.imagespec.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.DockerConfigAuths;
import dev.imagespec.engine.RegistryNames;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code kubernetes.io/dockerconfigjson} Secrets: {@code data[".dockerconfigjson"]} (base64)
 * or {@code stringData[".dockerconfigjson"]}, holding {@code {"auths": {"host": {"auth":
 * "base64(user:pass)"} | {"username", "password"} | {"identitytoken"}}}}.
 *
 * <p>Error messages name the Secret and the problem, never any of its content.
 */
public final class DockerConfigSecrets {
  public static final String TYPE = "kubernetes.io/dockerconfigjson";
  public static final String KEY = ".dockerconfigjson";
  public static final String DOCKER_HUB = RegistryNames.DOCKER_HUB;

  private static final ObjectMapper JSON = new ObjectMapper();

  private DockerConfigSecrets() {}

  /** {@code namespace/name} of a Secret, namespace {@code default} when unset. */
  public static String nameOf(Secret secret) {
    var meta = secret.getMetadata();
    String ns = meta == null ? null : meta.getNamespace();
    String name = meta == null ? null : meta.getName();
    return (ns == null || ns.isEmpty() ? SpecKey.DEFAULT_NAMESPACE : ns) + "/" + name;
  }

  /**
   * Normalises a registry as written in an {@code auths} key or an image reference: {@link
   * RegistryNames#key}, so scheme and path are dropped, lower case, and every Docker Hub alias
   * ({@code https://index.docker.io/v1/}, {@code registry-1.docker.io}, ...) becomes {@code
   * docker.io}.
   */
  public static String normaliseRegistry(String key) {
    return RegistryNames.key(key);
  }

  /**
   * Every credential of the Secret, keyed by {@linkplain #normaliseRegistry normalised registry}.
   *
   * @throws IllegalArgumentException when the Secret is not a readable dockerconfigjson Secret
   */
  public static Map<String, AuthConfig> auths(Secret secret) {
    String name = nameOf(secret);
    if (secret.getType() != null && !TYPE.equals(secret.getType())) {
      throw new IllegalArgumentException(
          "secret " + name + " has type '" + secret.getType() + "', expected " + TYPE);
    }
    String json;
    if (secret.getData() != null && secret.getData().get(KEY) != null) {
      try {
        json = new String(decode(secret.getData().get(KEY)), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "secret " + name + ": data[" + KEY + "] is not valid base64");
      }
    } else if (secret.getStringData() != null && secret.getStringData().get(KEY) != null) {
      json = secret.getStringData().get(KEY);
    } else {
      throw new IllegalArgumentException("secret " + name + " has no " + KEY + " key");
    }
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException("secret " + name + ": " + KEY + " is not valid JSON");
    }
    if (root == null || !root.path("auths").isObject()) {
      throw new IllegalArgumentException("secret " + name + ": " + KEY + " has no 'auths' object");
    }
    Map<String, AuthConfig> result = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.path("auths").properties()) {
      JsonNode entry = e.getValue();
      AuthConfig auth;
      try {
        auth = DockerConfigAuths.decode(entry);
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException(
            "secret " + name + ": auths entry '" + e.getKey() + "' " + ex.getMessage());
      }
      result.putIfAbsent(normaliseRegistry(e.getKey()), auth.withServerAddress(e.getKey()));
    }
    return result;
  }

  /** The credential of the Secret for {@code registry}, if it has one. */
  public static Optional<AuthConfig> forRegistry(Secret secret, String registry) {
    return Optional.ofNullable(auths(secret).get(normaliseRegistry(registry)));
  }

  /** Strict base64 (whitespace and line breaks tolerated). */
  private static byte[] decode(String value) {
    return Base64.getDecoder().decode(value.replaceAll("\\s", ""));
  }
}
