package dev.imagespec.engine;

import java.util.List;

/**
 * What a build made: the image and the build's log (podman-py's {@code (Image, logs)}).
 *
 * @param image the image built, with its full inspect document
 * @param log the build's output, line by line
 */
public record BuildResult(Image image, List<String> log) {
  public BuildResult {
    log = List.copyOf(log);
  }
}
