package dev.imagespec.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.engine.AuthConfig;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DockerConfigSecretsTest {
  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static Secret secret(String type, Map<String, String> data, Map<String, String> stringData) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName("cred")
        .endMetadata()
        .withType(type)
        .withData(data)
        .withStringData(stringData)
        .build();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "https://index.docker.io/v1/, docker.io",
    "index.docker.io, docker.io",
    "registry-1.docker.io, docker.io",
    "registry.hub.docker.com, docker.io",
    "docker.io, docker.io",
    "https://Reg.Example:5000/v2/, reg.example:5000",
    "localhost:5000, localhost:5000",
    "ghcr.io, ghcr.io"
  })
  void normalisesRegistries(String key, String registry) {
    assertThat(DockerConfigSecrets.normaliseRegistry(key)).isEqualTo(registry);
  }

  @Test
  void readsAuthAndUsernamePasswordFromDataOrStringData() {
    String json =
        "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\""
            + b64("hub:pw:with:colons")
            + "\"},\"reg.example\":{\"username\":\"u\",\"password\":\"p\",\"email\":\"e@x\"}}}";
    Map<String, AuthConfig> auths =
        DockerConfigSecrets.auths(
            secret(DockerConfigSecrets.TYPE, Map.of(".dockerconfigjson", b64(json)), null));
    assertThat(auths.get("docker.io"))
        .extracting(AuthConfig::username, AuthConfig::password, AuthConfig::serverAddress)
        .containsExactly("hub", "pw:with:colons", "https://index.docker.io/v1/");
    assertThat(auths.get("reg.example").username()).isEqualTo("u");
    Map<String, AuthConfig> fromString =
        DockerConfigSecrets.auths(secret(null, null, Map.of(".dockerconfigjson", json)));
    assertThat(fromString).containsOnlyKeys("docker.io", "reg.example");
    assertThat(
            DockerConfigSecrets.forRegistry(
                secret(null, null, Map.of(".dockerconfigjson", json)), "index.docker.io"))
        .get()
        .extracting(AuthConfig::username)
        .isEqualTo("hub");
  }

  @Test
  void errorsNameTheSecretButNeverItsContent() {
    String secretValue = "top-secret-value";
    assertThatThrownBy(
            () -> DockerConfigSecrets.auths(secret("Opaque", Map.of("x", b64(secretValue)), null)))
        .hasMessage(
            "secret default/cred has type 'Opaque', expected kubernetes.io/dockerconfigjson");
    assertThatThrownBy(
            () -> DockerConfigSecrets.auths(secret(DockerConfigSecrets.TYPE, Map.of(), null)))
        .hasMessage("secret default/cred has no .dockerconfigjson key");
    assertThatThrownBy(
            () ->
                DockerConfigSecrets.auths(
                    secret(DockerConfigSecrets.TYPE, Map.of(".dockerconfigjson", "%%%"), null)))
        .hasMessage("secret default/cred: data[.dockerconfigjson] is not valid base64");
    assertThatThrownBy(
            () ->
                DockerConfigSecrets.auths(
                    secret(
                        DockerConfigSecrets.TYPE,
                        Map.of(".dockerconfigjson", b64("{" + secretValue)),
                        null)))
        .hasMessage("secret default/cred: .dockerconfigjson is not valid JSON");
    assertThatThrownBy(
            () ->
                DockerConfigSecrets.auths(
                    secret(
                        DockerConfigSecrets.TYPE,
                        Map.of(".dockerconfigjson", b64("{\"x\":1}")),
                        null)))
        .hasMessage("secret default/cred: .dockerconfigjson has no 'auths' object");
    assertThatThrownBy(
            () ->
                DockerConfigSecrets.auths(
                    secret(
                        DockerConfigSecrets.TYPE,
                        Map.of(
                            ".dockerconfigjson",
                            b64("{\"auths\":{\"r\":{\"auth\":\"" + b64(secretValue) + "\"}}}")),
                        null)))
        .hasMessage("secret default/cred: auths entry 'r' is not base64 of username:password")
        .hasMessageNotContaining(secretValue);
    assertThatThrownBy(
            () ->
                DockerConfigSecrets.auths(
                    secret(
                        DockerConfigSecrets.TYPE,
                        Map.of(".dockerconfigjson", b64("{\"auths\":{\"r\":{}}}")),
                        null)))
        .hasMessageContaining("has neither auth");
  }
}
