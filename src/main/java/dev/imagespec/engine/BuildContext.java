package dev.imagespec.engine;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;
import okio.ForwardingSink;
import okio.GzipSink;
import okio.Okio;
import okio.Sink;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * What a build starts from, as the seeds take it: a directory (docker-py's and podman-py's {@code
 * path}), a tar stream (their {@code fileobj} with {@code custom_context}, plain or compressed,
 * with aiodocker's {@code encoding}), a lone Dockerfile ({@code fileobj} without {@code
 * custom_context}), or a {@code remote} URL that the engine fetches (a Git repository, a tarball or
 * a Dockerfile).
 *
 * <p>A directory is sent as a tar written on the fly while the request goes out: files are read as
 * they are sent, never held whole. Its {@code .dockerignore} is honoured as Docker does (see {@link
 * DockerIgnore}); the Dockerfile and the {@code .dockerignore} themselves are always sent, as the
 * docker CLI does. A Dockerfile outside the directory is added to the tar under a random name, as
 * docker-py does.
 *
 * <p>This class holds the kinds of context and what a request sends for each; {@link
 * DockerfileLocation} finds a directory's Dockerfile, {@link ContextFiles} lists the directory and
 * {@link ContextTar} writes the tar.
 */
public final class BuildContext {
  enum Kind {
    DIRECTORY,
    TAR,
    DOCKERFILE,
    REMOTE
  }

  private final Kind kind;
  private final Path directory;
  private final boolean gzip;
  private final InputStream stream;
  private final String encoding;
  private final byte[] dockerfile;
  private final String remote;

  private BuildContext(
      Kind kind,
      Path directory,
      boolean gzip,
      InputStream stream,
      String encoding,
      byte[] dockerfile,
      String remote) {
    this.kind = kind;
    this.directory = directory;
    this.gzip = gzip;
    this.stream = stream;
    this.encoding = encoding;
    this.dockerfile = dockerfile;
    this.remote = remote;
  }

  /** A context directory, sent as a plain tar. */
  public static BuildContext directory(Path directory) {
    return directory(directory, false);
  }

  /** A context directory, sent as a tar, gzip-compressed when {@code gzip} (docker-py's gzip). */
  public static BuildContext directory(Path directory, boolean gzip) {
    Objects.requireNonNull(directory, "directory");
    return new BuildContext(Kind.DIRECTORY, directory, gzip, null, null, null, null);
  }

  /**
   * A context tarball read from {@code tar} as it is sent (plain, gzip, bzip2 or xz; zstd on
   * Podman, not on Docker 20.10: the engine finds out). The stream is closed when the request is
   * sent.
   */
  public static BuildContext tar(InputStream tar) {
    return tar(tar, null);
  }

  /**
   * A context tarball with a {@code Content-Encoding} (aiodocker's and docker-py's {@code
   * encoding}, e.g. {@code gzip}); null for none.
   */
  public static BuildContext tar(InputStream tar, String encoding) {
    Objects.requireNonNull(tar, "tar");
    if (encoding != null && !encoding.matches("[A-Za-z0-9._-]+")) {
      throw new InvalidArgumentException("invalid build context encoding '" + encoding + "'");
    }
    return new BuildContext(Kind.TAR, null, false, tar, encoding, null, null);
  }

  /** A lone Dockerfile: the context is a tar holding just it, as {@code Dockerfile}. */
  public static BuildContext dockerfile(String content) {
    Objects.requireNonNull(content, "content");
    return new BuildContext(
        Kind.DOCKERFILE, null, false, null, null, content.getBytes(StandardCharsets.UTF_8), null);
  }

  /** A lone Dockerfile read from {@code in} (at most 16 MiB); the stream is not closed. */
  public static BuildContext dockerfile(InputStream in) {
    Objects.requireNonNull(in, "in");
    return new BuildContext(
        Kind.DOCKERFILE, null, false, null, null, DockerfileLocation.readLone(in), null);
  }

  /**
   * What {@code docker build -} reads from stdin: a context tar (plain, gzip, bzip2, xz or zstd) or
   * a lone Dockerfile (docker-py's {@code fileobj}), told apart by their first bytes. A Dockerfile
   * is read whole (at most 16 MiB), a tar as it is sent.
   *
   * @throws InvalidArgumentException when {@code in} is empty or holds neither, naming both
   */
  public static BuildContext tarOrDockerfile(InputStream in) {
    Objects.requireNonNull(in, "in");
    BufferedInputStream buffered = new BufferedInputStream(in, 64 * 1024);
    byte[] head;
    try {
      buffered.mark(TAR_HEADER);
      head = buffered.readNBytes(TAR_HEADER);
      buffered.reset();
    } catch (IOException e) {
      throw new InvalidArgumentException("cannot read the build context: " + Transport.describe(e));
    }
    String expected =
        "expected a build context tar (plain, or compressed with gzip, bzip2, xz, or zstd on"
            + " Podman) or a Dockerfile (text with a FROM instruction)";
    if (head.length == 0) {
      throw new InvalidArgumentException("the build context is empty: " + expected);
    }
    if (isArchive(head)) {
      return tar(buffered);
    }
    byte[] text;
    try {
      text = buffered.readNBytes(DockerfileLocation.MAX_BYTES + 1);
    } catch (IOException e) {
      throw new InvalidArgumentException("cannot read the build context: " + Transport.describe(e));
    }
    if (text.length > DockerfileLocation.MAX_BYTES) {
      throw new InvalidArgumentException(
          "the build context does not start as a tar archive does, and at over 16 MiB it is no"
              + " Dockerfile either: "
              + expected);
    }
    if (!isDockerfile(text)) {
      throw new InvalidArgumentException(
          "the build context is neither a tar archive nor a Dockerfile: " + expected);
    }
    return new BuildContext(Kind.DOCKERFILE, null, false, null, null, text, null);
  }

  /**
   * A compressed stream (gzip, bzip2, xz, zstd) or a tar header (ustar magic, or a valid checksum).
   */
  static boolean isArchive(byte[] head) {
    if (startsWith(head, 0x1f, 0x8b)
        || startsWith(head, 'B', 'Z', 'h')
        || startsWith(head, 0xfd, '7', 'z', 'X', 'Z', 0x00)
        || startsWith(head, 0x28, 0xb5, 0x2f, 0xfd)) {
      return true;
    }
    if (head.length < TAR_HEADER) {
      return false;
    }
    boolean zeros = true;
    for (byte b : head) {
      zeros &= b == 0;
    }
    return zeros
        || new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")
        || validChecksum(head);
  }

  private static boolean validChecksum(byte[] header) {
    try {
      return TarUtils.verifyCheckSum(header);
    } catch (IllegalArgumentException notOctal) {
      return false;
    }
  }

  private static boolean startsWith(byte[] head, int... magic) {
    if (head.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((head[i] & 0xff) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /** UTF-8 text without NUL characters, with a {@code FROM} instruction. */
  static boolean isDockerfile(byte[] bytes) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      return false;
    }
    return text.indexOf('\0') < 0 && FROM_LINE.matcher(text).find();
  }

  private static final int TAR_HEADER = 512;

  private static final Pattern FROM_LINE =
      Pattern.compile("^[\\s\\x{FEFF}]*FROM\\s+\\S", Pattern.CASE_INSENSITIVE | Pattern.MULTILINE);

  /** A URL the engine fetches the context from: a Git repository, a tarball or a Dockerfile. */
  public static BuildContext remote(String url) {
    if (url == null || url.isBlank() || url.chars().anyMatch(Character::isWhitespace)) {
      throw new InvalidArgumentException("invalid remote build context '" + url + "'");
    }
    return new BuildContext(Kind.REMOTE, null, false, null, null, null, url);
  }

  Kind kind() {
    return kind;
  }

  String remote() {
    return remote;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case DIRECTORY -> "BuildContext[directory " + directory + "]";
      case TAR -> "BuildContext[tar stream" + (encoding == null ? "" : ", " + encoding) + "]";
      case DOCKERFILE -> "BuildContext[Dockerfile]";
      case REMOTE -> "BuildContext[remote " + remote + "]";
    };
  }

  // ------------------------------------------------------------------------------ preparation

  /**
   * What to send: the body (null for a remote context), the {@code dockerfile} parameter (null for
   * the engine's default), the {@code Content-Encoding}, and the Dockerfile's text when it is known
   * without reading the context (to find the registries its {@code FROM} lines name).
   */
  record Prepared(
      RequestBody body, String dockerfileParam, String contentEncoding, String dockerfileText) {}

  /** A file sent in the context tar beside what the context holds (a build secret). */
  record Extra(String name, Path source) {}

  /** Checks the context and works out what to send; nothing is read but the Dockerfile. */
  Prepared prepare(String dockerfileOption) {
    return prepare(dockerfileOption, List.of());
  }

  /**
   * As {@link #prepare(String)}, with {@code extras} added to the tar; only contexts whose tar
   * imagespec writes (a directory, a lone Dockerfile) can carry them.
   */
  Prepared prepare(String dockerfileOption, List<Extra> extras) {
    if (!extras.isEmpty() && (kind == Kind.REMOTE || kind == Kind.TAR)) {
      throw new InvalidArgumentException(
          "build secrets travel in the context tar imagespec writes: they need a context"
              + " directory or a lone Dockerfile, not "
              + (kind == Kind.TAR ? "a tar stream" : "a URL the engine fetches"));
    }
    return switch (kind) {
      case REMOTE -> new Prepared(null, dockerfileOption, null, null);
      case TAR -> new Prepared(new Images.StreamBody(stream), dockerfileOption, encoding, null);
      case DOCKERFILE ->
          new Prepared(
              new DockerfileBody(dockerfile, extras),
              null,
              null,
              new String(dockerfile, StandardCharsets.UTF_8));
      case DIRECTORY -> prepareDirectory(dockerfileOption, extras);
    };
  }

  /** The cheap checks, without listing a directory: that a context directory exists. */
  void check() {
    if (kind == Kind.DIRECTORY) {
      root();
    }
  }

  private Path root() {
    Path root;
    try {
      root = directory.toRealPath();
    } catch (NoSuchFileException e) {
      throw new InvalidArgumentException("build context " + directory + " does not exist");
    } catch (IOException e) {
      throw new InvalidArgumentException(
          "cannot read build context " + directory + ": " + e.getMessage());
    }
    if (!Files.isDirectory(root)) {
      throw new InvalidArgumentException("build context " + directory + " is not a directory");
    }
    return root;
  }

  private Prepared prepareDirectory(String dockerfileOption, List<Extra> extras) {
    Path root = root();
    DockerfileLocation dockerfile = DockerfileLocation.find(root, dockerfileOption);
    List<ContextFiles.Entry> entries =
        ContextFiles.list(root, dockerfile.keepIn(DockerIgnore.load(root)));
    ContextBody body =
        new ContextBody(
            entries,
            dockerfile.outside() == null ? null : dockerfile.nameInContext(),
            dockerfile.outside(),
            extras,
            gzip);
    return new Prepared(body, dockerfile.param(), null, dockerfile.text());
  }

  /**
   * The tar of a directory context, written while the request goes out. It can be written again
   * (OkHttp retries on a stale pooled connection); a file that cannot be read meanwhile is kept in
   * {@link #failure()} so the caller reports it rather than a transport error.
   */
  static final class ContextBody extends RequestBody implements SourceFailure {
    private final List<ContextFiles.Entry> entries;
    private final String extraName;
    private final byte[] extraDockerfile;
    private final List<Extra> extras;
    private final boolean gzip;
    private volatile IOException failure;

    ContextBody(
        List<ContextFiles.Entry> entries,
        String extraName,
        byte[] extraDockerfile,
        List<Extra> extras,
        boolean gzip) {
      this.entries = List.copyOf(entries);
      this.extraName = extraName;
      this.extraDockerfile = extraDockerfile;
      this.extras = List.copyOf(extras);
      this.gzip = gzip;
    }

    List<ContextFiles.Entry> entries() {
      return entries;
    }

    @Override
    public IOException failure() {
      return failure;
    }

    @Override
    public MediaType contentType() {
      return Transport.TAR_TYPE;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      if (gzip) {
        // Closing the gzip sink writes its trailer; the request's own sink stays open for OkHttp.
        Sink keepOpen =
            new ForwardingSink(sink) {
              @Override
              public void close() throws IOException {
                flush();
              }
            };
        BufferedSink zipped = Okio.buffer(new GzipSink(keepOpen));
        writeTar(zipped);
        zipped.close();
      } else {
        writeTar(sink);
      }
    }

    void writeTar(BufferedSink sink) throws IOException {
      ContextTar tar = new ContextTar(sink.outputStream());
      for (ContextFiles.Entry e : entries) {
        switch (e.type()) {
          case DIRECTORY -> tar.directory(e.name(), e.mode(), e.mtime());
          case SYMLINK -> tar.symlink(e.name(), e.link(), e.mtime());
          case FILE -> {
            InputStream in = open(e.path());
            try (in) {
              tar.file(
                  e.name(), e.mode(), e.mtime(), e.size(), new Recording(in, f -> failure = f));
            } catch (ContextTar.SourceChangedException changed) {
              failure = changed;
              throw changed;
            }
          }
        }
      }
      if (extraDockerfile != null) {
        tar.file(extraName, 0644, System.currentTimeMillis() / 1000, extraDockerfile);
      }
      writeExtras(tar, extras, f -> failure = f);
      tar.finish();
      sink.flush();
    }

    private InputStream open(Path p) throws IOException {
      try {
        return Files.newInputStream(p);
      } catch (IOException e) {
        failure = new IOException("cannot read " + p + ": " + Transport.describe(e), e);
        throw e;
      }
    }
  }

  /**
   * A body whose source files may fail to be read while it is written: that failure (kept apart
   * from the connection's) is the cause to report.
   */
  interface SourceFailure {
    /** Why a source file could not be read while the body was written; null if none failed. */
    IOException failure();
  }

  /** Keeps a file's read failure (as opposed to the connection's) for its body. */
  private static final class Recording extends java.io.FilterInputStream {
    private final Consumer<IOException> failed;

    Recording(InputStream in, Consumer<IOException> failed) {
      super(in);
      this.failed = failed;
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException e) {
        failed.accept(e);
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException e) {
        failed.accept(e);
        throw e;
      }
    }
  }

  /**
   * Adds the extra files, owner-readable only, streamed from their sources. A source that cannot be
   * opened or read goes to {@code failed}, naming the file; a failed write to the connection does
   * not.
   */
  private static void writeExtras(ContextTar tar, List<Extra> extras, Consumer<IOException> failed)
      throws IOException {
    for (Extra x : extras) {
      InputStream in;
      long size;
      try {
        in = Files.newInputStream(x.source());
        size = Files.size(x.source());
      } catch (IOException e) {
        failed.accept(unreadable(x, e));
        throw e;
      }
      try (in) {
        tar.file(
            x.name(),
            0600,
            System.currentTimeMillis() / 1000,
            size,
            new Recording(in, e -> failed.accept(unreadable(x, e))));
      } catch (ContextTar.SourceChangedException changed) {
        failed.accept(new IOException(x.source() + " shrank while it was being sent", changed));
        throw changed;
      }
    }
  }

  private static IOException unreadable(Extra x, IOException e) {
    return new IOException("cannot read " + x.source() + ": " + Transport.describe(e), e);
  }

  /** A tar holding {@code Dockerfile} and the extra files. */
  static final class DockerfileBody extends RequestBody implements SourceFailure {
    private final byte[] dockerfile;
    private final List<Extra> extras;
    private volatile IOException failure;

    DockerfileBody(byte[] dockerfile, List<Extra> extras) {
      this.dockerfile = dockerfile;
      this.extras = List.copyOf(extras);
    }

    @Override
    public IOException failure() {
      return failure;
    }

    @Override
    public MediaType contentType() {
      return Transport.TAR_TYPE;
    }

    @Override
    public long contentLength() {
      return extras.isEmpty() ? ContextTar.singleFileLength(dockerfile.length) : -1;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      ContextTar tar = new ContextTar(sink.outputStream());
      tar.file("Dockerfile", 0644, System.currentTimeMillis() / 1000, dockerfile);
      writeExtras(tar, extras, f -> failure = f);
      tar.finish();
    }
  }
}
