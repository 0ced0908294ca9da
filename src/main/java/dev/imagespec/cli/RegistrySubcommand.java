package dev.imagespec.cli;

import dev.imagespec.engine.ImageReference;
import picocli.CommandLine.Mixin;

/**
 * An {@code images} subcommand about one reference on a registry (pull, push, registry-data): the
 * reference, checked before any engine call, and {@code --creds}. Each subclass declares the {@code
 * IMAGE} parameter with its own description through a setter.
 */
abstract class RegistrySubcommand extends ImagesSubcommand {
  @Mixin CredsOption creds;

  String reference;

  @Override
  void validate() {
    ImageReference.parse(reference);
  }
}
