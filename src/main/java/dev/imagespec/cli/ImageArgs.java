package dev.imagespec.cli;

import dev.imagespec.engine.Images;
import java.util.List;
import picocli.CommandLine.Parameters;

/** The local images a command works on: {@code IMAGE} (one) or {@code IMAGE...} (several). */
final class ImageArgs {
  private ImageArgs() {}

  /** {@code IMAGE}: one local image by name or ID. */
  static final class One implements CheckedOptions {
    @Parameters(paramLabel = "IMAGE")
    String name;

    @Override
    public void check() {
      Images.checkName(name);
    }
  }

  /** {@code IMAGE...}: one or more local images by name or ID. */
  static final class Several implements CheckedOptions {
    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<String> names;

    @Override
    public void check() {
      names.forEach(Images::checkName);
    }
  }
}
