package dev.imagespec.cli;

import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.Images;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;

/**
 * An {@code imagespec images} subcommand: checks its input, connects to the engine, runs against
 * its images and prints as {@code -o} says.
 */
abstract class ImagesSubcommand extends EngineCommand {
  @Mixin OutputOptions output;

  @Override
  public Integer call() {
    validate();
    for (CommandSpec mixin : spec.mixins().values()) {
      if (mixin.userObject() instanceof CheckedOptions options) {
        options.check();
      }
    }
    try (EngineClient client = engine.connect()) {
      return run(client.images());
    }
  }

  /**
   * Checks the input before any engine is looked for: bad input exits 2 even without one. The
   * {@link CheckedOptions} mixins are checked after it.
   */
  void validate() {}

  abstract Integer run(Images images);
}
