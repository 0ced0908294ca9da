package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigCredentialsTest {
  @TempDir Path dir;
  private Path bin;
  private Path config;
  private Path stdinLog;

  @BeforeEach
  void helper() throws IOException {
    bin = Files.createDirectories(dir.resolve("bin"));
    config = dir.resolve("config.json");
    stdinLog = dir.resolve("helper-stdin.log");
    // A fake credential helper: answers per server URL read from stdin, as docker-credential-*.
    script(
        "docker-credential-test",
        "#!/bin/sh\n"
            + "[ \"$1\" = get ] || { echo \"unexpected action $1\"; exit 2; }\n"
            + "server=$(cat)\n"
            + "printf '%s\\n' \"$server\" >> '"
            + stdinLog
            + "'\n"
            + "case \"$server\" in\n"
            + "  reg.example.com)\n"
            + "    echo '{\"ServerURL\":\"reg.example.com\",\"Username\":\"helper-user\","
            + "\"Secret\":\"helper-secret\"}' ;;\n"
            + "  https://index.docker.io/v1/)\n"
            + "    echo '{\"ServerURL\":\"https://index.docker.io/v1/\",\"Username\":\"<token>\","
            + "\"Secret\":\"hub-identity-token\"}' ;;\n"
            + "  broken.example.com)\n"
            + "    echo 'error getting credentials - err: keychain is locked'; exit 3 ;;\n"
            + "  garbage.example.com)\n"
            + "    echo 'user:garbage-secret-not-json' ;;\n"
            + "  slow.example.com)\n"
            + "    sleep 10 ;;\n"
            + "  *)\n"
            + "    echo 'credentials not found in native keychain'; exit 1 ;;\n"
            + "esac\n");
  }

  private void script(String name, String content) throws IOException {
    Path p = bin.resolve(name);
    Files.writeString(p, content);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private DockerConfigCredentials credentials(String json) throws IOException {
    Files.writeString(config, json);
    return DockerConfigCredentials.of(config, List.of(dir.resolve("empty"), bin));
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void missingFileMeansNoCredentials() {
    DockerConfigCredentials c = DockerConfigCredentials.of(dir.resolve("nope.json"), List.of(bin));
    assertThat(c.forRegistry("docker.io")).isEmpty();
    assertThat(c.forRegistry("127.0.0.1:5000")).isEmpty();
  }

  @Test
  void emptyFileMeansNoCredentials() throws IOException {
    assertThat(credentials("").forRegistry("docker.io")).isEmpty();
    assertThat(credentials("{}").forRegistry("docker.io")).isEmpty();
  }

  @Test
  void authEntryIsDecoded() throws IOException {
    DockerConfigCredentials c =
        credentials(
            "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\""
                + b64("bob:pa:ss")
                + "\",\"email\":\"bob@example.com\"}}}");
    AuthConfig a = c.forRegistry("127.0.0.1:5000").orElseThrow();
    assertThat(a.username()).isEqualTo("bob");
    assertThat(a.password()).isEqualTo("pa:ss");
    assertThat(a.email()).isEqualTo("bob@example.com");
    assertThat(a.serverAddress()).isEqualTo("127.0.0.1:5000");
    assertThat(c.forRegistry("127.0.0.1:5001")).isEmpty();
    assertThat(c.forImage(ImageReference.parse("127.0.0.1:5000/team/app:1"))).contains(a);
  }

  @Test
  void keysMatchByHost() throws IOException {
    DockerConfigCredentials c =
        credentials(
            "{\"auths\":{"
                + "\"https://a.example.com\":{\"auth\":\""
                + b64("a:1")
                + "\"},"
                + "\"http://b.example.com:5000\":{\"username\":\"b\",\"password\":\"2\"},"
                + "\"https://c.example.com/v1/\":{\"auth\":\""
                + b64("c:3")
                + "\"},"
                + "\"D.Example.com\":{\"auth\":\""
                + b64("d:4")
                + "\"}}}");
    assertThat(c.forRegistry("a.example.com").map(AuthConfig::username)).contains("a");
    assertThat(c.forRegistry("b.example.com:5000").map(AuthConfig::password)).contains("2");
    assertThat(c.forRegistry("b.example.com")).isEmpty();
    assertThat(c.forRegistry("c.example.com").map(AuthConfig::username)).contains("c");
    assertThat(c.forRegistry("d.example.com").map(AuthConfig::username)).contains("d");
    assertThat(c.forRegistry("https://c.example.com").map(AuthConfig::serverAddress))
        .contains("c.example.com");
  }

  @Test
  void dockerHubAliases() throws IOException {
    for (String key :
        List.of(
            "https://index.docker.io/v1/",
            "index.docker.io",
            "docker.io",
            "registry-1.docker.io",
            "https://registry-1.docker.io/v2/",
            // Issue 9: pull secrets took this alias for Docker Hub, config.json lookups did not.
            "registry.hub.docker.com")) {
      DockerConfigCredentials c =
          credentials("{\"auths\":{\"" + key + "\":{\"auth\":\"" + b64("hub:pw") + "\"}}}");
      for (String domain :
          List.of(
              "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com")) {
        AuthConfig a = c.forRegistry(domain).orElseThrow(() -> new AssertionError(key));
        assertThat(a.username()).isEqualTo("hub");
        assertThat(a.serverAddress()).isEqualTo(DockerConfigCredentials.DOCKER_HUB_SERVER);
      }
      assertThat(c.forImage(ImageReference.parse("busybox"))).isPresent();
      assertThat(c.forRegistry("ghcr.io")).isEmpty();
    }
  }

  @Test
  void exactDockerHubKeyWins() throws IOException {
    DockerConfigCredentials c =
        credentials(
            "{\"auths\":{\"registry-1.docker.io\":{\"auth\":\""
                + b64("other:x")
                + "\"},\"https://index.docker.io/v1/\":{\"auth\":\""
                + b64("main:y")
                + "\"}}}");
    assertThat(c.forRegistry("docker.io").map(AuthConfig::username)).contains("main");
  }

  @Test
  void tokensInAuthEntries() throws IOException {
    DockerConfigCredentials c =
        credentials(
            "{\"auths\":{"
                + "\"id.example.com\":{\"identitytoken\":\"idt\"},"
                + "\"rt.example.com\":{\"registrytoken\":\"rtk\"}}}");
    AuthConfig id = c.forRegistry("id.example.com").orElseThrow();
    assertThat(id.identityToken()).isEqualTo("idt");
    assertThat(id.username()).isNull();
    assertThat(c.forRegistry("rt.example.com").orElseThrow().registryToken()).isEqualTo("rtk");
  }

  @Test
  void credHelperPerRegistry() throws IOException {
    DockerConfigCredentials c =
        credentials(
            "{\"credHelpers\":{\"reg.example.com\":\"test\"},"
                + "\"auths\":{\"reg.example.com\":{\"auth\":\""
                + b64("file:wrong")
                + "\"}}}");
    AuthConfig a = c.forRegistry("reg.example.com").orElseThrow();
    assertThat(a.username()).isEqualTo("helper-user");
    assertThat(a.password()).isEqualTo("helper-secret");
    assertThat(a.serverAddress()).isEqualTo("reg.example.com");
    assertThat(Files.readString(stdinLog)).isEqualTo("reg.example.com\n");
  }

  @Test
  void credHelperForDockerHubGetsHubServerAndTokenUser() throws IOException {
    DockerConfigCredentials c = credentials("{\"credHelpers\":{\"docker.io\":\"test\"}}");
    AuthConfig a = c.forRegistry("docker.io").orElseThrow();
    assertThat(a.identityToken()).isEqualTo("hub-identity-token");
    assertThat(a.username()).isNull();
    assertThat(a.password()).isNull();
    assertThat(a.serverAddress()).isEqualTo("https://index.docker.io/v1/");
    assertThat(Files.readString(stdinLog)).isEqualTo("https://index.docker.io/v1/\n");
  }

  @Test
  void credsStoreIsTheFallback() throws IOException {
    DockerConfigCredentials c =
        credentials(
            "{\"credsStore\":\"test\",\"auths\":{\"reg.example.com\":{},"
                + "\"file.example.com\":{\"auth\":\""
                + b64("f:g")
                + "\"}}}");
    assertThat(c.forRegistry("reg.example.com").map(AuthConfig::username)).contains("helper-user");
    assertThat(c.forRegistry("file.example.com").map(AuthConfig::username)).contains("f");
    assertThat(c.forRegistry("unknown.example.com")).isEmpty();
  }

  @Test
  void helperNotInstalledMeansNoCredentials() throws IOException {
    DockerConfigCredentials c =
        credentials("{\"credsStore\":\"desktop\",\"credHelpers\":{\"x.io\":\"gcloud\"}}");
    assertThat(c.forRegistry("reg.example.com")).isEmpty();
    assertThat(c.forRegistry("x.io")).isEmpty();
  }

  @Test
  void helperFailureIsAnErrorWithoutSecrets() throws IOException {
    DockerConfigCredentials c = credentials("{\"credsStore\":\"test\"}");
    assertThatThrownBy(() -> c.forRegistry("broken.example.com"))
        .isInstanceOf(EngineException.class)
        .hasMessage(
            "credential helper docker-credential-test failed for broken.example.com (exit 3):"
                + " error getting credentials - err: keychain is locked");
    assertThatThrownBy(() -> c.forRegistry("garbage.example.com"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("invalid JSON")
        .hasMessageNotContaining("garbage-secret");
  }

  @Test
  void helperTimeout() throws IOException {
    DockerConfigCredentials c =
        credentials("{\"credsStore\":\"test\"}").withHelperTimeout(Duration.ofMillis(500));
    long start = System.nanoTime();
    assertThatThrownBy(() -> c.forRegistry("slow.example.com"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("did not finish");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
  }

  @Test
  void helperNameCannotEscapeTheHelperDirectories() throws IOException {
    DockerConfigCredentials c = credentials("{\"credsStore\":\"../../bin/sh\"}");
    assertThatThrownBy(() -> c.forRegistry("reg.example.com"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("invalid credential helper name");
  }

  @Test
  void invalidJsonDoesNotEchoContent() throws IOException {
    DockerConfigCredentials c =
        credentials("{\"auths\":{\"r.io\":{\"auth\":\"c2VjcmV0\"}}, topsecretvalue }");
    assertThatThrownBy(() -> c.forRegistry("r.io"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("is not valid JSON (line 1")
        .hasMessageNotContaining("topsecretvalue")
        .hasMessageNotContaining("c2VjcmV0");
  }

  @Test
  void invalidAuthEntry() throws IOException {
    DockerConfigCredentials c =
        credentials("{\"auths\":{\"r.io\":{\"auth\":\"" + b64("no-colon-secret") + "\"}}}");
    assertThatThrownBy(() -> c.forRegistry("r.io"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("not base64 of username:password")
        .hasMessageNotContaining("no-colon-secret");
    DockerConfigCredentials d = credentials("{\"auths\":{\"r.io\":{\"auth\":\"%%%\"}}}");
    assertThatThrownBy(() -> d.forRegistry("r.io"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("not valid base64");
  }

  @Test
  void fromEnvironment() throws IOException {
    Path dockerConfig = Files.createDirectories(dir.resolve("dc"));
    Files.writeString(
        dockerConfig.resolve("config.json"),
        "{\"auths\":{\"r.io\":{\"auth\":\"" + b64("env:1") + "\"}}}");
    Path home = Files.createDirectories(dir.resolve("home/.docker")).getParent();
    Files.writeString(
        home.resolve(".docker/config.json"),
        "{\"credsStore\":\"test\",\"auths\":{\"r.io\":{\"auth\":\"" + b64("home:2") + "\"}}}");
    String path = dir.resolve("empty") + java.io.File.pathSeparator + bin;

    DockerConfigCredentials fromDockerConfig =
        DockerConfigCredentials.fromEnvironment(
            Map.of(
                "DOCKER_CONFIG", dockerConfig.toString(), "HOME", home.toString(), "PATH", path));
    assertThat(fromDockerConfig.configFile()).isEqualTo(dockerConfig.resolve("config.json"));
    assertThat(fromDockerConfig.forRegistry("r.io").map(AuthConfig::username)).contains("env");

    DockerConfigCredentials fromHome =
        DockerConfigCredentials.fromEnvironment(Map.of("HOME", home.toString(), "PATH", path));
    assertThat(fromHome.configFile()).isEqualTo(home.resolve(".docker/config.json"));
    assertThat(fromHome.forRegistry("r.io").map(AuthConfig::username)).contains("home");
    assertThat(fromHome.helperDirs()).containsExactly(dir.resolve("empty"), bin);
    assertThat(fromHome.forRegistry("reg.example.com").map(AuthConfig::username))
        .isEqualTo(Optional.of("helper-user"));
  }

  @Test
  void toStringHidesSecrets() throws IOException {
    DockerConfigCredentials c =
        credentials("{\"auths\":{\"r.io\":{\"auth\":\"" + b64("u:very-secret") + "\"}}}");
    assertThat(c.forRegistry("r.io").orElseThrow().toString()).doesNotContain("very-secret");
  }
}
