package dev.imagespec.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ManifestLoader;
import dev.imagespec.spec.Manifests;
import dev.imagespec.testing.SocketProxy;
import dev.imagespec.testing.TestEnv;
import dev.imagespec.testing.TestEnv.Engine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine goes away in the middle of a pass (its socket vanishes and connections reset, as in a
 * restart) and comes back: the pass reports failures without crashing, keeps what it already did,
 * and the next pass converges.
 */
class EngineRestartTest {
  @TempDir Path dir;

  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void nextPassConvergesAfterTheEngineRestartedMidPass(Engine engine) {
    List<String> refs = new ArrayList<>();
    try (EngineClient direct = engine.client()) {
      for (int i = 0; i < 3; i++) {
        String ref = TestEnv.registry() + "/restart/img" + i + "-" + TestEnv.unique() + ":1";
        TestEnv.seed(direct, ref);
        direct.images().push(ref, PushOptions.defaults(), null);
        direct.images().remove(ref, false, false);
        refs.add(ref);
      }
    }
    StringBuilder yaml =
        new StringBuilder(
            "apiVersion: imagespec.dev/v1alpha1\nkind: ImageSpec\nmetadata:\n  name: restart\n"
                + "spec:\n  images:\n");
    refs.forEach(r -> yaml.append("    - image: ").append(r).append('\n'));
    Manifests m = new ManifestLoader().loadString("restart.yaml", yaml.toString());
    assertThat(m.allProblems()).isEmpty();

    Path real = Path.of(engine.host().replace("unix://", ""));
    try (SocketProxy proxy = new SocketProxy(dir.resolve("engine.sock"), real);
        EngineClient client = EngineClient.builder().host(proxy.host()).build()) {
      ImagePort port = new EngineImagePort(client);
      AtomicInteger pulls = new AtomicInteger();
      ImagePort restarting =
          new ForwardingPort(port) {
            @Override
            public LocalImage pull(ImageReference reference, String platform, AuthConfig auth) {
              if (pulls.incrementAndGet() == 2) {
                proxy.cut(); // the engine stops while the pass still has work
              }
              return super.pull(reference, platform, auth);
            }
          };
      ReconcileOptions options =
          ReconcileOptions.defaults()
              .withParallelism(1)
              .withRetry(RetryPolicy.of(2, Duration.ofMillis(10)));
      CredentialResolver none = (ns, names, domain) -> Optional.empty();

      ReconcileResult broken =
          new Reconciler(restarting, none, options).reconcile(m.specs(), Map.of());
      assertThat(broken.hasFailures()).isTrue();
      assertThat(broken.outcomes()).anyMatch(ActionOutcome::succeeded);

      proxy.restore();
      ReconcileResult healed =
          new Reconciler(port, none, options).reconcile(m.specs(), broken.statuses());
      assertThat(healed.hasFailures()).as(healed.problems().toString()).isFalse();
      assertThat(healed.converged()).isTrue();
      assertThat(healed.statuses().values().iterator().next().getImages())
          .allMatch(i -> i.getState() == ImageState.Present);
      // what the first pass pulled was kept: the second one only pulled the rest
      assertThat(healed.calls().pull()).isEqualTo(refs.size() - 1);

      ReconcileResult steady =
          new Reconciler(port, none, options).reconcile(m.specs(), healed.statuses());
      assertThat(steady.calls().mutating()).isZero();
    }
  }

  /** Delegates everything; tests override what they need. */
  static class ForwardingPort implements ImagePort {
    private final ImagePort d;

    ForwardingPort(ImagePort d) {
      this.d = d;
    }

    @Override
    public String describe() {
      return d.describe();
    }

    @Override
    public List<LocalImage> listImages() {
      return d.listImages();
    }

    @Override
    public List<ContainerRef> listContainers() {
      return d.listContainers();
    }

    @Override
    public Optional<LocalImage> inspect(String referenceOrId) {
      return d.inspect(referenceOrId);
    }

    @Override
    public LocalImage pull(ImageReference reference, String platform, AuthConfig auth) {
      return d.pull(reference, platform, auth);
    }

    @Override
    public void tag(String sourceReferenceOrId, ImageReference target) {
      d.tag(sourceReferenceOrId, target);
    }

    @Override
    public String push(ImageReference reference, AuthConfig auth) {
      return d.push(reference, auth);
    }

    @Override
    public void remove(String referenceOrId) {
      d.remove(referenceOrId);
    }

    @Override
    public Optional<String> registryDigest(ImageReference reference, AuthConfig auth) {
      return d.registryDigest(reference, auth);
    }
  }
}
