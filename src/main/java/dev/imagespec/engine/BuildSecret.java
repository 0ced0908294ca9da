package dev.imagespec.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A build secret (podman-py's {@code secrets}, libpod's {@code secrets}; a Dockerfile reads it with
 * {@code RUN --mount=type=secret,id=ID}): the file {@code source} is sent beside the context and
 * Podman moves it out of the context before the build, so it lands neither in the image nor in its
 * history. Its content is never logged; {@link #toString()} names the id and the file only.
 * Docker's classic builder has no build secrets ({@link UnsupportedOperationException}).
 */
public record BuildSecret(String id, Path source) {
  public BuildSecret {
    Objects.requireNonNull(source, "source");
    if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new InvalidArgumentException(
          "invalid build secret id '"
              + id
              + "': letters, digits, '.', '_' and '-', starting with a letter or digit");
    }
    if (!Files.isRegularFile(source) || !Files.isReadable(source)) {
      throw new InvalidArgumentException(
          "build secret '" + id + "': " + source + " is not a readable file");
    }
  }
}
