package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.testing.FaultProxy;
import dev.imagespec.testing.RegistryImages;
import dev.imagespec.testing.TestEnv;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RegistryClient} and {@link RegistryCopy} against the real plain registry through a {@link
 * FaultProxy} that answers 500, 503 and 429 (with {@code Retry-After}) or resets connections
 * mid-blob: the client retries with backoff, waits what {@code Retry-After} asks (up to {@link
 * RegistryRetries#MAX_WAIT}), and a failure that outlasts the retries names its cause.
 */
class RegistryClientFaultsTest {
  private static final long MIB = 1L << 20;

  private final RegistryClient client =
      RegistryClient.builder()
          .connectTimeout(Duration.ofSeconds(5))
          .readTimeout(Duration.ofSeconds(30))
          .build();
  private final RegistryImages images = new RegistryImages(client);
  private FaultProxy proxy;
  private RegistryImages.Pushed pushed;
  private ImageReference viaProxy;

  @BeforeEach
  void push() throws IOException {
    proxy = new FaultProxy(TestEnv.registry());
    String path = "imagespec-test/faults-" + TestEnv.unique();
    pushed =
        images.pushImage(
            ImageReference.parse(TestEnv.registry() + "/" + path + ":1"),
            null,
            11,
            "amd64",
            2 * MIB);
    viaProxy = ImageReference.parse(proxy.address() + "/" + path + ":1");
    client.digest(viaProxy, null); // the scheme is known: the faults hit real requests only
    proxy.clearRequests();
  }

  @AfterEach
  void cleanUp() {
    proxy.close();
    images.close();
  }

  @Test
  void digestHeadRetriesServerErrorsThenAnswers() {
    proxy.respond("HEAD", "/manifests/", 503, 1, -1).respond("HEAD", "/manifests/", 500, 1, -1);

    assertThat(client.digest(viaProxy, null)).contains(pushed.digest());

    assertThat(proxy.faulted(FaultProxy.Mode.RESPOND)).isEqualTo(2);
    assertThat(statuses("HEAD", "/manifests/")).containsExactly(503, 500, 200);
    // backoff: 0.5 s, then 1 s
    List<FaultProxy.Seen> heads = seen("HEAD", "/manifests/");
    assertThat(Duration.between(heads.get(0).answered(), heads.get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(500));
    assertThat(Duration.between(heads.get(1).answered(), heads.get(2).at()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void tooManyRequestsWaitsWhatRetryAfterAsks() {
    proxy.respond("GET", "/manifests/", 429, 1, 2);

    RegistryData data = client.inspect(viaProxy, null);

    assertThat(data.digest()).isEqualTo(pushed.digest());
    List<FaultProxy.Seen> gets = seen("GET", "/manifests/");
    assertThat(gets).extracting(FaultProxy.Seen::status).containsExactly(429, 200);
    // the retry came no sooner than the 2 s the registry asked for (not the 0.5 s backoff)
    assertThat(Duration.between(gets.get(0).answered(), gets.get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void retryAfterBeyondTheCapFailsAtOnceNamingTheWait() {
    proxy.respond("GET", "/manifests/", 429, 1, 3600);
    Instant start = Instant.now();

    assertThatThrownBy(() -> client.fetchManifest(viaProxy, null))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(429))
        .hasMessageContaining("answered 429")
        .hasMessageContaining("TOOMANYREQUESTS")
        .hasMessageContaining("retry after 3600 s");
    assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
    assertThat(proxy.count("GET", "/manifests/")).isEqualTo(1);

    // the registry recovered: the next call answers
    assertThat(client.fetchManifest(viaProxy, null).digest()).isEqualTo(pushed.digest());
  }

  @Test
  void errorsOutlastingTheRetriesSayWhatHappened() {
    proxy.respond("HEAD", "/manifests/", 500, 10, -1);

    assertThatThrownBy(() -> client.digest(viaProxy, null))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(500))
        .hasMessageContaining("answered 500")
        .hasMessageContaining("still failing after " + RegistryRetries.MAX_ATTEMPTS + " attempts");
    assertThat(proxy.count("HEAD", "/manifests/")).isEqualTo(RegistryRetries.MAX_ATTEMPTS);
  }

  @Test
  void copyConvergesThroughServerErrorsAndRateLimits() {
    ImageReference target =
        ImageReference.parse(
            TestEnv.registry() + "/imagespec-test/faults-copy-" + TestEnv.unique() + ":1");
    images.copiedTo(pushed, target, null);
    proxy
        .respond("GET", "/manifests/", 503, 1, -1)
        .respond("GET", "/blobs/", 429, 1, 1)
        .respond("GET", "/blobs/", 500, 1, -1);

    CopyResult r = new RegistryCopy(client).copy(viaProxy, target, CopyOptions.defaults());

    assertThat(r.digest()).isEqualTo(pushed.digest());
    assertThat(proxy.faulted(FaultProxy.Mode.RESPOND)).isEqualTo(3);
    assertThat(client.digest(target, null)).contains(pushed.digest());
  }

  @Test
  void aCopyStalledMidBlobEndsAtItsDeadlineOnEveryThreadOfIt() {
    ImageReference target =
        ImageReference.parse(
            TestEnv.registry() + "/imagespec-test/faults-deadline-" + TestEnv.unique() + ":1");
    String layer = pushed.blobs().get(1);
    proxy.stallMidBlob("GET", layer, 1);
    long t0 = System.nanoTime();
    try {
      // two blobs: copied on RegistryCopy's own pool, whose threads must honour the deadline
      assertThatThrownBy(
              () ->
                  Deadline.within(
                      Duration.ofSeconds(2),
                      () ->
                          new RegistryCopy(client)
                              .copy(viaProxy, target, CopyOptions.defaults().withParallelism(2))))
          .hasMessageContaining("did not finish within 2s");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
      assertThat(proxy.stalled()).isEqualTo(1);
      assertThat(client.digest(target, null)).isEmpty();
    } finally {
      proxy.release();
    }
    CopyResult again = new RegistryCopy(client).copy(viaProxy, target, CopyOptions.defaults());
    assertThat(again.digest()).isEqualTo(pushed.digest());
  }

  @Test
  void aBlobResetMidwayFailsNamingTheResetAndTheNextCopyConverges() {
    ImageReference target =
        ImageReference.parse(
            TestEnv.registry() + "/imagespec-test/faults-copy-" + TestEnv.unique() + ":1");
    images.copiedTo(pushed, target, null);
    String layer = pushed.blobs().get(1);
    proxy.resetMidBlob("GET", layer, 1);

    assertThatThrownBy(
            () -> new RegistryCopy(client).copy(viaProxy, target, CopyOptions.defaults()))
        .isInstanceOf(CopyException.class)
        .hasMessageContaining("source")
        .hasMessageContaining(layer)
        .hasMessageContaining("retry the copy");
    assertThat(proxy.faulted(FaultProxy.Mode.RESET_MID_BLOB)).isEqualTo(1);
    assertThat(client.digest(target, null)).isEmpty(); // no manifest over a missing blob

    CopyResult again = new RegistryCopy(client).copy(viaProxy, target, CopyOptions.defaults());
    assertThat(again.digest()).isEqualTo(pushed.digest());
  }

  @Test
  void aBlobStreamResetMidwayFailsTheReadAndTheNextReadGetsItAll() throws IOException {
    String layer = pushed.blobs().get(1);
    proxy.resetMidBlob("GET", layer, 1);
    try (InputStream in = client.openBlob(viaProxy, layer, null)) {
      assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
    }
    try (InputStream in = client.openBlob(viaProxy, layer, null)) {
      assertThat(in.readAllBytes()).hasSize((int) (2 * MIB));
    }
  }

  private List<FaultProxy.Seen> seen(String method, String part) {
    return proxy.requests().stream()
        .filter(s -> s.method().equals(method) && s.path().contains(part))
        .toList();
  }

  private List<Integer> statuses(String method, String part) {
    return seen(method, part).stream().map(FaultProxy.Seen::status).toList();
  }
}
