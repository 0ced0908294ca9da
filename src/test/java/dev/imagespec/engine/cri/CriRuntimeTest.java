package dev.imagespec.engine.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImageNotFoundException;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.testing.TestEnv;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

  // TODO(pod-sandbox fixture): refuse removing an image a real CRI container uses. RunPodSandbox
  // fails on this test containerd (runc: "can't get final child's PID from pipe", even with host
  // namespaces), so until the fixture another helper builds exists, the selection is tested alone.
  @Test
  void containersUsingTheImageAreNamedInTheRefusal() {
    List<CriContainer> containers =
        List.of(
            new CriContainer(
                "abcdef0123456789", "default/web/nginx", "sha256:aa", "nginx", "CONTAINER_EXITED"),
            new CriContainer("0123456789abcdef", "other", "sha256:bb", "x", "CONTAINER_RUNNING"));
    assertThat(CriRuntime.users("sha256:aa", containers))
        .containsExactly("default/web/nginx (abcdef012345, CONTAINER_EXITED)");
    assertThat(CriRuntime.users("sha256:cc", containers)).isEmpty();
    assertThat(new ImageInUseException("nginx", CriRuntime.users("sha256:aa", containers)))
        .hasMessage(
            "image nginx is in use by container(s) default/web/nginx (abcdef012345,"
                + " CONTAINER_EXITED): remove them first");
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
