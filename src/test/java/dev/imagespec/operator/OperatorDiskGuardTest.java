package dev.imagespec.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.cri.CriRuntime;
import dev.imagespec.reconcile.ByteSizes;
import dev.imagespec.reconcile.CredentialResolver;
import dev.imagespec.reconcile.CriBackend;
import dev.imagespec.reconcile.EngineBackend;
import dev.imagespec.reconcile.Reasons;
import dev.imagespec.spec.Conditions;
import dev.imagespec.spec.ImageEntry;
import dev.imagespec.spec.ImageNode;
import dev.imagespec.spec.ImageSpec;
import dev.imagespec.spec.ImageSpecSpec;
import dev.imagespec.spec.ImageSpecStatus;
import dev.imagespec.spec.ImageState;
import dev.imagespec.spec.ImageStatus;
import dev.imagespec.spec.NodeSpecStatus;
import dev.imagespec.testing.MockApiServer;
import dev.imagespec.testing.PrivateContainerd;
import dev.imagespec.testing.RegistryImages;
import dev.imagespec.testing.TestEnv;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The disk guard on a containerd whose root is on a 40 MiB tmpfs (started here, a light node
 * runtime as in {@code scripts/engines}), with an agent on the CRUD mock API server and {@code
 * --image-fs} at the tmpfs: an image whose compressed size would fill it beyond 80 % is refused
 * before any pull (Failed, InsufficientDisk, the numbers in the message); a small one is pulled.
 */
class OperatorDiskGuardTest {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String NODE = "disk-small";
  static final long BIG_LAYER = 36L * 1024 * 1024; // above 80 % of 40 MiB on its own

  static Path dir;
  static Path fs;
  static PrivateContainerd containerd;
  static String host;
  static MockApiServer server;
  static KubernetesClient client;
  static EngineClient docker;
  static RegistryImages images;
  static OperatorRuntime agent;
  static final List<String> published = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("is-disk-");
    fs = dir.resolve("fs");
    Files.createDirectories(fs);
    run("mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", fs.toString());
    // as scripts/engines' node runtimes, with the native snapshotter and its root on the tmpfs
    containerd = new PrivateContainerd(dir, fs.resolve("root"), "native");
    containerd.start();
    host = containerd.host();

    docker = TestEnv.docker().client();
    images = new RegistryImages(RegistryClient.builder().build());
    server = MockApiServer.crud().allowLeases();
    client = server.client();
    client
        .nodes()
        .resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build())
        .create();
    secret("disk-pull");
    OperatorOptions a = OperatorOptions.agent(NODE, 4, CredentialResolver.none());
    agent =
        OperatorRuntime.start(
            new OperatorOptions(
                true,
                false,
                a.agentSettings().withDiskGuard(80, fs.toString()),
                null,
                false,
                null,
                null,
                null,
                null,
                0,
                null,
                null,
                null),
            client,
            new CriBackend(CriRuntime.connect(host, Duration.ofMinutes(2))));
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (server != null) {
      server.close();
    }
    if (images != null) {
      images.close();
    }
    if (docker != null) {
      docker.close();
    }
    if (containerd != null) {
      containerd.stop();
    }
    if (fs != null) {
      run("umount", fs.toString());
    }
    if (dir != null) {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
  }

  static void secret(String name) {
    String userPass = TestEnv.authUser() + ":" + TestEnv.authPassword();
    String config =
        "{\"auths\":{\""
            + TestEnv.authRegistry()
            + "\":{\"auth\":\""
            + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8))
            + "\"}}}";
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("default")
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

  /** A fresh small image (the test rootfs, about 2 MB) in the plain registry. */
  static String publishSmall() {
    String ref = TestEnv.registry() + "/disk/small" + TestEnv.unique() + ":1";
    TestEnv.seed(docker, ref, "imagespec.test/layer=" + TestEnv.unique());
    docker.images().push(ref, PushOptions.defaults(), null);
    docker.images().remove(ref, false, false);
    published.add(ref);
    return ref;
  }

  static ImageSpec create(String name, List<String> pullSecrets, String... refs) {
    ImageSpecSpec s =
        ImageSpecSpec.of(
            java.util.Arrays.stream(refs).map(ImageEntry::of).toArray(ImageEntry[]::new));
    s.setPullSecrets(pullSecrets);
    return client.resource(ImageSpec.of("default", name, s)).create();
  }

  static Optional<NodeSpecStatus> entry(String spec) {
    ImageNode n = client.resources(ImageNode.class).withName(NODE).get();
    if (n == null || n.getStatus() == null || n.getStatus().getSpecs() == null) {
      return Optional.empty();
    }
    return n.getStatus().getSpecs().stream().filter(e -> spec.equals(e.getName())).findFirst();
  }

  static Optional<ImageStatus> image(NodeSpecStatus e, String ref) {
    return e.getImages().stream().filter(i -> ref.equals(i.getImage())).findFirst();
  }

  static boolean onNode(String ref) {
    try (CriRuntime r = CriRuntime.connect(host, Duration.ofMinutes(1))) {
      return r.get(ref).isPresent();
    }
  }

  @Test
  void aPullThatWouldCrossTheLimitIsRefusedAndASmallOneIsPulled() throws Exception {
    // a two-platform index in the htpasswd registry: the guard sizes the node's platform with the
    // spec's pull Secret
    AuthConfig auth = AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword());
    String big = TestEnv.authRegistry() + "/disk/big" + TestEnv.unique() + ":1";
    RegistryImages.Pushed index =
        images.pushIndex(ImageReference.parse(big), auth, 7, BIG_LAYER, "amd64", "arm64");
    assertThat(index.manifests()).hasSize(3);
    String small = publishSmall();
    create("disk-big", List.of("disk-pull"), big);
    create("disk-small", null, small);

    NodeSpecStatus refused =
        await()
            .atMost(WAIT)
            .until(
                () -> entry("disk-big").orElse(null),
                e ->
                    e != null
                        && image(e, big).map(i -> i.getState() == ImageState.Failed).orElse(false));
    ImageStatus st = image(refused, big).orElseThrow();
    FileStore store = Files.getFileStore(fs);
    String limit = ByteSizes.format(new DiskGuard(80).limit(store.getTotalSpace()));
    assertThat(st.getMessage())
        .startsWith(
            "pull failed: refused by the disk guard: pulling " + big + " (37.7MB compressed)")
        .contains(
            "would fill the image filesystem " + fs,
            " used, ",
            " free of 41.9MB",
            "above --disk-high-percent 80 (limit " + limit + ")",
            "free space on the node",
            "raise --disk-high-percent");
    assertThat(Conditions.find(refused.getConditions(), ImageSpecStatus.DEGRADED))
        .hasValueSatisfying(
            c -> {
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getReason()).isEqualTo(Reasons.INSUFFICIENT_DISK);
            });
    // refused before the pull: containerd never fetched it
    assertThat(onNode(big)).isFalse();

    NodeSpecStatus pulled =
        await()
            .atMost(WAIT)
            .until(
                () -> entry("disk-small").orElse(null),
                e ->
                    e != null
                        && image(e, small)
                            .map(i -> i.getState() == ImageState.Present)
                            .orElse(false));
    assertThat(pulled.getConditions())
        .noneMatch(
            c -> c.getType().equals(ImageSpecStatus.DEGRADED) && c.getStatus().equals("True"));
    assertThat(onNode(small)).isTrue();
    // still refused in later passes (the size comes from the cache), still absent
    assertThat(onNode(big)).isFalse();
  }

  @Test
  void theRuntimesReportWhereTheyKeepImages() throws Exception {
    try (CriBackend cri = new CriBackend(CriRuntime.connect(host, Duration.ofMinutes(1)))) {
      assertThat(cri.imageFsPath())
          .hasValueSatisfying(p -> assertThat(p).startsWith(fs.toString()));
    }
    try (EngineBackend d = new EngineBackend(TestEnv.docker().client())) {
      assertThat(d.imageFsPath()).hasValueSatisfying(p -> assertThat(Path.of(p)).isDirectory());
    }
    try (EngineBackend p = new EngineBackend(TestEnv.podman().client())) {
      assertThat(p.imageFsPath()).hasValueSatisfying(x -> assertThat(Path.of(x)).isDirectory());
    }
  }
}
