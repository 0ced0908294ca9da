package dev.imagespec.engine.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.EngineException;
import dev.imagespec.engine.ImageNotFoundException;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.InvalidArgumentException;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.testing.Ctr;
import dev.imagespec.testing.TestEnv;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link CriRuntime} against the containerd with CRI that {@code scripts/engines} starts ({@code
 * IMAGESPEC_TEST_CRI_HOST}), its own API included. Images are seeded in dockerd from the test
 * rootfs with labels, pushed to the loopback registries and pulled through CRI; {@code docker} is
 * the reference for what the image config says.
 */
class CriRuntimeTest {
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(2);
  private static CriRuntime runtime;
  private static EngineClient docker;
  private static String plainRef;
  private static String plainId;
  private static Instant plainCreated;
  private static String plainDigest;
  private static String label;
  private static String authRef;
  private static final List<String> toRemove = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void pushImages() {
    runtime = CriRuntime.connect(TestEnv.require("IMAGESPEC_TEST_CRI_HOST"), PULL_TIMEOUT);
    docker = TestEnv.docker().client();
    label = TestEnv.unique();
    plainRef = TestEnv.registry() + "/crirt/plain" + TestEnv.unique() + ":1";
    dev.imagespec.engine.Image seeded =
        TestEnv.seed(docker, plainRef, "cri.test.label=" + label, "org.example.k=v");
    plainId = seeded.id();
    plainCreated = Instant.parse(docker.images().get(plainRef).attrs().path("Created").asText());
    Images.PushResult pushed = docker.images().push(plainRef, PushOptions.defaults(), null);
    plainDigest = pushed.digest();
    authRef = TestEnv.authRegistry() + "/crirt/auth" + TestEnv.unique() + ":1";
    TestEnv.seed(docker, authRef);
    docker
        .images()
        .push(
            authRef,
            PushOptions.builder()
                .auth(AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword()))
                .build(),
            null);
    toRemove.add(plainRef);
    toRemove.add(authRef);
  }

  @AfterAll
  static void cleanUp() {
    if (runtime != null) {
      try (CriClient cri = CriClient.connect(TestEnv.require("IMAGESPEC_TEST_CRI_HOST"))) {
        for (String ref : toRemove) {
          cri.removeImage(ref);
        }
      }
      runtime.close();
    }
    if (docker != null) {
      docker.images().remove(plainRef, true, false);
      docker.images().remove(authRef, true, false);
      docker.close();
    }
  }

  private static CriImage pullPlain() {
    return runtime.pull(plainRef, null);
  }

  @Test
  void infoNamesContainerdCriV1AndItsOwnApi() {
    RuntimeInfo info = runtime.info();
    assertThat(info.name()).isEqualTo("containerd");
    assertThat(info.version()).startsWith("1.6.20").doesNotStartWith("v");
    assertThat(info.criApiVersion()).isEqualTo("v1");
    assertThat(info.host()).isEqualTo(TestEnv.require("IMAGESPEC_TEST_CRI_HOST"));
    assertThat(info.nativeApi()).isTrue();
    assertThat(info.describe()).startsWith("containerd 1.6.20").endsWith("(cri v1)");
    assertThat(runtime.info()).isSameAs(info);
  }

  @Test
  void listAndGetShowTheConfigsLabelsAndCreatedTime() {
    CriImage pulled = pullPlain();
    assertThat(pulled.id()).isEqualTo(plainId);
    assertThat(pulled.repoTags()).contains(plainRef);
    String digestRef = plainRef.substring(0, plainRef.lastIndexOf(':')) + "@" + plainDigest;
    assertThat(pulled.repoDigests()).contains(digestRef);
    assertThat(pulled.labels())
        .containsEntry("cri.test.label", label)
        .containsEntry("org.example.k", "v")
        .containsKey("imagespec.test")
        .doesNotContainKey(CriRuntime.CRI_MANAGED_LABEL);
    assertThat(pulled.created()).isEqualTo(plainCreated);
    assertThat(pulled.size()).isPositive();

    for (String name : List.of(plainRef, digestRef, plainId)) {
      assertThat(runtime.get(name)).as(name).contains(pulled);
    }
    assertThat(runtime.list()).contains(pulled);
    // A second list answers from the cache (labels by ID) and is the same.
    assertThat(runtime.list()).contains(pulled);
    assertThat(runtime.get(TestEnv.registry() + "/crirt/never" + TestEnv.unique())).isEmpty();
  }

  @Test
  void familiarAndUntaggedNamesResolveAsTheKubeletsDo() {
    CriImage pulled = pullPlain();
    String hub = "crirt-hub" + TestEnv.unique();
    String local = TestEnv.registry() + "/crirt/latest" + TestEnv.unique();
    toRemove.add(hub);
    toRemove.add(local);
    runtime.tag(plainRef, hub);
    runtime.tag(plainId, local);
    CriImage tagged = runtime.get(hub).orElseThrow();
    assertThat(tagged.id()).isEqualTo(pulled.id());
    assertThat(tagged.repoTags())
        .contains("docker.io/library/" + hub + ":latest", local + ":latest", plainRef);
    assertThat(runtime.get("docker.io/library/" + hub + ":latest"))
        .map(CriImage::id)
        .contains(plainId);
    assertThat(runtime.get(local)).map(CriImage::id).contains(plainId);
    runtime.untag(hub);
    runtime.untag(local);
    assertThat(runtime.get(hub)).isEmpty();
    assertThat(runtime.get(plainRef)).map(CriImage::id).contains(plainId);
  }

  @Test
  void tagIsSeenByCriAndUntagKeepsTheImageWhileOtherNamesRemain() {
    pullPlain();
    String target = TestEnv.registry() + "/crirt/tagged" + TestEnv.unique() + ":2";
    toRemove.add(target);
    runtime.tag(plainRef, target);
    // The CRI plugin's own image cache shows the new name (it follows containerd's image events).
    try (CriClient cri = CriClient.connect(TestEnv.require("IMAGESPEC_TEST_CRI_HOST"))) {
      assertThat(cri.imageStatus(target)).map(i -> i.getId()).contains(plainId);
      assertThat(cri.listImages())
          .filteredOn(i -> i.getId().equals(plainId))
          .singleElement()
          .satisfies(i -> assertThat(i.getRepoTagsList()).contains(plainRef, target));
    }
    // Tagging again onto an existing name replaces it (here: with the same image).
    runtime.tag(plainId, target);
    assertThat(runtime.get(target)).map(CriImage::id).contains(plainId);

    runtime.untag(target);
    assertThat(runtime.get(target)).isEmpty();
    CriImage still = runtime.get(plainRef).orElseThrow();
    assertThat(still.repoTags()).contains(plainRef).doesNotContain(target);
    assertThatThrownBy(
            () -> runtime.tag(TestEnv.registry() + "/crirt/none" + TestEnv.unique(), target))
        .isInstanceOf(ImageNotFoundException.class)
        .hasMessageContaining("pull it first");
  }

  @Test
  void untagOfTheOnlyNameRemovesTheImageAsRemoveImageDoes() {
    // An image of its own, so that other tests' names do not count.
    String ref = TestEnv.registry() + "/crirt/single" + TestEnv.unique() + ":1";
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    toRemove.add(ref);
    try {
      CriImage img = runtime.pull(ref, null);
      assertThat(img.repoTags()).containsExactly(ref);
      assertThat(img.repoDigests()).hasSize(1);
      String digestRef = img.repoDigests().get(0);
      runtime.untag(ref); // two names: only the tag goes
      assertThat(runtime.get(img.id())).map(CriImage::repoDigests).contains(List.of(digestRef));
      runtime.untag(digestRef); // the last name: the image goes
      assertThat(runtime.get(img.id())).isEmpty();
      assertThat(runtime.list()).noneMatch(i -> i.id().equals(img.id()));
      assertThatThrownBy(() -> runtime.removeImage(ref))
          .isInstanceOf(ImageNotFoundException.class)
          .hasMessageContaining(ref);
    } finally {
      docker.images().remove(ref, true, false);
    }
  }

  @Test
  void removeImageRemovesEveryName() {
    String ref = TestEnv.registry() + "/crirt/remove" + TestEnv.unique() + ":1";
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    toRemove.add(ref);
    try {
      CriImage img = runtime.pull(ref, null);
      String other = ref + "-other";
      runtime.tag(ref, other);
      assertThat(runtime.containers()).noneMatch(c -> c.imageId().equals(img.id()));
      runtime.removeImage(other);
      assertThat(runtime.get(ref)).isEmpty();
      assertThat(runtime.get(img.id())).isEmpty();
    } finally {
      docker.images().remove(ref, true, false);
    }
  }

  @Test
  void removeImageIsRefusedWhileAContainerUsesIt() {
    String ref = TestEnv.registry() + "/crirt/inuse" + TestEnv.unique() + ":1";
    TestEnv.seed(docker, ref);
    docker.images().push(ref, PushOptions.defaults(), null);
    toRemove.add(ref);
    String pod = "crirt-" + TestEnv.unique();
    try (CriClient cri = CriClient.connect(TestEnv.require("IMAGESPEC_TEST_CRI_HOST"));
        PodSandbox sandbox = PodSandbox.run(cri, pod)) {
      CriImage img = runtime.pull(ref, null);
      String containerId = sandbox.createContainer(ref, "app");
      String name = PodSandbox.NAMESPACE + "/" + pod + "/app";
      assertThat(runtime.containers())
          .filteredOn(c -> c.id().equals(containerId))
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.name()).isEqualTo(name);
                assertThat(c.imageId()).isEqualTo(img.id());
                assertThat(c.image()).isEqualTo(ref);
                assertThat(c.state()).isEqualTo("CONTAINER_CREATED");
              });
      assertThatThrownBy(() -> runtime.removeImage(ref))
          .isInstanceOfSatisfying(
              ImageInUseException.class,
              e ->
                  assertThat(e.containers())
                      .containsExactly(
                          name + " (" + containerId.substring(0, 12) + ", CONTAINER_CREATED)"))
          .hasMessageContaining("remove them first");
      assertThatThrownBy(() -> runtime.removeImage(img.id()))
          .isInstanceOf(ImageInUseException.class);
      // The last name goes the same way.
      String digestRef = img.repoDigests().get(0);
      runtime.untag(ref);
      assertThatThrownBy(() -> runtime.untag(digestRef)).isInstanceOf(ImageInUseException.class);
      assertThat(runtime.get(img.id())).isPresent();
      sandbox.removeContainer(containerId);
      runtime.removeImage(digestRef);
      assertThat(runtime.get(img.id())).isEmpty();
    } finally {
      docker.images().remove(ref, true, false);
    }
  }

  @Test
  void containersUsingTheImageAreNamedInTheRefusal() {
    List<CriContainer> containers =
        List.of(
            new CriContainer(
                "abcdef0123456789", "default/web/nginx", "sha256:aa", "nginx", "CONTAINER_EXITED"),
            new CriContainer("0123456789abcdef", "other", "sha256:bb", "x", "CONTAINER_RUNNING"),
            // runtimes differ: a bare ID, or only the name the container was created with
            new CriContainer("1111111111111111", "bare", "dd", "y", "CONTAINER_RUNNING"),
            new CriContainer(
                "2222222222222222", "byname", "", "docker.io/library/e:1", "CONTAINER_CREATED"));
    assertThat(CriRuntime.users(image("sha256:aa"), containers))
        .containsExactly("default/web/nginx (abcdef012345, CONTAINER_EXITED)");
    assertThat(CriRuntime.users(image("sha256:cc"), containers)).isEmpty();
    assertThat(CriRuntime.users(image("sha256:dd"), containers))
        .containsExactly("bare (111111111111, CONTAINER_RUNNING)");
    assertThat(
            CriRuntime.users(
                dev.imagespec.engine.cri.v1.Image.newBuilder()
                    .setId("sha256:ee")
                    .addRepoTags("docker.io/library/e:1")
                    .build(),
                containers))
        .containsExactly("byname (222222222222, CONTAINER_CREATED)");
    assertThat(new ImageInUseException("nginx", CriRuntime.users(image("sha256:aa"), containers)))
        .hasMessage(
            "image nginx is in use by container(s) default/web/nginx (abcdef012345,"
                + " CONTAINER_EXITED): remove them first");
  }

  private static dev.imagespec.engine.cri.v1.Image image(String id) {
    return dev.imagespec.engine.cri.v1.Image.newBuilder().setId(id).build();
  }

  @Test
  void pushCopiesAnImageFromTheContentStoreToAnotherRepositoryAndRegistry() {
    pullPlain();
    RegistryClient registry = RegistryClient.builder().build();
    // Same registry, other repository: blobs are mounted from the repository it was pulled from.
    String copy = TestEnv.registry() + "/crirt/copy" + TestEnv.unique() + ":1";
    toRemove.add(copy);
    runtime.tag(plainRef, copy);
    assertThat(runtime.push(copy, null)).isEqualTo(plainDigest);
    assertThat(registry.digest(ImageReference.parse(copy), null)).contains(plainDigest);

    // Another registry, with credentials: every blob is streamed from containerd's content store.
    AuthConfig creds = AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword());
    String there = TestEnv.authRegistry() + "/crirt/pushed" + TestEnv.unique() + ":1";
    toRemove.add(there);
    runtime.tag(plainRef, there);
    String wrong = "wrong-" + TestEnv.unique();
    assertThatThrownBy(() -> runtime.push(there, AuthConfig.basic(TestEnv.authUser(), wrong)))
        .isInstanceOf(EngineException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong));
    assertThat(runtime.push(there, creds)).isEqualTo(plainDigest);
    assertThat(registry.digest(ImageReference.parse(there), creds)).contains(plainDigest);
    assertThatThrownBy(() -> runtime.push(plainId, null))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("not the ID");
  }

  @Test
  void pushOfAnIndexSendsThePlatformsContainerdHolds() throws Exception {
    pullPlain();
    RegistryClient registry = RegistryClient.builder().build();
    ImageReference plainRepo = ImageReference.parse(plainRef).withoutTagAndDigest();
    ContainerdClient ctrd = runtime.containerd();
    byte[] amd64 = ctrd.readAll(plainDigest, 1 << 20);
    // A second platform's manifest (same blobs, other bytes) that containerd will not fetch.
    ObjectNode other = (ObjectNode) JSON.readTree(amd64);
    other.putObject("annotations").put("org.example.platform", "s390x");
    byte[] s390x = JSON.writeValueAsBytes(other);
    String mediaType = JSON.readTree(amd64).path("mediaType").asText();
    String s390xDigest =
        registry.putManifest(plainRepo.withDigest(sha256(s390x)), mediaType, s390x, null);

    String both = plainRepo.canonical() + ":both" + TestEnv.unique();
    String one = plainRepo.canonical() + ":one" + TestEnv.unique();
    toRemove.add(both);
    toRemove.add(one);
    registry.putManifest(
        ImageReference.parse(both),
        RegistryClient.OCI_INDEX,
        index(
            entry(mediaType, plainDigest, amd64.length, arch()),
            entry(mediaType, s390xDigest, s390x.length, "s390x")),
        null);
    byte[] oneIndex = index(entry(mediaType, plainDigest, amd64.length, arch()));
    String oneIndexDigest =
        registry.putManifest(ImageReference.parse(one), RegistryClient.OCI_INDEX, oneIndex, null);
    runtime.pull(both, null);
    runtime.pull(one, null);
    assertThat(ctrd.info(s390xDigest)).isEmpty();

    // Not every platform is here: the one present manifest goes under the tag.
    String bothCopy = TestEnv.authRegistry() + "/crirt/both" + TestEnv.unique() + ":1";
    toRemove.add(bothCopy);
    AuthConfig creds = AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword());
    runtime.tag(both, bothCopy);
    assertThat(runtime.push(bothCopy, creds)).isEqualTo(plainDigest);
    // Every platform is here: the index goes unchanged.
    String oneCopy = TestEnv.registry() + "/crirt/one" + TestEnv.unique() + ":1";
    toRemove.add(oneCopy);
    runtime.tag(one, oneCopy);
    assertThat(runtime.push(oneCopy, null)).isEqualTo(oneIndexDigest);
    assertThat(registry.digest(ImageReference.parse(oneCopy), null)).contains(oneIndexDigest);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static String arch() {
    String a = System.getProperty("os.arch");
    return a.equals("x86_64") ? "amd64" : a.equals("aarch64") ? "arm64" : a;
  }

  private static ObjectNode entry(String mediaType, String digest, long size, String arch) {
    ObjectNode e = JSON.createObjectNode();
    e.put("mediaType", mediaType).put("digest", digest).put("size", size);
    e.putObject("platform").put("architecture", arch).put("os", "linux");
    return e;
  }

  private static byte[] index(ObjectNode... entries) throws Exception {
    ObjectNode i = JSON.createObjectNode();
    i.put("schemaVersion", 2).put("mediaType", RegistryClient.OCI_INDEX);
    ArrayNode m = i.putArray("manifests");
    for (ObjectNode e : entries) {
      m.add(e);
    }
    return JSON.writeValueAsBytes(i);
  }

  private static String sha256(byte[] b) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void pullFromTheHtpasswdRegistryTakesCredentialsAndNeverShowsThem() {
    assertThatThrownBy(() -> runtime.pull(authRef, null))
        .isInstanceOf(CriException.class)
        .hasMessageContaining("401 Unauthorized");
    String wrong = "wrong-" + TestEnv.unique();
    assertThatThrownBy(() -> runtime.pull(authRef, AuthConfig.basic(TestEnv.authUser(), wrong)))
        .isInstanceOf(CriException.class)
        .hasMessageContaining("401 Unauthorized")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong));
    CriImage img =
        runtime.pull(authRef, AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword()));
    assertThat(img.repoTags()).contains(authRef);
    runtime.removeImage(authRef);
    assertThat(runtime.get(authRef)).isEmpty();
  }

  @Test
  void credentialsConvertToCriWithoutShowingSecrets() {
    assertThat(CriAuth.of(null)).isNull();
    assertThat(CriAuth.of(new AuthConfig(null, null, null, "r", null, null))).isNull();
    CriAuth token = CriAuth.of(new AuthConfig(null, null, null, "r", "id-secret", null));
    assertThat(token.identityToken()).isEqualTo("id-secret");
    assertThat(token.toProto().getIdentityToken()).isEqualTo("id-secret");
    assertThat(token).asString().doesNotContain("id-secret");
    CriAuth basic = CriAuth.of(AuthConfig.basic("u", "pw-secret"));
    assertThat(basic.toProto().getPassword()).isEqualTo("pw-secret");
    assertThat(basic).asString().doesNotContain("pw-secret");
    assertThat(new CriAuth(null, null, null, "bearer-secret")).asString().doesNotContain("bearer");
  }

  @Test
  void eventsShowADeletedName() throws Exception {
    pullPlain();
    List<CriRuntime.ImageEvent> seen = new CopyOnWriteArrayList<>();
    try (CriRuntime.ImageEvents events = runtime.events()) {
      CompletableFuture<Void> reader =
          CompletableFuture.runAsync(
              () -> {
                while (events.hasNext()) {
                  seen.add(events.next());
                }
              });
      // The subscription starts asynchronously: name and unname until one delete is seen.
      List<String> names = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                String name = TestEnv.registry() + "/crirt/event" + TestEnv.unique() + ":1";
                names.add(name);
                toRemove.add(name);
                runtime.tag(plainRef, name);
                runtime.untag(name);
                assertThat(seen)
                    .anySatisfy(
                        e -> {
                          assertThat(e.topic()).isEqualTo("/images/delete");
                          assertThat(names).contains(e.name());
                        });
              });
      assertThat(seen).anyMatch(e -> e.topic().equals("/images/create"));
      // Closing from another thread ends the blocked reader promptly.
      CompletableFuture.runAsync(events::close).get(5, TimeUnit.SECONDS);
      reader.get(5, TimeUnit.SECONDS);
      assertThat(events.hasNext()).isFalse();
    }
  }

  @Test
  void aPullIsCancelledWhenTheThreadIsInterrupted() throws Exception {
    try (SilentRegistry silent = new SilentRegistry()) {
      AtomicReference<Thread> puller = new AtomicReference<>();
      CompletableFuture<CriImage> pull =
          CompletableFuture.supplyAsync(
              () -> {
                puller.set(Thread.currentThread());
                return runtime.pull(silent.reference(), null);
              });
      await().atMost(Duration.ofSeconds(30)).until(silent::accepted);
      assertThat(pull).isNotDone();
      puller.get().interrupt();
      assertThatThrownBy(() -> pull.get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              CriException.class,
              e -> {
                assertThat(e.code()).isEqualTo(Status.Code.CANCELLED);
                assertThat(e.getMessage())
                    .contains("PullImage of " + silent.reference(), "interrupted");
              });
    }
  }

  @Test
  void aPullIsCancelledWhenTheRuntimeIsClosed() throws Exception {
    try (SilentRegistry silent = new SilentRegistry();
        CriRuntime other =
            CriRuntime.connect(TestEnv.require("IMAGESPEC_TEST_CRI_HOST"), PULL_TIMEOUT)) {
      CompletableFuture<CriImage> pull =
          CompletableFuture.supplyAsync(() -> other.pull(silent.reference(), null));
      await().atMost(Duration.ofSeconds(30)).until(silent::accepted);
      other.close();
      assertThatThrownBy(() -> pull.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(CriException.class)
          .hasMessageContaining("closed");
    }
  }

  @Test
  void aPullEndsAtItsDeadline() throws Exception {
    try (SilentRegistry silent = new SilentRegistry();
        CriRuntime quick =
            CriRuntime.connect(TestEnv.require("IMAGESPEC_TEST_CRI_HOST"), Duration.ofSeconds(2))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> quick.pull(silent.reference(), null))
          .isInstanceOfSatisfying(
              CriException.class,
              e -> assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED))
          .hasMessageContaining("deadline");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }
  }

  @Test
  void pinLabelsTheWantedNamesOnceAndTakesOffOnlyItsOwnLabels() {
    pullPlain();
    String mine = TestEnv.registry() + "/crirt/pinned" + TestEnv.unique() + ":1";
    String theirs = TestEnv.registry() + "/crirt/theirs" + TestEnv.unique() + ":1";
    toRemove.add(mine);
    toRemove.add(theirs);
    runtime.tag(plainRef, mine);
    runtime.tag(plainRef, theirs);
    Ctr.label(theirs, CriRuntime.PINNED_LABEL, "pinned"); // someone else's pin

    CriRuntime.Pins first = runtime.pin(List.of(mine, theirs));
    assertThat(first.labeled()).containsExactly(mine);
    assertThat(first.pinned()).containsExactlyInAnyOrder(mine, theirs);
    assertThat(first.unpinned()).isEmpty();
    // seen without imagespec's client; the other labels (the CRI plugin's) stay
    assertThat(Ctr.labels(mine))
        .containsEntry("io.cri-containerd.pinned", "pinned")
        .containsEntry("io.cri-containerd.image", "managed");
    assertThat(runtime.get(mine)).map(CriImage::id).contains(plainId);

    // idempotent: nothing changes the second time
    CriRuntime.Pins again = runtime.pin(List.of(mine, theirs));
    assertThat(again.labeled()).isEmpty();
    assertThat(again.pinned()).containsExactlyInAnyOrder(mine, theirs);

    // no longer wanted: imagespec's own pin comes off, the other one stays
    CriRuntime.Pins none = runtime.pin(List.of());
    assertThat(none.unpinned()).containsExactly(mine);
    assertThat(Ctr.labels(mine))
        .doesNotContainKey("io.cri-containerd.pinned")
        .containsEntry("io.cri-containerd.image", "managed");
    assertThat(Ctr.labels(theirs)).containsEntry("io.cri-containerd.pinned", "pinned");
    runtime.untag(mine);
    runtime.untag(theirs);
  }

  @Test
  void aCriOnlyViewRefusesWhatCriLacksAndNamesTheRuntime() {
    pullPlain();
    try (CriRuntime criOnly =
        CriRuntime.connect(TestEnv.require("IMAGESPEC_TEST_CRI_HOST"), PULL_TIMEOUT, false)) {
      RuntimeInfo info = criOnly.info();
      assertThat(info.nativeApi()).isFalse();
      assertThat(criOnly.get(plainRef).orElseThrow().labels())
          .containsEntry("cri.test.label", label);
      String target = TestEnv.registry() + "/crirt/nope" + TestEnv.unique() + ":1";
      assertThatThrownBy(() -> criOnly.tag(plainRef, target))
          .isInstanceOfSatisfying(
              UnsupportedByRuntimeException.class,
              e -> {
                assertThat(e.operation()).isEqualTo("tag");
                assertThat(e.runtime()).isEqualTo(info.describe());
              })
          .hasMessage(
              "tag is not supported on "
                  + info.describe()
                  + ": CRI has no tag; containerd's own API is not reachable on "
                  + info.host());
      assertThatThrownBy(() -> criOnly.push(plainRef, null))
          .isInstanceOf(UnsupportedByRuntimeException.class)
          .hasMessageStartingWith("push is not supported on containerd 1.6.20");
      assertThatThrownBy(() -> criOnly.pin(List.of(plainRef)))
          .isInstanceOf(UnsupportedByRuntimeException.class)
          .hasMessageStartingWith("pin is not supported on containerd 1.6.20")
          .hasMessageContaining("CRI cannot label images");
      assertThatThrownBy(criOnly::events)
          .isInstanceOf(UnsupportedByRuntimeException.class)
          .hasMessageStartingWith("events is not supported on containerd 1.6.20");
      // The pulled image has a tag and a digest name: one name alone cannot go through CRI.
      assertThatThrownBy(() -> criOnly.untag(plainRef))
          .isInstanceOf(UnsupportedByRuntimeException.class)
          .hasMessageContaining("untag is not supported")
          .hasMessageContaining("CRI can only remove an image with all of its names");
      assertThat(criOnly.get(plainRef)).isPresent();
    }
  }

  /** A "registry" that accepts connections and never answers: a pull through it hangs. */
  private static final class SilentRegistry implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    SilentRegistry() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    sockets.add(server.accept());
                  }
                } catch (IOException closed) {
                  // closed: done
                }
              },
              "silent-registry");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String reference() {
      return "127.0.0.1:" + server.getLocalPort() + "/crirt/silent:1";
    }

    boolean accepted() {
      return !sockets.isEmpty();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }
}
