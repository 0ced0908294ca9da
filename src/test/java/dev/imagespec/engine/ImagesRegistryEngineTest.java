package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.testing.TestEnv;
import dev.imagespec.testing.TestEnv.Engine;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Registry data, search and scp against the real engines and registries. */
class ImagesRegistryEngineTest {

  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void registryDataOfAPushedImage(Engine engine) {
    try (EngineClient c = engine.client()) {
      String repo = TestEnv.registry() + "/rd/app" + engine.name() + TestEnv.unique();
      TestEnv.seed(c, repo + ":1");
      Images.PushResult pushed = c.images().push(repo + ":1", PushOptions.defaults(), null);

      RegistryData data = c.images().registryData(repo + ":1", null);
      assertThat(data.digest()).isEqualTo(pushed.digest());
      assertThat(data.platforms())
          .extracting(RegistryData.Platform::toString)
          .contains("linux/amd64");
      assertThat(data.size()).isPositive();
      assertThat(c.images().registryData(repo + "@" + pushed.digest(), null).digest())
          .isEqualTo(pushed.digest());

      assertThatThrownBy(() -> c.images().registryData(repo + ":nope", null))
          .isInstanceOf(ImageNotFoundException.class);
      assertThatThrownBy(() -> c.images().registryData("Not/Valid", null))
          .isInstanceOf(InvalidArgumentException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void registryDataBehindHtpasswdTakesTheRightCredentials(Engine engine) {
    try (EngineClient c = engine.client()) {
      String repo = TestEnv.authRegistry() + "/rd/auth" + engine.name() + TestEnv.unique();
      TestEnv.seed(c, repo + ":1");
      AuthConfig right = AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword());
      Images.PushResult pushed =
          c.images().push(repo + ":1", PushOptions.builder().auth(right).build(), null);

      assertThat(c.images().registryData(repo + ":1", right).digest()).isEqualTo(pushed.digest());

      AuthConfig wrong = AuthConfig.basic(TestEnv.authUser(), "not-the-password");
      assertThatThrownBy(() -> c.images().registryData(repo + ":1", wrong))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isIn(401, 403))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-password"));
      assertThatThrownBy(() -> c.images().registryData(repo + ":1", null))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isIn(401, 403));

      // The client's configured credentials when the call brings none.
      try (EngineClient withCreds =
          EngineClient.builder()
              .host(engine.host())
              .credentials(
                  d ->
                      d.equals(TestEnv.authRegistry())
                          ? java.util.Optional.of(right)
                          : java.util.Optional.empty())
              .build()) {
        assertThat(withCreds.images().registryData(repo + ":1", null).digest())
            .isEqualTo(pushed.digest());
      }
    }
  }

  @Test
  void podmanSearchesTheLocalRegistryAndListsTags() {
    try (EngineClient c = TestEnv.podman().client()) {
      String unique = TestEnv.unique();
      String repo = TestEnv.registry() + "/search" + unique + "/app";
      TestEnv.seed(c, repo + ":1");
      c.images().push(repo + ":1", PushOptions.defaults(), null);
      c.images().tag(repo + ":1", repo, "2", false);
      c.images().push(repo + ":2", PushOptions.defaults(), null);

      List<SearchResult> found =
          c.images()
              .search(
                  TestEnv.registry() + "/search" + unique,
                  SearchOptions.builder().limit(10).noTrunc(true).tlsVerify(false).build());
      assertThat(found).extracting(SearchResult::name).contains(repo);
      assertThat(found).allSatisfy(r -> assertThat(r.index()).isEqualTo(TestEnv.registry()));

      List<SearchResult> tags =
          c.images().search(repo, SearchOptions.builder().listTags(true).tlsVerify(false).build());
      assertThat(tags).extracting(SearchResult::tag).contains("1", "2");

      assertThatThrownBy(() -> SearchOptions.builder().filter("is-official", "maybe").build())
          .isInstanceOf(InvalidArgumentException.class);
      assertThat(
              c.images()
                  .search(
                      TestEnv.registry() + "/search" + unique,
                      SearchOptions.builder().isOfficial(true).tlsVerify(false).build()))
          .isEmpty();
    }
  }

  @Test
  void dockerSearchesOnlyTheIndexAndHasNoListTags() {
    try (EngineClient c = TestEnv.docker().client()) {
      assertThatThrownBy(
              () ->
                  c.images()
                      .search(
                          TestEnv.registry() + "/x",
                          SearchOptions.builder().listTags(true).build()))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("listTags")
          .hasMessageContaining("docker");
      // The distribution registry has no v1 search API: Docker says so as an API error.
      assertThatThrownBy(
              () -> c.images().search(TestEnv.registry() + "/x", SearchOptions.defaults()))
          .isInstanceOf(ApiException.class);
      assertThatThrownBy(() -> c.images().search(" ", SearchOptions.defaults()))
          .isInstanceOf(InvalidArgumentException.class);
    }
  }

  @Test
  void scpIsUnsupportedOnDocker() {
    try (EngineClient c = TestEnv.docker().client()) {
      assertThatThrownBy(() -> c.images().scp("busybox", "other::", true))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("scp")
          .hasMessageContaining("docker");
    }
  }

  @Test
  void podmanScpReachesTheEngine() {
    try (EngineClient c = TestEnv.podman().client()) {
      String name = TestEnv.registry() + "/scp/app:" + TestEnv.unique();
      TestEnv.seed(c, name);
      // Podman 4.3 offers the endpoint but refuses local-user transfers through the API, and this
      // machine has no other host: either answer must be typed, never a silent success.
      assertThatThrownBy(() -> c.images().scp(name, "root@localhost::", true))
          .isInstanceOfAny(UnsupportedOperationException.class, ApiException.class);
      assertThatThrownBy(
              () -> c.images().scp(TestEnv.registry() + "/scp/absent:1", "other::", true))
          .isInstanceOfAny(EngineException.class, UnsupportedOperationException.class);
    }
  }
}
