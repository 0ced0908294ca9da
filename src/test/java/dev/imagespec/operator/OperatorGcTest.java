package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.CriBackend;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageNodeStatus;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodePinning;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.Ctr;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kubelet GC cooperation with the real operator on the CRUD mock API server and the real engines:
 * agents {@code gc-docker}, {@code gc-podman} and {@code gc-containerd}. An image removed out of
 * band (as the kubelet's image GC does) comes back and is counted; the third removal within an hour
 * holds the re-pull back; pinned specs' images are labeled on containerd and reported unsupported
 * on Docker.
 */
class OperatorGcTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final String LABEL = "imagespec.test/gc-engine";

  static MockApiServer server;
  static KubernetesClient client;
  static EngineClient docker;
  static EngineClient podman;
  static CriRuntime containerd;
  static final List<OperatorRuntime> runtimes = new ArrayList<>();
  static final List<String> published = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    docker = TestEnv.docker().client();
    podman = TestEnv.podman().client();
    containerd = CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5));
    server = MockApiServer.crud().allowLeases();
    client = server.client();
    for (String engine : List.of("docker", "podman", "containerd")) {
      client
          .nodes()
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName("gc-" + engine)
                  .withLabels(Map.of(LABEL, engine))
                  .endMetadata()
                  .build())
          .create();
    }
    // one Event per object and reason every millisecond: each removal's Event is recorded
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.agent("gc-docker", 4, CredentialResolver.none())
                .withEvents(Duration.ofMillis(1), 1000),
            client,
            new EngineBackend(TestEnv.docker().client())));
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.agent("gc-podman", 4, CredentialResolver.none())
                .withEvents(Duration.ofMillis(1), 1000),
            client,
            new EngineBackend(TestEnv.podman().client())));
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.agent("gc-containerd", 4, CredentialResolver.none())
                .withEvents(Duration.ofMillis(1), 1000),
            client,
            new CriBackend(CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5)))));
  }

  @AfterAll
  static void stop() {
    runtimes.forEach(OperatorRuntime::close);
    if (server != null) {
      server.close();
    }
    for (String ref : published) {
      for (EngineClient e : List.of(docker, podman)) {
        try {
          e.images().remove(ref, true, false);
        } catch (RuntimeException ignored) {
          // not there
        }
      }
      try {
        containerd.get(ref).ifPresent(i -> containerd.removeImage(i.id()));
      } catch (RuntimeException ignored) {
        // not there
      }
    }
    docker.close();
    podman.close();
    containerd.close();
  }

  /** Pushes a fresh image to the plain registry and removes it locally; returns its reference. */
  static String publish(String name) {
    String ref = TestEnv.registry() + "/gc/" + name + TestEnv.unique() + ":1.0";
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    docker.images().remove(ref, false, false);
    published.add(ref);
    return ref;
  }

  static ImageSpec create(String name, String engine, Boolean pin, String ref) {
    ImageSpecSpec s = ImageSpecSpec.of(ImageEntry.of(ref));
    s.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(Map.of(LABEL, engine)).build());
    s.setPin(pin);
    return client.resource(ImageSpec.of("default", name, s)).create();
  }

  static void delete(String name) {
    client.resources(ImageSpec.class).inNamespace("default").withName(name).delete();
  }

  static Optional<ImageNodeStatus> node(String engine) {
    ImageNode n = client.resources(ImageNode.class).withName("gc-" + engine).get();
    return Optional.ofNullable(n == null ? null : n.getStatus());
  }

  static Optional<NodeSpecStatus> entry(String engine, String spec) {
    return node(engine).flatMap(s -> s.spec("default", spec));
  }

  static Optional<ImageStatus> image(String engine, String spec) {
    return entry(engine, spec)
        .filter(e -> e.getImages() != null && !e.getImages().isEmpty())
        .map(e -> e.getImages().get(0));
  }

  static boolean present(String engine, String ref) {
    return switch (engine) {
      case "docker" -> docker.images().exists(ref);
      case "podman" -> podman.images().exists(ref);
      default -> containerd.get(ref).isPresent();
    };
  }

  /** Out of band, as the kubelet's GC or a person would: {@code rmi}, {@code ctr images rm}. */
  static void removeByHand(String engine, String ref) {
    switch (engine) {
      case "docker" -> docker.images().remove(ref, false, false);
      case "podman" -> podman.images().remove(ref, false, false);
      default -> Ctr.rm(ref);
    }
  }

  static ImageStatus awaitImage(
      String engine, String spec, java.util.function.Predicate<ImageStatus> p) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> image(engine, spec).orElse(null), i -> i != null && p.test(i));
  }

  static List<Event> removalEvents(String node, String ref) {
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> Reasons.IMAGE_REMOVED_EXTERNALLY.equals(e.getReason()))
        .filter(e -> node.equals(e.getInvolvedObject().getName()))
        .filter(e -> e.getMessage().contains(ref))
        .toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker", "podman", "containerd"})
  void anImageRemovedByHandComesBackAndIsCounted(String engine) {
    String ref = publish("byhand-" + engine);
    String spec = "gc-byhand-" + engine;
    create(spec, engine, null, ref);
    awaitImage(engine, spec, i -> i.getState() == ImageState.Present);
    assertThat(present(engine, ref)).isTrue();
    assertThat(image(engine, spec).orElseThrow().getRemovedExternally()).isNull();

    // the engine's image events wake the agent: no refresh interval applies within the wait
    removeByHand(engine, ref);
    ImageStatus back =
        awaitImage(
            engine,
            spec,
            i ->
                i.getState() == ImageState.Present
                    && Integer.valueOf(1).equals(i.getRemovedExternally()));
    assertThat(present(engine, ref)).isTrue();
    assertThat(back.getLastRemovedExternally()).isNotNull();
    assertThat(back.getRecentRemovals()).hasSize(1);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(removalEvents("gc-" + engine, ref))
                    .isNotEmpty()
                    .allSatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Normal");
                          assertThat(e.getMessage())
                              .contains("node gc-" + engine, ref, "pulling it again");
                        }));
    // the spec hears of it too
    assertThat(
            client.v1().events().inNamespace("default").list().getItems().stream()
                .anyMatch(
                    e ->
                        Reasons.IMAGE_REMOVED_EXTERNALLY.equals(e.getReason())
                            && spec.equals(e.getInvolvedObject().getName())))
        .isTrue();
    delete(spec);
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker", "containerd"})
  void theThirdRemovalWithinAnHourBacksOffDegradedGarbageCollected(String engine) {
    String ref = publish("loop-" + engine);
    String spec = "gc-loop-" + engine;
    create(spec, engine, null, ref);
    awaitImage(engine, spec, i -> i.getState() == ImageState.Present);
    for (int n = 1; n <= 2; n++) {
      int count = n;
      removeByHand(engine, ref);
      awaitImage(
          engine,
          spec,
          i ->
              i.getState() == ImageState.Present
                  && Integer.valueOf(count).equals(i.getRemovedExternally()));
      await().atMost(WAIT).until(() -> present(engine, ref));
    }
    removeByHand(engine, ref);
    ImageStatus held =
        awaitImage(engine, spec, i -> Integer.valueOf(3).equals(i.getRemovedExternally()));
    assertThat(held.getState()).isEqualTo(ImageState.Failed);
    assertThat(held.getMessage())
        .contains(ref, "3 times within an hour", "not pulled again before", "spec.pin")
        .contains("imageGCHighThresholdPercent", "free disk");
    assertThat(held.getRecentRemovals()).hasSize(3);
    NodeSpecStatus e = entry(engine, spec).orElseThrow();
    assertThat(e.condition(Conditions.DEGRADED).orElseThrow().getReason())
        .isEqualTo(Reasons.GARBAGE_COLLECTED);
    assertThat(node(engine).orElseThrow().isDegraded()).isTrue();
    // not pulled again at once: the backoff (5 minutes) holds, whatever events come
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> !present(engine, ref));
    assertThat(image(engine, spec).orElseThrow().getState()).isEqualTo(ImageState.Failed);
    await()
        .atMost(WAIT)
        .until(
            () ->
                removalEvents("gc-" + engine, ref).stream()
                    .anyMatch(
                        ev ->
                            "Warning".equals(ev.getType())
                                && ev.getMessage().contains(Reasons.GARBAGE_COLLECTED)));
    delete(spec);
  }

  @Test
  void aPinnedSpecsImageIsLabeledOnContainerdAndUnpinnedWhenThePinGoes() {
    String ref = publish("pin");
    String spec = "gc-pin";
    create(spec, "containerd", true, ref);
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> "pinned".equals(Ctr.labels(ref).get(CriRuntime.PINNED_LABEL)));
    NodePinning pinning =
        await()
            .atMost(WAIT)
            .until(
                () -> node("containerd").map(ImageNodeStatus::getPinning).orElse(null),
                p -> p != null && NodePinning.LABELED.equals(p.getState()));
    assertThat(pinning.getImages()).isEqualTo(1);
    // Debian's containerd 1.6.20 sets the label but its CRI does not report it to the kubelet
    assertThat(pinning.getMessage())
        .contains("io.cri-containerd.pinned=pinned", "containerd 1.6.20", ">= 1.6.25 / 1.7.10");

    ImageSpec s = client.resources(ImageSpec.class).inNamespace("default").withName(spec).get();
    s.getSpec().setPin(false);
    client.resource(s).update();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> !Ctr.labels(ref).containsKey(CriRuntime.PINNED_LABEL));
    await().atMost(WAIT).until(() -> node("containerd").map(ImageNodeStatus::getPinning).isEmpty());
    assertThat(present("containerd", ref)).isTrue();
    delete(spec);
  }

  @Test
  void pinningOnDockerIsReportedUnsupportedInTheImageNode() {
    String ref = publish("pin-docker");
    String spec = "gc-pin-docker";
    create(spec, "docker", true, ref);
    NodePinning pinning =
        await()
            .atMost(WAIT)
            .until(
                () -> node("docker").map(ImageNodeStatus::getPinning).orElse(null),
                p -> p != null && NodePinning.UNSUPPORTED.equals(p.getState()));
    assertThat(pinning.getMessage())
        .startsWith("pin is not supported on docker")
        .contains("io.cri-containerd.pinned", "imageGCHighThresholdPercent");
    // the image itself is there: pinning is extra, not a failure of the spec
    awaitImage("docker", spec, i -> i.getState() == ImageState.Present);
    assertThat(entry("docker", spec).orElseThrow().isReady()).isTrue();
    delete(spec);
  }
}
