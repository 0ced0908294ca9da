package dev.imagespec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.Image;
import dev.imagespec.testing.TestEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command as {@code scripts/install} puts it on the PATH, run as a user runs it: the launcher,
 * its class-data archive (used, not only made), junixsocket's library, completion, and {@code
 * --uninstall}. Runs after {@code package} (it installs the shaded jar): {@code mvn verify}.
 */
@Tag("installed")
class InstalledCliIT {
  record Run(int code, String out) {}

  static Run run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as(String.join(" ", cmd)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void installRunUninstall(@TempDir Path dir) throws Exception {
    Path prefix = dir.resolve("prefix");
    Run install = run(Map.of(), "scripts/install", prefix.toString());
    assertThat(install.code()).as(install.out()).isZero();
    assertThat(install.out()).doesNotContain("failed").doesNotContain("could not");
    Path bin = prefix.resolve("bin/imagespec");
    Path lib = prefix.resolve("lib/imagespec");
    assertThat(bin).isExecutable();
    assertThat(lib.resolve("imagespec.jsa")).isNotEmptyFile();
    assertThat(lib.resolve("libjunixsocket-native.so")).isNotEmptyFile();
    assertThat(prefix.resolve("share/bash-completion/completions/imagespec"))
        .content()
        .contains("complete -F");
    assertThat(prefix.resolve("share/zsh/site-functions/_imagespec"))
        .content()
        .startsWith("#compdef imagespec");

    Run version = run(Map.of(), bin.toString(), "--version");
    assertThat(version.code()).isZero();
    assertThat(version.out()).matches("(?s)imagespec \\S+ \\(commit [0-9a-f]{7,}.*\\)\\s*");

    // the list holds an image seeded for it, and the classes come from the archive
    String host = TestEnv.docker().host();
    try (EngineClient engine = EngineClient.builder().host(host).build()) {
      String ref = "imagespec-test/installed:" + TestEnv.unique();
      Image seeded = TestEnv.seed(engine, ref);
      try {
        Path classes = dir.resolve("classes.log");
        Run ls =
            run(
                Map.of("IMAGESPEC_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes),
                bin.toString(),
                "images",
                "ls",
                "-q",
                "--host",
                host);
        assertThat(ls.code()).as(ls.out()).isZero();
        assertThat(ls.out().lines())
            .contains(seeded.id())
            .allMatch(l -> l.matches("sha256:[0-9a-f]{64}"));
        assertArchiveUsed(classes);
      } finally {
        engine.images().remove(ref, true, false);
      }
    }

    Run uninstall = run(Map.of(), "scripts/install", "--uninstall", prefix.toString());
    assertThat(uninstall.code()).as(uninstall.out()).isZero();
    assertThat(bin).doesNotExist();
    assertThat(lib).doesNotExist();
  }

  private static void assertArchiveUsed(Path classes) throws IOException {
    List<String> loaded = Files.readAllLines(classes);
    long shared = loaded.stream().filter(l -> l.contains("source: shared objects file")).count();
    assertThat(shared).as("classes from the archive").isGreaterThan(loaded.size() * 9 / 10);
  }
}
