package dev.imagespec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.testing.CliRunner;
import dev.imagespec.testing.RegistryImages;
import dev.imagespec.testing.TestEnv;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code imagespec images copy} through {@link CliRunner} against the real registries: the plain
 * one and the htpasswd one. It needs no engine, and runs none.
 */
class ImagesCopyCliTest {
  private final RegistryClient client = RegistryClient.builder().build();
  private final RegistryImages images = new RegistryImages(client);

  @AfterEach
  void deleteImages() {
    images.close();
  }

  private static AuthConfig creds() {
    return AuthConfig.basic(TestEnv.authUser().trim(), TestEnv.authPassword().trim());
  }

  private static String userPassword() {
    return TestEnv.authUser().trim() + ":" + TestEnv.authPassword().trim();
  }

  private static ImageReference ref(String registry, String name) {
    return ImageReference.parse(
        registry.trim() + "/imagespec-test/cli-copy-" + name + "-" + TestEnv.unique() + ":1");
  }

  @Test
  void copiesThenFindsNothingToCopy() throws Exception {
    ImageReference src = ref(TestEnv.registry(), "src");
    RegistryImages.Pushed pushed = images.pushImage(src, null, 21, "amd64", 1 << 20);
    ImageReference dst = ref(TestEnv.authRegistry(), "dst");
    images.copiedTo(pushed, dst, creds());

    CliRunner.Result r =
        CliRunner.run(
            "images", "copy", src.canonical(), dst.canonical(), "--dest-creds", userPassword());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith("Copied " + src.canonical() + " → " + dst.canonical() + " " + pushed.digest())
        .contains("2 copied");
    assertThat(r.out() + r.err()).doesNotContain(TestEnv.authPassword().trim());
    assertThat(client.digest(dst, creds())).contains(pushed.digest());

    CliRunner.Result again =
        CliRunner.run(
            "images",
            "copy",
            src.canonical(),
            dst.canonical(),
            "--dest-creds",
            userPassword(),
            "-o",
            "json");
    assertThat(again.code()).as(again.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(again.out());
    assertThat(json.path("skipped").asBoolean()).isTrue();
    assertThat(json.path("digest").asText()).isEqualTo(pushed.digest());
    assertThat(json.path("target").asText()).isEqualTo(dst.canonical());
    assertThat(json.path("bytesUploaded").asLong()).isZero();

    CliRunner.Result text =
        CliRunner.run(
            "images", "copy", src.canonical(), dst.canonical(), "--dest-creds", userPassword());
    assertThat(text.out().trim())
        .isEqualTo(dst.canonical() + " already holds " + pushed.digest() + " (nothing copied)");
  }

  @Test
  void onePlatformOfAnIndex() {
    ImageReference src = ref(TestEnv.registry(), "index");
    RegistryImages.Pushed index = images.pushIndex(src, null, 22, 4096, "amd64", "arm64");
    ImageReference dst = ref(TestEnv.registry(), "arm");
    images.copiedTo(index, dst, null);

    CliRunner.Result r =
        CliRunner.run(
            "images", "copy", src.canonical(), dst.canonical(), "--platform", "linux/arm64");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(" " + index.manifests().get(2) + " (1 manifest;")
        .contains("2 mounted");
  }

  @Test
  void wrongCredentialsExitOneNamingTheSide() {
    ImageReference priv = ref(TestEnv.authRegistry(), "private");
    images.pushImage(priv, creds(), 23, "amd64", 4096);
    ImageReference plain = ref(TestEnv.registry(), "plain");
    RegistryImages.Pushed pub = images.pushImage(plain, null, 24, "amd64", 4096);
    images.copiedTo(pub, priv.withTag("2"), creds());
    String bad = TestEnv.authUser().trim() + ":wrong-" + TestEnv.unique();

    CliRunner.Result source =
        CliRunner.run(
            "images", "copy", priv.canonical(), plain.withTag("2").canonical(), "--src-creds", bad);
    assertThat(source.code()).isEqualTo(1);
    assertThat(source.err())
        .startsWith("imagespec: source " + priv.canonical() + ": ")
        .contains("check the source credentials")
        .doesNotContain(bad.substring(bad.indexOf(':') + 1));

    CliRunner.Result target =
        CliRunner.run(
            "images",
            "copy",
            plain.canonical(),
            priv.withTag("2").canonical(),
            "--dest-creds",
            bad);
    assertThat(target.code()).isEqualTo(1);
    assertThat(target.err())
        .startsWith("imagespec: target " + priv.withTag("2").canonical() + ": ")
        .contains("check the target credentials")
        .doesNotContain(bad.substring(bad.indexOf(':') + 1));
    assertThat(client.digest(priv.withTag("2"), creds())).isEmpty();
  }

  @Test
  void badInputExitsTwoWithoutARequest() throws IOException {
    try (ServerSocket registry = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String good = "127.0.0.1:" + registry.getLocalPort() + "/team/app:1";
      String[][] cases = {
        {"images", "copy", "Team/App:1", good},
        {"images", "copy", good, "127.0.0.1:1/app::1"},
        {"images", "copy", good, good + "-copy", "--platform", "linux"},
        {"images", "copy", good, good + "-copy", "--platform", "linux/amd64", "--all-platforms"},
        {"images", "copy", good, good + "-copy", "--src-creds", "nocolon"},
        {"images", "copy", good, good + "-copy", "--dest-creds", ":password"},
        {"images", "copy", good},
      };
      for (String[] args : cases) {
        CliRunner.Result r = CliRunner.run(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("imagespec: ");
      }
      registry.setSoTimeout(200);
      assertThatThrownBy(registry::accept)
          .as("no connection reached the registry")
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void missingSourceExitsOne() {
    ImageReference src = ref(TestEnv.registry(), "absent");
    CliRunner.Result r =
        CliRunner.run("images", "copy", src.canonical(), ref(TestEnv.registry(), "x").canonical());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("source " + src.canonical() + ": image not found");
  }
}
