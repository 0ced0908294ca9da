package dev.imagespec.engine.cri;

import dev.imagespec.engine.EngineException;
import java.util.List;

/** An image cannot be removed: containers use it (named in the message). */
public class ImageInUseException extends EngineException {
  private final List<String> containers;

  public ImageInUseException(String image, List<String> containers) {
    super(
        "image "
            + image
            + " is in use by container(s) "
            + String.join(", ", containers)
            + ": remove them first");
    this.containers = List.copyOf(containers);
  }

  /** Names of the containers that use the image. */
  public List<String> containers() {
    return containers;
  }
}
