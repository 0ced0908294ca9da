package dev.imagespec.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The log line formats: what the custom backend wrote, now through logback. */
class LineEncoderTest {
  private final LoggerContext context = new LoggerContext();

  private LoggingEvent event(Throwable t) {
    LoggingEvent e =
        new LoggingEvent(
            LineEncoderTest.class.getName(),
            context.getLogger("dev.imagespec.operator.AgentReconciler"),
            Level.INFO,
            "pass {}",
            t,
            new Object[] {"done"});
    e.addKeyValuePair(new KeyValuePair("node", "n1"));
    e.addKeyValuePair(new KeyValuePair("specs", 3));
    e.addKeyValuePair(new KeyValuePair("ready", true));
    e.addKeyValuePair(new KeyValuePair("skipped", null));
    return e;
  }

  private static String line(boolean json, LoggingEvent e) {
    return new String(new LineEncoder(json).encode(e), StandardCharsets.UTF_8);
  }

  @Test
  void textIsLevelShortNameMessageAndFields() {
    assertThat(line(false, event(null)))
        .isEqualTo(
            "INFO AgentReconciler - pass done node=n1 specs=3 ready=true" + System.lineSeparator());
    assertThat(line(false, event(new IllegalStateException("boom"))))
        .startsWith(
            "INFO AgentReconciler - pass done node=n1 specs=3 ready=true"
                + System.lineSeparator()
                + "java.lang.IllegalStateException: boom"
                + System.lineSeparator()
                + "\tat ");
  }

  @Test
  void jsonIsOneObjectPerLineWithTypedFields() throws Exception {
    String line = line(true, event(new IllegalStateException("boom")));
    assertThat(line).endsWith(System.lineSeparator()).doesNotContain("\n{");
    JsonNode j = new ObjectMapper().readTree(line);
    assertThat(j.fieldNames())
        .toIterable()
        .containsExactly(
            "time", "level", "logger", "message", "node", "specs", "ready", "error", "stack");
    assertThat(j.path("time").asText()).isNotEmpty();
    assertThat(j.path("level").asText()).isEqualTo("INFO");
    assertThat(j.path("logger").asText()).isEqualTo("dev.imagespec.operator.AgentReconciler");
    assertThat(j.path("message").asText()).isEqualTo("pass done");
    assertThat(j.path("node").asText()).isEqualTo("n1");
    assertThat(j.path("specs").isNumber()).isTrue();
    assertThat(j.path("ready").isBoolean()).isTrue();
    assertThat(j.path("error").asText()).isEqualTo("java.lang.IllegalStateException: boom");
    assertThat(j.path("stack").asText()).contains("boom", "LineEncoderTest");
  }
}
