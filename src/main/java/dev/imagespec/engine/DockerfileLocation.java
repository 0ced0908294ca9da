package dev.imagespec.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Where a directory context's Dockerfile is and how it is sent, as docker-py does: one inside the
 * directory is sent with the context under its relative name (kept even when {@code .dockerignore}
 * excludes it); one outside is read (at most 16 MiB) and added to the tar under a random name.
 *
 * @param param the engine's {@code dockerfile} parameter (null for its default, {@code Dockerfile})
 * @param nameInContext the Dockerfile's name in the tar
 * @param outside the content of a Dockerfile outside the directory, else null
 * @param text the Dockerfile's text when it could be read (to find the registries its {@code FROM}
 *     lines name), else null
 */
record DockerfileLocation(String param, String nameInContext, byte[] outside, String text) {
  /** Longest Dockerfile read into memory (a lone Dockerfile, or one outside the directory). */
  static final int MAX_BYTES = 16 << 20;

  /** Finds the Dockerfile of context {@code root} (a real path) for the build option. */
  static DockerfileLocation find(Path root, String option) {
    boolean given = option != null && !option.isEmpty();
    Path path = given ? resolve(root, option) : root.resolve("Dockerfile");
    if (!path.normalize().startsWith(root)) {
      byte[] outside = read(path);
      String name = ".dockerfile." + HexFormat.of().formatHex(randomBytes());
      return new DockerfileLocation(
          name, name, outside, new String(outside, StandardCharsets.UTF_8));
    }
    String relative = root.relativize(path.normalize()).toString().replace('\\', '/');
    return new DockerfileLocation(given ? relative : option, relative, null, textOf(path));
  }

  /**
   * {@code ignore}, but never excluding {@code .dockerignore} nor a Dockerfile inside the context:
   * the docker CLI always sends both.
   */
  DockerIgnore keepIn(DockerIgnore ignore) {
    DockerIgnore kept = ignore;
    if (kept.excludes(".dockerignore")) {
      kept = kept.with("!.dockerignore");
    }
    if (outside == null && kept.excludes(nameInContext)) {
      kept = kept.with("!" + nameInContext);
    }
    return kept;
  }

  /** A lone Dockerfile read from {@code in} (at most 16 MiB); the stream is not closed. */
  static byte[] readLone(InputStream in) {
    try {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new InvalidArgumentException("Dockerfile is larger than 16 MiB");
      }
      return bytes;
    } catch (IOException e) {
      throw new InvalidArgumentException("cannot read the Dockerfile: " + e.getMessage());
    }
  }

  private static Path resolve(Path root, String option) {
    Path p = Path.of(option);
    return p.isAbsolute() ? p : root.resolve(p);
  }

  private static byte[] read(Path path) {
    try {
      if (Files.size(path) > MAX_BYTES) {
        throw new InvalidArgumentException("Dockerfile " + path + " is larger than 16 MiB");
      }
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new InvalidArgumentException("Dockerfile " + path + " does not exist");
    } catch (IOException e) {
      throw new InvalidArgumentException("cannot read Dockerfile " + path + ": " + e.getMessage());
    }
  }

  /** The text of a Dockerfile inside the context; null when it cannot be read here. */
  private static String textOf(Path path) {
    if (!Files.isRegularFile(path)) {
      return null;
    }
    try {
      return Files.size(path) <= MAX_BYTES ? Files.readString(path, StandardCharsets.UTF_8) : null;
    } catch (IOException | RuntimeException e) {
      return null; // only used to find registries; the engine reads it from the context
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    new SecureRandom().nextBytes(b);
    return b;
  }
}
