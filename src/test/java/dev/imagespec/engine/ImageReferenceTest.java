package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

  @ParameterizedTest
  @CsvSource({
    "busybox, docker.io/library/busybox:latest, busybox:latest",
    "busybox:1.36, docker.io/library/busybox:1.36, busybox:1.36",
    "library/busybox, docker.io/library/busybox:latest, busybox:latest",
    "docker.io/busybox, docker.io/library/busybox:latest, busybox:latest",
    "index.docker.io/team/app:2, docker.io/team/app:2, team/app:2",
    "team/app, docker.io/team/app:latest, team/app:latest",
    "localhost/app:1, localhost/app:1, localhost/app:1",
    "localhost:5000/a/b/c:v1.0-rc_1, localhost:5000/a/b/c:v1.0-rc_1, localhost:5000/a/b/c:v1.0-rc_1",
    "127.0.0.1:5000/team/app:1.0, 127.0.0.1:5000/team/app:1.0, 127.0.0.1:5000/team/app:1.0",
    "Registry.Example.com/app:1, Registry.Example.com/app:1, Registry.Example.com/app:1",
    "my-reg.io/a__b/c-d:x, my-reg.io/a__b/c-d:x, my-reg.io/a__b/c-d:x",
  })
  void normalises(String input, String canonical, String familiar) {
    ImageReference ref = ImageReference.parse(input).withDefaultTag();
    assertThat(ref.canonical()).isEqualTo(canonical);
    assertThat(ref.familiar()).isEqualTo(familiar);
    assertThat(ImageReference.parse(canonical).withDefaultTag()).isEqualTo(ref);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "127.0.0.1:5000/a/b:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      })
  void digests(String input) {
    ImageReference ref = ImageReference.parse(input);
    assertThat(ref.hasDigest()).isTrue();
    assertThat(ref.digest()).hasValueSatisfying(d -> assertThat(d).startsWith("sha256:"));
    assertThat(ref.withDefaultTag()).isEqualTo(ref);
    assertThat(ref.tagOrDefault()).isEqualTo(ref.tag().orElse(null));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " busybox",
        "Busybox",
        "team/App:1",
        "busybox:",
        "busybox:bad tag",
        "busybox:-x",
        "busybox@sha256:abc",
        "busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
        "a//b",
        "/a",
        "a/",
        "bad host!/a:1",
        ":1"
      })
  void rejectsMalformed(String input) {
    assertThatThrownBy(() -> ImageReference.parse(input))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("image reference");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Upper/Case:1", "team/App"})
  void namesTheLowercaseRule(String input) {
    assertThatThrownBy(() -> ImageReference.parse(input))
        .hasMessageContaining("'" + input + "'")
        .hasMessageContaining("lowercase");
  }
}
