package dev.imagespec.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Directory contexts: what goes into the tar, written on the fly; no engine needed. */
class BuildContextTest {
  @TempDir Path dir;

  private void write(String path, String text) throws IOException {
    Path p = dir.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  private static List<ArchiveContents.Entry> tar(BuildContext.Prepared p, boolean gzip)
      throws IOException {
    Buffer b = new Buffer();
    p.body().writeTo(b);
    byte[] bytes = b.readByteArray();
    return ArchiveContents.entries(
        gzip
            ? new GZIPInputStream(new ByteArrayInputStream(bytes))
            : new ByteArrayInputStream(bytes),
        Long.MAX_VALUE);
  }

  private static List<String> names(List<ArchiveContents.Entry> entries) {
    return entries.stream().map(ArchiveContents.Entry::name).toList();
  }

  @Test
  void directoryTarHonoursDockerignoreAndKeepsDockerfileAndIgnoreFile() throws Exception {
    write("Dockerfile", "FROM scratch\n");
    write(".dockerignore", "*.tmp\nbuild\n!build/keep\nDockerfile\n.dockerignore\n");
    write("a.txt", "a");
    write("b.tmp", "b");
    write("build/out.o", "o");
    write("build/keep", "k");
    write("src/x/y.txt", "y");
    Path exe = dir.resolve("run.sh");
    Files.writeString(exe, "#!/bin/sh\n");
    Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(dir.resolve("link"), Path.of("a.txt"));

    BuildContext.Prepared p = BuildContext.directory(dir).prepare(null);
    assertThat(p.dockerfileParam()).isNull();
    assertThat(p.dockerfileText()).isEqualTo("FROM scratch\n");
    List<ArchiveContents.Entry> entries = tar(p, false);
    assertThat(names(entries))
        .containsExactly(
            ".dockerignore",
            "Dockerfile",
            "a.txt",
            "build/keep",
            "link",
            "run.sh",
            "src/",
            "src/x/",
            "src/x/y.txt");
    ArchiveContents.Entry link = entries.get(4);
    assertThat(link.type()).isEqualTo('2');
    assertThat(link.link()).isEqualTo("a.txt");
    assertThat(new String(entries.get(2).content(), StandardCharsets.UTF_8)).isEqualTo("a");

    // The same with tar's own reader, modes included.
    Buffer b = new Buffer();
    p.body().writeTo(b);
    Path file = dir.resolveSibling(dir.getFileName() + ".tar");
    Files.write(file, b.readByteArray());
    Process tar =
        new ProcessBuilder("tar", "tvf", file.toString()).redirectErrorStream(true).start();
    String listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor()).as(listing).isZero();
    assertThat(listing).contains("-rwxr-xr-x").contains("run.sh").contains("link -> a.txt");
    Files.delete(file);
  }

  @Test
  void longAndNonAsciiNamesUsePaxHeadersAndGzipWorks() throws Exception {
    String deep = "d".repeat(60) + "/" + "e".repeat(60) + "/" + "f".repeat(30) + ".txt";
    write(deep, "deep");
    write("ünïcödé.txt", "u");
    List<ArchiveContents.Entry> entries =
        tar(BuildContext.directory(dir, true).prepare(null), true);
    assertThat(names(entries)).contains(deep, "ünïcödé.txt");
  }

  @Test
  void dockerfileOutsideTheContextIsAddedUnderARandomName() throws Exception {
    Path ctx = dir.resolve("ctx");
    Files.createDirectories(ctx);
    Files.writeString(ctx.resolve("a"), "a");
    Path df = dir.resolve("other/My.Dockerfile");
    Files.createDirectories(df.getParent());
    Files.writeString(df, "FROM busybox\n");
    BuildContext.Prepared p = BuildContext.directory(ctx).prepare(df.toString());
    assertThat(p.dockerfileParam()).startsWith(".dockerfile.");
    assertThat(p.dockerfileText()).isEqualTo("FROM busybox\n");
    List<ArchiveContents.Entry> entries = tar(p, false);
    assertThat(names(entries)).containsExactly("a", p.dockerfileParam());

    // Inside the context: passed through, relative.
    Files.writeString(ctx.resolve("sub.Dockerfile"), "FROM x\n");
    assertThat(
            BuildContext.directory(ctx)
                .prepare(ctx.resolve("sub.Dockerfile").toString())
                .dockerfileParam())
        .isEqualTo("sub.Dockerfile");
    assertThat(BuildContext.directory(ctx).prepare("sub.Dockerfile").dockerfileParam())
        .isEqualTo("sub.Dockerfile");
  }

  @Test
  void loneDockerfileIsATarOfOneFile() throws Exception {
    BuildContext.Prepared p = BuildContext.dockerfile("FROM scratch\n").prepare(null);
    Buffer b = new Buffer();
    p.body().writeTo(b);
    assertThat(b.size()).isEqualTo(p.body().contentLength());
    List<ArchiveContents.Entry> entries =
        ArchiveContents.entries(new ByteArrayInputStream(b.readByteArray()), 1024);
    assertThat(entries)
        .singleElement()
        .satisfies(e -> assertThat(e.name()).isEqualTo("Dockerfile"));
  }

  @Test
  void badContextsFailBeforeAnyCall() {
    assertThatThrownBy(() -> BuildContext.directory(dir.resolve("missing")).prepare(null))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> BuildContext.directory(dir).prepare("/nonexistent/Dockerfile"))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> BuildContext.tar(new ByteArrayInputStream(new byte[0]), "gz ip"))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> BuildContext.remote(" ")).isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void pathsAndLinkTargetsLongerThanAHeaderFieldKeepTheirFullNames() throws Exception {
    String longDir = "l".repeat(70) + "/" + "m".repeat(70);
    String longFile = longDir + "/" + "n".repeat(90) + ".txt";
    assertThat(longFile.length()).isGreaterThan(200);
    write(longFile, "long");
    Files.createSymbolicLink(dir.resolve("to-long"), Path.of(longFile));
    Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\nCOPY . /\n");

    Buffer b = new Buffer();
    BuildContext.directory(dir).prepare(null).body().writeTo(b);
    byte[] bytes = b.readByteArray();
    assertThat(bytes.length % 512).isZero();
    List<ArchiveContents.Entry> entries =
        ArchiveContents.entries(new ByteArrayInputStream(bytes), Long.MAX_VALUE);
    assertThat(names(entries))
        .containsExactly("Dockerfile", "l".repeat(70) + "/", longDir + "/", longFile, "to-long");
    assertThat(new String(entries.get(3).content(), StandardCharsets.UTF_8)).isEqualTo("long");
    assertThat(entries.get(4).link()).isEqualTo(longFile);

    // GNU tar reads the same names from the PAX headers.
    Path file = dir.resolveSibling(dir.getFileName() + "-long.tar");
    Files.write(file, bytes);
    Process tar =
        new ProcessBuilder("tar", "tf", file.toString()).redirectErrorStream(true).start();
    String listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor()).as(listing).isZero();
    assertThat(listing.lines()).contains(longFile, "to-long");
    Files.delete(file);
  }

  @Test
  void dockerfileRefsFindBaseImagesAndSkipStages() {
    String df =
        "# syntax=docker/dockerfile:1\n"
            + "ARG BASE=127.0.0.1:5000/team/base:1\n"
            + "ARG OTHER\n"
            + "FROM --platform=linux/amd64 ${BASE} AS build\n"
            + "RUN make \\\n  all\n"
            + "FROM build AS test\n"
            + "from $OTHER\n"
            + "COPY --from=build /out /out\n"
            + "COPY --from=registry.example.com/tools:2 /bin/t /t\n"
            + "FROM scratch\n";
    assertThat(DockerfileRefs.baseImages(df, Map.of("OTHER", "quay.io/x/y:3")))
        .containsExactly(
            "127.0.0.1:5000/team/base:1", "quay.io/x/y:3", "registry.example.com/tools:2");
  }

  @Test
  void buildLogSplitsLinesAndFindsTheImageId() {
    BuildLog log = new BuildLog();
    String id = "sha256:" + "a".repeat(64);
    String found = null;
    for (String json :
        List.of(
            "{\"stream\":\"Step 1/2 : FROM x\"}",
            "{\"stream\":\"\\n\"}",
            "{\"stream\":\"one\\ntwo\\n\"}",
            "{\"aux\":{\"ID\":\"" + id + "\"}}",
            "{\"stream\":\"Successfully built aaaaaaaaaaaa\\n\"}")) {
      ProgressEvent e;
      try {
        e = ProgressEvent.of(Transport.JSON.readTree(json));
      } catch (IOException ex) {
        throw new IllegalStateException(ex);
      }
      log.accept(e);
      found = BuildLog.imageId(e, found);
    }
    assertThat(log.lines())
        .containsExactly("Step 1/2 : FROM x", "one", "two", "Successfully built aaaaaaaaaaaa");
    assertThat(found).isEqualTo(id);
    assertThat(Archives.loadedName("Loaded image: a/b:1\n")).isEqualTo("a/b:1");
    assertThat(Archives.loadedName("Loaded image ID: " + id)).isEqualTo(id);
    assertThat(Archives.loadedName("other")).isNull();
    assertThat(RegistryQueries.searchDomain("127.0.0.1:5000/x")).isEqualTo("127.0.0.1:5000");
    assertThat(RegistryQueries.searchDomain("busybox")).isEqualTo("docker.io");
    assertThat(RegistryQueries.searchDomain("team/app")).isEqualTo("docker.io");
  }

  @Test
  void registryConfigHeaderIsBase64UrlJson() throws Exception {
    String h =
        Builds.registryConfigHeader(
            Map.of(
                "127.0.0.1:5000", AuthConfig.basic("u", "p").withServerAddress("127.0.0.1:5000")));
    String json = new String(java.util.Base64.getUrlDecoder().decode(h), StandardCharsets.UTF_8);
    assertThat(Transport.JSON.readTree(json).path("127.0.0.1:5000").path("username").asText())
        .isEqualTo("u");
  }

  @Test
  void stdinIsToldApartAsATarOrADockerfile() throws IOException {
    byte[] tarBody = bytes(new BuildContext.DockerfileBody("FROM x\n".getBytes(), List.of()));
    assertThat(BuildContext.tarOrDockerfile(new ByteArrayInputStream(tarBody)).kind())
        .isEqualTo(BuildContext.Kind.TAR);
    for (byte[] compressed :
        new byte[][] {
          {0x1f, (byte) 0x8b, 8, 0},
          {'B', 'Z', 'h', '9'},
          {(byte) 0xfd, '7', 'z', 'X', 'Z', 0}
        }) {
      assertThat(BuildContext.tarOrDockerfile(new ByteArrayInputStream(compressed)).kind())
          .isEqualTo(BuildContext.Kind.TAR);
    }
    BuildContext dockerfile =
        BuildContext.tarOrDockerfile(
            new ByteArrayInputStream(
                "# syntax=docker/dockerfile:1\nARG V=1\n\nfrom busybox\nRUN true\n"
                    .getBytes(StandardCharsets.UTF_8)));
    assertThat(dockerfile.kind()).isEqualTo(BuildContext.Kind.DOCKERFILE);
    // the tar sent for it holds the Dockerfile as read
    assertThat(new String(bytes(dockerfile.prepare(null).body()), StandardCharsets.UTF_8))
        .contains("from busybox");

    for (byte[] neither :
        new byte[][] {
          new byte[0],
          "no instruction here\n".getBytes(StandardCharsets.UTF_8),
          {(byte) 0xff, (byte) 0xfe, 'F', 'R', 'O', 'M', ' ', 'x'},
          "FROM x\n\0".getBytes(StandardCharsets.UTF_8)
        }) {
      assertThatThrownBy(() -> BuildContext.tarOrDockerfile(new ByteArrayInputStream(neither)))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("tar")
          .hasMessageContaining("Dockerfile");
    }
  }

  @Test
  void secretsTravelOnlyInTarsImagespecWrites() throws IOException {
    Path secret = dir.resolve("token");
    Files.writeString(secret, "value");
    List<BuildContext.Extra> extras = List.of(new BuildContext.Extra(".s", secret));
    assertThat(new String(bytes(BuildContext.dockerfile("FROM x\n").prepare(null, extras).body())))
        .contains(".s")
        .contains("value");
    assertThatThrownBy(
            () -> BuildContext.tar(new ByteArrayInputStream(new byte[0])).prepare(null, extras))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("context directory or a lone Dockerfile");
    assertThatThrownBy(() -> BuildContext.remote("https://x/y.tar").prepare(null, extras))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> new BuildSecret("bad id", secret))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> new BuildSecret("id", dir.resolve("absent")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("absent");
  }

  private static byte[] bytes(okhttp3.RequestBody body) throws IOException {
    Buffer b = new Buffer();
    body.writeTo(b);
    return b.readByteArray();
  }

  /** The two bodies that carry extra files: a directory's tar and a lone Dockerfile's. */
  private List<BuildContext.Prepared> bodiesWithSecret(Path secret) throws IOException {
    write("ctx/Dockerfile", "FROM scratch\n");
    List<BuildContext.Extra> extras = List.of(new BuildContext.Extra(".secret", secret));
    return List.of(
        BuildContext.directory(dir.resolve("ctx")).prepare(null, extras),
        BuildContext.dockerfile("FROM scratch\n").prepare(null, extras));
  }

  @Test
  void aSecretThatCannotBeReadIsTheBodysFailureNamingTheFile() throws Exception {
    Path secret = dir.resolve("token");
    Files.writeString(secret, "s3cr3t");
    for (BuildContext.Prepared p : bodiesWithSecret(secret)) {
      Files.deleteIfExists(secret); // gone between the check and the send
      assertThatThrownBy(() -> p.body().writeTo(new Buffer())).isInstanceOf(IOException.class);
      assertThat(((BuildContext.SourceFailure) p.body()).failure())
          .as(p.body().getClass().getSimpleName())
          .isNotNull()
          .hasMessageContaining("cannot read " + secret);
    }
  }

  @Test
  void aConnectionThatFailsIsNotBlamedOnTheSecret() throws Exception {
    Path secret = dir.resolve("token");
    Files.write(secret, new byte[1 << 20]); // larger than the sink's buffer: it reaches the wire
    for (BuildContext.Prepared p : bodiesWithSecret(secret)) {
      okio.BufferedSink dropped =
          okio.Okio.buffer(
              new okio.ForwardingSink(new Buffer()) {
                @Override
                public void write(Buffer source, long byteCount) throws IOException {
                  throw new IOException("connection reset by peer");
                }
              });
      assertThatThrownBy(() -> p.body().writeTo(dropped)).hasMessageContaining("connection reset");
      assertThat(((BuildContext.SourceFailure) p.body()).failure())
          .as(p.body().getClass().getSimpleName())
          .isNull();
    }
  }

  @Test
  void compressedTarsAreToldByTheirMagicZstdIncluded() {
    byte[] zstd = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x64, 0x00};
    byte[] gzip = {0x1f, (byte) 0x8b, 0x08};
    assertThat(BuildContext.isArchive(zstd)).isTrue();
    assertThat(BuildContext.isArchive(gzip)).isTrue();
    assertThat(BuildContext.tarOrDockerfile(new ByteArrayInputStream(zstd)).kind())
        .isEqualTo(BuildContext.Kind.TAR);
    assertThat(BuildContext.isArchive("FROM scratch\n".getBytes(StandardCharsets.UTF_8))).isFalse();
  }
}
