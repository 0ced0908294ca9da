package dev.imagespec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code --log-format}: documented, and a bad value is a usage error naming it. */
class LogFormatTest {
  @Test
  void unknownLogFormatIsAUsageError() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "operator",
            "agent",
            "--node",
            "n1",
            "--log-format",
            "yaml");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--log-format", "yaml");
  }

  @Test
  void helpDocumentsTheFormats() {
    StringWriter out = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true),
            "operator",
            "agent",
            "--help");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("--log-format", "json", "IMAGESPEC_LOG_FORMAT");
  }
}
