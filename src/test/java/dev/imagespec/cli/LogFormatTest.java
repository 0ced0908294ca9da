package dev.imagespec.cli;

import static dev.imagespec.testing.CliRunner.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.testing.CliRunner.Result;
import org.junit.jupiter.api.Test;

/** {@code --log-format}: documented, and a bad value is a usage error naming it. */
class LogFormatTest {
  @Test
  void unknownLogFormatIsAUsageError() {
    Result r = run("operator", "agent", "--node", "n1", "--log-format", "yaml");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--log-format", "yaml");
  }

  @Test
  void helpDocumentsTheFormats() {
    Result r = run("operator", "agent", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--log-format", "json", "IMAGESPEC_LOG_FORMAT");
  }
}
