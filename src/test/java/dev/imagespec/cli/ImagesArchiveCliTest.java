package dev.imagespec.cli;

import static dev.imagespec.testing.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.PushOptions;
import dev.imagespec.testing.CliRunner.Result;
import dev.imagespec.testing.FileServer;
import dev.imagespec.testing.TestEnv;
import dev.imagespec.testing.TestEnv.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code images build|save|load|import|search|registry-data}: output and exit codes. */
class ImagesArchiveCliTest {
  @TempDir Path dir;

  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void buildSaveRemoveLoad(Engine engine) throws Exception {
    String host = engine.host();
    String base = TestEnv.registry() + "/cli/base:" + TestEnv.unique();
    try (EngineClient c = engine.client()) {
      TestEnv.seed(c, base);
    }
    Path ctx = dir.resolve("ctx");
    Files.createDirectories(ctx);
    Files.writeString(
        ctx.resolve("Dockerfile"), "FROM " + base + "\nARG V=none\nLABEL v=$V\nCOPY f /f\n");
    Files.writeString(ctx.resolve("f"), "f");
    String tag = TestEnv.registry() + "/cli/built:" + TestEnv.unique();

    Result build =
        run(
            "images",
            "build",
            ctx.toString(),
            "--tag",
            tag,
            "--build-arg",
            "V=1",
            "--label",
            "k=v",
            "--no-cache",
            "--host",
            host);
    assertThat(build.code()).as(build.err()).isZero();
    assertThat(build.out()).containsIgnoringCase("step").contains("Built sha256:");

    Result quiet =
        run("images", "build", ctx.toString(), "-t", tag + "-quiet", "-q", "--host", host);
    assertThat(quiet.code()).as(quiet.err()).isZero();
    assertThat(quiet.out().strip()).matches("sha256:[0-9a-f]{64}");

    Result inspect = run("images", "inspect", tag, "--host", host);
    JsonNode doc = new ObjectMapper().readTree(inspect.out()).get(0);
    assertThat(doc.path("Config").path("Labels").path("v").asText()).isEqualTo("1");
    assertThat(doc.path("Config").path("Labels").path("k").asText()).isEqualTo("v");

    Path file = dir.resolve("saved.tar");
    Result save = run("images", "save", tag, "-o", file.toString(), "--host", host);
    assertThat(save.code()).as(save.err()).isZero();
    assertThat(Files.size(file)).isGreaterThan(1_000_000);

    assertThat(run("images", "rm", tag, "--force", "--host", host).code()).isZero();
    assertThat(run("images", "exists", tag, "--host", host).code()).isEqualTo(1);
    Result load = run("images", "load", "-i", file.toString(), "--host", host);
    assertThat(load.code()).as(load.err()).isZero();
    assertThat(load.out()).contains("Loaded image");
    assertThat(run("images", "exists", tag, "--host", host).code()).isZero();

    Result json = run("images", "load", "-i", file.toString(), "--host", host, "-o", "json");
    assertThat(new ObjectMapper().readTree(json.out()).get(0).path("Id").asText())
        .startsWith("sha256:");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void failuresExitOne(Engine engine) throws Exception {
    String host = engine.host();
    String base = TestEnv.registry() + "/cli/base:" + TestEnv.unique();
    try (EngineClient c = engine.client()) {
      TestEnv.seed(c, base);
    }
    Path ctx = dir.resolve("bad");
    Files.createDirectories(ctx);
    Files.writeString(ctx.resolve("Dockerfile"), "FROM " + base + "\nCOPY not-there /x\n");
    Result build = run("images", "build", ctx.toString(), "--host", host);
    assertThat(build.code()).isEqualTo(1);
    assertThat(build.err())
        .startsWith("imagespec: build")
        .contains("not-there")
        .doesNotContain("\tat ");

    Path garbage = dir.resolve("garbage.tar");
    byte[] bytes = new byte[10_000];
    new Random(1).nextBytes(bytes);
    Files.write(garbage, bytes);
    Result load = run("images", "load", "-i", garbage.toString(), "--host", host);
    assertThat(load.code()).isEqualTo(1);
    assertThat(load.err()).startsWith("imagespec: load");

    Result save =
        run(
            "images",
            "save",
            TestEnv.registry() + "/cli/absent:1",
            "-o",
            dir.resolve("x.tar").toString(),
            "--host",
            host);
    assertThat(save.code()).isEqualTo(1);
    assertThat(dir.resolve("x.tar")).doesNotExist();

    String repo = TestEnv.authRegistry() + "/cli/rd" + TestEnv.unique();
    Result rd =
        run(
            "images",
            "registry-data",
            repo + ":1",
            "--creds",
            TestEnv.authUser() + ":wrong-secret-value",
            "--host",
            host);
    assertThat(rd.code()).isEqualTo(1);
    assertThat(rd.err()).doesNotContain("wrong-secret-value");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void importAndRegistryData(Engine engine) throws Exception {
    String host = engine.host();
    String repo = TestEnv.registry() + "/cli/imported" + TestEnv.unique();
    Result imp =
        run(
            "images",
            "import",
            TestEnv.rootfs().toString(),
            "--repository",
            repo,
            "--tag",
            "1",
            "--change",
            "LABEL via=cli",
            "--host",
            host);
    assertThat(imp.code()).as(imp.err()).isZero();
    assertThat(imp.out().strip()).startsWith("sha256:");
    try (FileServer server = new FileServer()) {
      String url = server.serve("/rootfs.tar", TestEnv.rootfs());
      Result fromUrl =
          run("images", "import", url, "-r", repo, "-t", "2", "--host", host, "-o", "json");
      assertThat(fromUrl.code()).as(fromUrl.err()).isZero();
      assertThat(new ObjectMapper().readTree(fromUrl.out()).path("Id").asText())
          .startsWith("sha256:");
    }

    try (EngineClient c = engine.client()) {
      c.images().push(repo + ":1", PushOptions.defaults(), null);
    }
    Result rd = run("images", "registry-data", repo + ":1", "--host", host, "-o", "json");
    assertThat(rd.code()).as(rd.err()).isZero();
    assertThat(new ObjectMapper().readTree(rd.out()).path("digest").asText()).startsWith("sha256:");
    Result table = run("images", "registry-data", repo + ":1", "--host", host);
    assertThat(table.out()).contains("DIGEST").contains("linux/amd64");
  }

  @Test
  void searchOnBothEngines() {
    String unique = TestEnv.unique();
    String repo = TestEnv.registry() + "/clisearch" + unique + "/app";
    try (EngineClient c = TestEnv.podman().client()) {
      TestEnv.seed(c, repo + ":1");
      c.images().push(repo + ":1", PushOptions.defaults(), null);
    }
    Result found =
        run(
            "images",
            "search",
            TestEnv.registry() + "/clisearch" + unique,
            "--tls-verify",
            "false",
            "--host",
            TestEnv.podman().host());
    assertThat(found.code()).as(found.err()).isZero();
    assertThat(found.out()).contains("NAME").contains(repo);
    Result tags =
        run(
            "images",
            "search",
            repo,
            "--list-tags",
            "--tls-verify",
            "false",
            "--host",
            TestEnv.podman().host());
    assertThat(tags.code()).as(tags.err()).isZero();
    assertThat(tags.out()).contains("TAG").contains("1");

    Result docker = run("images", "search", repo, "--list-tags", "--host", TestEnv.docker().host());
    assertThat(docker.code()).isEqualTo(1);
    assertThat(docker.err()).contains("Podman");
  }

  @Test
  void invalidInputExitsTwoBeforeAnyCall() {
    String host = "unix:///nonexistent/engine.sock";
    assertThat(run("images", "save", "-o", dir.resolve("x.tar").toString(), "--host", host).code())
        .isEqualTo(2);
    assertThat(
            run("images", "save", "Bad/Name", "-o", dir.resolve("x.tar").toString(), "--host", host)
                .code())
        .isEqualTo(2);
    assertThat(run("images", "save", "a:1", "-o", "/nonexistent/dir/x.tar", "--host", host).code())
        .isEqualTo(2);
    assertThat(run("images", "load", "-i", "/nonexistent.tar", "--host", host).code()).isEqualTo(2);
    assertThat(run("images", "import", "/nonexistent.tar", "--host", host).code()).isEqualTo(2);
    assertThat(run("images", "import", "-", "--tag", "1", "--host", host).code()).isEqualTo(2);
    assertThat(run("images", "build", "/nonexistent/ctx", "--host", host).code()).isEqualTo(2);
    assertThat(run("images", "build", dir.toString(), "-t", "UPPER:1", "--host", host).code())
        .isEqualTo(2);
    assertThat(
            run("images", "build", dir.toString(), "--build-arg", "novalue", "--host", host).code())
        .isEqualTo(2);
    assertThat(run("images", "search", "x", "--filter", "bogus=1", "--host", host).code())
        .isEqualTo(2);
    assertThat(run("images", "registry-data", "Bad/Ref", "--host", host).code()).isEqualTo(2);
    assertThat(run("images", "registry-data", "a/b:1", "--creds", "nocolon", "--host", host).code())
        .isEqualTo(2);
  }

  @Test
  void helpListsTheNewCommands() {
    Result r = run("images", "--help");
    assertThat(r.out()).contains("build", "save", "load", "import", "search", "registry-data");
    assertThat(run("images", "save", "--help").out())
        .contains("--output")
        .doesNotContain("table|json");
  }
}
