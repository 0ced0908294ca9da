package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagespec.testing.FileServer;
import dev.imagespec.testing.TestEnv;
import dev.imagespec.testing.TestEnv.Engine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Save, load and import against the real engines. */
class ImagesArchiveEngineTest {
  @TempDir Path dir;

  static Stream<Engine> engines() {
    return TestEnv.engines();
  }

  private static String ref(String repo) {
    return TestEnv.registry() + "/archive/" + repo + ":" + TestEnv.unique();
  }

  private static boolean sameTag(String a, String b) {
    return ImageReference.parse(a)
        .withDefaultTag()
        .equals(ImageReference.parse(b).withDefaultTag());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void saveRemoveLoadRoundTripKeepsTheTag(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String name = ref("round");
      Image seeded = TestEnv.seed(c, name, "round=trip");
      Path file = dir.resolve("round.tar");
      long written;
      try (ImageArchive archive = images.save(List.of(name), SaveOptions.defaults())) {
        assertThat(archive.names()).containsExactly(name);
        written = archive.writeTo(file);
      }
      assertThat(written).isEqualTo(Files.size(file)).isGreaterThan(1_000_000);
      assertThat(ArchiveContents.repoTags(Files.readAllBytes(file)).get(0))
          .anyMatch(t -> sameTag(t, name));

      images.remove(seeded.id(), true, false);
      assertThat(images.exists(name)).isFalse();

      List<Image> loaded = images.load(file);
      assertThat(loaded)
          .singleElement()
          .satisfies(
              i -> {
                assertThat(i.id()).isEqualTo(seeded.id());
                assertThat(i.tags()).anyMatch(t -> sameTag(t, name));
                assertThat(i.labels()).containsEntry("round", "trip");
              });
      assertThat(images.get(name).id()).isEqualTo(seeded.id());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void namedControlsWhatTheArchiveCallsTheImage(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String first = ref("named");
      Image image = TestEnv.seed(c, first);
      String second = ref("other");
      int colon = second.lastIndexOf(':');
      image.tag(second.substring(0, colon), second.substring(colon + 1), false);

      // podman-py's default: unnamed, saved by ID.
      byte[] unnamed = read(image.save());
      assertThat(ArchiveContents.repoTags(unnamed).get(0)).isEmpty();
      byte[] named = read(image.save(SaveOptions.builder().named(true).build()));
      assertThat(ArchiveContents.repoTags(named).get(0)).singleElement();
      byte[] byTag = read(image.save(SaveOptions.builder().named(second).build()));
      assertThat(ArchiveContents.repoTags(byTag).get(0))
          .singleElement()
          .satisfies(t -> assertThat(sameTag(t, second)).isTrue());
      assertThatThrownBy(() -> image.save(SaveOptions.builder().named(ref("notatag")).build()))
          .isInstanceOf(InvalidArgumentException.class);

      // An unnamed archive loads back as the bare image.
      images.remove(image.id(), true, false);
      List<Image> loaded = images.load(new ByteArrayInputStream(unnamed));
      assertThat(loaded).extracting(Image::id).containsExactly(image.id());
      assertThat(images.get(image.id()).tags()).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void chunksAndSeveralImages(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      String a = ref("a");
      String b = ref("b");
      TestEnv.seed(c, a);
      TestEnv.seed(c, b);
      int chunk = 100_000;
      List<byte[]> chunks = new ArrayList<>();
      try (ImageArchive archive =
          images.save(List.of(a, b), SaveOptions.builder().chunkSize(chunk).build())) {
        Iterator<byte[]> it = archive.chunks();
        it.forEachRemaining(chunks::add);
        assertThat(archive.isClosed()).isTrue();
      }
      assertThat(chunks.size()).isGreaterThan(2);
      assertThat(chunks.subList(0, chunks.size() - 1))
          .allSatisfy(x -> assertThat(x).hasSize(chunk));
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      chunks.forEach(all::writeBytes);
      assertThat(ArchiveContents.repoTags(all.toByteArray())).hasSize(2);

      images.remove(a, true, false);
      images.remove(b, true, false);
      List<Image> loaded = images.load(new ByteArrayInputStream(all.toByteArray()));
      assertThat(loaded).hasSize(2);
      assertThat(images.exists(a)).isTrue();
      assertThat(images.exists(b)).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void archiveErrorsAreTyped(Engine engine) throws Exception {
    try (EngineClient c = engine.client()) {
      Images images = c.images();
      assertThatThrownBy(() -> images.save(ref("absent"), SaveOptions.defaults()))
          .isInstanceOf(ImageNotFoundException.class);
      assertThatThrownBy(() -> images.save(List.of(), SaveOptions.defaults()))
          .isInstanceOf(InvalidArgumentException.class);

      byte[] garbage = new byte[64 * 1024];
      new Random(7).nextBytes(garbage);
      assertThatThrownBy(() -> images.load(new ByteArrayInputStream(garbage)))
          .isInstanceOf(InvalidArchiveException.class)
          .hasMessageContaining("tar");

      String name = ref("trunc");
      TestEnv.seed(c, name);
      byte[] whole = read(images.save(name, SaveOptions.defaults()));
      byte[] truncated = Arrays.copyOf(whole, whole.length / 2);
      assertThatThrownBy(() -> images.load(new ByteArrayInputStream(truncated)))
          .isInstanceOf(InvalidArchiveException.class);
      assertThatThrownBy(() -> images.load(dir.resolve("missing.tar")))
          .isInstanceOf(InvalidArgumentException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("engines")
  void importsFromBytesUrlStreamAndAnotherImage(Engine engine) throws Exception {
    try (EngineClient c = engine.client();
        FileServer server = new FileServer()) {
      Images images = c.images();
      byte[] rootfs = Files.readAllBytes(TestEnv.rootfs());

      String fromBytes = ref("bytes");
      int colon = fromBytes.lastIndexOf(':');
      Image a =
          images.importImageFromData(
              rootfs,
              ImportOptions.builder()
                  .repository(fromBytes.substring(0, colon))
                  .tag(fromBytes.substring(colon + 1))
                  .changes(List.of("LABEL source=bytes"))
                  .build());
      assertThat(a.labels()).containsEntry("source", "bytes");
      assertThat(a.tags()).anyMatch(t -> sameTag(t, fromBytes));

      String url = server.serve("/rootfs.tar", TestEnv.rootfs());
      Image b =
          images.importImageFromUrl(
              url, ImportOptions.builder().changes(List.of("LABEL source=url")).build());
      assertThat(b.labels()).containsEntry("source", "url");

      try (InputStream in = Files.newInputStream(TestEnv.rootfs())) {
        Image s =
            images.importImage(
                in, ImportOptions.builder().changes(List.of("LABEL source=stream")).build());
        assertThat(s.labels()).containsEntry("source", "stream");
      }

      String derived = ref("derived");
      int dc = derived.lastIndexOf(':');
      Image d =
          images.importImageFromImage(
              fromBytes,
              ImportOptions.builder()
                  .repository(derived.substring(0, dc))
                  .tag(derived.substring(dc + 1))
                  .changes(List.of("LABEL source=image", "ENV FROM_IMAGE=1"))
                  .build());
      assertThat(d.labels()).containsEntry("source", "image");
      assertThat(d.tags()).anyMatch(t -> sameTag(t, derived));
      assertThat(d.attrs().path("Config").path("Env").toString()).contains("FROM_IMAGE=1");

      assertThatThrownBy(
              () -> images.importImageFromUrl("not a url", ImportOptions.builder().build()))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(
              () ->
                  images.importImageFromImage(
                      fromBytes, ImportOptions.builder().message("nope").build()))
          .isInstanceOf(UnsupportedOperationException.class);
    }
  }

  private static byte[] read(ImageArchive archive) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (archive;
        InputStream in = archive.stream()) {
      in.transferTo(out);
    }
    return out.toByteArray();
  }
}
