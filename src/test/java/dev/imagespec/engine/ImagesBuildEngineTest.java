package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.testing.FileServer;
import dev.imagespec.testing.TestEnv;
import dev.imagespec.testing.TestEnv.Engine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Builds against the real engines. dockerd runs RUN steps (network none); Podman builds here use
 * FROM/COPY/LABEL only. Base images are the imported test rootfs ({@link TestEnv#seed}).
 */
class ImagesBuildEngineTest {
  @TempDir Path dir;

  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  private static String ref(String repo) {
    return TestEnv.registry() + "/build/" + repo + ":" + TestEnv.unique();
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  private static byte[] saved(Images images, String name) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageArchive a = images.save(name, SaveOptions.defaults())) {
      a.writeTo(out);
    }
    return out.toByteArray();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void buildsADirectoryHonouringDockerignore(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String base = ref("base");
      TestEnv.seed(c, base);
      boolean docker = !c.info().podman();
      write(
          dir.resolve("Dockerfile"),
          "FROM "
              + base
              + "\n"
              + "ARG GREETING=none\n"
              + "COPY app /app\n"
              + (docker ? "RUN echo hi > /x && echo greeting=$GREETING && ls -R /app\n" : "")
              + "LABEL built=yes\n");
      write(dir.resolve("app/keep.txt"), "keep");
      String longPath = "app/" + "l".repeat(80) + "/" + "n".repeat(80) + ".txt"; // > 100 bytes
      write(dir.resolve(longPath), "long");
      write(dir.resolve("app/secret.txt"), "secret");
      write(dir.resolve("app/deep/er/secret.txt"), "secret");
      write(dir.resolve("app/logs/a.log"), "log");
      write(dir.resolve("app/logs/keep.log"), "keep");
      write(dir.resolve("app/node_modules/x/y.js"), "js");
      write(dir.resolve("unrelated/big.bin"), "x".repeat(10_000));
      write(
          dir.resolve(".dockerignore"),
          "# comment\n"
              + "**/secret.txt\n"
              + "app/logs\n"
              + "!app/logs/keep.log\n"
              + "app/node_modules\n"
              + "unrelated\n"
              + "Dockerfile\n"
              + ".dockerignore\n");
      String tag = ref("dir");
      List<ProgressEvent> events = new ArrayList<>();
      BuildResult r =
          c.images()
              .build(
                  BuildContext.directory(dir),
                  BuildOptions.builder()
                      .tag(tag)
                      .label("team", "web")
                      .buildarg("GREETING", "hello")
                      .networkMode(docker ? "none" : null)
                      .build(),
                  events::add);

      assertThat(r.image().tags()).contains(tag);
      assertThat(r.image().labels()).containsEntry("built", "yes").containsEntry("team", "web");
      assertThat(r.log()).isNotEmpty();
      assertThat(events).isNotEmpty();
      Set<String> files = ArchiveContents.layerFiles(saved(c.images(), tag));
      assertThat(files).contains("app/keep.txt", "app/logs/keep.log", longPath);
      assertThat(files)
          .doesNotContain(
              "app/secret.txt",
              "app/deep/er/secret.txt",
              "app/logs/a.log",
              "app/node_modules/x/y.js",
              "app/node_modules");
      if (docker) {
        assertThat(files).contains("x");
        assertThat(r.log()).contains("greeting=hello").contains("keep.txt");
        assertThat(String.join("\n", r.log())).doesNotContain("secret.txt").doesNotContain("a.log");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void failingStepRaisesBuildExceptionWithTheLog(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String base = ref("base");
      TestEnv.seed(c, base);
      String failing =
          c.info().podman()
              ? "FROM " + base + "\nLABEL step=one\nCOPY missing-file /x\n"
              : "FROM " + base + "\nRUN echo before-the-failure\nRUN exit 3\n";
      write(dir.resolve("Dockerfile"), failing);
      BuildOptions options =
          BuildOptions.builder()
              .networkMode(c.info().podman() ? null : "none")
              .forcerm(true)
              .build();
      assertThatThrownBy(() -> c.images().build(BuildContext.directory(dir), options))
          .isInstanceOfSatisfying(
              BuildException.class,
              e -> {
                assertThat(e).isInstanceOf(StreamException.class);
                assertThat(e.log()).isNotEmpty();
                assertThat(String.join("\n", e.log())).containsIgnoringCase("step");
                if (c.info().podman()) {
                  assertThat(e.getMessage()).contains("missing-file");
                } else {
                  assertThat(e.getMessage()).contains("exit 3");
                  assertThat(e.log()).contains("before-the-failure");
                }
              });

      // The stream form raises the same typed error, with the log so far.
      try (ProgressStream s = c.images().buildStream(BuildContext.directory(dir), options)) {
        assertThatThrownBy(s::drain).isInstanceOf(BuildException.class);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void buildsALoneDockerfileWithTargetQuietAndNoCache(Engine engine) {
    try (EngineClient c = engine.client()) {
      String base = ref("base");
      TestEnv.seed(c, base);
      String dockerfile =
          "FROM "
              + base
              + " AS first\nLABEL stage=first\nFROM "
              + base
              + " AS second\nLABEL stage=second\n";
      String tag = ref("lone");
      BuildResult r =
          c.images()
              .build(
                  BuildContext.dockerfile(dockerfile),
                  BuildOptions.builder()
                      .tag(tag)
                      .target("first")
                      .quiet(true)
                      .nocache(true)
                      .build());
      assertThat(r.image().labels()).containsEntry("stage", "first");
      assertThat(r.image().tags()).contains(tag);

      BuildResult second =
          c.images()
              .build(
                  BuildContext.dockerfile(
                      new ByteArrayInputStream(dockerfile.getBytes(StandardCharsets.UTF_8))),
                  BuildOptions.builder().rm(true).forcerm(true).build());
      assertThat(second.image().labels()).containsEntry("stage", "second");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void buildsAGzippedTarStreamAndADockerfileOutsideTheContext(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      String base = ref("base");
      TestEnv.seed(c, base);
      Path context = dir.resolve("ctx");
      write(context.resolve("files/hello.txt"), "hello");
      write(
          dir.resolve("elsewhere/Build.dockerfile"),
          "FROM " + base + "\nCOPY files /files\nLABEL from=outside\n");

      BuildResult outside =
          c.images()
              .build(
                  BuildContext.directory(context, true),
                  BuildOptions.builder()
                      .dockerfile(dir.resolve("elsewhere/Build.dockerfile").toString())
                      .build());
      assertThat(outside.image().labels()).containsEntry("from", "outside");

      // A tar made by the client's own writer, gzip-compressed, sent with Content-Encoding.
      write(
          context.resolve("Dockerfile"), "FROM " + base + "\nCOPY files /files\nLABEL from=tar\n");
      BuildContext.Prepared p = BuildContext.directory(context, true).prepare(null);
      okio.Buffer gz = new okio.Buffer();
      p.body().writeTo(gz);
      BuildResult tar =
          c.images()
              .build(
                  BuildContext.tar(new ByteArrayInputStream(gz.readByteArray()), "gzip"),
                  BuildOptions.defaults());
      assertThat(tar.image().labels()).containsEntry("from", "tar");
      assertThat(ArchiveContents.layerFiles(saved(c.images(), tar.image().id())))
          .contains("files/hello.txt");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void buildsFromARemoteUrl(Engine engine) {
    try (EngineClient c = engine.client();
        FileServer server = new FileServer()) {
      String base = ref("base");
      TestEnv.seed(c, base);
      String url =
          server.serve(
              "/Dockerfile",
              ("FROM " + base + "\nLABEL remote=yes\n").getBytes(StandardCharsets.UTF_8));
      String tag = ref("remote");
      BuildResult r =
          c.images().build(BuildContext.remote(url), BuildOptions.builder().tag(tag).build());
      assertThat(r.image().labels()).containsEntry("remote", "yes");
      assertThat(c.images().get(tag).id()).isEqualTo(r.image().id());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void fromImagesOfAnAuthRegistryNeedRegistryConfig(Engine engine) {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String base = TestEnv.authRegistry() + "/build/base" + engine.name() + ":" + TestEnv.unique();
      TestEnv.seed(c, base);
      AuthConfig right = AuthConfig.basic(TestEnv.authUser(), TestEnv.authPassword());
      images.push(base, PushOptions.builder().auth(right).build(), null);
      images.remove(base, false, false);
      String dockerfile = "FROM " + base + "\nLABEL via=registry-config\n";

      assertThatThrownBy(
              () -> images.build(BuildContext.dockerfile(dockerfile), BuildOptions.defaults()))
          .isInstanceOf(EngineException.class);

      BuildResult r =
          images.build(
              BuildContext.dockerfile(dockerfile),
              BuildOptions.builder().registryAuth(TestEnv.authRegistry(), right).build());
      assertThat(r.image().labels()).containsEntry("via", "registry-config");

      // From the client's credentials, for the registry the Dockerfile names.
      images.remove(r.image().id(), true, false);
      images.remove(base, false, false);
      try (EngineClient withCreds =
          EngineClient.builder()
              .host(engine.host())
              .credentials(
                  domain ->
                      domain.equals(TestEnv.authRegistry())
                          ? java.util.Optional.of(right)
                          : java.util.Optional.empty())
              .build()) {
        BuildResult again =
            withCreds.images().build(BuildContext.dockerfile(dockerfile), BuildOptions.defaults());
        assertThat(again.image().labels()).containsEntry("via", "registry-config");
      }
    }
  }

  @Test
  void dockerRunsStepsWithExtraHostsAndRefusesPodmanOptions() throws Exception {
    try (EngineClient c = TestEnv.docker().client()) {
      String base = ref("base");
      TestEnv.seed(c, base);
      BuildResult r =
          c.images()
              .build(
                  BuildContext.dockerfile("FROM " + base + "\nRUN cat /etc/hosts\n"),
                  BuildOptions.builder()
                      .networkMode("none")
                      .extraHost("imagespec-test", "10.1.2.3")
                      .nocache(true)
                      .shmsize(64L << 20)
                      .containerLimits(
                          ContainerLimits.builder().memory(256L << 20).cpushares(512).build())
                      .build());
      assertThat(String.join("\n", r.log())).contains("10.1.2.3\timagespec-test");

      assertThatThrownBy(
              () ->
                  c.images()
                      .build(
                          BuildContext.dockerfile("FROM " + base + "\n"),
                          BuildOptions.builder().layers(false).build()))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("layers")
          .hasMessageContaining("docker");
    }
  }

  @Test
  void podmanTakesItsOwnOptions() {
    try (EngineClient c = TestEnv.podman().client()) {
      String base = ref("base");
      TestEnv.seed(c, base);
      String tag = ref("podman");
      BuildResult r =
          c.images()
              .build(
                  BuildContext.dockerfile("FROM " + base + "\nLABEL podman=yes\n"),
                  BuildOptions.builder()
                      .tag(tag)
                      .layers(false)
                      .outputFormat("application/vnd.docker.distribution.manifest.v2+json")
                      .extraHost("imagespec-test", "10.1.2.3")
                      .cacheFrom(base)
                      .build());
      assertThat(r.image().tags()).contains(tag);
      assertThat(r.image().labels()).containsEntry("podman", "yes");
    }
  }

  @Test
  void invalidInputFailsBeforeAnyCall() {
    try (EngineClient c =
        EngineClient.builder().host("unix:///nonexistent/dir/engine.sock").build()) {
      assertThatThrownBy(
              () ->
                  c.images()
                      .build(
                          BuildContext.directory(Path.of("/nonexistent/context")),
                          BuildOptions.defaults()))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("/nonexistent/context");
      assertThatThrownBy(
              () ->
                  c.images()
                      .build(
                          BuildContext.dockerfile("FROM x\n"),
                          BuildOptions.builder().tag("Bad/Tag").build()))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> BuildContext.remote("not a url"))
          .isInstanceOf(InvalidArgumentException.class);
    }
  }
}
