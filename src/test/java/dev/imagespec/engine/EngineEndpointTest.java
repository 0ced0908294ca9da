package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineEndpointTest {

  @Test
  void explicitHostWinsOverEnvironment() {
    EngineEndpoint e =
        EngineEndpoint.resolve("unix:///a/docker.sock", Map.of("DOCKER_HOST", "tcp://x:1"));
    assertThat(e.socketPath()).isEqualTo(Path.of("/a/docker.sock"));
  }

  @Test
  void dockerHostThenContainerHost() {
    assertThat(
            EngineEndpoint.resolve(
                    null,
                    Map.of("DOCKER_HOST", "tcp://10.0.0.1:2375", "CONTAINER_HOST", "unix:///p"))
                .host())
        .isEqualTo("10.0.0.1");
    assertThat(EngineEndpoint.resolve(null, Map.of("CONTAINER_HOST", "unix:///p/podman.sock")))
        .extracting(EngineEndpoint::socketPath)
        .isEqualTo(Path.of("/p/podman.sock"));
  }

  @Test
  void xdgRuntimeDirSocketIsADefault(@TempDir Path dir) throws Exception {
    Path sock = dir.resolve("podman/podman.sock");
    Files.createDirectories(sock.getParent());
    Files.createFile(sock);
    EngineEndpoint e = EngineEndpoint.resolve(null, Map.of("XDG_RUNTIME_DIR", dir.toString()));
    if (EngineEndpoint.DEFAULT_SOCKETS.stream().noneMatch(p -> Files.exists(Path.of(p)))) {
      assertThat(e.socketPath()).isEqualTo(sock);
    }
  }

  @Test
  void tlsFromEnvironment(@TempDir Path certs) {
    EngineEndpoint e =
        EngineEndpoint.resolve(
            null,
            Map.of(
                "DOCKER_HOST", "tcp://127.0.0.1:2376",
                "DOCKER_TLS_VERIFY", "1",
                "DOCKER_CERT_PATH", certs.toString()));
    assertThat(e.tls()).isNotNull();
    assertThat(e.tls().verify()).isTrue();
    assertThat(e.toString()).isEqualTo("https://127.0.0.1:2376");
  }

  @Test
  void schemesAndPorts() {
    assertThat(EngineEndpoint.parse("tcp://h", null).port()).isEqualTo(2375);
    assertThat(EngineEndpoint.parse("https://h", null).port()).isEqualTo(2376);
    assertThat(EngineEndpoint.parse("https://h", null).tls()).isNotNull();
    assertThat(EngineEndpoint.parse("/run/x.sock", null).isUnix()).isTrue();
  }

  @Test
  void rejectsUnsupported() {
    assertThatThrownBy(() -> EngineEndpoint.parse("ssh://user@h", null))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("ssh");
    assertThatThrownBy(() -> EngineEndpoint.parse("ftp://h", null))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("ftp://h");
    assertThatThrownBy(() -> EngineEndpoint.parse("unix://", null))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void noEngineAnywhere() {
    if (EngineEndpoint.DEFAULT_SOCKETS.stream().noneMatch(p -> Files.exists(Path.of(p)))) {
      assertThatThrownBy(() -> EngineEndpoint.resolve(null, Map.of()))
          .isInstanceOf(EngineUnavailableException.class)
          .hasMessageContaining("DOCKER_HOST");
    }
  }

  @Test
  void authConfigNeverShowsSecrets() {
    AuthConfig a = new AuthConfig("u", "s3cret", null, "r", "idtok", "regtok");
    assertThat(a.toString()).doesNotContain("s3cret", "idtok", "regtok");
    assertThat(a.toHeader()).doesNotContain("+", "/");
  }
}
