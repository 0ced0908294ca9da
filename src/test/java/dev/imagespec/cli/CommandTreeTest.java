package dev.imagespec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.testing.CliRunner;
import dev.imagespec.testing.TestEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command tree is built only as far as the command line reaches ({@link CommandTree}), and
 * users see no difference: help, suggestions and completion still cover every command.
 */
class CommandTreeTest {
  @Test
  void imagesLsBuildsOnlyItsPath() {
    CommandLine cli = Main.commandLine("-v", "images", "ls", "-q", "--host", "unix:///x.sock");
    assertThat(cli.getSubcommands().keySet()).containsExactly("images");
    // its name and its alias
    assertThat(cli.getSubcommands().get("images").getSubcommands().keySet())
        .containsExactlyInAnyOrder("ls", "list");
  }

  @Test
  void versionBuildsNoSubcommand() {
    assertThat(Main.commandLine("--version").getSubcommands()).isEmpty();
  }

  @Test
  void helpUnknownCommandsAndCompletionGetTheWholeTree() {
    int all = Main.commandLine().getSubcommands().size();
    assertThat(all).isGreaterThanOrEqualTo(6); // apply, plan, images, operator, completion, help
    for (String[] args :
        new String[][] {
          {},
          {"--help"},
          {"--help", "images"},
          {"-v", "-h", "images", "ls"},
          {"help", "images"},
          {"imagse", "ls"},
          {"completion", "bash"},
          {"-v"}
        }) {
      assertThat(Main.commandLine(args).getSubcommands()).as(String.join(" ", args)).hasSize(all);
    }
    int images = Main.commandLine().getSubcommands().get("images").getSubcommands().size();
    assertThat(images).isGreaterThan(15);
    for (String[] args : new String[][] {{"images"}, {"images", "help"}, {"images", "lss"}}) {
      assertThat(Main.commandLine(args).getSubcommands().get("images").getSubcommands())
          .as(String.join(" ", args))
          .hasSize(images);
    }
  }

  @Test
  void helpAndSuggestionsListEveryCommand() {
    CliRunner.Result help = CliRunner.run("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("apply", "plan", "images", "operator", "completion", "help");
    CliRunner.Result images = CliRunner.run("images", "--help");
    assertThat(images.out()).contains("ls", "inspect", "pull", "copy", "registry-data");
    CliRunner.Result typo = CliRunner.run("images", "lss");
    assertThat(typo.code()).isEqualTo(2);
    assertThat(typo.err()).contains("lss").contains("ls");
  }

  /**
   * What a list loads, in a JVM of its own as a user's command runs: none of the Kubernetes client,
   * the operator, YAML or the TLS stack (each cost start-up time for nothing).
   */
  @Test
  void imagesLsLoadsNoKubernetesYamlOperatorOrTls(@TempDir Path dir) throws Exception {
    String host = TestEnv.docker().host();
    Path log = dir.resolve("classes.log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:file=" + log,
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "images",
                "ls",
                "-q",
                "--host",
                host)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    List<String> loaded = Files.readAllLines(log);
    assertThat(loaded).anyMatch(l -> l.contains(" dev.imagespec.engine.Images "));
    assertThat(loaded)
        .noneMatch(l -> l.contains(" io.fabric8."))
        .noneMatch(l -> l.contains(" io.javaoperatorsdk."))
        .noneMatch(l -> l.contains(" dev.imagespec.operator."))
        .noneMatch(l -> l.contains(" org.yaml.snakeyaml."))
        .noneMatch(l -> l.contains(" com.fasterxml.jackson.dataformat.yaml."))
        .noneMatch(l -> l.contains(" sun.security.ssl.SSLContextImpl"))
        .noneMatch(l -> l.contains(" javax.net.ssl.TrustManagerFactory "));
  }

  @Test
  void trainingRunsWithoutAnEngineAndCopiesTheNativeLibrary(@TempDir Path dir) throws Exception {
    assertThat(StartupTraining.train(dir, Path.of("examples"))).as("failed training runs").isZero();
    assertThat(dir.resolve("training-engine.sock")).doesNotExist();
    Path lib = dir.resolve("libjunixsocket-native.so");
    assertThat(StartupTraining.copyNativeLibrary(lib)).isTrue();
    byte[] elf = Files.readAllBytes(lib);
    assertThat(elf).hasSizeGreaterThan(1000);
    assertThat(new String(elf, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("ELF");
  }
}
