package dev.imagespec.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.engine.AuthConfig;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CredentialResolverTest {
  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static Secret secret(String ns, String name, String json) {
    return new SecretBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .endMetadata()
        .withType("kubernetes.io/dockerconfigjson")
        .addToData(".dockerconfigjson", b64(json))
        .build();
  }

  private final SecretCredentialResolver resolver =
      new SecretCredentialResolver(
          List.of(
              secret(
                  "team",
                  "hub",
                  "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\""
                      + b64("hubuser:hubpw")
                      + "\"}}}"),
              secret(
                  "team",
                  "private",
                  "{\"auths\":{\"reg.example:5000\":{\"username\":\"u\",\"password\":\"p:w\"},"
                      + "\"https://other.example/v2/\":{\"identitytoken\":\"tok\"}}}"),
              secret("team", "broken", "not json"),
              secret(
                  "elsewhere",
                  "private",
                  "{\"auths\":{\"reg.example:5000\":{\"username\":\"x\",\"password\":\"y\"}}}")));

  @Test
  void findsCredentialsByNormalisedRegistryInSecretOrder() {
    assertThat(resolver.forRegistry("team", List.of("hub", "private"), "docker.io"))
        .get()
        .extracting(AuthConfig::username, AuthConfig::password, AuthConfig::serverAddress)
        .containsExactly("hubuser", "hubpw", "https://index.docker.io/v1/");
    assertThat(resolver.forRegistry("team", List.of("hub", "private"), "reg.example:5000"))
        .get()
        .extracting(AuthConfig::username, AuthConfig::password)
        .containsExactly("u", "p:w");
    assertThat(
            resolver
                .forRegistry("team", List.of("private"), "other.example")
                .orElseThrow()
                .identityToken())
        .isEqualTo("tok");
  }

  @Test
  void onlySecretsOfTheNamespaceAndTheNamedOnesCount() {
    assertThat(
            resolver
                .forRegistry("elsewhere", List.of("private"), "reg.example:5000")
                .orElseThrow()
                .username())
        .isEqualTo("x");
    assertThat(resolver.forRegistry("default", List.of("private"), "reg.example:5000")).isEmpty();
    assertThat(resolver.forRegistry("team", List.of(), "docker.io")).isEmpty();
    assertThat(resolver.forRegistry("team", List.of("missing", "broken"), "docker.io")).isEmpty();
  }

  @Test
  void fallbackIsUsedWhenSecretsHaveNothing() {
    CredentialResolver fallback =
        (ns, names, domain) -> Optional.of(AuthConfig.basic("config", "pw"));
    CredentialResolver chained =
        SecretCredentialResolver.withFallback(
            List.of(
                secret(
                    "team",
                    "hub",
                    "{\"auths\":{\"docker.io\":{\"auth\":\"" + b64("a:b") + "\"}}}")),
            fallback);
    assertThat(chained.forRegistry("team", List.of("hub"), "docker.io").orElseThrow().username())
        .isEqualTo("a");
    assertThat(chained.forRegistry("team", List.of("hub"), "ghcr.io").orElseThrow().username())
        .isEqualTo("config");
    assertThat(
            CredentialResolver.chain(CredentialResolver.none(), fallback)
                .forRegistry("x", List.of(), "q")
                .orElseThrow()
                .username())
        .isEqualTo("config");
    assertThat(CredentialResolver.none().forRegistry("x", List.of(), "q")).isEmpty();
  }

  @Test
  void toStringShowsNoCredentials() {
    assertThat(resolver.toString())
        .contains("team/hub")
        .doesNotContain("hubpw")
        .doesNotContain("p:w");
    assertThat(resolver.forRegistry("team", List.of("hub"), "docker.io").orElseThrow().toString())
        .doesNotContain("hubpw");
  }
}
