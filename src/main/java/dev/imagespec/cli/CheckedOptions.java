package dev.imagespec.cli;

/**
 * A mixin whose values can be checked before any engine is looked for: {@link ImagesSubcommand}
 * checks every such mixin of its command after its own {@code validate()}.
 */
interface CheckedOptions {
  /** Throws {@link CliUsageException} for a malformed value. */
  void check();
}
