package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The one owner of Docker config {@code auths} entries, as written by {@code docker login} in
 * {@code config.json} and in Kubernetes {@code dockerconfigjson} Secrets: {@code auth} (base64 of
 * {@code username:password}, which wins over the fields), {@code username}/{@code password}, {@code
 * identitytoken}, {@code registrytoken}, {@code email}. Empty strings count as absent.
 *
 * <p>Problems are {@link IllegalArgumentException}s whose message is a predicate to append to the
 * caller's description of the entry (e.g. {@code "is not valid base64"}); they never contain a
 * secret.
 */
public final class DockerConfigAuths {
  private static final List<String> CREDENTIAL_FIELDS =
      List.of("auth", "username", "identitytoken", "registrytoken");

  private DockerConfigAuths() {}

  /**
   * True when the entry holds credentials; {@code credsStore} leaves entries without any (e.g.
   * {@code {}}), which do not count.
   */
  public static boolean hasCredentials(JsonNode entry) {
    if (entry == null || !entry.isObject()) {
      return false;
    }
    for (String field : CREDENTIAL_FIELDS) {
      if (text(entry, field) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * The credentials of one {@code auths} entry, without a server address (the caller knows it).
   *
   * @throws IllegalArgumentException with a message such as {@code "is not valid base64"} when the
   *     entry is not an object, its {@code auth} cannot be decoded, or it holds no credentials
   */
  public static AuthConfig decode(JsonNode entry) {
    if (entry == null || !entry.isObject()) {
      throw new IllegalArgumentException("is not an object");
    }
    String username = text(entry, "username");
    String password = text(entry, "password");
    String auth = text(entry, "auth");
    if (auth != null) {
      String decoded = decodeBase64(auth);
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("is not base64 of username:password");
      }
      username = emptyToNull(decoded.substring(0, colon));
      password = emptyToNull(decoded.substring(colon + 1));
    }
    String identityToken = text(entry, "identitytoken");
    String registryToken = text(entry, "registrytoken");
    if (username == null && identityToken == null && registryToken == null) {
      throw new IllegalArgumentException("has neither auth, username/password nor identitytoken");
    }
    return new AuthConfig(
        username, password, text(entry, "email"), null, identityToken, registryToken);
  }

  /** Base64 (standard, else URL-safe alphabet; whitespace and line breaks tolerated) as UTF-8. */
  private static String decodeBase64(String value) {
    String s = value.replaceAll("\\s", "");
    for (Base64.Decoder d : List.of(Base64.getDecoder(), Base64.getUrlDecoder())) {
      try {
        return new String(d.decode(s), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException ignored) {
        // try the next alphabet
      }
    }
    throw new IllegalArgumentException("is not valid base64");
  }

  /** A non-empty string field, else null. */
  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? emptyToNull(v.asText()) : null;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
