package dev.imagespec.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoDurationTest {
  @ParameterizedTest(name = "{0} = {1}ns")
  @CsvSource({
    "0, 0",
    "0s, 0",
    "90s, 90000000000",
    "1h30m, 5400000000000",
    "1.5h, 5400000000000",
    "168h, 604800000000000",
    "300ms, 300000000",
    "1us, 1000",
    "1\u00b5s, 1000",
    "1\u03bcs, 1000",
    "15ns, 15",
    "2h45m30.5s, 9930500000000",
    ".5s, 500000000",
    "1.s, 1000000000",
    "-1m, -60000000000",
    "+5m, 300000000000",
    "1h1h, 7200000000000"
  })
  void parsesGoSyntax(String text, long nanos) {
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.ofNanos(nanos));
    assertThat(GoDuration.isValid(text)).isTrue();
  }

  @ParameterizedTest(name = "''{0}'': {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''| it is empty",
        "1| missing unit after '1'",
        "5x| unknown unit 'x'",
        "10 minutes| unknown unit ' minutes'",
        "h| a number is expected",
        "1h30| missing unit after '30'",
        ".s| a number is expected",
        "-| a number is expected",
        "1d| unknown unit 'd'",
        "9999999999h| out of range"
      })
  void rejectsWithAClearMessage(String text, String why) {
    assertThatThrownBy(() -> GoDuration.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid duration '" + text + "': ")
        .hasMessageContaining(why);
    assertThat(GoDuration.isValid(text)).isFalse();
  }

  @ParameterizedTest(name = "{0}ns -> {1}")
  @CsvSource({
    "0, 0s",
    "1, 1ns",
    "1500, 1.5\u00b5s",
    "1500000, 1.5ms",
    "1000000000, 1s",
    "1500000000, 1.5s",
    "90000000000, 1m30s",
    "3600000000000, 1h0m0s",
    "5400000000000, 1h30m0s",
    "604800000000000, 168h0m0s",
    "-60000000000, -1m0s"
  })
  void formatsAsGoDoes(long nanos, String text) {
    assertThat(GoDuration.format(Duration.ofNanos(nanos))).isEqualTo(text);
    assertThat(GoDuration.parse(text)).isEqualTo(Duration.ofNanos(nanos));
  }

  @ParameterizedTest
  @CsvSource({"90s", "1h30m", "168h", "0", "1.5h", "300ms"})
  void crdPatternAcceptsValidDurations(String text) {
    assertThat(text).matches(GoDuration.PATTERN);
  }

  @ParameterizedTest
  @CsvSource({"10 minutes", "5x", "1", "-1m"})
  void crdPatternRejectsInvalidOrNegativeDurations(String text) {
    assertThat(text).doesNotMatch(GoDuration.PATTERN);
  }

  @ParameterizedTest
  @CsvSource({"''", "' '"})
  void parseOrNullToleratesBlank(String text) {
    assertThat(GoDuration.parseOrNull(text)).isNull();
    assertThat(GoDuration.parseOrNull(null)).isNull();
  }
}
