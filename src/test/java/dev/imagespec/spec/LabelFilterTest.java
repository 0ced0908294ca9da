package dev.imagespec.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelFilterTest {
  static final Map<String, String> LABELS =
      Map.of("team", "web", "keep", "", "com.example/tier", "1");

  @ParameterizedTest(name = "{0} matches={1}")
  @CsvSource({
    "team, true",
    "owner, false",
    "team=web, true",
    "team=db, false",
    "keep=, true",
    "!team, false",
    "!owner, true",
    "team!=web, false",
    "team!=db, true",
    "owner!=x, true",
    "com.example/tier=1, true",
    "a=b=c, false"
  })
  void matches(String filter, boolean expected) {
    LabelFilter f = LabelFilter.parse(filter);
    assertThat(f.matches(LABELS)).isEqualTo(expected);
    assertThat(f.toString()).isEqualTo(filter);
  }

  @ParameterizedTest
  @CsvSource({"team, EXISTS", "team=web, EQUALS", "!team, NOT_EXISTS", "team!=web, NOT_EQUALS"})
  void kinds(String filter, LabelFilter.Op op) {
    assertThat(LabelFilter.parse(filter).op()).isEqualTo(op);
    assertThat(LabelFilter.parse(filter).key()).isEqualTo("team");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''| empty",
        "=web| key is empty",
        "!| key is empty",
        "!team=web| not valid",
        "te am| not valid",
        "!=x| not valid"
      })
  void rejectsBadSyntax(String filter, String why) {
    assertThatThrownBy(() -> LabelFilter.parse(filter))
        .hasMessageStartingWith("invalid label filter '" + filter + "'")
        .hasMessageContaining(why)
        .hasMessageContaining("use key, key=value, !key or key!=value");
  }

  @ParameterizedTest
  @CsvSource({"team", "!team", "team!=x"})
  void nullLabelsAreEmpty(String filter) {
    assertThat(LabelFilter.parse(filter).matches(null)).isEqualTo(!filter.equals("team"));
  }
}
