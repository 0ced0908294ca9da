package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.testing.RawEngine;
import dev.imagespec.testing.TestEnv;
import dev.imagespec.testing.TestEnv.Engine;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The core image operations against the real dockerd and the real Podman service. */
class ImagesEngineTest {

  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  private static String ref(String repo) {
    return TestEnv.registry() + "/it/" + repo + ":" + TestEnv.unique();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void negotiatesAndDetectsTheEngine(Engine engine) {
    try (EngineClient c = engine.client()) {
      assertThat(c.ping()).isTrue();
      assertThat(c.info().podman()).isEqualTo(engine.name().equals("podman"));
      assertThat(c.dialect())
          .isInstanceOf(engine.name().equals("podman") ? PodmanDialect.class : DockerDialect.class)
          .isSameAs(c.dialect());
      assertThat(c.info().apiVersion()).matches("1\\.\\d+");
      assertThat(c.version().path("Version").asText()).isNotEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void listGetExistsAndHistory(Engine engine) {
    try (EngineClient c = engine.client()) {
      String name = ref("list");
      Image seeded = TestEnv.seed(c, name, "team=web");
      Images images = c.images();

      assertThat(images.list()).extracting(Image::id).contains(seeded.id());
      assertThat(images.list(ListOptions.builder().name(name).build()))
          .singleElement()
          .satisfies(i -> assertThat(i.tags()).contains(name));
      assertThat(images.list(ListOptions.builder().label("imagespec.test").reference(name).build()))
          .extracting(Image::id)
          .containsExactly(seeded.id());
      assertThat(images.list(ListOptions.builder().label("team=nobody").reference(name).build()))
          .isEmpty();
      assertThat(images.list(ListOptions.builder().digests(true).build()))
          .extracting(Image::id)
          .contains(seeded.id());
      assertThat(images.list(ListOptions.builder().dangling(true).build()))
          .extracting(Image::id)
          .doesNotContain(seeded.id());
      assertThat(images.listIds(ListOptions.builder().reference(name).build()))
          .containsExactly(seeded.id());

      Image got = images.get(name);
      assertThat(got.id()).isEqualTo(seeded.id()).startsWith("sha256:");
      assertThat(got.shortId()).isEqualTo(seeded.id().substring(0, 17));
      assertThat(got.tags()).contains(name);
      assertThat(got.labels()).containsEntry("team", "web");
      assertThat(got.reload().attrs().path("Config").isObject()).isTrue();
      assertThat(images.exists(name)).isTrue();
      assertThat(images.exists(TestEnv.registry() + "/it/absent:1")).isFalse();
      assertThat(images.history(name)).isNotEmpty();
      assertThat(got.history()).isNotEmpty();

      assertThatThrownBy(() -> images.get(TestEnv.registry() + "/it/absent:1"))
          .isInstanceOf(ImageNotFoundException.class);
      assertThatThrownBy(() -> images.history(TestEnv.registry() + "/it/absent:1"))
          .isInstanceOf(ImageNotFoundException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void tagPushRemoveAndPullBack(Engine engine) {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String source = ref("src");
      Image seeded = TestEnv.seed(c, source);
      String repo = TestEnv.registry() + "/it/push-" + engine.name() + TestEnv.unique();
      assertThat(seeded.tag(repo, "1.0", false)).isTrue();
      assertThat(images.tag(source, repo, "2.0", true)).isTrue();
      assertThat(images.get(repo + ":1.0").id()).isEqualTo(seeded.id());

      List<ProgressEvent> events = new ArrayList<>();
      Images.PushResult pushed = images.push(repo + ":1.0", PushOptions.defaults(), events::add);
      assertThat(pushed.digest()).startsWith("sha256:");
      assertThat(events).isNotEmpty();
      images.push(repo, PushOptions.builder().tag("2.0").build(), null);

      RemoveReport removed = images.remove(repo + ":1.0", false, false);
      assertThat(removed.untagged()).anyMatch(u -> u.contains(repo.substring(repo.indexOf('/'))));
      assertThat(images.exists(repo + ":1.0")).isFalse();

      Image pulled = images.pull(repo + ":1.0", PullOptions.defaults());
      assertThat(pulled.id()).isEqualTo(seeded.id());
      assertThat(images.pull(repo, PullOptions.builder().tag("1.0").build()).id())
          .isEqualTo(seeded.id());
      assertThat(images.pull(repo + "@" + pushed.digest(), PullOptions.defaults()).id())
          .isEqualTo(seeded.id());

      images.remove(repo + ":2.0", false, false);
      List<Image> all = images.pullAllTags(repo, PullOptions.defaults(), null);
      assertThat(all).extracting(Image::id).contains(seeded.id());
      assertThat(images.exists(repo + ":2.0")).isTrue();

      try (ProgressStream stream = images.pullStream(repo + ":1.0", PullOptions.defaults())) {
        assertThat(stream.hasNext()).isTrue();
        assertThat(stream.drain()).isNotNull();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void pullErrorsAreTyped(Engine engine) {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String repo = TestEnv.registry() + "/it/missing" + TestEnv.unique();
      assertThatThrownBy(() -> images.pull(repo + ":1", PullOptions.defaults()))
          .isInstanceOf(ImageNotFoundException.class);
      String pushedRepo = TestEnv.registry() + "/it/hastag" + TestEnv.unique();
      TestEnv.seed(c, pushedRepo + ":1");
      images.push(pushedRepo + ":1", PushOptions.defaults(), null);
      assertThatThrownBy(() -> images.pull(pushedRepo + ":nope", PullOptions.defaults()))
          .isInstanceOf(ImageNotFoundException.class)
          .hasMessageContaining("nope");
      assertThatThrownBy(() -> images.pull("Upper/Case:1", PullOptions.defaults()))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("lowercase");
      assertThatThrownBy(() -> images.pull("a/b:bad tag", PullOptions.defaults()))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> images.pull("127.0.0.1:1/nothing/here:1", PullOptions.defaults()))
          .isInstanceOf(EngineException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void authRegistryAcceptsRightAndRefusesWrongCredentials(Engine engine) {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String repo = TestEnv.authRegistry() + "/it/auth" + engine.name() + TestEnv.unique();
      TestEnv.seed(c, repo + ":1");
      AuthConfig wrong = AuthConfig.basic(TestEnv.authUser(), "not-the-password");
      assertThatThrownBy(
              () -> images.push(repo + ":1", PushOptions.builder().auth(wrong).build(), null))
          .isInstanceOf(EngineException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-password"));
      assertThatThrownBy(() -> images.push(repo + ":1", PushOptions.defaults(), null))
          .isInstanceOf(EngineException.class);

      AuthConfig right = AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword());
      assertThat(images.push(repo + ":1", PushOptions.builder().auth(right).build(), null).digest())
          .startsWith("sha256:");
      images.remove(repo + ":1", false, false);
      assertThatThrownBy(() -> images.pull(repo + ":1", PullOptions.builder().auth(wrong).build()))
          .isInstanceOf(EngineException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-password"));
      assertThat(images.pull(repo + ":1", PullOptions.builder().auth(right).build()).tags())
          .contains(repo + ":1");
    }
  }

  @Test
  void podmanPushesToAnotherDestinationWithoutTagging() {
    try (EngineClient c = TestEnv.podman().client()) {
      String source = ref("dest-src");
      TestEnv.seed(c, source);
      String dest = TestEnv.registry() + "/it/dest:" + TestEnv.unique();
      c.images()
          .push(source, PushOptions.builder().destination(dest).tlsVerify(false).build(), null);
      assertThat(c.images().exists(dest)).isFalse();
      assertThat(c.images().pull(dest, PullOptions.builder().tlsVerify(false).build()).tags())
          .contains(dest);
    }
  }

  @Test
  void dockerRefusesThePodmanOnlyDestination() {
    try (EngineClient c = TestEnv.docker().client()) {
      String source = ref("dest-src");
      TestEnv.seed(c, source);
      assertThatThrownBy(
              () ->
                  c.images()
                      .push(
                          source,
                          PushOptions.builder().destination(ref("elsewhere")).build(),
                          null))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("Podman");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void removeReportsAndErrors(Engine engine) {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String a = ref("rm-a");
      Image seeded = TestEnv.seed(c, a);
      String b = ref("rm-b");
      images.tag(a, b.substring(0, b.lastIndexOf(':')), b.substring(b.lastIndexOf(':') + 1), false);

      RemoveReport untag = images.remove(b, false, false);
      assertThat(untag.untagged()).isNotEmpty();
      assertThat(untag.deleted()).isEmpty();
      assertThat(images.exists(seeded.id())).isTrue();

      RemoveReport deleted = seeded.remove(false, false);
      assertThat(deleted.deleted()).anyMatch(d -> seeded.id().endsWith(d.replace("sha256:", "")));
      assertThat(images.exists(seeded.id())).isFalse();

      assertThatThrownBy(() -> images.remove(a, false, false))
          .isInstanceOf(ImageNotFoundException.class);
      assertThatThrownBy(() -> images.remove("Not/Valid", false, false))
          .isInstanceOf(InvalidArgumentException.class);
    }
  }

  /**
   * An image with several names: both engines refuse its ID without force (the one place that knows
   * their messages is {@link Images#refusedForSeveralNames}); {@code removeImage} removes it name
   * by name, and leaves an image a container uses with all its names.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void removeImageTakesEveryNameUnlessAContainerUsesIt(Engine engine) {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String run = TestEnv.unique();
      String a = ref("rmi-a-" + run);
      Image seeded = TestEnv.seed(c, a, "rmi.run=" + run);
      String b = ref("rmi-b-" + run);
      images.tag(a, b.substring(0, b.lastIndexOf(':')), b.substring(b.lastIndexOf(':') + 1), false);

      assertThatThrownBy(() -> images.remove(seeded.id(), false, false))
          .isInstanceOfSatisfying(
              ApiException.class, e -> assertThat(Images.refusedForSeveralNames(e)).isTrue());

      RemoveReport report = images.removeImage(seeded.id());
      assertThat(report.untagged()).hasSizeGreaterThanOrEqualTo(2);
      assertThat(report.deleted()).anyMatch(d -> seeded.id().endsWith(d.replace("sha256:", "")));
      assertThat(images.exists(seeded.id())).isFalse();

      String usedA = ref("rmi-used-a-" + run);
      Image used = TestEnv.seed(c, usedA, "rmi.run=" + run, "used=yes");
      String usedB = ref("rmi-used-b-" + run);
      images.tag(
          usedA,
          usedB.substring(0, usedB.lastIndexOf(':')),
          usedB.substring(usedB.lastIndexOf(':') + 1),
          false);
      RawEngine.createContainer(engine.host(), used.id(), "imagespec-rmi-" + run);
      assertThatThrownBy(() -> images.removeImage(used.id()))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
      assertThat(images.get(used.id()).tags()).containsExactlyInAnyOrder(usedA, usedB);
      assertThatThrownBy(() -> images.removeImage(seeded.id()))
          .isInstanceOf(ImageNotFoundException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void pruneHonoursLabelFilters(Engine engine) {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String run = TestEnv.unique();
      Image keep = TestEnv.seed(c, null, "prune.run=" + run, "keep=yes");
      Image drop = TestEnv.seed(c, null, "prune.run=" + run);
      Image tagged = TestEnv.seed(c, ref("prune-tagged"), "prune.run=" + run);

      PruneReport report =
          images.prune(
              PruneOptions.builder()
                  .dangling(true)
                  .label("prune.run=" + run)
                  .label("!keep")
                  .build());

      assertThat(report.imagesDeleted())
          .anyMatch(
              i -> i.deleted() != null && drop.id().endsWith(i.deleted().replace("sha256:", "")));
      assertThat(report.spaceReclaimed()).isGreaterThanOrEqualTo(0);
      assertThat(images.exists(drop.id())).isFalse();
      assertThat(images.exists(keep.id())).isTrue();
      assertThat(images.exists(tagged.id())).isTrue();

      PruneReport none =
          images.prune(PruneOptions.builder().label("prune.run=nothing-" + run).build());
      assertThat(none.imagesDeleted()).isEmpty();
    }
  }

  /**
   * All unused images (not only dangling ones) with a negated label: Podman 4 ignores {@code
   * label!}, so the client selects; an image with two names goes, one a container uses stays.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void pruneOfUnusedImagesWithANegatedLabel(Engine engine) {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String run = TestEnv.unique();
      String first = ref("prune-multi-" + run);
      String second = ref("prune-multi2-" + run);
      Image multi = TestEnv.seed(c, first, "prune.run=" + run);
      images.tag(
          first,
          second.substring(0, second.lastIndexOf(':')),
          second.substring(second.lastIndexOf(':') + 1),
          false);
      String usedRef = ref("prune-used-" + run);
      Image used = TestEnv.seed(c, usedRef, "prune.run=" + run);
      RawEngine.createContainer(engine.host(), used.id(), "imagespec-prune-" + run);
      String keptRef = ref("prune-kept-" + run);
      Image kept = TestEnv.seed(c, keptRef, "prune.run=" + run, "keep=yes");

      PruneReport report =
          images.prune(
              PruneOptions.builder()
                  .dangling(false)
                  .label("prune.run=" + run)
                  .label("!keep")
                  .build());

      assertThat(images.exists(multi.id())).isFalse();
      assertThat(report.imagesDeleted())
          .anyMatch(
              i -> i.deleted() != null && multi.id().endsWith(i.deleted().replace("sha256:", "")))
          .noneMatch(i -> i.untagged() != null && i.untagged().contains("prune-used-"));
      if (c.info().podman()) {
        // counted by the client: the deleted image only (dockerd counts the bytes it freed, 0
        // here, as the rootfs layer is shared with every other seeded image)
        assertThat(report.spaceReclaimed()).isEqualTo(multi.size());
      }
      assertThat(images.exists(usedRef)).isTrue();
      assertThat(images.get(used.id()).tags()).containsExactly(usedRef);
      assertThat(images.exists(keptRef)).isTrue();
      assertThat(kept.reload().tags()).containsExactly(keptRef);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void pruneBuilds(Engine engine) {
    try (EngineClient c = engine.client()) {
      BuildPruneReport report =
          c.images().pruneBuilds(PruneBuildsOptions.builder().all(true).build());
      assertThat(report.spaceReclaimed()).isGreaterThanOrEqualTo(0);
      if (c.info().podman()) {
        assertThat(report.cachesDeleted()).isEmpty();
        assertThat(report.spaceReclaimed()).isZero();
      } else if (!c.apiAtLeast("1.48")) {
        assertThatThrownBy(
                () -> c.images().pruneBuilds(PruneBuildsOptions.builder().maxUsedSpace(1).build()))
            .isInstanceOf(UnsupportedOperationException.class)
            .hasMessageContaining("1.48");
      }
    }
  }

  @Test
  void tlsWithDockerCertPathConventions() {
    String host = TestEnv.require("IMAGESPEC_TEST_DOCKER_TLS_HOST");
    String certs = TestEnv.require("IMAGESPEC_TEST_DOCKER_CERT_PATH");
    Map<String, String> env =
        Map.of("DOCKER_HOST", host, "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs);
    try (EngineClient c = EngineClient.builder().environment(env).build()) {
      assertThat(c.endpoint().tls()).isNotNull();
      assertThat(c.ping()).isTrue();
      assertThat(c.info().podman()).isFalse();
      assertThat(c.images().list()).isNotNull();
    }
    // The server demands a client certificate: without one the handshake is refused.
    Path dir = Path.of(certs);
    TlsConfig noClientCert = new TlsConfig(dir.resolve("ca.pem"), null, null, true);
    URI uri = URI.create(host);
    try (EngineClient c =
        EngineClient.builder()
            .endpoint(EngineEndpoint.tcp(uri.getHost(), uri.getPort(), noClientCert))
            .build()) {
      assertThatThrownBy(c::ping).isInstanceOf(EngineUnavailableException.class);
    }
    // Plain HTTP against the TLS port is not mistaken for an engine.
    try (EngineClient c = EngineClient.builder().host(host).environment(Map.of()).build()) {
      assertThatThrownBy(c::ping).isInstanceOf(EngineException.class);
    }
  }

  @Test
  void absentSocketIsEngineUnavailable() {
    try (EngineClient c =
        EngineClient.builder().host("unix:///nonexistent/dir/engine.sock").build()) {
      assertThatThrownBy(() -> c.images().list())
          .isInstanceOf(EngineUnavailableException.class)
          .hasMessageContaining("/nonexistent/dir/engine.sock");
    }
  }

  @Test
  void closedTcpPortIsEngineUnavailable() {
    try (EngineClient c = EngineClient.builder().host("tcp://127.0.0.1:1").build()) {
      assertThatThrownBy(c::ping).isInstanceOf(EngineUnavailableException.class);
    }
  }

  @Test
  void importFromMissingFileIsInvalidInput() {
    try (EngineClient c = TestEnv.docker().client()) {
      assertThatThrownBy(
              () ->
                  c.images()
                      .importImage(Path.of("/nonexistent.tar"), ImportOptions.builder().build()))
          .isInstanceOf(InvalidArgumentException.class);
    }
  }
}
