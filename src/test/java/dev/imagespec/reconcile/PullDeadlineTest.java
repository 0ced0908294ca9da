package dev.imagespec.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImportOptions;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.SpecKey;
import dev.imagespec.testing.RandomTar;
import dev.imagespec.testing.RecordingProxy;
import dev.imagespec.testing.TestEnv;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pull deadlines on the real stores: a registry that stalls mid-blob (a proxy trickling 2 KB/s)
 * makes the pull run past its {@code pullTimeout}; it is cancelled then, reported TimedOut with the
 * elapsed time, the store's own pull stops (no connection to the registry left), nothing partial is
 * left, the other image of the pass is pulled, and the next pass converges.
 */
class PullDeadlineTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(4);
  private static RecordingProxy proxy;
  private static EngineClient docker;
  private static final List<String> published = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    docker = TestEnv.docker().client();
    proxy = new RecordingProxy(TestEnv.registry());
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (docker != null) {
      docker.close();
    }
  }

  static Stream<Arguments> stores() {
    return Stream.of(
        Arguments.of("docker", (Supplier<ImageBackend>) () -> backend(TestEnv.docker())),
        Arguments.of("podman", (Supplier<ImageBackend>) () -> backend(TestEnv.podman())),
        Arguments.of(
            "containerd",
            (Supplier<ImageBackend>)
                () ->
                    new CriBackend(CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5)))));
  }

  private static ImageBackend backend(TestEnv.Engine engine) {
    return new EngineBackend(engine.client());
  }

  /**
   * A fresh image in the plain registry, its one layer 2 MB of random bytes (no store has it yet);
   * its path (no registry).
   */
  static String publish(String name) {
    String path = "/deadline/" + name + TestEnv.unique() + ":1";
    String direct = TestEnv.registry() + path;
    docker
        .images()
        .importImage(
            new RandomTar("data", 2_000_000, System.nanoTime()),
            ImportOptions.builder()
                .repository(TestEnv.registry() + path.split(":")[0])
                .tag("1")
                .build());
    docker.images().push(direct, PushOptions.defaults(), null);
    docker.images().remove(direct, false, false);
    published.add(path);
    return path;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aPullStalledMidBlobIsCancelledAtItsDeadlineAndTheNextPassPullsIt(
      String store, Supplier<ImageBackend> backends) {
    String slow = proxy.address() + publish("slow");
    String fast = TestEnv.registry() + publish("fast");
    ImageSpecSpec s = ImageSpecSpec.of(ImageEntry.of(slow), ImageEntry.of(fast));
    if (store.equals("containerd")) {
      s.getImages().get(0).setPullTimeout(TIMEOUT.toSeconds() + "s"); // the entry's own
    } else {
      s.setPullTimeout(TIMEOUT.toSeconds() + "s"); // spec-wide
    }
    ImageSpec spec = ImageSpec.of("default", "deadline-" + TestEnv.unique(), s);
    try (ImageBackend backend = backends.get()) {
      ImagePort port = backend.port();
      proxy.clear();
      proxy.limit(2048); // manifest and config pass, the ~2 MB layer takes minutes
      long t0 = System.nanoTime();
      ReconcileResult first =
          new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
              .reconcile(List.of(spec), Map.of());
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      ImageStatus timedOut = image(first, spec, slow);
      assertThat(timedOut.getState()).isEqualTo(ImageState.Failed);
      assertThat(timedOut.getMessage())
          .contains("did not finish within 4s: cancelled after 4")
          .contains("pullTimeout");
      assertThat(first.statuses().get(SpecKey.of(spec)).condition(ImageSpecStatus.DEGRADED))
          .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo(Reasons.TIMED_OUT));
      assertThat(image(first, spec, fast).getState()).isEqualTo(ImageState.Present);
      assertThat(took).isLessThan(TIMEOUT.plusSeconds(20));
      // it was cut mid-blob, and the store's own pull stopped with it
      assertThat(proxy.count("GET", "/blobs/")).isPositive();
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(proxy.clientsFetchingBlobs()).isZero());
      assertThat(port.inspect(slow)).isEmpty();

      proxy.limit(0);
      ReconcileResult second =
          new Reconciler(port, CredentialResolver.none(), ReconcileOptions.defaults())
              .reconcile(List.of(spec), first.statuses());
      assertThat(image(second, spec, slow).getState()).isEqualTo(ImageState.Present);
      assertThat(second.converged()).isTrue();
      port.remove(slow);
      port.remove(fast);
    }
  }

  private static ImageStatus image(ReconcileResult r, ImageSpec spec, String ref) {
    return r.statuses().get(SpecKey.of(spec)).getImages().stream()
        .filter(i -> i.getImage().equals(ref))
        .findFirst()
        .orElseThrow();
  }
}
