package dev.imagespec.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Registry credentials, as Docker's {@code AuthConfig}. Either username/password, or an identity
 * token, or a registry token. {@link #toString()} never shows a secret.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record AuthConfig(
    @JsonProperty("username") String username,
    @JsonProperty("password") String password,
    @JsonProperty("email") String email,
    @JsonProperty("serveraddress") String serverAddress,
    @JsonProperty("identitytoken") String identityToken,
    @JsonProperty("registrytoken") String registryToken) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public static AuthConfig basic(String username, String password) {
    return new AuthConfig(username, password, null, null, null, null);
  }

  public AuthConfig withServerAddress(String address) {
    return new AuthConfig(username, password, email, address, identityToken, registryToken);
  }

  /** The {@code X-Registry-Auth} header value: base64url, with padding, of the JSON. */
  public String toHeader() {
    try {
      return Base64.getUrlEncoder()
          .encodeToString(JSON.writeValueAsString(this).getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException("cannot encode registry auth", e);
    }
  }

  @Override
  public String toString() {
    return "AuthConfig[username="
        + username
        + ", serverAddress="
        + serverAddress
        + ", password="
        + (password == null ? "null" : "***")
        + ", identityToken="
        + (identityToken == null ? "null" : "***")
        + ", registryToken="
        + (registryToken == null ? "null" : "***")
        + "]";
  }
}
