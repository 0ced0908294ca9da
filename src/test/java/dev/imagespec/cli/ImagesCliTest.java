package dev.imagespec.cli;

import static dev.imagespec.testing.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.testing.CliRunner.Result;
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

/** {@code imagespec images ...} end to end: output and exit codes against the real engines. */
class ImagesCliTest {
  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void pullListTagPushRemove(Engine engine) throws Exception {
    String repo = TestEnv.registry() + "/cli/app" + TestEnv.unique();
    try (EngineClient c = engine.client()) {
      TestEnv.seed(c, repo + ":1.0");
    }
    String host = engine.host();
    assertThat(run("images", "push", repo + ":1.0", "--host", host).code()).isZero();
    assertThat(run("images", "tag", repo + ":1.0", repo + ":stable", "--host", host).code())
        .isZero();
    Result ls = run("images", "ls", repo, "--host", host);
    assertThat(ls.code()).isZero();
    assertThat(ls.out()).contains("REPOSITORY").contains(repo).contains("1.0").contains("stable");

    Result json = run("images", "ls", "--host", host, "-o", "json", repo + ":1.0");
    JsonNode arr = new ObjectMapper().readTree(json.out());
    assertThat(arr.isArray()).isTrue();
    assertThat(arr.size()).isEqualTo(1);

    Result rm = run("images", "rm", repo + ":1.0", repo + ":stable", "--host", host);
    assertThat(rm.code()).isZero();
    assertThat(rm.out()).contains("Untagged");

    Result pull = run("images", "pull", repo + ":1.0", "--host", host, "-o", "json");
    assertThat(pull.code()).as(pull.err()).isZero();
    assertThat(new ObjectMapper().readTree(pull.out()).get(0).path("Id").asText())
        .startsWith("sha256:");
    assertThat(run("images", "inspect", repo + ":1.0", "--host", host).out()).contains("\"Id\"");
    assertThat(run("images", "history", repo + ":1.0", "--host", host).code()).isZero();
    assertThat(run("images", "exists", repo + ":1.0", "--host", host).code()).isZero();
    assertThat(run("images", "exists", repo + ":nope", "--host", host).code()).isEqualTo(1);
    assertThat(
            run("images", "prune", "--host", host, "--filter", "label=none=" + TestEnv.unique())
                .code())
        .isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void errorsExitWithOneAndNoStackTrace(Engine engine) {
    Result missing =
        run("images", "pull", TestEnv.registry() + "/cli/none:1", "--host", engine.host());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).startsWith("imagespec: ").doesNotContain("\tat ");

    Result creds =
        run(
            "images",
            "pull",
            TestEnv.authRegistry() + "/cli/x:1",
            "--creds",
            TestEnv.authUser() + ":wrong-secret-value",
            "--host",
            engine.host());
    assertThat(creds.code()).isEqualTo(1);
    assertThat(creds.err()).doesNotContain("wrong-secret-value");

    assertThat(run("images", "inspect", "sha256:" + "0".repeat(64), "--host", engine.host()).code())
        .isEqualTo(1);

    // rm goes on after a missing name, reports both, and exits 1
    String present = TestEnv.registry() + "/cli/rm" + TestEnv.unique() + ":1";
    try (EngineClient c = engine.client()) {
      TestEnv.seed(c, present);
    }
    String missingRef = TestEnv.registry() + "/cli/rm-missing:1";
    Result rm = run("images", "rm", missingRef, present, "--host", engine.host());
    assertThat(rm.code()).isEqualTo(1);
    assertThat(rm.out()).contains("Untagged: ").doesNotContain(missingRef);
    assertThat(rm.err()).startsWith("imagespec: " + missingRef);
  }

  /** Errors go to stderr in every command; stdout stays empty for a failed command. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void errorsGoToStderrNeverToStdout(Engine engine, @TempDir Path dir) throws Exception {
    String missing = TestEnv.registry() + "/cli/missing" + TestEnv.unique() + ":1";
    Path garbage = dir.resolve("garbage.tar");
    byte[] bytes = new byte[10_000];
    new Random(1).nextBytes(bytes);
    Files.write(garbage, bytes);
    for (String[] args :
        new String[][] {
          {"rm", missing},
          {"rm", missing, "-o", "json"},
          {"pull", missing},
          {"inspect", missing},
          {"history", missing},
          {"tag", missing, missing + "-copy"},
          {"push", missing},
          {"save", missing, "-o", dir.resolve("x.tar").toString()},
          {"load", "-i", garbage.toString()},
          {"registry-data", missing},
          {"scp", missing, "root@imagespec.invalid:22::"}
        }) {
      String[] command = new String[args.length + 3];
      command[0] = "images";
      System.arraycopy(args, 0, command, 1, args.length);
      command[args.length + 1] = "--host";
      command[args.length + 2] = engine.host();
      Result r = run(command);
      String what = String.join(" ", args);
      assertThat(r.code()).as(what + ": " + r.err()).isEqualTo(1);
      assertThat(r.err()).as(what).startsWith("imagespec: ");
      if (!what.endsWith("json")) {
        assertThat(r.out()).as(what).isEmpty();
      }
    }
  }

  /** A pull names what it pulled and a load what it loaded, not every tag of the image. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void pullAndLoadPrintOnlyTheNamesTheyBrought(Engine engine, @TempDir Path dir) throws Exception {
    String repo = TestEnv.registry() + "/cli/names" + TestEnv.unique();
    String pulled = repo + ":1.0";
    String other = repo + ":other";
    String elsewhere = TestEnv.registry() + "/cli/elsewhere" + TestEnv.unique() + ":1";
    String host = engine.host();
    try (EngineClient c = engine.client()) {
      TestEnv.seed(c, pulled);
      assertThat(run("images", "push", pulled, "--host", host).code()).isZero();
      assertThat(run("images", "tag", pulled, other, "--host", host).code()).isZero();
      assertThat(run("images", "tag", pulled, elsewhere, "--host", host).code()).isZero();
      try {
        Result pull = run("images", "pull", pulled, "--host", host);
        assertThat(pull.code()).as(pull.err()).isZero();
        assertThat(pull.out().strip()).startsWith("Pulled " + pulled + " sha256:");
        assertThat(pull.out()).doesNotContain(other).doesNotContain(elsewhere);
        Result json = run("images", "pull", pulled, "--host", host, "-o", "json");
        assertThat(json.out()).contains(other).contains(elsewhere); // the whole image

        Path file = dir.resolve("one-name.tar");
        assertThat(run("images", "save", pulled, "-o", file.toString(), "--host", host).code())
            .isZero();
        Result load = run("images", "load", "-i", file.toString(), "--host", host);
        assertThat(load.code()).as(load.err()).isZero();
        assertThat(load.out().strip()).isEqualTo("Loaded image: " + pulled);
      } finally {
        for (String name : new String[] {pulled, other, elsewhere}) {
          run("images", "rm", name, "--force", "--host", host);
        }
      }
    }
  }

  /** Podman's scp: the engine connects to the destination; an unreachable one exits 1. */
  @Test
  void scpToAnUnreachableHostExitsOneWithTheEnginesMessage() {
    Engine podman = TestEnv.podman();
    String image = TestEnv.registry() + "/cli/scp" + TestEnv.unique() + ":1";
    String unreachable = "imagespec-" + TestEnv.unique() + ".invalid";
    try (EngineClient c = podman.client()) {
      TestEnv.seed(c, image);
      try {
        Result r =
            run("images", "scp", image, "root@" + unreachable + ":22::", "--host", podman.host());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err())
            .startsWith("imagespec: ")
            .contains("failed to connect")
            .contains(unreachable)
            .contains("no such host");
        assertThat(r.out()).isEmpty();

        // a destination on the engine's own machine: Podman refuses it over its API
        Result local = run("images", "scp", image, "root@localhost::", "--host", podman.host());
        assertThat(local.code()).as(local.err()).isEqualTo(1);
        assertThat(local.err())
            .contains("refuses this scp")
            .contains("podman image scp")
            .contains("imagespec images save IMAGE | ssh HOST podman load");

        Result docker =
            run(
                "images",
                "scp",
                image,
                "root@" + unreachable + ":22::",
                "--host",
                TestEnv.docker().host());
        assertThat(docker.code()).isEqualTo(1);
        assertThat(docker.err()).contains("scp is a Podman operation");
      } finally {
        c.images().remove(image, true, false);
      }
    }
  }

  @Test
  void invalidInputExitsTwoBeforeAnyCall() {
    // The socket does not exist: a 2 proves nothing was attempted.
    String host = "unix:///nonexistent/engine.sock";
    assertThat(run("images", "pull", "Bad/Name", "--host", host).code()).isEqualTo(2);
    assertThat(run("images", "rm", "a/b:bad tag", "--host", host).code()).isEqualTo(2);
    assertThat(run("images", "tag", "x:1", "UPPER:1", "--host", host).code()).isEqualTo(2);
    assertThat(run("images", "tag", "x:1", "a/b@sha256:" + "0".repeat(64), "--host", host).code())
        .isEqualTo(2);
    assertThat(run("images", "pull", "x:1", "--creds", "nocolon", "--host", host).code())
        .isEqualTo(2);
    assertThat(run("images", "ls", "--filter", "bogus=1", "--host", host).code()).isEqualTo(2);
    assertThat(run("images", "nosuchcommand").code()).isEqualTo(2);
    assertThat(run("images", "pull").code()).isEqualTo(2);
    assertThat(run("images", "ls", "--host", "ftp://x").code()).isEqualTo(2);
  }

  @Test
  void everySubcommandChecksItsSharedOptionsBeforeAnyCall() {
    // IMAGE / IMAGE... and --creds are checked the same way in each subcommand that takes them
    String host = "unix:///nonexistent/engine.sock";
    for (String[] args :
        new String[][] {
          {"history", "Bad/Name"},
          {"exists", "Bad/Name"},
          {"inspect", "ok", "Bad/Name"},
          {"rm", "ok", "Bad/Name"},
          {"save", "Bad/Name", "-o", "x.tar"},
          {"push", "Bad/Name"},
          {"registry-data", "Bad/Name"},
          {"push", "x:1", "--creds", "nocolon"},
          {"registry-data", "x:1", "--creds", "nocolon"},
          {"search", "x", "--creds", "nocolon"}
        }) {
      String[] command = new String[args.length + 3];
      command[0] = "images";
      System.arraycopy(args, 0, command, 1, args.length);
      command[args.length + 1] = "--host";
      command[args.length + 2] = host;
      Result r = run(command);
      assertThat(r.code()).as(String.join(" ", command)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", command)).doesNotContain("nonexistent");
    }
  }

  @Test
  void absentEngineExitsOne() {
    Result r = run("images", "ls", "--host", "unix:///nonexistent/engine.sock");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("/nonexistent/engine.sock");
  }

  @Test
  void helpListsTheCommands() {
    Result r = run("images", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("pull", "push", "tag", "rm", "prune", "ls", "inspect", "history");
  }
}
