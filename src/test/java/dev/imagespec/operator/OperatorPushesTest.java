package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.RegistryData;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.CriBackend;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.AccessVerdict;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.spec.PushState;
import dev.imagespec.spec.PushStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.RecordingProxy;
import dev.imagespec.testing.RegistryImages;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's pushes and tenancy, on the CRUD mock API server with three real agents (dockerd,
 * Podman, containerd) and the aggregator: {@code pushes} are copied once for the cluster, registry
 * to registry, by the aggregator, with the spec's own credentials; agents never push; a namespace
 * cannot copy out an image another namespace's credentials pulled.
 */
class OperatorPushesTest {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final Map<String, String> ALL = Map.of("imagespec.test/all", "yes");

  /**
   * dockerd and containerd reach any loopback registry over plain HTTP; the test's Podman only the
   * two registries it is configured for, not a proxy in front of them.
   */
  static final Map<String, String> ANY_LOOPBACK = Map.of("imagespec.test/any-loopback", "yes");

  static MockApiServer server;
  static KubernetesClient client;
  static EngineClient docker;
  static EngineClient podman;
  static CriRuntime containerd;
  static RegistryClient registry;
  static RegistryImages images;
  static RecordingProxy proxy;
  static RecordingProxy authProxy;
  static final List<OperatorRuntime> runtimes = new ArrayList<>();
  static final List<String> pulled = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    docker = TestEnv.docker().client();
    podman = TestEnv.podman().client();
    containerd = CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5));
    registry = RegistryClient.builder().build();
    images = new RegistryImages(registry);
    proxy = new RecordingProxy(TestEnv.registry());
    authProxy = new RecordingProxy(TestEnv.authRegistry());
    server = MockApiServer.crud().allowLeases();
    client = server.client();
    node("push-a", "docker");
    node("push-b", "podman");
    node("push-c", "containerd");
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.agent("push-a", 4, CredentialResolver.none()),
            client,
            new EngineBackend(TestEnv.docker().client())));
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.agent("push-b", 4, CredentialResolver.none()),
            client,
            new EngineBackend(TestEnv.podman().client())));
    runtimes.add(
        OperatorRuntime.start(
            OperatorOptions.agent("push-c", 4, CredentialResolver.none()),
            client,
            new CriBackend(CriRuntime.connect(TestEnv.criHost(), Duration.ofMinutes(5)))));
    runtimes.add(OperatorRuntime.start(OperatorOptions.aggregator(false, "default"), client, null));
  }

  @AfterAll
  static void stop() {
    runtimes.forEach(OperatorRuntime::close);
    if (server != null) {
      server.close();
    }
    for (String ref : pulled) {
      for (EngineClient e : new EngineClient[] {docker, podman}) {
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
    if (images != null) {
      images.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (authProxy != null) {
      authProxy.close();
    }
    docker.close();
    podman.close();
    containerd.close();
  }

  static void node(String name, String engine) {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(
                    Map.of(
                        "imagespec.test/engine",
                        engine,
                        "imagespec.test/all",
                        "yes",
                        "imagespec.test/any-loopback",
                        engine.equals("podman") ? "no" : "yes"))
                .endMetadata()
                .build())
        .create();
  }

  static AuthConfig creds() {
    return AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword());
  }

  /** A dockerconfigjson Secret for the htpasswd registry, with {@code password}. */
  static void secret(String namespace, String name, String password) {
    secret(namespace, name, password, TestEnv.authRegistry());
  }

  /**
   * A dockerconfigjson Secret for {@code registry} (the htpasswd one's user), with {@code
   * password}.
   */
  static void secret(String namespace, String name, String password, String registry) {
    String userPass = TestEnv.authUser() + ":" + password;
    String config =
        "{\"auths\":{\""
            + registry
            + "\":{\"auth\":\""
            + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8))
            + "\"}}}";
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .withData(
                    Map.of(
                        ".dockerconfigjson",
                        Base64.getEncoder()
                            .encodeToString(config.getBytes(StandardCharsets.UTF_8))))
                .build())
        .create();
  }

  static ImageSpec spec(
      String namespace, String name, Map<String, String> selector, ImageEntry... entries) {
    ImageSpecSpec s = ImageSpecSpec.of(entries);
    s.setNodeSelector(new LabelSelectorBuilder().withMatchLabels(selector).build());
    return ImageSpec.of(namespace, name, s);
  }

  static ImageSpec get(String namespace, String name) {
    return client.resources(ImageSpec.class).inNamespace(namespace).withName(name).get();
  }

  static ImageSpecStatus awaitStatus(String namespace, String name, Predicate<ImageSpecStatus> p) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              ImageSpec s = get(namespace, name);
              return s == null ? null : s.getStatus();
            },
            st -> st != null && p.test(st));
  }

  static List<NodeSpecStatus> nodeEntries(String namespace, String name) {
    List<NodeSpecStatus> out = new ArrayList<>();
    for (String n : List.of("push-a", "push-b", "push-c")) {
      ImageNode node = client.resources(ImageNode.class).withName(n).get();
      Optional.ofNullable(node)
          .map(ImageNode::getStatus)
          .flatMap(s -> s.spec(namespace, name))
          .ifPresent(out::add);
    }
    return out;
  }

  static String reason(ImageSpecStatus st, String type) {
    return Conditions.find(st.getConditions(), type).map(c -> c.getReason()).orElse(null);
  }

  /** A fresh image in the plain registry, pushed with docker (pullable by every engine). */
  static String published(String name) {
    String ref = TestEnv.registry() + "/push/" + name + TestEnv.unique() + ":1.0";
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    docker.images().remove(ref, false, false);
    pulled.add(ref);
    return ref;
  }

  @Test
  void threeNodesOnePushTheAggregatorCopiesOnceRegistryToRegistry() {
    String ref = published("mirror");
    String target = proxy.address() + "/mirrored/app" + TestEnv.unique() + ":1.0";
    proxy.clear();
    client
        .resource(spec("default", "mirror", ALL, ImageEntry.of(ref).withPush(target, null)))
        .create();

    // Ready on all three nodes (a node that has not reported yet is not counted as desired)
    ImageSpecStatus st =
        awaitStatus("default", "mirror", s -> s.isReady() && s.getNodes().getReady() == 3);
    PushStatus push = st.getPushes().get(0);
    assertThat(push.getState()).isEqualTo(PushState.Pushed);
    assertThat(push.getTo()).isEqualTo(target);
    String source = registry.digest(ImageReference.parse(ref), null).orElseThrow();
    assertThat(push.getDigest()).isEqualTo(source);
    assertThat(registry.digest(ImageReference.parse(target), null)).contains(source);
    // one manifest PUT at the target for the whole cluster, none of the blobs through an engine
    assertThat(proxy.count("PUT", "/manifests/")).as("%s", proxy.requests()).isEqualTo(1);
    // the agents pulled and reported, and pushed nothing
    List<NodeSpecStatus> entries = nodeEntries("default", "mirror");
    assertThat(entries).hasSize(3);
    assertThat(entries).allMatch(e -> e.getPushes() == null || e.getPushes().isEmpty());
    assertThat(entries)
        .allMatch(e -> e.getImages().get(0).getState() == ImageState.Present, "present");
  }

  @Test
  void multiPlatformIndexIsCopiedWholeWithItsDigests() {
    ImageReference src =
        ImageReference.parse(TestEnv.registry() + "/push/index" + TestEnv.unique() + ":1");
    RegistryImages.Pushed index = images.pushIndex(src, null, 21, 64 * 1024, "amd64", "arm64");
    ImageReference target =
        ImageReference.parse(TestEnv.authRegistry() + "/push/index" + TestEnv.unique() + ":1");
    images.copiedTo(index, target, creds());
    secret("default", "index-push", TestEnv.authPassword());
    // no node matches: the copy needs none
    client
        .resource(
            spec(
                "default",
                "index",
                Map.of("imagespec.test/none", "x"),
                ImageEntry.of(src.canonical()).withPush(target.canonical(), "index-push")))
        .create();

    ImageSpecStatus st =
        awaitStatus(
            "default",
            "index",
            s -> s.getPushes() != null && s.getPushes().get(0).getState() == PushState.Pushed);
    assertThat(st.getPushes().get(0).getDigest()).isEqualTo(index.digest());
    RegistryData data = registry.inspect(target, creds());
    assertThat(data.digest()).isEqualTo(index.digest());
    assertThat(data.platforms())
        .extracting(RegistryData.Platform::toString)
        .containsExactly("linux/amd64", "linux/arm64");
    for (String m : index.manifests()) {
      assertThat(registry.digest(target.withDigest(m), creds())).contains(m);
    }
    assertThat(reason(st, ImageSpecStatus.READY)).isEqualTo(Reasons.NO_MATCHING_NODES);
  }

  @Test
  void aNamespaceCannotCopyOutAnImageAnotherNamespacesCredentialsPulled() {
    // the private registry behind a recording proxy: the access checks are counted
    String priv = authProxy.address() + "/priv/app" + TestEnv.unique() + ":1";
    TestEnv.seed(docker, priv);
    docker.images().push(priv, PushOptions.builder().auth(creds()).build(), null);
    docker.images().remove(priv, false, false);
    pulled.add(priv);
    String exfil = TestEnv.registry() + "/exfil/stolen" + TestEnv.unique() + ":1";
    pulled.add(exfil);

    secret("team-b", "b-pull", TestEnv.authPassword(), authProxy.address());
    ImageSpec owner = spec("team-b", "app", ANY_LOOPBACK, ImageEntry.of(priv));
    owner.getSpec().setPullSecrets(List.of("b-pull"));
    client.resource(owner).create();
    awaitStatus("team-b", "app", ImageSpecStatus::isReady);
    String digest = registry.digest(ImageReference.parse(priv), creds()).orElseThrow();
    authProxy.clear();
    client
        .resource(spec("team-a", "steal", ANY_LOOPBACK, ImageEntry.of(priv).withPush(exfil, null)))
        .create();
    ImageSpecStatus st =
        awaitStatus(
            "team-a",
            "steal",
            s ->
                s.isDegraded()
                    && s.getPushes() != null
                    && s.getPushes().get(0).getState() == PushState.Failed
                    && s.getNodes() != null
                    && s.getNodes().getFailed() == 2);
    assertThat(reason(st, ImageSpecStatus.DEGRADED)).isEqualTo(Reasons.UNAUTHORIZED);
    assertThat(st.getPushes().get(0).getMessage()).contains("source").contains(authProxy.address());
    assertThat(st.getImages().get(0).getState()).isEqualTo(ImageState.Failed);
    assertThat(nodeEntries("team-a", "steal"))
        .hasSize(2)
        .allMatch(e -> e.getImages().get(0).getState() == ImageState.Failed);
    assertThat(registry.digest(ImageReference.parse(exfil), null)).isEmpty();
    assertThat(
            client
                .resources(ImageSpec.class)
                .inNamespace("team-a")
                .withName("steal")
                .get()
                .toString())
        .doesNotContain(TestEnv.authPassword());

    // with a Secret of its own that can read the image, team-a is Ready and pushes
    // two nodes hold the image, and one access check was made, by the aggregator, for both
    assertThat(authProxy.count("HEAD", "/manifests/" + digest))
        .as("%s", authProxy.requests())
        .isEqualTo(1);
    assertThat(st.getAccess())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getResult()).isEqualTo(AccessVerdict.Result.Denied);
              assertThat(v.getSecret()).isNull();
            });

    secret("team-a", "a-pull", TestEnv.authPassword(), authProxy.address());
    client
        .resources(ImageSpec.class)
        .inNamespace("team-a")
        .withName("steal")
        .edit(
            s -> {
              s.getSpec().setPullSecrets(List.of("a-pull"));
              return s;
            });
    ImageSpecStatus ok =
        awaitStatus(
            "team-a",
            "steal",
            s ->
                s.isReady()
                    && java.util.Objects.equals(
                        s.getObservedGeneration(),
                        get("team-a", "steal").getMetadata().getGeneration())
                    && s.getPushes().get(0).getState() == PushState.Pushed);
    assertThat(registry.digest(ImageReference.parse(exfil), null)).contains(digest);
    assertThat(ok.getImages().get(0).getState()).isEqualTo(ImageState.Present);
  }
}
