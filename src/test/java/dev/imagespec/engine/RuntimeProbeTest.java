package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.testing.TestEnv;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** Which API a socket speaks, found by probing the real engines and a socket that is neither. */
class RuntimeProbeTest {
  @TempDir Path dir;

  @Test
  void dockerAndPodmanSocketsSpeakTheEngineApi() {
    for (TestEnv.Engine e : TestEnv.engines().toList()) {
      RuntimeProbe.Found f = RuntimeProbe.find(e.host(), RuntimeKind.AUTO, Map.of());
      assertThat(f.kind()).as(e.name()).isEqualTo(RuntimeKind.DOCKER);
      assertThat(f.host()).isEqualTo(e.host());
    }
  }

  @Test
  void containerdsSocketSpeaksCri() {
    String host = TestEnv.require("IMAGESPEC_TEST_CRI_HOST");
    assertThat(RuntimeProbe.find(host, RuntimeKind.AUTO, Map.of()))
        .isEqualTo(new RuntimeProbe.Found(RuntimeKind.CRI, host));
    // through the environment too, and under another name (no hint from the file name)
    assertThat(RuntimeProbe.find(null, RuntimeKind.AUTO, Map.of("CONTAINER_HOST", host)).kind())
        .isEqualTo(RuntimeKind.CRI);
  }

  @Test
  void aCriSocketNamedLikeDockersIsStillFound() throws IOException {
    Path cri = Path.of(TestEnv.require("IMAGESPEC_TEST_CRI_HOST").substring("unix://".length()));
    Path link = dir.resolve("docker.sock");
    Files.createSymbolicLink(link, cri);
    assertThat(RuntimeProbe.find("unix://" + link, RuntimeKind.AUTO, Map.of()).kind())
        .isEqualTo(RuntimeKind.CRI);
  }

  @Test
  void aSocketThatAnswersNeitherIsNamed() throws Exception {
    Path sock = dir.resolve("x.sock");
    try (AFUNIXServerSocket server = AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(sock))) {
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    in.read(new byte[4096]);
                    OutputStream out = s.getOutputStream();
                    out.write("SSH-2.0-nope\r\n".getBytes(StandardCharsets.US_ASCII));
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      t.setDaemon(true);
      t.start();
      assertThatThrownBy(() -> RuntimeProbe.find("unix://" + sock, RuntimeKind.AUTO, Map.of()))
          .isInstanceOf(EngineException.class)
          .hasMessageContaining(
              "unix://" + sock + " answers neither the Docker Engine API nor CRI");
    }
  }

  @Test
  void aMissingSocketIsNamedWhateverTheRuntime() {
    for (RuntimeKind k : RuntimeKind.values()) {
      assertThatThrownBy(() -> RuntimeProbe.find("unix:///nonexistent/x.sock", k, Map.of()))
          .as(k.option())
          .isInstanceOf(EngineUnavailableException.class)
          .hasMessageContaining("/nonexistent/x.sock does not exist");
    }
  }

  @Test
  void criNeedsAUnixSocket() {
    assertThatThrownBy(() -> RuntimeProbe.find("tcp://127.0.0.1:1", RuntimeKind.CRI, Map.of()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("unix:///path");
  }

  @Test
  void unknownRuntimeNamesTheChoices() {
    assertThatThrownBy(() -> RuntimeKind.parse("rkt"))
        .hasMessage("--runtime 'rkt': unknown runtime (auto, docker, podman, cri)");
    assertThat(RuntimeKind.parse("CRI")).isEqualTo(RuntimeKind.CRI);
  }
}
