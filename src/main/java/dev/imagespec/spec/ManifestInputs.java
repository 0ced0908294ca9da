package dev.imagespec.spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where manifests come from: a file, a directory (recursively, {@code *.yaml} and {@code *.yml}, in
 * sorted order; a directory below it that holds a kustomization is skipped with a warning) or
 * standard input ({@code -}). A kustomization named itself (its directory or its file) is an error:
 * what it renders is the manifests, and the messages say how to render it. Each source is read
 * whole, up to {@link ManifestLimits#MAX_SOURCE_BYTES}, and decoded as UTF-8, strictly: a source
 * that is larger, or not valid UTF-8, is an error (naming the first bad byte's line, column and
 * offset), and none of it is read.
 */
final class ManifestInputs {
  private final InputStream stdin;
  private final String command;

  /** {@code command}: the imagespec command reading, named in the hints ({@code apply}, ...). */
  ManifestInputs(InputStream stdin, String command) {
    this.stdin = stdin;
    this.command = command;
  }

  /**
   * Reads {@code path}, giving each readable source's name and text to {@code text} in order; what
   * cannot be read is an error in {@code out}, an empty directory a note.
   */
  void read(String path, ManifestCollector out, BiConsumer<String, String> text) {
    if (ManifestLoader.STDIN.equals(path)) {
      try {
        decode(ManifestLoader.STDIN_NAME, readBounded(stdin), out, text);
      } catch (TooLarge e) {
        out.error(ManifestLoader.STDIN_NAME, 0, null, null, ManifestLimits.tooLarge(-1));
      } catch (IOException e) {
        out.error(ManifestLoader.STDIN_NAME, 0, null, null, "cannot read: " + e.getMessage());
      }
      return;
    }
    Path p;
    try {
      p = Path.of(path);
    } catch (InvalidPathException e) {
      out.error(ManifestLimits.shown(path), 0, null, null, "not a valid path: " + e.getReason());
      return;
    }
    if (!Files.isDirectory(p)) {
      if (Files.isRegularFile(p) && isKustomizationFile(p)) {
        out.error(
            path,
            0,
            null,
            null,
            "a kustomization, not manifests to "
                + command
                + " as they are; "
                + rendering(p.getParent() == null ? Path.of(".") : p.getParent()));
        return;
      }
      readFile(p, out, text);
      return;
    }
    if (isKustomization(p)) {
      out.error(
          path,
          0,
          null,
          null,
          "a kustomize directory (its bases and patches are not manifests to "
              + command
              + " as they are); "
              + rendering(p));
      return;
    }
    List<Path> files;
    List<Path> kustomized;
    try (Stream<Path> walk = Files.walk(p)) {
      List<Path> all = walk.sorted().collect(Collectors.toList());
      kustomized =
          all.stream()
              .filter(d -> Files.isDirectory(d) && isKustomization(d))
              .collect(Collectors.toList());
      files =
          all.stream()
              .filter(Files::isRegularFile)
              .filter(ManifestInputs::isYaml)
              .filter(f -> kustomized.stream().noneMatch(f::startsWith))
              .collect(Collectors.toList());
    } catch (IOException | UncheckedIOException e) {
      out.error(path, 0, null, null, "cannot read directory: " + e.getMessage());
      return;
    }
    for (Path d : kustomized) {
      if (kustomized.stream().noneMatch(k -> !k.equals(d) && d.startsWith(k))) {
        out.warning(
            d
                + ": skipped, a kustomize directory (its bases and patches are not manifests to "
                + command
                + " as they are); "
                + rendering(d));
      }
    }
    if (files.isEmpty() && kustomized.isEmpty()) {
      out.warning(path + ": no *.yaml or *.yml files");
    }
    for (Path f : files) {
      readFile(f, out, text);
    }
  }

  /** A kustomize root: a directory holding a kustomization file, by any name kustomize reads. */
  private static boolean isKustomization(Path dir) {
    return KUSTOMIZATION_FILES.stream().anyMatch(n -> Files.isRegularFile(dir.resolve(n)));
  }

  private static boolean isKustomizationFile(Path file) {
    Path name = file.getFileName();
    return name != null && KUSTOMIZATION_FILES.contains(name.toString());
  }

  /** How to give this command what the kustomization in {@code dir} renders, Secrets included. */
  private String rendering(Path dir) {
    return "to "
        + command
        + " what it renders: kubectl kustomize "
        + shellQuoted(dir.toString())
        + " | imagespec "
        + command
        + " -f - (add -f FILE for the Secrets its specs name)";
  }

  /** {@code s} as one POSIX shell word: as it is when that is safe, else single-quoted. */
  static String shellQuoted(String s) {
    if (s.startsWith("-")) {
      s = "./" + s; // not an option to kubectl
    }
    if (!s.isEmpty() && s.chars().allMatch(ManifestInputs::shellSafe)) {
      return s;
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static boolean shellSafe(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "_./:=+@%,-".indexOf(c) >= 0;
  }

  private static final List<String> KUSTOMIZATION_FILES =
      List.of("kustomization.yaml", "kustomization.yml", "Kustomization");

  private static boolean isYaml(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".yaml") || name.endsWith(".yml");
  }

  private static void readFile(Path p, ManifestCollector out, BiConsumer<String, String> text) {
    String source = p.toString();
    try {
      if (Files.isRegularFile(p) && Files.size(p) > ManifestLimits.MAX_SOURCE_BYTES) {
        out.error(source, 0, null, null, ManifestLimits.tooLarge(Files.size(p)));
        return;
      }
      byte[] bytes;
      try (InputStream in = Files.newInputStream(p)) {
        bytes = readBounded(in);
      }
      decode(source, bytes, out, text);
    } catch (TooLarge e) {
      out.error(source, 0, null, null, ManifestLimits.tooLarge(-1));
    } catch (NoSuchFileException e) {
      out.error(source, 0, null, null, "no such file or directory");
    } catch (IOException e) {
      out.error(source, 0, null, null, "cannot read: " + e.getMessage());
    }
  }

  /** All of {@code in}, unless it holds more than a source may (not a file: a device, a pipe). */
  private static byte[] readBounded(InputStream in) throws IOException, TooLarge {
    byte[] bytes = in.readNBytes(ManifestLimits.MAX_SOURCE_BYTES + 1);
    if (bytes.length > ManifestLimits.MAX_SOURCE_BYTES) {
      throw new TooLarge();
    }
    return bytes;
  }

  /** A source with more bytes than {@link ManifestLimits#MAX_SOURCE_BYTES}. */
  private static final class TooLarge extends Exception {
    TooLarge() {
      super(null, null, false, false);
    }
  }

  private static void decode(
      String source, byte[] bytes, ManifestCollector out, BiConsumer<String, String> text) {
    String decoded;
    try {
      decoded = utf8(bytes);
    } catch (NotUtf8 e) {
      out.error(source, 0, null, null, e.getMessage());
      return;
    }
    text.accept(source, decoded);
  }

  /**
   * {@code bytes} decoded as UTF-8.
   *
   * @throws NotUtf8 at the first byte that does not belong to a valid UTF-8 sequence, saying where
   */
  static String utf8(byte[] bytes) throws NotUtf8 {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer chars = CharBuffer.allocate(bytes.length); // UTF-8 never has more chars than bytes
    CoderResult result = decoder.decode(in, chars, true);
    if (!result.isError()) {
      result = decoder.flush(chars);
    }
    if (result.isError()) {
      throw new NotUtf8(bytes, in.position(), result.length());
    }
    return chars.flip().toString();
  }

  /** A source that is not valid UTF-8; the message says where. */
  static final class NotUtf8 extends Exception {
    NotUtf8(byte[] bytes, int offset, int length) {
      super(describe(bytes, offset, length));
    }

    private static String describe(byte[] bytes, int offset, int length) {
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < offset; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      String before = new String(bytes, lineStart, offset - lineStart, StandardCharsets.UTF_8);
      int column = before.codePointCount(0, before.length()) + 1;
      int shown = Math.max(1, Math.min(length, bytes.length - offset));
      return "not valid UTF-8: "
          + (shown == 1 ? "byte 0x" : "bytes 0x")
          + HexFormat.of().withUpperCase().formatHex(bytes, offset, offset + shown)
          + " at line "
          + line
          + ", column "
          + column
          + " (byte offset "
          + offset
          + "); manifests must be UTF-8";
    }
  }
}
