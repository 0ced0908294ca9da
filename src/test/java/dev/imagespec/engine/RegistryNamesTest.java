package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegistryNamesTest {
  @ParameterizedTest(name = "{0} -> {1} / {2}")
  @CsvSource({
    "docker.io, docker.io, https://index.docker.io/v1/",
    "index.docker.io, docker.io, https://index.docker.io/v1/",
    "https://index.docker.io/v1/, docker.io, https://index.docker.io/v1/",
    "registry-1.docker.io, docker.io, https://index.docker.io/v1/",
    "https://registry-1.docker.io/v2/, docker.io, https://index.docker.io/v1/",
    "registry.hub.docker.com, docker.io, https://index.docker.io/v1/",
    "HTTPS://Reg.Example:5000/v2/, reg.example:5000, reg.example:5000",
    "http://127.0.0.1:5000, 127.0.0.1:5000, 127.0.0.1:5000",
    "ghcr.io, ghcr.io, ghcr.io",
    "[::1]:5000, [::1]:5000, [::1]:5000"
  })
  void keyAndServerAddress(String name, String key, String serverAddress) {
    assertThat(RegistryNames.key(name)).isEqualTo(key);
    assertThat(RegistryNames.serverAddress(name)).isEqualTo(serverAddress);
    assertThat(RegistryNames.isDockerHub(name)).isEqualTo(key.equals("docker.io"));
  }

  @Test
  void dockerHubAliasesAgreeEverywhere() {
    // Issue 9: spec/DockerConfigSecrets took registry.hub.docker.com for Docker Hub while
    // DockerConfigCredentials did not; both now ask RegistryNames.
    for (String alias : RegistryNames.DOCKER_HUB_ALIASES) {
      assertThat(RegistryNames.key(alias)).isEqualTo(RegistryNames.DOCKER_HUB);
      assertThat(DockerConfigCredentials.serverAddress(alias))
          .isEqualTo(RegistryNames.DOCKER_HUB_SERVER);
    }
    assertThat(RegistryNames.DOCKER_HUB_ALIASES).contains("registry.hub.docker.com");
  }

  @Test
  void stripKeepsAliasesAndHandlesNull() {
    assertThat(RegistryNames.strip(null)).isEmpty();
    assertThat(RegistryNames.strip(" https://Index.Docker.io/v1/ ")).isEqualTo("index.docker.io");
  }

  @Test
  void apiHostAndHostOf() {
    assertThat(RegistryNames.apiHost("docker.io")).isEqualTo("registry-1.docker.io");
    assertThat(RegistryNames.apiHost("127.0.0.1:5000")).isEqualTo("127.0.0.1:5000");
    assertThat(RegistryNames.hostOf("reg.example:5000")).isEqualTo("reg.example");
    assertThat(RegistryNames.hostOf("[::1]:5000")).isEqualTo("[::1]");
    assertThat(RegistryNames.hostOf("::1")).isEqualTo("::1");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"docker.io", "index.docker.io", "registry.hub.docker.com", "127.0.0.1:5000"})
  void pullPushBuildAndSearchSendOneServerAddress(String registry) {
    // Issue 9: a pull's X-Registry-Auth named Docker Hub "docker.io" while builds and searches
    // named it "https://index.docker.io/v1/"; every header now takes RegistryNames' form.
    AuthConfig a = AuthConfig.basic("u", "p");
    assertThat(Transfers.withServer(a, registry).serverAddress())
        .isEqualTo(RegistryNames.serverAddress(registry));
    assertThat(Transfers.authHeader(a, registry).get("X-Registry-Auth"))
        .isEqualTo(Transfers.withServer(a, registry).toHeader());
    assertThat(Transfers.withServer(a.withServerAddress("own"), registry).serverAddress())
        .isEqualTo("own");
  }
}
