package dev.imagespec.engine.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.EngineUnavailableException;
import dev.imagespec.engine.Images;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.engine.cri.v1.Image;
import dev.imagespec.engine.cri.v1.VersionResponse;
import dev.imagespec.testing.TestEnv;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CriClient} against the containerd with CRI that {@code scripts/engines} starts ({@code
 * IMAGESPEC_TEST_CRI_HOST}). Images come from the loopback registries only: seeded from the test
 * rootfs in dockerd and pushed there first, then pulled through CRI (plain HTTP, no hosts.toml).
 */
class CriClientTest {
  private static CriClient cri;
  private static EngineClient docker;
  private static String plainRef;
  private static String authRef;
  private static String pushedDigest;
  private static final List<String> toRemove = new ArrayList<>();

  @BeforeAll
  static void pushImages() {
    cri = CriClient.connect(TestEnv.require("IMAGESPEC_TEST_CRI_HOST"));
    docker = TestEnv.docker().client();
    plainRef = TestEnv.registry() + "/cri/plain" + TestEnv.unique() + ":1";
    TestEnv.seed(docker, plainRef);
    Images.PushResult pushed = docker.images().push(plainRef, PushOptions.defaults(), null);
    pushedDigest = pushed.digest();
    authRef = TestEnv.authRegistry() + "/cri/auth" + TestEnv.unique() + ":1";
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
    if (cri != null) {
      for (String ref : toRemove) {
        cri.removeImage(ref);
      }
      cri.close();
    }
    if (docker != null) {
      for (String ref : toRemove) {
        docker.images().remove(ref, true, false);
      }
      docker.close();
    }
  }

  @Test
  void versionNamesTheRuntimeAndCriV1() {
    VersionResponse v = cri.version();
    assertThat(v.getRuntimeName()).isEqualTo("containerd");
    assertThat(v.getRuntimeVersion()).isNotBlank();
    assertThat(v.getRuntimeApiVersion()).isEqualTo("v1");
  }

  @Test
  void pullListStatusAndRemoveFromTheLoopbackRegistry() {
    String id = cri.pullImage(plainRef, null);
    assertThat(id).startsWith("sha256:");

    assertThat(cri.listImages())
        .filteredOn(i -> i.getId().equals(id))
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.getRepoTagsList()).contains(plainRef);
              assertThat(i.getRepoDigestsList())
                  .contains(plainRef.substring(0, plainRef.lastIndexOf(':')) + "@" + pushedDigest);
              assertThat(i.getSize()).isPositive();
            });
    Image byName = cri.imageStatus(plainRef).orElseThrow();
    assertThat(byName.getId()).isEqualTo(id);
    assertThat(cri.imageStatus(id)).map(Image::getId).contains(id);

    // containerd refreshes snapshot usage on its own schedule (stats_collect_period, 10 s).
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () ->
                assertThat(cri.imageFsInfo())
                    .isNotEmpty()
                    .allSatisfy(
                        fs -> {
                          assertThat(fs.getFsId().getMountpoint()).isNotBlank();
                          assertThat(fs.getTimestamp()).isPositive();
                          assertThat(fs.getUsedBytes().getValue()).isPositive();
                        }));
    // No container was ever created on this runtime by the tests: nothing uses the image.
    assertThat(cri.listContainers()).noneMatch(c -> c.getImageRef().equals(id));

    // Pulling what is there already is a no-op that names the same image.
    assertThat(cri.pullImage(plainRef, null)).isEqualTo(id);

    cri.removeImage(plainRef);
    assertThat(cri.imageStatus(plainRef)).isEmpty();
    assertThat(cri.listImages()).noneMatch(i -> i.getId().equals(id));
    // Removing what is gone succeeds (CRI's RemoveImage is idempotent).
    cri.removeImage(plainRef);
  }

  @Test
  void imageStatusOfAnUnknownImageIsEmpty() {
    assertThat(cri.imageStatus(TestEnv.registry() + "/cri/never" + TestEnv.unique() + ":1"))
        .isEmpty();
  }

  @Test
  void pullFromTheHtpasswdRegistryTakesCredentials() {
    assertThatThrownBy(() -> cri.pullImage(authRef, null))
        .isInstanceOfSatisfying(
            CriException.class,
            e -> {
              assertThat(e.code()).isNotEqualTo(Status.Code.OK);
              assertThat(e.getMessage())
                  .startsWith("CRI PullImage of " + authRef + " on " + cri.host() + ": ")
                  .containsIgnoringCase("401 Unauthorized");
            });
    assertThatThrownBy(() -> cri.pullImage(authRef, new CriAuth(TestEnv.authUser(), "wrong-pw")))
        .isInstanceOf(CriException.class)
        .hasMessageContaining("401 Unauthorized")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-pw"));
    assertThat(cri.imageStatus(authRef)).isEmpty();

    String id = cri.pullImage(authRef, new CriAuth(TestEnv.authUser(), TestEnv.authPassword()));
    assertThat(cri.imageStatus(authRef)).map(Image::getId).contains(id);
    cri.removeImage(authRef);
    assertThat(cri.imageStatus(authRef)).isEmpty();
  }

  @Test
  void aSocketWithNoRuntimeIsUnavailableAndNamed(@TempDir Path dir) {
    String host = "unix://" + dir.resolve("none.sock");
    try (CriClient none = CriClient.connect(host)) {
      assertThatThrownBy(none::version)
          .isInstanceOf(EngineUnavailableException.class)
          .hasMessageStartingWith("CRI Version on " + host + ": runtime unreachable");
    }
  }

  @Test
  void onlyUnixSocketsAreAccepted() {
    assertThatThrownBy(() -> CriClient.connect("tcp://127.0.0.1:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unix socket");
  }

  @Test
  void credentialsDoNotShowTheirPassword() {
    assertThat(new CriAuth("u", "secret")).asString().doesNotContain("secret");
  }
}
