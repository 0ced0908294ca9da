package dev.imagespec.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one owner of byte sizes, image IDs and exception messages as users read them. */
class FormatsTest {
  /** go-units' HumanSizeWithPrecision(size, 3), which docker images and docker system df use. */
  @ParameterizedTest
  @CsvSource({
    "0, 0B",
    "999, 999B",
    "1000, 1kB",
    "1500, 1.5kB",
    "4260000, 4.26MB",
    "150000000, 150MB",
    "1200000000, 1.2GB",
    "1234567890, 1.23GB",
    "123456789012, 123GB",
    "1000000000000000000, 1EB",
    // Go's %.3g at the rounding edge, as docker prints it
    "999600, 1e+03kB",
  })
  void bytesAsTheDockerCliPrintsThem(long bytes, String expected) {
    assertThat(ByteSizes.format(bytes)).isEqualTo(expected);
  }

  @Test
  void theCliTablesAndTheReconcilerNoLongerDisagree() {
    // cli Table.humanSize printed 150.0MB and 1.50kB where the prune messages said 150MB, 1.5kB
    assertThat(ByteSizes.format(150_000_000)).isEqualTo("150MB").isNotEqualTo("150.0MB");
    assertThat(ByteSizes.format(1_500)).isEqualTo("1.5kB").isNotEqualTo("1.50kB");
  }

  @Test
  void idsAreShownAsTwelveHexDigitsWhateverTheEngineReports() {
    String hex = "0123456789abcdef".repeat(4);
    assertThat(Ids.shortId("sha256:" + hex)).isEqualTo("0123456789ab");
    assertThat(Ids.shortId(hex)).isEqualTo("0123456789ab");
    assertThat(Ids.shortId(null)).isEqualTo("?");
    assertThat(Ids.same("sha256:" + hex, hex)).isTrue();
  }

  @Test
  void exceptionsBecomeTheirMessageOrTheirTypeNeverNull() {
    assertThat(ErrorMessages.of(new IOException("disk full"))).isEqualTo("disk full");
    // the agent's error status said "null" here
    assertThat(ErrorMessages.of(new IllegalStateException())).isEqualTo("IllegalStateException");
    assertThat(ErrorMessages.of(new RuntimeException(" "))).isEqualTo("RuntimeException");
    assertThat(ErrorMessages.of(null)).isEqualTo("unknown error");
  }
}
