package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagespec.testing.TestEnv;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RegistryClient}'s pushes against the real registries (Docker's distribution): {@code
 * IMAGESPEC_TEST_REGISTRY} (plain HTTP, no auth) and {@code IMAGESPEC_TEST_AUTH_REGISTRY} (htpasswd
 * basic auth). Every test pushes into its own repository and deletes what it pushed.
 */
class RegistryClientPushTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  private static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  private static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  private static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
  private static final long BIG = 9L << 20; // several MiB, streamed

  /** Every request the client sent: method, path, and the body's length for PUTs. */
  private final List<String> requests = new CopyOnWriteArrayList<>();

  /** What to delete after the test: {registry, authorization or null, path}. */
  private final List<String[]> created = new CopyOnWriteArrayList<>();

  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .addInterceptor(
              chain -> {
                Request r = chain.request();
                requests.add(
                    r.method()
                        + " "
                        + r.url().encodedPath()
                        + (r.method().equals("PUT") && r.url().encodedPath().contains("/uploads/")
                            ? " " + r.body().contentLength()
                            : ""));
                return chain.proceed(r);
              })
          .build();

  private final RegistryClient client =
      RegistryClient.builder()
          .httpClient(http)
          .connectTimeout(Duration.ofSeconds(5))
          .readTimeout(Duration.ofSeconds(30))
          .build();

  @AfterEach
  void deletePushed() throws IOException {
    OkHttpClient plain = new OkHttpClient();
    // manifests before the blobs they refer to
    List<String[]> order = new ArrayList<>(created);
    order.sort((a, b) -> Boolean.compare(a[2].contains("/blobs/"), b[2].contains("/blobs/")));
    for (String[] c : order) {
      Request.Builder rb = new Request.Builder().url("http://" + c[0] + c[2]).delete();
      if (c[1] != null) {
        rb.header("Authorization", c[1]);
      }
      try (Response r = plain.newCall(rb.build()).execute()) {
        assertThat(r.code()).as("DELETE %s", c[2]).isEqualTo(202);
      }
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  private static String authRegistry() {
    return TestEnv.authRegistry().trim();
  }

  private static AuthConfig credentials() {
    return AuthConfig.basic(TestEnv.authUser().trim(), TestEnv.authPassword().trim());
  }

  private static String authorization() {
    return Credentials.basic(TestEnv.authUser().trim(), TestEnv.authPassword().trim());
  }

  private ImageReference repo(String registry, String name) {
    return ImageReference.parse(
        registry.trim() + "/imagespec-test/push-" + name + "-" + TestEnv.unique());
  }

  /** {@code size} pseudo-random bytes from {@code seed}, generated as they are read. */
  private static RegistryClient.BlobSource random(long seed, long size) {
    return () ->
        new InputStream() {
          private final Random random = new Random(seed);
          private long left = size;

          @Override
          public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            if (left == 0) {
              return -1;
            }
            int n = (int) Math.min(len, left);
            byte[] chunk = new byte[n];
            random.nextBytes(chunk);
            System.arraycopy(chunk, 0, b, off, n);
            left -= n;
            return n;
          }
        };
  }

  private static String digestOf(RegistryClient.BlobSource source) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream in = source.open()) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
    }
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  private void uploaded(ImageReference repo, String digest, String authorization) {
    created.add(new String[] {repo.domain(), authorization, blobPath(repo, digest)});
  }

  private void pushedManifest(ImageReference repo, String digest, String authorization) {
    created.add(
        new String[] {repo.domain(), authorization, "/v2/" + repo.path() + "/manifests/" + digest});
  }

  private static String blobPath(ImageReference repo, String digest) {
    return "/v2/" + repo.path() + "/blobs/" + digest;
  }

  private static ObjectNode descriptor(String mediaType, String digest, long size) {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", mediaType);
    d.put("digest", digest);
    d.put("size", size);
    return d;
  }

  private static byte[] config(String arch, String... diffIds) throws IOException {
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", arch);
    config.put("os", "linux");
    config.putObject("config").putArray("Cmd").add("/bin/true");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode ids = rootfs.putArray("diff_ids");
    for (String id : diffIds) {
      ids.add(id);
    }
    return JSON.writeValueAsBytes(config);
  }

  private static byte[] manifest(String mediaType, ObjectNode config, ObjectNode... layers)
      throws IOException {
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", mediaType);
    m.set("config", config);
    ArrayNode l = m.putArray("layers");
    for (ObjectNode layer : layers) {
      l.add(layer);
    }
    return JSON.writeValueAsBytes(m);
  }

  // --- plain registry ------------------------------------------------------------------------

  @Test
  void ociImageIsPushedAndSeenByDigestAndInspect() throws Exception {
    ImageReference repo = repo(TestEnv.registry(), "oci");
    RegistryClient.BlobSource big = random(42, BIG);
    String bigDigest = digestOf(big);
    byte[] small = ("small layer " + TestEnv.unique()).getBytes(StandardCharsets.UTF_8);
    String smallDigest = RegistryResponses.sha256(small);
    byte[] config = config("amd64", bigDigest, smallDigest);

    assertThat(client.blobExists(repo, bigDigest, null)).isFalse();
    client.uploadBlob(repo, bigDigest, BIG, big, null);
    uploaded(repo, bigDigest, null);
    assertThat(client.uploadBlob(repo, small, null)).isEqualTo(smallDigest);
    uploaded(repo, smallDigest, null);
    String configDigest = client.uploadBlob(repo, config, null);
    uploaded(repo, configDigest, null);
    byte[] manifest =
        manifest(
            RegistryClient.OCI_MANIFEST,
            descriptor(OCI_CONFIG, configDigest, config.length),
            descriptor(OCI_LAYER, bigDigest, BIG),
            descriptor(OCI_LAYER, smallDigest, small.length));
    String digest =
        client.putManifest(repo.withTag("v1"), RegistryClient.OCI_MANIFEST, manifest, null);
    pushedManifest(repo, digest, null);

    assertThat(digest).isEqualTo(RegistryResponses.sha256(manifest));
    assertThat(client.digest(repo.withTag("v1"), null)).contains(digest);
    RegistryData data = client.inspect(repo.withTag("v1"), null);
    assertThat(data.digest()).isEqualTo(digest);
    assertThat(data.mediaType()).isEqualTo(RegistryClient.OCI_MANIFEST);
    assertThat(data.size()).isEqualTo(manifest.length);
    assertThat(data.platforms()).containsExactly(new RegistryData.Platform("linux", "amd64", null));
    assertThat(client.blobExists(repo, bigDigest, null)).isTrue();
    // the big layer went in one streamed PUT of its full length
    assertThat(requests)
        .filteredOn(r -> r.startsWith("PUT /v2/" + repo.path() + "/blobs/uploads/"))
        .hasSize(3)
        .anyMatch(r -> r.endsWith(" " + BIG));

    // blobs the registry has are not uploaded again: no POST, no PUT
    requests.clear();
    client.uploadBlob(repo, bigDigest, BIG, big, null);
    client.uploadBlob(repo, config, null);
    assertThat(requests)
        .containsExactly(
            "HEAD " + blobPath(repo, bigDigest), "HEAD " + blobPath(repo, configDigest));
  }

  @Test
  void blobIsMountedFromAnotherRepositoryWithoutSendingIt() throws Exception {
    ImageReference from = repo(TestEnv.registry(), "mount-from");
    ImageReference to = repo(TestEnv.registry(), "mount-to");
    byte[] layer = ("mounted layer " + TestEnv.unique()).getBytes(StandardCharsets.UTF_8);
    String digest = client.uploadBlob(from, layer, null);
    uploaded(from, digest, null);

    requests.clear();
    AtomicInteger opens = new AtomicInteger();
    client.mountBlob(
        to,
        from.withTag("any"),
        digest,
        layer.length,
        () -> {
          opens.incrementAndGet();
          return new ByteArrayInputStream(layer);
        },
        null);
    uploaded(to, digest, null);

    assertThat(client.blobExists(to, digest, null)).isTrue();
    assertThat(opens).hasValue(0);
    assertThat(requests).noneMatch(r -> r.startsWith("PUT"));
    assertThat(requests).contains("POST /v2/" + to.path() + "/blobs/uploads/");
  }

  @Test
  void wrongDigestIsRefusedAndNothingIsStored() {
    ImageReference repo = repo(TestEnv.registry(), "wrong-digest");
    byte[] bytes = ("content " + TestEnv.unique()).getBytes(StandardCharsets.UTF_8);
    String wrong = RegistryResponses.sha256("something else".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(
            () ->
                client.uploadBlob(
                    repo, wrong, bytes.length, () -> new ByteArrayInputStream(bytes), null))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400))
        .hasMessageStartingWith(
            "upload of blob "
                + wrong
                + " ("
                + bytes.length
                + " bytes) to "
                + repo.repository()
                + " failed: registry "
                + repo.domain()
                + " answered HTTP 400 DIGEST_INVALID")
        .hasMessageEndingWith(
            "the source's bytes hash to "
                + RegistryResponses.sha256(bytes)
                + ", not to "
                + wrong
                + ": upload the blob under its true digest");
    assertThat(client.blobExists(repo, wrong, null)).isFalse();
    assertThat(client.blobExists(repo, RegistryResponses.sha256(bytes), null)).isFalse();
  }

  @Test
  void manifestWithMissingBlobsSaysToUploadThemFirst() throws IOException {
    ImageReference repo = repo(TestEnv.registry(), "missing-blob");
    byte[] config = config("amd64");
    String configDigest = client.uploadBlob(repo, config, null);
    uploaded(repo, configDigest, null);
    String absent = RegistryResponses.sha256(TestEnv.unique().getBytes(StandardCharsets.UTF_8));
    byte[] manifest =
        manifest(
            RegistryClient.OCI_MANIFEST,
            descriptor(OCI_CONFIG, configDigest, config.length),
            descriptor(OCI_LAYER, absent, 10));
    assertThatThrownBy(
            () ->
                client.putManifest(
                    repo.withTag("broken"), RegistryClient.OCI_MANIFEST, manifest, null))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400))
        .hasMessageContaining(
            "push of manifest " + repo.repository() + ":broken failed: registry " + repo.domain())
        .hasMessageContaining("MANIFEST_BLOB_UNKNOWN")
        .hasMessageEndingWith(
            "upload the blobs (and manifests) it refers to into " + repo.repository() + " first");
    assertThat(client.digest(repo.withTag("broken"), null)).isEmpty();
  }

  // --- authenticated registry ----------------------------------------------------------------

  @Test
  void dockerImageAndIndexArePushedWithCredentials() throws Exception {
    ImageReference repo = repo(authRegistry(), "docker");
    AuthConfig auth = credentials();
    String authz = authorization();
    RegistryClient.BlobSource layer = random(7, 3L << 20);
    String layerDigest = digestOf(layer);
    client.uploadBlob(repo, layerDigest, 3L << 20, layer, auth);
    uploaded(repo, layerDigest, authz);
    byte[] config = config("arm64", layerDigest);
    String configDigest = client.uploadBlob(repo, config, auth);
    uploaded(repo, configDigest, authz);
    byte[] manifest =
        manifest(
            RegistryClient.DOCKER_MANIFEST,
            descriptor(DOCKER_CONFIG, configDigest, config.length),
            descriptor(DOCKER_LAYER, layerDigest, 3L << 20));
    String manifestDigest = RegistryResponses.sha256(manifest);

    // by digest (untagged), then an index over it under a tag
    assertThat(
            client.putManifest(
                repo.withDigest(manifestDigest), RegistryClient.DOCKER_MANIFEST, manifest, auth))
        .isEqualTo(manifestDigest);
    pushedManifest(repo, manifestDigest, authz);
    ObjectNode entry = descriptor(RegistryClient.DOCKER_MANIFEST, manifestDigest, manifest.length);
    entry.putObject("platform").put("os", "linux").put("architecture", "arm64");
    ObjectNode list = JSON.createObjectNode();
    list.put("schemaVersion", 2);
    list.put("mediaType", RegistryClient.DOCKER_LIST);
    list.putArray("manifests").add(entry);
    byte[] index = JSON.writeValueAsBytes(list);
    String indexDigest =
        client.putManifest(repo.withTag("multi"), RegistryClient.DOCKER_LIST, index, auth);
    pushedManifest(repo, indexDigest, authz);

    assertThat(client.digest(repo.withTag("multi"), auth)).contains(indexDigest);
    assertThat(client.inspect(repo.withDigest(manifestDigest), auth).platforms())
        .containsExactly(new RegistryData.Platform("linux", "arm64", null));
    RegistryData data = client.inspect(repo.withTag("multi"), auth);
    assertThat(data.mediaType()).isEqualTo(RegistryClient.DOCKER_LIST);
    assertThat(data.platforms()).containsExactly(new RegistryData.Platform("linux", "arm64", null));
    assertThat(client.blobExists(repo, layerDigest, auth)).isTrue();
  }

  @Test
  void wrongOrMissingCredentialsAreClearAndShowNoPassword() {
    ImageReference repo = repo(authRegistry(), "denied");
    String registry = repo.domain();
    String wrong = "wrong-" + TestEnv.authPassword().trim() + "-x";
    AuthConfig bad = AuthConfig.basic(TestEnv.authUser().trim(), wrong);
    byte[] bytes = ("denied " + TestEnv.unique()).getBytes(StandardCharsets.UTF_8);
    String digest = RegistryResponses.sha256(bytes);
    // HEAD answers carry no error body: the status alone
    for (Runnable call :
        new Runnable[] {
          () -> client.uploadBlob(repo, bytes, bad), () -> client.blobExists(repo, digest, bad)
        }) {
      assertThatThrownBy(call::run)
          .isInstanceOf(ApiException.class)
          .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(401))
          .hasMessage(
              "push to "
                  + repo.repository()
                  + " denied (HTTP 401): check the credentials for "
                  + registry)
          .hasMessageNotContaining(wrong)
          .hasMessageNotContaining(TestEnv.authPassword().trim());
    }
    assertThatThrownBy(
            () -> client.putManifest(repo.withTag("v1"), RegistryClient.OCI_MANIFEST, bytes, bad))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(401))
        .hasMessage(
            "push to "
                + repo.repository()
                + " denied (HTTP 401 UNAUTHORIZED authentication required): check the"
                + " credentials for "
                + registry)
        .hasMessageNotContaining(wrong)
        .hasMessageNotContaining(TestEnv.authPassword().trim());
    assertThatThrownBy(() -> client.uploadBlob(repo, bytes, null))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(401))
        .hasMessageStartingWith("push to " + repo.repository() + " denied (HTTP 401")
        .hasMessageEndingWith("registry " + registry + " requires credentials and none were given");
    assertThat(requests).noneMatch(r -> r.startsWith("POST"));
  }
}
