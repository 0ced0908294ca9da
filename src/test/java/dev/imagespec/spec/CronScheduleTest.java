package dev.imagespec.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronScheduleTest {
  @ParameterizedTest(name = "{0}: next after {1} is {2}")
  @CsvSource({
    "0 3 * * *, 2025-01-15T12:00:00Z, 2025-01-16T03:00:00Z",
    "0 3 * * *, 2025-01-15T02:59:59Z, 2025-01-15T03:00:00Z",
    "0 3 * * *, 2025-01-15T03:00:00Z, 2025-01-16T03:00:00Z",
    "*/15 * * * *, 2025-01-15T12:01:00Z, 2025-01-15T12:15:00Z",
    "30 4 * * 0, 2025-01-15T12:00:00Z, 2025-01-19T04:30:00Z",
    "0 0 1 * *, 2025-01-15T12:00:00Z, 2025-02-01T00:00:00Z",
    "0 6 * * MON-FRI, 2025-01-17T07:00:00Z, 2025-01-20T06:00:00Z"
  })
  void nextRunIsInUtc(String expression, String after, String next) {
    CronSchedule s = CronSchedule.parse(expression);
    assertThat(s.nextAfter(Instant.parse(after))).contains(Instant.parse(next));
    assertThat(s.expression()).isEqualTo(expression);
  }

  @Test
  void lastBefore() {
    assertThat(CronSchedule.parse("0 3 * * *").lastBefore(Instant.parse("2025-01-15T12:00:00Z")))
        .contains(Instant.parse("2025-01-15T03:00:00Z"));
  }

  @ParameterizedTest(name = "''{0}''")
  @CsvSource(
      delimiter = '|',
      value = {
        "0 3 * *| expected 5 fields",
        "0 0 3 * * *| expected 5 fields",
        "every day| expected 5 fields",
        "61 * * * *| invalid cron expression '61 * * * *'",
        "* 25 * * *| invalid cron expression",
        "a b c d e| invalid cron expression",
        "''| it is empty"
      })
  void rejectsInvalidExpressions(String expression, String message) {
    assertThatThrownBy(() -> CronSchedule.parse(expression))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid cron expression '")
        .hasMessageContaining(message);
  }
}
