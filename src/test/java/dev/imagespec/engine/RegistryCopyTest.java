package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.testing.RegistryImages;
import dev.imagespec.testing.TestEnv;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RegistryCopy} between the real registries: {@code IMAGESPEC_TEST_REGISTRY} (plain HTTP, no
 * auth) and {@code IMAGESPEC_TEST_AUTH_REGISTRY} (htpasswd basic auth). Every test uses its own
 * repositories and deletes what it pushed or copied.
 */
class RegistryCopyTest {
  private static final long MIB = 1L << 20;

  /** Every request: method, host:port, path, and the body's length for blob upload PUTs. */
  private final List<String> requests = new CopyOnWriteArrayList<>();

  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .addInterceptor(
              chain -> {
                Request r = chain.request();
                boolean upload =
                    r.method().equals("PUT") && r.url().encodedPath().contains("/blobs/uploads/");
                requests.add(
                    r.method()
                        + " "
                        + r.url().host()
                        + ":"
                        + r.url().port()
                        + r.url().encodedPath()
                        + (upload ? " " + r.body().contentLength() : ""));
                return chain.proceed(r);
              })
          .build();

  private final RegistryClient client =
      RegistryClient.builder()
          .httpClient(http)
          .connectTimeout(Duration.ofSeconds(5))
          .readTimeout(Duration.ofSeconds(30))
          .build();
  private final RegistryCopy copy = new RegistryCopy(client);
  private final RegistryImages images = new RegistryImages(client);

  @AfterEach
  void deleteImages() {
    images.close();
  }

  private static AuthConfig creds() {
    return AuthConfig.basic(TestEnv.authUser().trim(), TestEnv.authPassword().trim());
  }

  private static ImageReference ref(String registry, String name, String tag) {
    return ImageReference.parse(
        registry.trim() + "/imagespec-test/copy-" + name + "-" + TestEnv.unique() + ":" + tag);
  }

  private long uploadedBytes() {
    return requests.stream()
        .filter(r -> r.startsWith("PUT ") && r.contains("/blobs/uploads/"))
        .mapToLong(r -> Long.parseLong(r.substring(r.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void plainToAuthKeepsDigestsAndSkipsWhatTheTargetHolds() throws Exception {
    ImageReference src = ref(TestEnv.registry(), "src", "1");
    RegistryImages.Pushed pushed =
        images.pushImage(src, null, 7, "amd64", 3 * MIB, MIB, 300 * 1024);
    ImageReference dst = ref(TestEnv.authRegistry(), "dst", "v1");
    images.copiedTo(pushed, dst, creds());
    requests.clear();

    CopyResult r = copy.copy(src, dst, CopyOptions.defaults().withTargetAuth(creds()));

    assertThat(r.skipped()).isFalse();
    assertThat(r.digest()).isEqualTo(pushed.digest());
    assertThat(r.target()).isEqualTo(dst.canonical());
    assertThat(r.mediaType()).isEqualTo(RegistryClient.OCI_MANIFEST);
    assertThat(r.manifests()).isEqualTo(1);
    assertThat(r.blobsCopied()).isEqualTo(4); // config + 3 layers
    assertThat(r.blobsMounted()).isZero();
    assertThat(r.blobsSkipped()).isZero();
    assertThat(r.bytesUploaded()).isEqualTo(pushed.bytes());
    assertThat(uploadedBytes()).isEqualTo(pushed.bytes());

    RegistryData data = client.inspect(dst, creds());
    assertThat(data.digest()).isEqualTo(pushed.digest());
    assertThat(data.platforms()).containsExactly(new RegistryData.Platform("linux", "amd64", null));
    assertThat(client.fetchManifest(dst, creds()).body())
        .isEqualTo(client.fetchManifest(src, null).body());
    for (String blob : pushed.blobs()) {
      assertThat(client.blobExists(dst, blob, creds())).as(blob).isTrue();
    }

    // A new tag on the target: the blobs are there, only the manifest is put.
    ImageReference again = dst.withTag("v2");
    requests.clear();
    CopyResult second = copy.copy(src, again, CopyOptions.defaults().withTargetAuth(creds()));
    assertThat(second.skipped()).isFalse();
    assertThat(second.blobsSkipped()).isEqualTo(4);
    assertThat(second.blobsCopied()).isZero();
    assertThat(uploadedBytes()).isZero();
    assertThat(client.digest(again, creds())).contains(pushed.digest());
  }

  @Test
  void copyToATargetHoldingTheDigestMakesOneRequest() {
    ImageReference src = ref(TestEnv.registry(), "src", "1");
    RegistryImages.Pushed pushed = images.pushImage(src, null, 8, "amd64", MIB);
    ImageReference dst = ref(TestEnv.authRegistry(), "dst", "1");
    images.copiedTo(pushed, dst, creds());
    CopyOptions options = CopyOptions.defaults().withTargetAuth(creds());
    copy.copy(src, dst, options);

    // By digest: one HEAD on the target (the client knows both registries' schemes already).
    requests.clear();
    CopyResult r = copy.copy(src.withDigest(pushed.digest()), dst, options);
    assertThat(r.skipped()).isTrue();
    assertThat(r.digest()).isEqualTo(pushed.digest());
    assertThat(r.manifests() + r.blobsCopied() + r.blobsMounted() + r.blobsSkipped()).isZero();
    assertThat(requests)
        .containsExactly(
            "HEAD " + dst.domain() + "/v2/" + dst.path() + "/manifests/" + dst.tag().orElseThrow());

    // By tag: the source's digest needs one HEAD there too; still one request to the target.
    requests.clear();
    assertThat(copy.copy(src, dst, options).skipped()).isTrue();
    assertThat(requests)
        .containsExactly(
            "HEAD " + src.domain() + "/v2/" + src.path() + "/manifests/1",
            "HEAD " + dst.domain() + "/v2/" + dst.path() + "/manifests/1");
  }

  @Test
  void sameRegistryCopyMountsTheBlobs() {
    ImageReference src = ref(TestEnv.registry(), "src", "1");
    RegistryImages.Pushed pushed = images.pushImage(src, null, 9, "amd64", 2 * MIB, MIB);
    ImageReference dst = ref(TestEnv.registry(), "dst", "1");
    images.copiedTo(pushed, dst, null);
    requests.clear();

    CopyResult r = copy.copy(src, dst, CopyOptions.defaults());

    assertThat(r.digest()).isEqualTo(pushed.digest());
    assertThat(r.blobsMounted()).isEqualTo(3);
    assertThat(r.blobsCopied()).isZero();
    assertThat(r.bytesUploaded()).isZero();
    assertThat(uploadedBytes()).isZero();
    assertThat(requests).noneMatch(q -> q.startsWith("GET ") && q.contains("/blobs/"));
    assertThat(requests)
        .filteredOn(q -> q.startsWith("POST "))
        .hasSize(3)
        .allMatch(q -> q.contains(dst.path() + "/blobs/uploads/"));
    assertThat(client.digest(dst, null)).contains(pushed.digest());
  }

  @Test
  void multiPlatformIndexIsCopiedWholeOrOnePlatform() {
    ImageReference src = ref(TestEnv.registry(), "index", "multi");
    RegistryImages.Pushed index = images.pushIndex(src, null, 11, 512 * 1024, "amd64", "arm64");
    String amd64 = index.manifests().get(1);
    String arm64 = index.manifests().get(2);

    ImageReference whole = ref(TestEnv.authRegistry(), "whole", "multi");
    images.copiedTo(index, whole, creds());
    CopyResult r = copy.copy(src, whole, CopyOptions.defaults().withTargetAuth(creds()));
    assertThat(r.digest()).isEqualTo(index.digest());
    assertThat(r.mediaType()).isEqualTo(RegistryClient.OCI_INDEX);
    assertThat(r.manifests()).isEqualTo(3);
    assertThat(r.blobsCopied()).isEqualTo(4); // a config and a layer per platform
    RegistryData data = client.inspect(whole, creds());
    assertThat(data.digest()).isEqualTo(index.digest());
    assertThat(data.platforms())
        .extracting(RegistryData.Platform::toString)
        .containsExactly("linux/amd64", "linux/arm64");
    assertThat(client.digest(whole.withDigest(amd64), creds())).contains(amd64);
    assertThat(client.digest(whole.withDigest(arm64), creds())).contains(arm64);

    // One platform, within the same registry: that manifest alone, under the tag.
    ImageReference one = ref(TestEnv.registry(), "one", "arm");
    images.copiedTo(index, one, null);
    CopyResult single = copy.copy(src, one, CopyOptions.defaults().withPlatform("linux/arm64/v8"));
    assertThat(single.digest()).isEqualTo(arm64);
    assertThat(single.mediaType()).isEqualTo(RegistryClient.OCI_MANIFEST);
    assertThat(single.manifests()).isEqualTo(1);
    assertThat(single.blobsMounted()).isEqualTo(2);
    assertThat(client.inspect(one, null).platforms())
        .containsExactly(new RegistryData.Platform("linux", "arm64", null));
    assertThat(client.digest(one.withDigest(amd64), null)).isEmpty();
    assertThat(client.digest(one.withDigest(index.digest()), null)).isEmpty();

    // Again: the target's tag serves that platform's digest already.
    assertThat(copy.copy(src, one, CopyOptions.defaults().withPlatform("linux/arm64")).skipped())
        .isTrue();

    assertThatThrownBy(
            () -> copy.copy(src, one, CopyOptions.defaults().withPlatform("linux/s390x")))
        .isInstanceOfSatisfying(
            CopyException.class, e -> assertThat(e.side()).isEqualTo(CopyException.Side.SOURCE))
        .hasMessageContaining("source " + src.canonical())
        .hasMessageContaining("no linux/s390x manifest")
        .hasMessageContaining("linux/amd64, linux/arm64");
  }

  @Test
  void wrongSourceCredentialsNameTheSource() {
    ImageReference src = ref(TestEnv.authRegistry(), "private", "1");
    images.pushImage(src, creds(), 13, "amd64", 64 * 1024);
    ImageReference dst = ref(TestEnv.registry(), "dst", "1");
    String password = "wrong-" + TestEnv.unique();

    assertThatThrownBy(
            () ->
                copy.copy(
                    src,
                    dst,
                    CopyOptions.defaults()
                        .withSourceAuth(AuthConfig.basic(TestEnv.authUser().trim(), password))))
        .isInstanceOfSatisfying(
            CopyException.class,
            e -> {
              assertThat(e.side()).isEqualTo(CopyException.Side.SOURCE);
              assertThat(e.unauthorized()).isTrue();
            })
        .hasMessageStartingWith("source " + src.canonical() + ": ")
        .hasMessageEndingWith("check the source credentials")
        .hasMessageNotContaining(password);

    assertThatThrownBy(() -> copy.copy(src, dst, CopyOptions.defaults()))
        .isInstanceOfSatisfying(
            CopyException.class, e -> assertThat(e.side()).isEqualTo(CopyException.Side.SOURCE))
        .hasMessageContaining("no credentials given")
        .hasMessageEndingWith("check the source credentials");
    assertThat(client.digest(dst, null)).isEmpty();
  }

  @Test
  void wrongTargetCredentialsNameTheTarget() {
    ImageReference src = ref(TestEnv.registry(), "src", "1");
    images.pushImage(src, null, 14, "amd64", 64 * 1024);
    ImageReference dst = ref(TestEnv.authRegistry(), "dst", "1");
    String password = "wrong-" + TestEnv.unique();

    assertThatThrownBy(
            () ->
                copy.copy(
                    src,
                    dst,
                    CopyOptions.defaults()
                        .withTargetAuth(AuthConfig.basic(TestEnv.authUser().trim(), password))))
        .isInstanceOfSatisfying(
            CopyException.class,
            e -> {
              assertThat(e.side()).isEqualTo(CopyException.Side.TARGET);
              assertThat(e.unauthorized()).isTrue();
            })
        .hasMessageStartingWith("target " + dst.canonical() + ": ")
        .hasMessageEndingWith("check the target credentials")
        .hasMessageNotContaining(password);
  }

  @Test
  void missingSourceIsTheSourceSide() {
    ImageReference src = ref(TestEnv.registry(), "absent", "1");
    ImageReference dst = ref(TestEnv.registry(), "dst", "1");
    assertThatThrownBy(() -> copy.copy(src, dst, CopyOptions.defaults()))
        .isInstanceOfSatisfying(
            CopyException.class,
            e -> {
              assertThat(e.side()).isEqualTo(CopyException.Side.SOURCE);
              assertThat(e.status()).isEqualTo(404);
            })
        .hasMessageStartingWith("source " + src.canonical() + ": image not found");
  }

  @Test
  void openBlobStreamsTheBytes() throws Exception {
    ImageReference src = ref(TestEnv.registry(), "blob", "1");
    RegistryImages.Pushed pushed = images.pushImage(src, null, 15, "amd64", 5 * MIB);
    String layer = pushed.blobs().get(1);
    try (InputStream in = client.openBlob(src, layer, null)) {
      assertThat(RegistryImages.digestOf(() -> in)).isEqualTo(layer);
    }
    assertThatThrownBy(() -> client.openBlob(src, "sha256:" + "0".repeat(64), null))
        .isInstanceOf(ImageNotFoundException.class)
        .hasMessageContaining("not found in " + src.domain() + "/" + src.path());
  }
}
