package dev.imagespec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.testing.CliRunner;
import org.junit.jupiter.api.Test;

/** {@code imagespec --version} and {@code imagespec completion bash|zsh}. */
class VersionAndCompletionTest {
  @Test
  void versionLineNamesTheCommand() {
    CliRunner.Result r = CliRunner.run("--version");
    assertThat(r.code()).isZero();
    // from classes (tests) there is no manifest: "dev"; the jar adds version and commit
    assertThat(r.out()).startsWith("imagespec ");
  }

  @Test
  void completionScriptsCoverTheCommands() {
    CliRunner.Result bash = CliRunner.run("completion", "bash");
    assertThat(bash.code()).isZero();
    assertThat(bash.out()).contains("complete -F").contains("copy").contains("apply");
    CliRunner.Result zsh = CliRunner.run("completion", "zsh");
    assertThat(zsh.code()).isZero();
    assertThat(zsh.out()).startsWith("#compdef imagespec\n").contains("bashcompinit");
  }

  @Test
  void unknownShellIsAUsageError() {
    CliRunner.Result r = CliRunner.run("completion", "fish");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("SHELL").contains("fish").contains("bash or zsh");
  }
}
