package dev.imagespec.cli;

import static dev.imagespec.testing.CliRunner.run;
import static dev.imagespec.testing.CliRunner.runWithStdin;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.LibpodManifests;
import dev.imagespec.testing.CliRunner.Result;
import dev.imagespec.testing.TestEnv;
import dev.imagespec.testing.TestEnv.Engine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code images build} as the seeds' test suites use it (issue #15): the build cache on both
 * engines, Podman's manifest lists and build secrets, and a Dockerfile on stdin. dockerd runs RUN
 * steps; Podman here cannot (its runtime cannot start containers), so these builds use FROM, COPY
 * and LABEL only.
 */
class ImagesBuildCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** Names to remove after each test, with the engine they are on. */
  private final List<String> created = new ArrayList<>();

  private Engine engine;

  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  @AfterEach
  void removeCreated() {
    if (engine == null) {
      return;
    }
    try (EngineClient c = engine.client()) {
      for (String name : created) {
        try {
          c.images().remove(name, true, false);
        } catch (RuntimeException gone) {
          // already removed with another name
        }
      }
    }
  }

  private String ref(String repo) {
    String r = TestEnv.registry() + "/cli-build/" + repo + ":" + TestEnv.unique();
    created.add(r);
    return r;
  }

  private String base(Engine e) {
    engine = e;
    String base = ref("base");
    try (EngineClient c = e.client()) {
      TestEnv.seed(c, base);
    }
    return base;
  }

  private Path context(String dockerfile) throws Exception {
    Path ctx = dir.resolve("ctx");
    Files.createDirectories(ctx);
    Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
    Files.writeString(ctx.resolve("f"), "content " + UUID.randomUUID());
    return ctx;
  }

  /** {@code images build CTX OPTIONS... --host HOST}. */
  private static Result build(Path ctx, Engine e, String... options) {
    List<String> args = new ArrayList<>(List.of("images", "build", ctx.toString()));
    args.addAll(List.of(options));
    args.addAll(List.of("--host", e.host()));
    return run(args.toArray(String[]::new));
  }

  /** The ID on the last line, {@code Built ID [NAMES]}. */
  private static String builtId(Result r) {
    String last = lastLine(r);
    assertThat(last).as(r.out()).startsWith("Built sha256:");
    return last.split(" ")[1];
  }

  private static String lastLine(Result r) {
    String[] lines = r.out().strip().split("\n");
    return lines[lines.length - 1];
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void secondBuildReusesTheCacheAndNamesOnlyItsOwnTags(Engine e) throws Exception {
    String base = base(e);
    Path ctx = context("FROM " + base + "\nLABEL cache=test\nCOPY f /f\n");
    String first = ref("cache");
    String second = ref("cache");

    Result one = build(ctx, e, "-t", first);
    assertThat(one.code()).as(one.err()).isZero();
    Result two = build(ctx, e, "-t", second);
    assertThat(two.code()).as(two.err()).isZero();

    assertThat(two.out()).contains("Using cache");
    assertThat(builtId(two)).isEqualTo(builtId(one));
    // the image also carries `first` now; the build names only the tag it gave
    assertThat(lastLine(two)).endsWith(" " + second).doesNotContain(first);

    if (e.name().equals("podman")) {
      Result noLayers = build(ctx, e, "--no-layers", "--format", "docker");
      assertThat(noLayers.code()).as(noLayers.err()).isZero();
      assertThat(builtId(noLayers)).isNotEqualTo(builtId(one));
      created.add(builtId(noLayers));
    } else {
      Result refused = build(ctx, e, "--no-layers");
      assertThat(refused.code()).isEqualTo(1);
      assertThat(refused.err())
          .contains("--no-layers is a Podman option")
          .contains("drop it, or point --host at a Podman engine");
      assertThat(refused.out()).isEmpty();
      // Docker's builder always caches: an explicit --layers asks for what it does anyway
      Result layers = build(ctx, e, "--layers", "-t", ref("cache"));
      assertThat(layers.code()).as(layers.err()).isZero();
      assertThat(builtId(layers)).isEqualTo(builtId(one));
    }
  }

  @Test
  void podmanAddsTheImageToAManifestListItCreates() throws Exception {
    Engine podman = TestEnv.podman();
    String base = base(podman);
    Path ctx = context("FROM " + base + "\nLABEL manifest=test\n");
    String tag = ref("listed");
    String list = TestEnv.registry() + "/cli-build/list" + TestEnv.unique() + ":1";
    try (EngineClient c = podman.client()) {
      assertThat(LibpodManifests.inspect(c, list)).isEmpty();
      try {
        Result r = build(ctx, podman, "-t", tag, "--manifest", list);
        assertThat(r.code()).as(r.err()).isZero();

        JsonNode manifests = LibpodManifests.inspect(c, list).orElseThrow().path("manifests");
        List<String> digests =
            c.images().get(tag).repoDigests().stream()
                .map(d -> d.substring(d.indexOf('@') + 1))
                .toList();
        assertThat(manifests.findValuesAsText("digest")).hasSize(1).isSubsetOf(digests);
      } finally {
        if (LibpodManifests.inspect(c, list).isPresent()) {
          LibpodManifests.remove(c, list);
        }
      }
    }
  }

  @Test
  void dockerRefusesManifestAsAPodmanOption() throws Exception {
    engine = TestEnv.docker();
    Path ctx = context("FROM scratch\n");
    String list = TestEnv.registry() + "/cli-build/list:1";
    Result r = build(ctx, engine, "--manifest", list);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("--manifest " + list + " is a Podman option")
        .contains("point --host at a Podman engine");
    Result format = build(ctx, engine, "--format", "docker");
    assertThat(format.code()).isEqualTo(1);
    assertThat(format.err()).contains("--format docker is a Podman option");
  }

  /**
   * Podman here cannot run RUN steps, so no step reads the secret ({@code RUN
   * --mount=type=secret}); what is checked is what leaking would show: the build copies its whole
   * context into the image, and neither the image's files (its saved archive) nor its history nor
   * the build's output hold the secret's content or the name it travelled under.
   */
  @Test
  void podmanBuildSecretStaysOutOfTheImageItsHistoryAndTheOutput() throws Exception {
    Engine podman = TestEnv.podman();
    String base = base(podman);
    Path ctx = context("FROM " + base + "\nCOPY . /ctx/\nLABEL secret=test\n");
    String secret = "s3cr3t-" + UUID.randomUUID();
    Path secretFile = dir.resolve("outside/token");
    Files.createDirectories(secretFile.getParent());
    Files.writeString(secretFile, secret);
    String tag = ref("secret");

    Result r = build(ctx, podman, "-t", tag, "--secret", "id=token,src=" + secretFile);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out() + r.err()).doesNotContain(secret);

    Path saved = dir.resolve("saved.tar");
    assertThat(run("images", "save", tag, "-o", saved.toString(), "--host", podman.host()).code())
        .isZero();
    String files = new String(Files.readAllBytes(saved), StandardCharsets.ISO_8859_1);
    assertThat(files).contains("ctx/Dockerfile").contains("ctx/f"); // the context was copied
    assertThat(files).doesNotContain(secret).doesNotContain(".imagespec-secret");

    Result history = run("images", "history", tag, "-o", "json", "--host", podman.host());
    assertThat(history.code()).as(history.err()).isZero();
    assertThat(history.out()).doesNotContain(secret).doesNotContain(".imagespec-secret");
  }

  /** Docker's classic builder ({@code POST /build}) has no build secrets: refused, nothing sent. */
  @Test
  void dockerRefusesBuildSecrets() throws Exception {
    engine = TestEnv.docker();
    Path ctx = context("FROM scratch\n");
    String secret = "s3cr3t-" + UUID.randomUUID();
    Path secretFile = dir.resolve("token");
    Files.writeString(secretFile, secret);
    Result r = build(ctx, engine, "--secret", "id=token,src=" + secretFile);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("--secret id=token")
        .contains("build secrets are not supported")
        .contains("classic builder")
        .contains("point --host at a Podman engine");
    assertThat(r.out() + r.err()).doesNotContain(secret);

    // with a tar on stdin too, what Docker refuses is the secret, not the kind of context
    Result tar =
        runWithStdin(
            tar("Dockerfile", "FROM scratch\n"),
            "images",
            "build",
            "-",
            "--secret",
            "id=token,src=" + secretFile,
            "--host",
            engine.host());
    assertThat(tar.code()).as(tar.err()).isEqualTo(1);
    assertThat(tar.err()).contains("classic builder").doesNotContain("tar stream");

    Result bad = run("images", "build", ctx.toString(), "--secret", "token", "--host", "x://");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("id=ID,src=FILE");
  }

  @Test
  void secretPathsMayHoldCommasAndAnEmptyOrMissingFileNamesTheOption() throws Exception {
    Path file = dir.resolve("a,b=c/tok,en");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "s3cr3t");
    assertThat(ImagesBuildCommand.secret("id=t,src=" + file).source()).isEqualTo(file);
    assertThat(ImagesBuildCommand.secret("source=" + file + ",id=t"))
        .extracting(s -> s.id(), s -> s.source())
        .containsExactly("t", file);

    Path ctx = context("FROM scratch\n");
    Result empty =
        build(ctx, new Engine("none", "unix:///nonexistent/engine.sock"), "--secret", "id=x,src=");
    assertThat(empty.code()).isEqualTo(2);
    assertThat(empty.err()).contains("--secret 'id=x,src=': src is empty; give a readable file");
    Path missing = dir.resolve("missing");
    Result gone =
        build(
            ctx,
            new Engine("none", "unix:///nonexistent/engine.sock"),
            "--secret",
            "id=x,src=" + missing);
    assertThat(gone.code()).isEqualTo(2);
    assertThat(gone.err()).contains("--secret 'id=x,src=" + missing + "'").contains("give a");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void buildsFromADockerfileOrATarOnStdin(Engine e) throws Exception {
    String base = base(e);
    String fromDockerfile = ref("stdin");
    Result r =
        runWithStdin(
            ("FROM " + base + "\nLABEL stdin=dockerfile\n").getBytes(StandardCharsets.UTF_8),
            "images",
            "build",
            "-",
            "-t",
            fromDockerfile,
            "--host",
            e.host());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(labels(e, fromDockerfile).path("stdin").asText()).isEqualTo("dockerfile");

    String fromTar = ref("stdin");
    byte[] tar =
        tar("Dockerfile", "FROM " + base + "\nCOPY f /f\nLABEL stdin=tar\n", "f", "from a tar");
    Result t = runWithStdin(tar, "images", "build", "-", "-t", fromTar, "--host", e.host());
    assertThat(t.code()).as(t.err()).isZero();
    assertThat(labels(e, fromTar).path("stdin").asText()).isEqualTo("tar");
  }

  @Test
  void stdinThatIsNeitherATarNorADockerfileIsRefusedBeforeAnyCall() {
    String host = "unix:///nonexistent/engine.sock";
    byte[] binary = new byte[4096];
    new Random(1).nextBytes(binary);
    byte[] large = new byte[(16 << 20) + 1];
    java.util.Arrays.fill(large, (byte) 'x');
    for (byte[] input :
        List.of(binary, "just some text\n".getBytes(StandardCharsets.UTF_8), new byte[0], large)) {
      Result r = runWithStdin(input, "images", "build", "-", "--host", host);
      assertThat(r.code()).as(r.err()).isEqualTo(2);
      assertThat(r.err())
          .contains("tar")
          .contains("zstd")
          .contains("Dockerfile")
          .doesNotContain("Dockerfile is larger")
          .doesNotContain("nonexistent");
    }
  }

  private static JsonNode labels(Engine e, String name) throws Exception {
    Result inspect = run("images", "inspect", name, "--host", e.host());
    assertThat(inspect.code()).as(inspect.err()).isZero();
    return JSON.readTree(inspect.out()).get(0).path("Config").path("Labels");
  }

  private static byte[] tar(String... namesAndContents) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      for (int i = 0; i < namesAndContents.length; i += 2) {
        byte[] content = namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(namesAndContents[i]);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }
}
