package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;
import okhttp3.Credentials;
import org.junit.jupiter.api.Test;

/**
 * {@link RegistryClient} against real registries (Docker's distribution), as {@code scripts/engines
 * up} provides them: {@code IMAGESPEC_TEST_REGISTRY} (plain HTTP, no auth) and {@code
 * IMAGESPEC_TEST_AUTH_REGISTRY} (htpasswd basic auth, with {@code IMAGESPEC_TEST_AUTH_USER} /
 * {@code IMAGESPEC_TEST_AUTH_PASSWORD}). Without them the registry tests are skipped, unless {@code
 * IMAGESPEC_REQUIRE_ENGINES=1}, which makes a missing registry a failure.
 *
 * <p>Each run pushes its own images under a fresh repository, so runs never disturb each other.
 */
class RegistryClientTest {
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String REPO = "imagespec-test/regclient-" + RUN;

  private static Fixture plain;
  private static Fixture auth;

  private final RegistryClient client =
      RegistryClient.builder()
          .connectTimeout(Duration.ofSeconds(5))
          .readTimeout(Duration.ofSeconds(20))
          .build();

  /** The images pushed into one registry. */
  private record Fixture(
      String registry,
      TestRegistryPusher.Pushed single,
      TestRegistryPusher.Pushed amd64,
      TestRegistryPusher.Pushed arm64,
      TestRegistryPusher.Pushed index) {
    ImageReference ref(String suffix) {
      return ImageReference.parse(registry + "/" + REPO + suffix);
    }
  }

  private static String env(String name) {
    return dev.imagespec.testing.TestEnv.require(name).trim();
  }

  private static synchronized Fixture plain() throws IOException {
    if (plain == null) {
      plain = push(env("IMAGESPEC_TEST_REGISTRY"), null);
    }
    return plain;
  }

  private static synchronized Fixture auth() throws IOException {
    if (auth == null) {
      String registry = env("IMAGESPEC_TEST_AUTH_REGISTRY");
      auth = push(registry, Credentials.basic(user(), password()));
    }
    return auth;
  }

  private static String user() {
    return env("IMAGESPEC_TEST_AUTH_USER");
  }

  private static String password() {
    return env("IMAGESPEC_TEST_AUTH_PASSWORD");
  }

  private static Fixture push(String registry, String authorization) throws IOException {
    TestRegistryPusher pusher = new TestRegistryPusher(registry, authorization);
    TestRegistryPusher.Pushed single =
        pusher.pushImage(REPO, "single", RegistryClient.DOCKER_MANIFEST, "linux", "amd64", null);
    TestRegistryPusher.Pushed amd64 =
        pusher.pushImage(REPO, null, RegistryClient.OCI_MANIFEST, "linux", "amd64", null);
    TestRegistryPusher.Pushed arm64 =
        pusher.pushImage(REPO, null, RegistryClient.OCI_MANIFEST, "linux", "arm64", "v8");
    TestRegistryPusher.Pushed index =
        pusher.pushIndex(
            REPO,
            "multi",
            new TestRegistryPusher.Pushed[] {amd64, arm64},
            new String[][] {{"linux", "amd64"}, {"linux", "arm64", "v8"}});
    return new Fixture(registry, single, amd64, arm64, index);
  }

  // --- plain registry ----------------------------------------------------------------------

  @Test
  void digestOfTag() throws IOException {
    Fixture f = plain();
    assertThat(client.digest(f.ref(":single"), null)).contains(f.single().digest());
    assertThat(client.digest(f.ref(":multi"), null)).contains(f.index().digest());
  }

  @Test
  void digestOfDigestReference() throws IOException {
    Fixture f = plain();
    assertThat(client.digest(f.ref("@" + f.arm64().digest()), null)).contains(f.arm64().digest());
  }

  @Test
  void inspectSingleManifestReadsPlatformFromConfig() throws IOException {
    Fixture f = plain();
    RegistryData data = client.inspect(f.ref(":single"), null);
    assertThat(data.digest()).isEqualTo(f.single().digest());
    assertThat(data.mediaType()).isEqualTo(RegistryClient.DOCKER_MANIFEST);
    assertThat(data.size()).isEqualTo(f.single().size());
    assertThat(data.isIndex()).isFalse();
    assertThat(data.platforms()).containsExactly(new RegistryData.Platform("linux", "amd64", null));
  }

  @Test
  void inspectIndexListsPlatformsWithoutAttestations() throws IOException {
    Fixture f = plain();
    RegistryData data = client.inspect(f.ref(":multi"), null);
    assertThat(data.digest()).isEqualTo(f.index().digest());
    assertThat(data.mediaType()).isEqualTo(RegistryClient.OCI_INDEX);
    assertThat(data.size()).isEqualTo(f.index().size());
    assertThat(data.isIndex()).isTrue();
    assertThat(data.platforms())
        .containsExactly(
            new RegistryData.Platform("linux", "amd64", null),
            new RegistryData.Platform("linux", "arm64", "v8"));
    assertThat(data.platforms().get(1)).hasToString("linux/arm64/v8");
  }

  @Test
  void inspectByDigest() throws IOException {
    Fixture f = plain();
    RegistryData data = client.inspect(f.ref("@" + f.arm64().digest()), null);
    assertThat(data.digest()).isEqualTo(f.arm64().digest());
    assertThat(data.mediaType()).isEqualTo(RegistryClient.OCI_MANIFEST);
    assertThat(data.platforms()).containsExactly(new RegistryData.Platform("linux", "arm64", "v8"));
  }

  @Test
  void missingTagIsEmptyOrNotFound() throws IOException {
    Fixture f = plain();
    ImageReference missing = f.ref(":no-such-tag");
    assertThat(client.digest(missing, null)).isEmpty();
    assertThatThrownBy(() -> client.inspect(missing, null))
        .isInstanceOf(ImageNotFoundException.class)
        .hasMessageContaining(f.registry() + "/" + REPO + ":no-such-tag")
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(404));
  }

  @Test
  void missingRepositoryIsEmptyOrNotFound() throws IOException {
    Fixture f = plain();
    ImageReference missing =
        ImageReference.parse(f.registry() + "/imagespec-test/never-pushed-" + RUN + ":latest");
    assertThat(client.digest(missing, null)).isEmpty();
    assertThatThrownBy(() -> client.inspect(missing, null))
        .isInstanceOf(ImageNotFoundException.class);
    assertThatThrownBy(() -> client.listTags(missing, null))
        .isInstanceOf(ImageNotFoundException.class)
        .hasMessageContaining("never-pushed-" + RUN);
  }

  @Test
  void listTags() throws IOException {
    Fixture f = plain();
    assertThat(client.listTags(f.ref(""), null)).containsExactlyInAnyOrder("single", "multi");
    // the tag or digest of the reference does not matter
    assertThat(client.listTags(f.ref(":single"), null))
        .containsExactlyInAnyOrder("single", "multi");
  }

  // --- authenticated registry ----------------------------------------------------------------

  @Test
  void authRegistryWithRightCredentials() throws IOException {
    Fixture f = auth();
    AuthConfig credentials = AuthConfig.basic(user(), password());
    assertThat(client.digest(f.ref(":single"), credentials)).contains(f.single().digest());
    RegistryData data = client.inspect(f.ref(":multi"), credentials);
    assertThat(data.digest()).isEqualTo(f.index().digest());
    assertThat(data.platforms()).hasSize(2);
    assertThat(client.listTags(f.ref(""), credentials))
        .containsExactlyInAnyOrder("single", "multi");
    assertThat(client.digest(f.ref(":no-such-tag"), credentials)).isEmpty();
  }

  @Test
  void authRegistryWithWrongPassword() throws IOException {
    Fixture f = auth();
    String wrong = "wrong-" + password() + "-x";
    AuthConfig credentials = AuthConfig.basic(user(), wrong);
    for (Runnable call :
        new Runnable[] {
          () -> client.digest(f.ref(":single"), credentials),
          () -> client.inspect(f.ref(":single"), credentials),
          () -> client.listTags(f.ref(""), credentials)
        }) {
      assertThatThrownBy(call::run)
          .isInstanceOf(ApiException.class)
          .isNotInstanceOf(ImageNotFoundException.class)
          .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(401))
          .hasMessageContaining("registry " + f.registry())
          .hasMessageContaining("refused credentials")
          .hasMessageContaining(REPO)
          .hasMessageNotContaining(wrong)
          .hasMessageNotContaining(password());
    }
  }

  @Test
  void authRegistryWithoutCredentials() throws IOException {
    Fixture f = auth();
    assertThatThrownBy(() -> client.digest(f.ref(":single"), null))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(401))
        .hasMessageContaining("requires authentication");
    assertThatThrownBy(() -> client.inspect(f.ref(":single"), null))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(401));
  }

  // --- unreachable ---------------------------------------------------------------------------

  @Test
  void registryDownIsUnavailable() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ImageReference ref = ImageReference.parse("127.0.0.1:" + port + "/team/app:1");
    assertThatThrownBy(() -> client.digest(ref, AuthConfig.basic("u", "p4ssw0rd")))
        .isInstanceOf(EngineUnavailableException.class)
        .hasMessage("registry 127.0.0.1:" + port + " unreachable: Connection refused");
    assertThatThrownBy(() -> client.inspect(ref, null))
        .isInstanceOf(EngineUnavailableException.class);
    assertThatThrownBy(() -> client.listTags(ref, null))
        .isInstanceOf(EngineUnavailableException.class);
  }

  @Test
  void openBlobStreamsABlobAndNamesOneThatIsMissing() throws IOException {
    ImageReference repo =
        ImageReference.parse(env("IMAGESPEC_TEST_REGISTRY") + "/" + REPO + "-blob");
    byte[] content =
        ("blob " + UUID.randomUUID()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String digest = client.uploadBlob(repo, content, null);
    try (java.io.InputStream in = client.openBlob(repo, digest, null)) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    String missing = "sha256:" + "0".repeat(64);
    assertThatThrownBy(() -> client.openBlob(repo, missing, null))
        .isInstanceOf(ImageNotFoundException.class)
        .hasMessageContaining(missing);

    ImageReference authRepo =
        ImageReference.parse(env("IMAGESPEC_TEST_AUTH_REGISTRY") + "/" + REPO + "-blob");
    AuthConfig creds = AuthConfig.basic(user(), password());
    String authDigest = client.uploadBlob(authRepo, content, creds);
    try (java.io.InputStream in = client.openBlob(authRepo, authDigest, creds)) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    assertThatThrownBy(() -> client.openBlob(authRepo, authDigest, null))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("requires authentication");
  }
}
