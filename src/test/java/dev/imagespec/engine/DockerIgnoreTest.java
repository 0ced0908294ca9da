package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** .dockerignore matching, case by case as Docker's patternmatcher decides. */
class DockerIgnoreTest {

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "*.log|a.log|true",
        "*.log|dir/a.log|false",
        "**/*.log|dir/sub/a.log|true",
        "**/*.log|a.log|true",
        "dir|dir/sub/file|true",
        "dir/|dir/file|true",
        "/dir|dir/file|true",
        "./dir//sub/../x|dir/x|true",
        "dir/*|dir/a|true",
        "dir/*|dir/a/b|true",
        "dir/*/b|dir/a/b|true",
        "dir/*/b|dir/a/c/b|false",
        "dir/**/b|dir/b|true",
        "dir/**/b|dir/a/c/b|true",
        "dir/**|dir/a/c/b|true",
        "**|anything/at/all|true",
        "a?c|abc|true",
        "a?c|a/c|false",
        "[a-c]x|bx|true",
        "[a-c]x|dx|false",
        "[!a]x|bx|true",
        "\\*x|*x|true",
        "\\*x|ax|false",
        "file.txt|fileXtxt|false",
        "a+b|a+b|true",
        "**x|ax|false",
        "**x|d/x|true",
      })
  void matches(String pattern, String path, boolean excluded) {
    assertThat(DockerIgnore.parse(pattern).excludes(path)).isEqualTo(excluded);
  }

  @Test
  void lastMatchingPatternDecidesAndExceptionsReinclude() {
    DockerIgnore ignore =
        DockerIgnore.parse(
            "# a comment\n\n  *.md  \n!README.md\nlogs\n!logs/keep.log\ndocs/**\n!docs/api/**\ndocs/api/private\n");
    assertThat(ignore.excludes("CHANGES.md")).isTrue();
    assertThat(ignore.excludes("README.md")).isFalse();
    assertThat(ignore.excludes("logs/a.log")).isTrue();
    assertThat(ignore.excludes("logs/keep.log")).isFalse();
    assertThat(ignore.excludes("docs/guide/x.html")).isTrue();
    assertThat(ignore.excludes("docs/api/x.html")).isFalse();
    assertThat(ignore.excludes("docs/api/private/y")).isTrue();
    assertThat(ignore.excludes("src/Main.java")).isFalse();
    assertThat(ignore.excludes("# a comment")).isFalse();
    assertThat(ignore.hasExclusions()).isTrue();
    assertThat(ignore.mayReinclude("logs")).isTrue();
    assertThat(ignore.mayReinclude("docs")).isTrue();
    assertThat(ignore.mayReinclude("src")).isFalse();
  }

  @Test
  void exceptionWithLeadingWildcardDoesNotReopenAnExcludedDirectory() {
    // Docker's walk compares the exception's text with the directory: "!**/keep" does not
    // start with "vendor/", so vendor/ is skipped whole, as Docker does.
    DockerIgnore ignore = DockerIgnore.parse("vendor\n!**/keep\n");
    assertThat(ignore.excludes("vendor/keep")).isFalse();
    assertThat(ignore.mayReinclude("vendor")).isFalse();
  }

  @Test
  void emptyAndInvalidPatterns() {
    assertThat(DockerIgnore.none().isEmpty()).isTrue();
    assertThat(DockerIgnore.parse("\n# only comments\n").excludes("x")).isFalse();
    assertThatThrownBy(() -> DockerIgnore.parse("!")).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> DockerIgnore.parse("[abc"))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void cleanIsGoFilepathClean() {
    assertThat(DockerIgnore.clean("a//b/./c/")).isEqualTo("a/b/c");
    assertThat(DockerIgnore.clean("a/../../b")).isEqualTo("../b");
    assertThat(DockerIgnore.clean("/../a")).isEqualTo("/a");
    assertThat(DockerIgnore.clean("")).isEqualTo(".");
    assertThat(DockerIgnore.clean("./")).isEqualTo(".");
  }
}
